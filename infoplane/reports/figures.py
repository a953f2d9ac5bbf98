"""Every figure of every page (report, bench, study), one function each, as Plotly figures.

They read tables (MI tables, bench results, compression verdicts) and :class:`RunSummary` objects,
nothing else; the page modules only assemble them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    from infoplane.reports.summary import RunSummary

LAYER_COLOURS = qualitative.D3 + qualitative.Set2
LAYER_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon", "pentagon"]
RUN_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
EPOCH_COLOURSCALE = "Viridis"
FAMILY_SYMBOLS = {"gaussian": "circle", "transformed": "diamond", "student-t": "square", "discrete": "x", "echo": "star"}


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
    if limits is not None and not all(np.isfinite(v) and v > 0 for v in limits):
        raise ValueError(f"information_plane_figure: limits must be two positive finite numbers of bits, got {limits}")
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


def setting_labels(frame: pd.DataFrame) -> pd.Series:
    """Per row, the short label of its estimator setting: the table's ``setting`` column (the estimator's
    own ``label``, e.g. ``binning 30 [-1,1]``) where it has one.

    A table written before that column existed falls back to the estimator's name, with the parameters
    as given (its ``params`` JSON) where one estimator appears with several settings, so that different
    settings never share a label.
    """
    if "setting" in frame.columns:
        return frame["setting"].astype(str)
    names = frame["estimator"].astype(str)
    if "params" not in frame.columns:
        return names
    several = frame.groupby("estimator")["params"].nunique()
    return pd.Series(
        [f"{name} {params}" if several.get(name, 1) > 1 else name for name, params in zip(names, frame["params"])],
        index=frame.index,
        dtype=object,
    )


def check_epochs(table: pd.DataFrame, summaries: Sequence[RunSummary] = ()) -> None:
    """Epochs trained start at 0; a negative one cannot go on a log axis (log10 of epoch + 1).

    Raises:
        ValueError: an MI table row or a run summary has a negative epoch (named with its run).
    """
    negative = table[table["epoch"] < 0] if len(table) else table
    if len(negative):
        row = negative.iloc[0]
        raise ValueError(
            f"MI table: run {row['run']!r} has epoch {int(row['epoch'])}; epochs count epochs trained from 0, so a "
            f"negative one cannot be drawn on the log epoch axis: drop or renumber those rows"
        )
    for summary in summaries:
        if summary.epochs and min(summary.epochs) < 0:
            raise ValueError(
                f"run {summary.name!r} has logged epoch {min(summary.epochs)}; epochs count epochs trained from 0, "
                f"so a negative one cannot be drawn on the log epoch axis"
            )


def finite_estimates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with infinite I(X;T) and I(T;Y) replaced by NaN: a gap in every figure, like a diverged
    epoch, never an axis range of infinity. The pages say which rows were infinite."""
    values = table[["I_XT", "I_TY"]].apply(pd.to_numeric, errors="coerce")
    return table.assign(I_XT=values["I_XT"].where(np.isfinite(values["I_XT"])),
                        I_TY=values["I_TY"].where(np.isfinite(values["I_TY"])))  # fmt: skip


def report_figures(table: pd.DataFrame, summaries: Sequence[RunSummary]) -> dict[str, go.Figure]:
    """The report's figures by id: ``information-plane``, ``mi-vs-epoch``, ``training``.

    Infinite estimates are drawn as gaps (:func:`finite_estimates`); the axes reach log2 N and H(Y) of the
    runs (from their summaries) or the largest finite estimate.

    Raises:
        ValueError: the table is empty, names a run no summary describes, or has a negative epoch.
    """
    if table.empty:
        raise ValueError("the MI table is empty: nothing to report")
    known = {s.name for s in summaries}
    missing = [run for run in _ordered(table["run"]) if run not in known]
    if missing:
        raise ValueError(f"the MI table has runs {missing} that no RunSummary describes: pass a summary of every run")
    check_epochs(table, summaries)
    table = finite_estimates(table)
    shown = [s for s in summaries if s.name in set(table["run"])] or list(summaries)
    max_xt = max(s.log2_n for s in shown)
    max_ty = max(s.label_entropy_bits for s in shown)
    limits = (1.02 * float(np.nanmax([max_xt, table["I_XT"].max()])), 1.05 * float(np.nanmax([max_ty, table["I_TY"].max()])))
    labels = setting_labels(table)
    titles = {name: labels[table["estimator"] == name].iloc[0] for name in dict.fromkeys(table["estimator"])}
    return {
        "information-plane": information_plane_figure(table, titles=titles, limits=limits),
        "mi-vs-epoch": mi_vs_epoch_figure(table),
        "training": training_figure({s.name: s.metrics for s in summaries}, {s.name: s.epochs for s in summaries}),
    }


