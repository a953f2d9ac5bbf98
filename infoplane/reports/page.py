"""The self-contained HTML report: plotly.js embedded once, every figure, the tables and metadata."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from infoplane.analysis.diagnostics import saturation
from infoplane.analysis.compression import per_run_phases
from infoplane.reports.figures import information_plane_figure, mi_vs_epoch_figure, training_figure
from infoplane.run import Run

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1300px;padding:0 1em;color:#222}
h1{margin-bottom:0.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:0.2em}
table{border-collapse:collapse;font-size:0.9em;margin:0.5em 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:0.92em} pre{background:#f7f7f7;padding:0.6em;overflow-x:auto;font-size:0.8em}
"""


def label_entropy_bits(labels: np.ndarray) -> float:
    """H(Y) in bits of a label vector: the upper bound of I(T;Y)."""
    counts = np.bincount(labels)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def table_html(frame: pd.DataFrame, float_format: str = "{:.3f}") -> str:
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


def _metadata_html(run: Run) -> str:
    items = {k: v for k, v in run.metadata.items() if k != "model"}
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(v if isinstance(v, str) else json.dumps(v, default=str))}</td></tr>"
        for k, v in items.items()
    )
    model = html.escape(str(run.metadata.get("model", "")))
    return (
        f"<h3>{html.escape(run.name)}</h3><table>{rows}"
        f"<tr><th>logged epochs</th><td>{len(run.epochs)} ({run.epochs[0]} … {run.epochs[-1]})</td></tr>"
        f"<tr><th>probe samples</th><td>{run.n_samples}</td></tr></table>"
        + (f"<details><summary>model</summary><pre>{model}</pre></details>" if model else "")
    )


def _short_title(name: str, table: pd.DataFrame) -> str:
    """An estimator's name and the parameters it was given, for a panel title (ranges left out)."""
    params = json.loads(table.loc[table["estimator"] == name, "params"].iloc[0])
    shown = {k: v for k, v in params.items() if v is not None and k not in ("range", "device", "label_params")}
    return f"{name} ({', '.join(f'{k}={v}' for k, v in shown.items())})" if shown else name


def html_page(title: str, body: str) -> str:
    """A complete, self-contained page: our style and plotly.js inlined, so it opens offline."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>{body}</body></html>"
    )


def figure_html(fig: Any, div_id: str) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def report_figures(table: pd.DataFrame, runs: Sequence[Run]) -> dict[str, Any]:
    """The report's figures by id: ``information-plane``, ``mi-vs-epoch``, ``training``."""
    if table.empty:
        raise ValueError("the MI table is empty: nothing to report")
    max_xt = max(np.log2(r.n_samples) for r in runs)
    max_ty = max(label_entropy_bits(r.labels.numpy()) for r in runs)
    limits = (1.02 * max(max_xt, float(table["I_XT"].max())), 1.05 * max(max_ty, float(table["I_TY"].max())))
    titles = {name: _short_title(name, table) for name in dict.fromkeys(table["estimator"])}
    return {
        "information-plane": information_plane_figure(table, titles=titles, limits=limits),
        "mi-vs-epoch": mi_vs_epoch_figure(table),
        "training": training_figure({r.name: r.metrics for r in runs}, {r.name: r.epochs for r in runs}),
    }


def write_pngs(path: str | os.PathLike[str], table: pd.DataFrame, runs: Sequence[Run]) -> list[Path]:
    """Each report figure as ``{stem}-{figure}.png`` beside ``path``, through kaleido and a Chromium.

    Raises:
        RuntimeError: kaleido is not installed or finds no Chrome/Chromium; the message says what to install.
    """
    path = Path(path)
    written = []
    for name, fig in report_figures(table, runs).items():
        target = path.with_name(f"{path.stem}-{name}.png")
        try:
            fig.write_image(target, width=1400, height=int(fig.layout.height or 500))
        except Exception as exc:  # noqa: BLE001 - kaleido reports a missing browser in several ways
            raise RuntimeError(
                f"--png needs kaleido and a Chrome or Chromium: pip install 'infoplane[png]' and apt-get install "
                f"chromium ({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})"
            ) from None
        written.append(target)
    return written


def render_report(
    table: pd.DataFrame,
    runs: Sequence[Run],
    descriptions: Mapping[str, str],
    *,
    title: str = "infoplane report",
) -> str:
    """The report page as one HTML string (plotly.js inlined: it opens offline).

    Args:
        table: the MI table of ``runs`` (``infoplane.estimate``).
        runs: the runs, for their metrics and metadata.
        descriptions: per estimator name in the table, its ``describe()`` line.
        title: the page title.
    """
    figures = report_figures(table, runs)
    max_xt = max(np.log2(r.n_samples) for r in runs)
    max_ty = max(label_entropy_bits(r.labels.numpy()) for r in runs)
    flags = saturation(
        table, {r.name: r.n_samples for r in runs}, {r.name: dict(r.metadata.get("layer_widths", {})) for r in runs}
    )
    drops = per_run_phases(table).drop(columns=["seed", "params"])
    drops = drops.rename(
        columns={
            "peak_I_XT": "peak I(X;T)",
            "final_I_XT": "final I(X;T)",
            "delta_bits": "drop after peak (bits)",
            "fit_rise_bits": "rise of I(T;Y) (bits)",
        }
    )
    estimator_list = "".join(
        f"<li><code>{html.escape(descriptions.get(name, name))}</code></li>" for name in dict.fromkeys(table["estimator"])
    )
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='note'>Runs: {', '.join(html.escape(r.name) for r in runs)}. All values are in bits. "
        f"Bounds: I(X;T) ≤ log<sub>2</sub> N = {max_xt:.2f} bits for N distinct probe inputs; "
        f"I(T;Y) ≤ H(Y) = {max_ty:.4f} bits. Every estimator measures a proxy of the MI of a deterministic "
        f"network, named below with its parameters.</p><ul>{estimator_list}</ul>",
        "<h2>Information plane</h2>",
        "<p class='note'>One trajectory per layer; markers coloured by epoch on one shared scale. "
        "Fitting moves a layer up; compression moves it left.</p>",
        figure_html(figures["information-plane"], "information-plane"),
        "<h2>What the numbers can mean</h2>",
        (
            "<p class='note'>Layers flagged because their estimate sits at its ceiling or they are far wider than "
            "log<sub>2</sub> N:</p>" + table_html(flags[["run", "estimator", "layer", "epochs_at_ceiling", "epochs", "width", "message"]])
            if len(flags)
            else "<p class='note'>No layer sits at the log<sub>2</sub> N ceiling or is far wider than log<sub>2</sub> N.</p>"
        ),
        "<h2>Did I(X;T) fall after its peak?</h2>",
        "<p class='note'>Per run and layer, one seed: the epoch and value of the I(X;T) peak, the final value "
        "and the drop. A single seed carries no uncertainty: compare seeds before calling it compression.</p>",
        table_html(drops),
        "<h2>MI against epoch</h2>",
        figure_html(figures["mi-vs-epoch"], "mi-vs-epoch"),
        "<h2>Training</h2>",
        figure_html(figures["training"], "training"),
        "<h2>Runs</h2>",
        *(_metadata_html(r) for r in runs),
    ]
    return html_page(title, "\n".join(sections))


def write_report(
    path: str | os.PathLike[str],
    table: pd.DataFrame,
    runs: Sequence[Run],
    descriptions: Mapping[str, str],
    *,
    title: str = "infoplane report",
) -> Path:
    """Write :func:`render_report` to ``path`` atomically and return the path."""
    path = Path(path)
    page = render_report(table, runs, descriptions, title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
