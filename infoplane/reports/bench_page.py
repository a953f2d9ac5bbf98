"""The ``infoplane bench`` page: estimate against truth, and where each estimator fails.

Its figures are :func:`~infoplane.reports.figures.truth_scatter_figure` and
:func:`~infoplane.reports.figures.relative_error_heatmap`; this module only assembles the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from infoplane.reports.figures import relative_error_heatmap, truth_scatter_figure
from infoplane.reports.html import PlotlyJS, figure_html, table_html, write_page


def write_bench_report(
    path: str | os.PathLike[str], results: pd.DataFrame, summary: pd.DataFrame, *, plotlyjs: PlotlyJS = "inline"
) -> Path:
    """Write the bench page atomically and return its path; plotly.js inlined (self-contained, offline) by
    default, or ``plotlyjs="cdn"`` / ``"directory"`` (see :data:`~infoplane.reports.html.PlotlyJS`)."""
    skipped = results[results["status"] != "ok"].drop_duplicates(["task", "estimator", "status", "error"])
    body = "\n".join(
        [
            "<h1>infoplane bench</h1>",
            f"<p class='note'>{results['task'].nunique()} tasks × {results['estimator'].nunique()} estimators × "
            f"{results['seed'].nunique()} seeds, n = {int(results['n'].iloc[0])} samples each. All values in bits.</p>",
            "<h2>Median absolute error (bits) per family</h2>",
            table_html(summary.reset_index()),
            "<h2>Estimate against truth</h2><p class='note'>Mean over seeds, bars ±1 sd; the dotted line is "
            "a perfect estimator.</p>",
            figure_html(truth_scatter_figure(results), "truth-scatter"),
            "<h2>Relative error (task × estimator)</h2><p class='note'>Red over-, blue under-estimates; "
            "clipped at ±100 %; blank where skipped or failed.</p>",
            figure_html(relative_error_heatmap(results), "relative-error"),
            "<h2>Skipped and failed pairs</h2>",
            table_html(skipped[["task", "estimator", "status", "error"]]) if len(skipped) else "<p>none</p>",
        ]
    )
    return write_page(path, "infoplane bench", body, plotlyjs)


__all__ = ["write_bench_report"]
