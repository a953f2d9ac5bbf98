"""Page assembly shared by every page (report, bench, study): the style, the page shell with plotly.js
inlined once, a figure's ``<div>``, a table, and the one way a page is written (atomically)."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from infoplane.outputs import atomic_write_text

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
            if isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{float_format.format(value)}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_page(title: str, body: str) -> str:
    """A complete, self-contained page: our style and plotly.js inlined, so it opens offline."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>{body}</body></html>"
    )


def figure_html(fig: Any, div_id: str) -> str:
    """A plotly figure as a ``<div id=div_id>`` for a page that inlines plotly.js itself."""
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def write_page(path: str | os.PathLike[str], title: str, body: str) -> Path:
    """Write :func:`html_page` of ``body`` to ``path`` atomically (a unique temporary file beside it, then
    a rename: an interrupted or concurrent write never leaves a partial page) and return the path."""
    return atomic_write_text(path, html_page(title, body))


__all__ = ["figure_html", "html_page", "table_html", "write_page"]
