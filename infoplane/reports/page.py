"""The self-contained HTML report: plotly.js embedded once, every figure, the tables and metadata.

It reads an MI table and one :class:`~infoplane.reports.summary.RunSummary` per run, never run files or
estimators; :mod:`infoplane.pipeline` loads runs and estimates.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infoplane.analysis.compression import per_run_phases
from infoplane.analysis.diagnostics import saturation
from infoplane.outputs import atomic_write_bytes, atomic_write_text
from infoplane.reports.figures import finite_estimates, report_figures
from infoplane.reports.html import figure_html, html_page, table_html
from infoplane.reports.summary import RunSummary, summarise


def as_summaries(runs: Iterable[Any]) -> list[RunSummary]:
    """Each item as a :class:`RunSummary`: summaries are kept, anything else is :func:`summarise`\\ d."""
    return [summarise(r) for r in runs]


def _metadata_html(summary: RunSummary) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(v if isinstance(v, str) else json.dumps(v, default=str))}</td></tr>"
        for k, v in summary.metadata.items()
    )
    model = html.escape(summary.model)
    epochs = summary.epochs
    logged = f"{len(epochs)} ({epochs[0]} … {epochs[-1]})" if epochs else "0"
    note = summary.incomplete_note
    return (
        f"<h3>{html.escape(summary.name)}</h3>"
        + (f"<p class='warning'>{html.escape(note)}</p>" if note else "")
        + f"<table>{rows}"
        f"<tr><th>logged epochs</th><td>{logged}</td></tr>"
        f"<tr><th>probe samples</th><td>{summary.n_samples}</td></tr></table>"
        + (f"<details><summary>model</summary><pre>{model}</pre></details>" if model else "")
    )


def _incomplete_html(summaries: Sequence[RunSummary]) -> str:
    """A visible warning per incomplete run (training stopped before its schedule's end)."""
    notes = [f"{s.name}: {s.incomplete_note}" for s in summaries if s.incomplete_note]
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<div class='warning'><b>Incomplete runs.</b> Training stopped before the end of its schedule (e.g. "
        f"interrupted), so the last epochs are missing and the trajectory is not the finished run's:<ul>{items}</ul></div>"
    )


def _infinite_html(table: pd.DataFrame) -> str:
    """A visible note naming the estimates that are infinite (left out of every figure and table)."""
    values = table[["I_XT", "I_TY"]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    infinite = table[np.isinf(values).any(axis=1)]
    if infinite.empty:
        return ""
    groups = infinite.groupby(["run", "estimator", "layer"], sort=False)["epoch"]
    items = "".join(
        f"<li>run {html.escape(str(run))}, {html.escape(str(est))}, layer {html.escape(str(layer))}: epochs "
        f"{html.escape(', '.join(str(int(e)) for e in epochs[:10]))}{' …' if len(epochs) > 10 else ''}</li>"
        for (run, est, layer), epochs in ((k, list(v)) for k, v in groups)
    )
    return (
        f"<div class='warning'><b>{len(infinite)} infinite estimates</b> are not drawn and not used in the tables "
        f"below (shown as gaps, like a diverged epoch); an infinite mutual information of a finite probe set is "
        f"an estimator failure:<ul>{items}</ul></div>"
    )


def write_pngs(
    path: str | os.PathLike[str], table: pd.DataFrame, summaries: Sequence[RunSummary | Any]
) -> list[Path]:
    """Each report figure as ``{stem}-{figure}.png`` beside ``path``, through kaleido and a Chromium.

    Args:
        path: the report's path; the PNGs go beside it.
        table: the MI table.
        summaries: one :class:`RunSummary` per run in the table (runs are summarised).

    Raises:
        RuntimeError: kaleido is not installed or finds no Chrome/Chromium; the message says what to install.
    """
    path = Path(path)
    written = []
    for name, fig in report_figures(table, as_summaries(summaries)).items():
        target = path.with_name(f"{path.stem}-{name}.png")
        try:
            image = fig.to_image(format="png", width=1400, height=int(fig.layout.height or 500))
        except Exception as exc:  # noqa: BLE001 - kaleido reports a missing browser in several ways
            raise RuntimeError(
                f"--png needs kaleido and a Chrome or Chromium: pip install 'infoplane[png]' and apt-get install "
                f"chromium ({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})"
            ) from None
        written.append(atomic_write_bytes(target, image))
    return written


def render_report(
    table: pd.DataFrame,
    summaries: Sequence[RunSummary | Any],
    descriptions: Mapping[str, str],
    *,
    title: str = "infoplane report",
) -> str:
    """The report page as one HTML string (plotly.js inlined: it opens offline).

    Args:
        table: the MI table of the runs (``infoplane.estimate``); panel titles come from its ``setting``
            column (the estimator's label), else the estimator's name.
        summaries: one :class:`RunSummary` per run in the table (anything else is :func:`summarise`\\ d),
            for bounds, metrics, completeness and metadata.
        descriptions: per estimator name in the table, its ``describe()`` line.
        title: the page title.

    Raises:
        ValueError: the table is empty, names a run no summary describes, or has a negative epoch.
    """
    summaries = as_summaries(summaries)
    figures = report_figures(table, summaries)
    shown = finite_estimates(table)
    max_xt = max(s.log2_n for s in summaries)
    max_ty = max(s.label_entropy_bits for s in summaries)
    widths = {s.name: dict(s.widths) for s in summaries}
    flags = saturation(shown, {s.name: s.n_samples for s in summaries}, widths)
    drops = per_run_phases(shown).drop(columns=["seed", "params"])
    drops = drops.rename(
        columns={
            "peak_I_XT": "peak I(X;T)",
            "final_I_XT": "final I(X;T)",
            "delta_bits": "drop after peak (bits)",
            "fit_rise_bits": "rise of I(T;Y) (bits)",
        }
    )
    drops = drops.drop(columns=[c for c in ("setting",) if c in drops.columns])
    estimator_list = "".join(
        f"<li><code>{html.escape(descriptions.get(name, name))}</code></li>" for name in dict.fromkeys(table["estimator"])
    )
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        _incomplete_html(summaries),
        f"<p class='note'>Runs: {', '.join(html.escape(s.name) for s in summaries)}. All values are in bits. "
        f"Bounds: I(X;T) ≤ log<sub>2</sub> N = {max_xt:.2f} bits for N distinct probe inputs; "
        f"I(T;Y) ≤ H(Y) = {max_ty:.4f} bits. Every estimator measures a proxy of the MI of a deterministic "
        f"network, named below with its parameters.</p><ul>{estimator_list}</ul>",
        _infinite_html(table),
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
        *(_metadata_html(s) for s in summaries),
    ]
    return html_page(title, "\n".join(s for s in sections if s))


def write_report(
    path: str | os.PathLike[str],
    table: pd.DataFrame,
    summaries: Sequence[RunSummary | Any],
    descriptions: Mapping[str, str],
    *,
    title: str = "infoplane report",
) -> Path:
    """Write :func:`render_report` to ``path`` atomically (unique temporary name, then a rename) and return
    the path. ``summaries``: one :class:`RunSummary` per run in ``table`` (anything else is summarised)."""
    summaries = as_summaries(summaries)
    return atomic_write_text(path, render_report(table, summaries, descriptions, title=title))


__all__ = ["as_summaries", "render_report", "write_pngs", "write_report"]
