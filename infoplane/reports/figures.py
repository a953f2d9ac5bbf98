"""Plotly figures of MI tables and run metrics, one function each. They read tables, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

LAYER_COLOURS = qualitative.D3 + qualitative.Set2
LAYER_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon", "pentagon"]
RUN_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
EPOCH_COLOURSCALE = "Viridis"


def _ordered(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


def _epoch_colour_axis(max_epoch: int) -> dict[str, object]:
    """A shared, log-scaled epoch colour bar: the colour value is log10(epochs trained)."""
    top = max(1.0, float(np.log10(max_epoch + 1)))
    ticks = [t for t in range(int(np.floor(top)) + 1)]
    return dict(
        colorscale=EPOCH_COLOURSCALE,
        cmin=0.0,
        cmax=top,
        colorbar=dict(title="epochs<br>trained", tickvals=ticks, ticktext=[f"{10**t:g}" for t in ticks]),
    )


def information_plane_figure(
    table: pd.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    limits: tuple[float, float] | None = None,
) -> go.Figure:
    """The information plane: one panel per (estimator, run), side by side on shared axes.

    In each panel every layer is one trace, a line through its epochs with markers coloured by epoch
    on one colour scale shared by all panels; hovering shows layer, epoch and both values.

    Args:
        table: an MI table (``infoplane.estimate``).
        titles: per estimator name, a row title (e.g. its ``describe()``).
        limits: (I(X;T) max, I(T;Y) max) of the axes, e.g. (log2 N, H(Y)) with a margin.
    """
    runs = _ordered(table["run"])
    estimators = _ordered(table["estimator"])
    subplot_titles = [
        f"{(titles or {}).get(est, est)}<br>{run}" if len(estimators) > 1 else run for est in estimators for run in runs
    ]
    fig = make_subplots(
        rows=len(estimators),
        cols=len(runs),
        shared_xaxes="all",
        shared_yaxes="all",
        subplot_titles=subplot_titles,
        horizontal_spacing=0.06,
        vertical_spacing=0.12 if len(estimators) > 1 else 0.1,
    )
    colour_axis = _epoch_colour_axis(int(table["epoch"].max()))
    layers = _ordered(table.sort_values("layer_index")["layer"])
    for k, layer in enumerate(layers):
        # Legend entries of their own: plotly.js cannot draw a legend symbol for markers coloured
        # through a colour axis (it logs "Invalid color specifier"), so the data traces stay out of it.
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines+markers",
                name=str(layer),
                legendgroup=str(layer),
                line=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], width=1),
                marker=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], symbol=LAYER_SYMBOLS[k % len(LAYER_SYMBOLS)]),
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    for row, est in enumerate(estimators, start=1):
        for col, run in enumerate(runs, start=1):
            panel = table[(table["estimator"] == est) & (table["run"] == run)]
            for k, layer in enumerate(layers):
                group = panel[panel["layer"] == layer].sort_values("epoch")
                if group.empty:
                    continue
                epochs = group["epoch"].to_numpy()
                fig.add_trace(
                    go.Scatter(
                        x=group["I_XT"],
                        y=group["I_TY"],
                        mode="lines+markers",
                        name=str(layer),
                        legendgroup=str(layer),
                        showlegend=False,
                        line=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], width=1),
                        marker=dict(
                            color=np.log10(epochs + 1),
                            coloraxis="coloraxis",
                            size=7,
                            symbol=LAYER_SYMBOLS[k % len(LAYER_SYMBOLS)],
                            line=dict(width=0.5, color="white"),
                        ),
                        customdata=np.stack([epochs, np.full(len(epochs), run, dtype=object)], axis=1),
                        hovertemplate=(
                            f"layer {layer}<br>run %{{customdata[1]}}<br>epoch %{{customdata[0]}}"
                            "<br>I(X;T) = %{x:.3f} bits<br>I(T;Y) = %{y:.3f} bits<extra></extra>"
                        ),
                    ),
                    row=row,
                    col=col,
                )
    fig.update_layout(
        coloraxis=colour_axis,
        height=150 + 430 * len(estimators),
        legend=dict(title_text="layer", orientation="h", x=0, y=0.99, yanchor="top", yref="container"),
        margin=dict(t=120),
    )
    fig.update_xaxes(title_text="I(X;T) (bits)", range=[0, limits[0]] if limits else None)
    fig.update_yaxes(title_text="I(T;Y) (bits)", range=[0, limits[1]] if limits else None)
    return fig


def mi_vs_epoch_figure(table: pd.DataFrame) -> go.Figure:
    """I(X;T) and I(T;Y) against epochs trained (log axis): a line per (run, layer), per estimator."""
    estimators = _ordered(table["estimator"])
    runs = _ordered(table["run"])
    layers = _ordered(table.sort_values("layer_index")["layer"])
    fig = make_subplots(
        rows=len(estimators),
        cols=2,
        shared_xaxes=True,
        subplot_titles=[f"{q} — {est}" for est in estimators for q in ("I(X;T)", "I(T;Y)")],
    )
    for row, est in enumerate(estimators, start=1):
        for (run, layer), group in table[table["estimator"] == est].groupby(["run", "layer"], sort=False):
            group = group.sort_values("epoch")
            k, r = layers.index(layer), runs.index(run)
            for col, column in enumerate(("I_XT", "I_TY"), start=1):
                fig.add_trace(
                    go.Scatter(
                        x=group["epoch"] + 1,
                        y=group[column],
                        mode="lines",
                        name=f"{run} · {layer}",
                        legendgroup=f"{run} · {layer}",
                        showlegend=row == 1 and col == 1,
                        line=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], dash=RUN_DASHES[r % len(RUN_DASHES)]),
                        hovertemplate=f"{run} · {layer}<br>epoch %{{x}}<br>%{{y:.3f}} bits<extra></extra>",
                    ),
                    row=row,
                    col=col,
                )
    fig.update_xaxes(type="log", title_text="epochs trained")
    fig.update_yaxes(title_text="bits")
    fig.update_layout(height=380 * len(estimators))
    return fig


def training_figure(metrics: Mapping[str, Mapping[str, Sequence[float]]], epochs: Mapping[str, Sequence[int]]) -> go.Figure:
    """Loss and accuracy against epochs trained (log axis), per run.

    Args:
        metrics: per run name, its metrics (name → one value per logged epoch).
        epochs: per run name, its logged epochs.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=["loss (cross-entropy, nats)", "accuracy"])
    for r, (run, values) in enumerate(metrics.items()):
        x = np.asarray(epochs[run]) + 1
        for name, series in values.items():
            col = 2 if "acc" in name else 1
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=list(series),
                    mode="lines",
                    name=f"{run} · {name}",
                    line=dict(dash=RUN_DASHES[r % len(RUN_DASHES)]),
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(type="log", title_text="epochs trained")
    fig.update_layout(height=380)
    return fig