# --- the bench page -------------------------------------------------------------------------------------


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


# --- the study page -------------------------------------------------------------------------------------


def _hex_to_rgba(colour: str, alpha: float) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def bands_figure(table: pd.DataFrame, label: str) -> go.Figure:
    """I(X;T) against epochs trained, mean over seeds ± 1 sd per layer, one panel per activation."""
    activations = list(dict.fromkeys(table["activation"]))
    layers = list(dict.fromkeys(table.sort_values("layer_index")["layer"]))
    fig = make_subplots(rows=1, cols=len(activations), subplot_titles=[f"{a} — {label}" for a in activations], shared_yaxes=True)
    for col, activation in enumerate(activations, start=1):
        part = table[table["activation"] == activation]
        stats = part.groupby(["layer", "epoch"])["I_XT"].agg(["mean", "std"]).reset_index()
        for k, layer in enumerate(layers):
            s = stats[stats["layer"] == layer].sort_values("epoch")
            if s.empty:
                continue
            x = (s["epoch"] + 1).tolist()
            colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
            upper, lower = (s["mean"] + s["std"].fillna(0)).tolist(), (s["mean"] - s["std"].fillna(0)).tolist()
            fig.add_trace(
                go.Scatter(x=x + x[::-1], y=upper + lower[::-1], fill="toself", fillcolor=_hex_to_rgba(colour, 0.2),
                           line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=layer),  # fmt: skip
                row=1,
                col=col,
            )
            fig.add_trace(
                go.Scatter(x=x, y=s["mean"], mode="lines", name=f"layer {layer}", legendgroup=layer, showlegend=col == 1,
                           line=dict(color=colour), hovertemplate=f"layer {layer}<br>epoch %{{x}}<br>%{{y:.3f}} bits<extra></extra>"),  # fmt: skip
                row=1,
                col=col,
            )
    fig.update_xaxes(type="log", title_text="epochs trained")
    fig.update_yaxes(title_text="I(X;T) (bits)")
    fig.update_layout(height=420)
    return fig


def sensitivity_figure(verdicts: pd.DataFrame) -> go.Figure:
    """Δ = peak − final I(X;T) with its 95 % interval, per layer, for every estimator setting (the
    ``setting`` column, else :func:`setting_labels`)."""
    activations = list(dict.fromkeys(verdicts["activation"]))
    labelled = verdicts.assign(setting=setting_labels(verdicts))
    fig = make_subplots(rows=1, cols=len(activations), subplot_titles=activations, shared_yaxes=True)
    settings = list(dict.fromkeys(labelled["setting"]))
    for col, activation in enumerate(activations, start=1):
        part = labelled[labelled["activation"] == activation]
        for k, setting in enumerate(settings):
            s = part[part["setting"] == setting].sort_values("layer_index")
            fig.add_trace(
                go.Scatter(
                    x=s["layer"].astype(str), y=s["delta_mean"], mode="markers", name=setting, legendgroup=setting,
                    showlegend=col == 1, marker=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], size=9),
                    error_y=dict(type="data", symmetric=False, array=(s["delta_high"] - s["delta_mean"]).fillna(0),
                                 arrayminus=(s["delta_mean"] - s["delta_low"]).fillna(0)),
                ),  # fmt: skip
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="layer")
    fig.update_yaxes(title_text="Δ = peak − final I(X;T) (bits)")
    fig.update_layout(height=420, scattermode="group")
    return fig


