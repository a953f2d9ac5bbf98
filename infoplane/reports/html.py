"""Page assembly shared by every page (report, bench, study): the style, the page shell with plotly.js
(inlined once, from a CDN, or from a ``plotly.min.js`` beside the page), a figure's ``<div>``, a table, a
download link holding a table, and the one way a page is written (atomically)."""

from __future__ import annotations

import base64
import html
import math
import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs, get_plotlyjs_version

from infoplane.errors import UsageError
from infoplane.outputs import atomic_write_text

#: Where a page gets plotly.js: ``inline`` (in the page, ~4.6 MB: opens offline, the default), ``cdn``
#: (a ``<script src>`` to cdn.plot.ly: small, needs the internet) or ``directory`` (``plotly.min.js``
#: written once beside the page: small pages that share one copy, offline).
PlotlyJS = Literal["inline", "cdn", "directory"]
PLOTLYJS_MODES: tuple[str, ...] = ("inline", "cdn", "directory")
#: The file ``plotlyjs="directory"`` writes beside the page.
PLOTLYJS_FILE = "plotly.min.js"
#: What a missing value (None, NaN) shows as in every table.
MISSING = "—"

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1300px;padding:0 1em;color:#222}
h1{margin-bottom:0.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:0.2em}
table{border-collapse:collapse;font-size:0.9em;margin:0.5em 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:0.92em} pre{background:#f7f7f7;padding:0.6em;overflow-x:auto;font-size:0.8em}
.warning{color:#8a4b00;background:#fff6e5;border-left:4px solid #e69500;padding:0.4em 0.8em}
"""


def table_html(frame: pd.DataFrame, float_format: str = "{:.3f}") -> str:
    """``frame`` as an HTML table: floats right-aligned with ``float_format``, everything else escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
                cells.append(f"<td>{MISSING}</td>")
            elif isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{float_format.format(value)}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def check_plotlyjs(plotlyjs: str) -> str:
    """``plotlyjs`` if it is one of :data:`PLOTLYJS_MODES`.

    Raises:
        UsageError: another value (the message lists the valid ones).
    """
    if plotlyjs not in PLOTLYJS_MODES:
        raise UsageError(f"plotlyjs={plotlyjs!r}: use one of {', '.join(PLOTLYJS_MODES)}")
    return plotlyjs


def plotlyjs_cdn_url() -> str:
    """The CDN address of the plotly.js version this plotly bundles."""
    return f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"


def plotlyjs_path(page: str | os.PathLike[str]) -> Path:
    """Where ``plotlyjs="directory"`` keeps plotly.js for ``page``: :data:`PLOTLYJS_FILE` beside it."""
    return Path(page).with_name(PLOTLYJS_FILE)


def _plotlyjs_tag(plotlyjs: str) -> str:
    check_plotlyjs(plotlyjs)
    if plotlyjs == "cdn":
        return f"<script src='{plotlyjs_cdn_url()}' charset='utf-8'></script>"
    if plotlyjs == "directory":
        return f"<script src='{PLOTLYJS_FILE}' charset='utf-8'></script>"
    return f"<script type='text/javascript'>{get_plotlyjs()}</script>"


def html_page(title: str, body: str, plotlyjs: PlotlyJS = "inline") -> str:
    """A complete page: our style and plotly.js (inlined by default, so it opens offline; see
    :data:`PlotlyJS`)."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"{_plotlyjs_tag(plotlyjs)}</head><body>{body}</body></html>"
    )


def download_link(frame: pd.DataFrame, filename: str, text: str) -> str:
    """A link that saves ``frame`` as CSV (UTF-8, no index) from the page itself, offline: the CSV is
    embedded as a base64 ``data:`` URI."""
    payload = base64.b64encode(frame.to_csv(index=False).encode("utf-8")).decode("ascii")
    return (
        f"<a class='download' download='{html.escape(filename, quote=True)}' "
        f"href='data:text/csv;charset=utf-8;base64,{payload}'>{html.escape(text)}</a>"
    )


def write_plotlyjs(page: str | os.PathLike[str]) -> Path:
    """Write plotly.js beside ``page`` (:func:`plotlyjs_path`) unless an identical copy is there already;
    atomically, so pages sharing the folder never see half a file. Returns its path."""
    target = plotlyjs_path(page)
    source = get_plotlyjs()
    if target.is_file() and target.stat().st_size == len(source.encode("utf-8")):
        if target.read_text(encoding="utf-8") == source:
            return target
    return atomic_write_text(target, source)


def figure_html(fig: Any, div_id: str) -> str:
    """A plotly figure as a ``<div id=div_id>`` for a page that loads plotly.js itself. A figure with frames
    waits for its play button (no autoplay)."""
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}, auto_play=False
    )


def write_page(path: str | os.PathLike[str], title: str, body: str, plotlyjs: PlotlyJS = "inline") -> Path:
    """Write :func:`html_page` of ``body`` to ``path`` atomically (a unique temporary file beside it, then
    a rename: an interrupted or concurrent write never leaves a partial page) and return the path. With
    ``plotlyjs="directory"``, plotly.js is written beside it first (:func:`write_plotlyjs`)."""
    page = html_page(title, body, plotlyjs)
    if plotlyjs == "directory":
        write_plotlyjs(path)
    return atomic_write_text(path, page)


__all__ = [
    "MISSING",
    "PLOTLYJS_FILE",
    "PLOTLYJS_MODES",
    "PlotlyJS",
    "check_plotlyjs",
    "download_link",
    "figure_html",
    "html_page",
    "plotlyjs_cdn_url",
    "plotlyjs_path",
    "table_html",
    "write_page",
    "write_plotlyjs",
]
