"""The ``infoplane bench`` page: estimate against truth, and where each estimator fails."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from infoplane.reports.figures import LAYER_COLOURS
from infoplane.reports.page import figure_html, table_html, html_page

FAMILY_SYMBOLS = {"gaussian": "circle", "transformed": "diamond", "student-t": "square", "discrete": "x", "echo": "star"}


def _per_pair(results: pd.DataFrame) -> pd.DataFrame:
    ok = results[results["status"] == "ok"]
    return (
        ok.groupby(["estimator", "task", "family"], sort=False)
        .agg(truth=("truth", "first"), mean=("estimate", "mean"), std=("estimate", "std"), seeds=("seed", "count"))
        .reset_index()
    )


def truth_scatter_figure(results: pd.DataFrame) -> go.Figure:
    """Per estimator, the mean estimate against the truth (bits) with ±1 sd over seeds and the y = x line."""
    pairs = _per_pair(results)
    estimators = list(dict.fromkeys(results["estimator"]))
    fig = make_subplots(rows=1, cols=len(estimators), subplot_titles=estimators, shared_yaxes=True)
    top = float(np.nanmax([pairs["truth"].max(), pairs["mean"].max(), 1.0])) * 1.05
    for col, name in enumerate(estimators, start=1):
        fig.add_trace(
            go.Scatter(x=[0, top], y=[0, top], mode="lines", line=dict(color="grey", dash="dot"), showlegend=False, hoverinfo="skip"),
            row=1,
            col=col,
        )
        for k, (family, group) in enumerate(pairs[pairs["estimator"] == name].groupby("family", sort=False)):
            fig.add_trace(
                go.Scatter(
                    x=group["truth"],
                    y=group["mean"],
                    error_y=dict(type="data", array=group["std"].fillna(0.0)),
                    mode="markers",
                    name=family,
                    legendgroup=family,
                    showlegend=col == 1,
                    marker=dict(symbol=FAMILY_SYMBOLS.get(family, "circle"), size=8, color=LAYER_COLOURS[k % len(LAYER_COLOURS)]),
                    text=group["task"],
                    hovertemplate="%{text}<br>truth %{x:.3f} bits<br>estimate %{y:.3f} bits<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="true MI (bits)", range=[0, top])
    fig.update_yaxes(title_text="estimate (bits)", range=[0, top])
    fig.update_layout(height=420)
    return fig


def relative_error_heatmap(results: pd.DataFrame) -> go.Figure:
    """(mean estimate − truth) / truth per task × estimator; blank where the pair was skipped or failed."""
    pairs = _per_pair(results)
    pairs["relative_error"] = (pairs["mean"] - pairs["truth"]) / pairs["truth"]
    grid = pairs.pivot(index="task", columns="estimator", values="relative_error")
    tasks = list(dict.fromkeys(results["task"]))
    grid = grid.reindex(index=tasks, columns=list(dict.fromkeys(results["estimator"])))
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            zmid=0,
            zmin=-1,
            zmax=1,
            colorscale="RdBu_r",
            colorbar=dict(title="relative<br>error"),
            hovertemplate="%{y}<br>%{x}: %{z:+.2f}<extra></extra>",
        )
    )
    fig.update_layout(height=max(400, 22 * len(tasks)), yaxis=dict(autorange="reversed"))
    return fig


def write_bench_report(path: str | os.PathLike[str], results: pd.DataFrame, summary: pd.DataFrame) -> Path:
    """Write the self-contained bench page (plotly.js inlined) and return its path."""
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
    page = html_page("infoplane bench", body)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


__all__ = ["relative_error_heatmap", "truth_scatter_figure", "write_bench_report"]