__all__ = [
    "FAMILY_SYMBOLS",
    "LAYER_COLOURS",
    "bands_figure",
    "check_epochs",
    "finite_estimates",
    "information_plane_figure",
    "mi_vs_epoch_figure",
    "relative_error_heatmap",
    "report_figures",
    "sensitivity_figure",
    "setting_labels",
    "training_figure",
    "truth_scatter_figure",
]


# ---- claims figures (issue 11) ----
# The evidence figures of `infoplane claims` (infoplane/reports/claims_page.py); each reads one claim's
# evidence tables (infoplane/claims/compression_claims.py) and nothing else.


def _claims_grid(activations: Sequence[str], title_of: str = "{}") -> go.Figure:
    columns = min(4, max(1, len(activations)))
    rows = -(-len(activations) // columns)
    return make_subplots(rows=rows, cols=columns, subplot_titles=[title_of.format(a) for a in activations],
                         horizontal_spacing=0.05, vertical_spacing=0.12)  # fmt: skip


def claims_trajectories_figure(trajectories: pd.DataFrame) -> go.Figure:
    """Claim 1: mean I(X;T) (bits) against epoch (log axis), one panel per activation, one line per layer."""
    activations = _ordered(trajectories["activation"])
    fig = _claims_grid(activations)
    layers = list(dict.fromkeys(trajectories.sort_values("layer_index")["layer"]))
    for k, activation in enumerate(activations):
        part = trajectories[trajectories["activation"] == activation]
        for j, layer in enumerate(layers):
            line = part[part["layer"] == layer].sort_values("epoch")
            fig.add_trace(
                go.Scatter(x=line["epoch"] + 1, y=line["I_XT"], mode="lines", name=f"layer {layer}", legendgroup=layer,
                           showlegend=k == 0, line={"color": LAYER_COLOURS[j % len(LAYER_COLOURS)]}),
                row=k // 4 + 1, col=k % 4 + 1,
            )  # fmt: skip
    fig.update_xaxes(type="log", title_text="epoch")
    fig.update_yaxes(title_text="I(X;T), bits", col=1)
    fig.update_layout(height=320 * (-(-len(activations) // 4)), title="I(X;T) over training, mean over seeds")
    return fig


def claims_side_by_side_figure(side: pd.DataFrame, setting: str) -> go.Figure:
    """Claim 2: Δ (bits, 95 % interval) per activation and layer, minibatch beside full-batch training."""
    part = side[side["setting"] == setting]
    labels = [f"{a} {layer}" for a, layer in zip(part["activation"], part["layer"])]
    fig = go.Figure()
    for kind, colour in (("minibatch", "#1f77b4"), ("full", "#d62728")):
        mean = part[f"delta_mean_{kind}"]
        fig.add_trace(
            go.Scatter(x=labels, y=mean, mode="markers", name="full-batch" if kind == "full" else kind,
                       marker={"color": colour, "size": 8},
                       error_y={"type": "data", "symmetric": False, "array": part[f"delta_high_{kind}"] - mean,
                                "arrayminus": mean - part[f"delta_low_{kind}"]})
        )  # fmt: skip
    fig.update_layout(title=f"Δ = peak − final I(X;T) ({setting}): minibatch against full-batch", yaxis_title="Δ, bits",
                      height=420)  # fmt: skip
    return fig


def claims_snr_figure(snr: pd.DataFrame, timing: pd.DataFrame) -> go.Figure:
    """Claim 2: the gradient SNR ‖mean‖/‖std‖ (median over seeds, log axes) per activation and layer, with
    SNR = 1 dashed and each layer's median I(X;T) peak epoch as a dotted vertical line."""
    activations = _ordered(snr["activation"])
    fig = _claims_grid(activations)
    layers = list(dict.fromkeys(snr["layer"]))
    for k, activation in enumerate(activations):
        part = snr[snr["activation"] == activation]
        row, col = k // 4 + 1, k % 4 + 1
        for j, layer in enumerate(layers):
            colour = LAYER_COLOURS[j % len(LAYER_COLOURS)]
            line = part[part["layer"] == layer].sort_values("epoch")
            fig.add_trace(go.Scatter(x=line["epoch"] + 1, y=line["snr_median"], mode="lines", name=f"layer {layer}",
                                     legendgroup=layer, showlegend=k == 0, line={"color": colour}), row=row, col=col)  # fmt: skip
            if len(timing):
                peaks = timing[(timing["activation"] == activation) & (timing["layer"] == layer)]["peak_epoch"]
                if len(peaks):
                    fig.add_vline(x=float(peaks.median()) + 1, line={"color": colour, "dash": "dot", "width": 1}, row=row, col=col)
        fig.add_hline(y=1.0, line={"color": "grey", "dash": "dash"}, row=row, col=col)
    fig.update_xaxes(type="log", title_text="epoch")
    fig.update_yaxes(type="log", title_text="SNR", col=1)
    fig.update_layout(height=320 * (-(-len(activations) // 4)),
                      title="Gradient SNR ‖mean‖/‖std‖ across minibatches (dotted: median I(X;T) peak)")  # fmt: skip
    return fig


def claims_generalisation_figure(runs: pd.DataFrame) -> go.Figure:
    """Claim 3: each run's Δ (bits) against its generalisation gap (test − train loss), per activation and
    layer, coloured by training-set fraction."""
    keys = list(dict.fromkeys(zip(runs["activation"], runs["layer"])))
    fig = _claims_grid([f"{a}, layer {layer}" for a, layer in keys])
    fractions = sorted(runs["train_fraction"].unique())
    for k, (activation, layer) in enumerate(keys):
        part = runs[(runs["activation"] == activation) & (runs["layer"] == layer)]
        for j, fraction in enumerate(fractions):
            sub = part[part["train_fraction"] == fraction]
            fig.add_trace(go.Scatter(x=sub["gap_loss"], y=sub["delta_bits"], mode="markers", name=f"{fraction:.0%} train",
                                     legendgroup=str(fraction), showlegend=k == 0,
                                     marker={"color": LAYER_COLOURS[j % len(LAYER_COLOURS)], "size": 6}),
                          row=k // 4 + 1, col=k % 4 + 1)  # fmt: skip
    fig.update_xaxes(title_text="test − train loss")
    fig.update_yaxes(title_text="Δ, bits", col=1)
    fig.update_layout(height=300 * (-(-len(keys) // 4)), title="Compression against the generalisation gap, one point per run")
    return fig


def claims_bound_figure(points: pd.DataFrame, h_y: float, setting: str) -> go.Figure:
    """Claim 5: the final information-plane points (bits) of every seed and layer, per activation, with the
    IB bound I(T;Y) = min(I(X;T), H(Y)) for deterministic labels."""
    part = points[points["setting"] == setting]
    activations = _ordered(part["activation"])
    fig = _claims_grid(activations)
    layers = list(dict.fromkeys(part.sort_values("layer_index")["layer"]))
    top = max(float(np.nanmax(part["I_XT"])) if len(part) else 1.0, h_y) * 1.05
    for k, activation in enumerate(activations):
        row, col = k // 4 + 1, k % 4 + 1
        fig.add_trace(go.Scatter(x=[0, h_y, top], y=[0, h_y, h_y], mode="lines", name="IB bound", showlegend=k == 0,
                                 line={"color": "black", "dash": "dash"}), row=row, col=col)  # fmt: skip
        sub = part[part["activation"] == activation]
        for j, layer in enumerate(layers):
            pts = sub[sub["layer"] == layer]
            fig.add_trace(go.Scatter(x=pts["I_XT"], y=pts["I_TY"], mode="markers", name=f"layer {layer}", legendgroup=layer,
                                     showlegend=k == 0, marker={"color": LAYER_COLOURS[j % len(LAYER_COLOURS)], "size": 6}),
                          row=row, col=col)  # fmt: skip
    fig.update_xaxes(title_text="I(X;T), bits")
    fig.update_yaxes(title_text="I(T;Y), bits", col=1)
    fig.update_layout(height=320 * (-(-len(activations) // 4)), title=f"Final layers against the IB bound ({setting})")
    return fig
