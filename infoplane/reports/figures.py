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

from infoplane.reports.groups import Membership, run_groups

if TYPE_CHECKING:
    from infoplane.reports.summary import RunSummary

LAYER_COLOURS = qualitative.D3 + qualitative.Set2
LAYER_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon", "pentagon"]
RUN_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
EPOCH_COLOURSCALE = "Viridis"
FAMILY_SYMBOLS = {"gaussian": "circle", "transformed": "diamond", "student-t": "square", "discrete": "x", "echo": "star"}


def _ordered(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


def _to_rgba(colour: str, alpha: float) -> str:
    """A ``#rrggbb`` or ``rgb(r,g,b)`` colour with opacity ``alpha``."""
    if colour.startswith("rgb("):
        return "rgba(" + colour[4:-1] + f",{alpha})"
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


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


# --- the report -----------------------------------------------------------------------------------------

#: Panels per row of every small-multiples grid; more panels wrap onto further rows.
MAX_COLUMNS = 3
#: Height (px) of one information-plane panel row and of one row of metric panels.
PANEL_HEIGHT = 360
METRIC_HEIGHT = 250
#: Most frames of the epoch slider; runs with more logged epochs are subsampled evenly (first and last kept).
MAX_FRAMES = 100
#: Estimators whose I(X;T) is capped by log2 N (every probe sample its own bin or kernel), so the
#: saturation note applies to them only. The MI table has no column saying so; this list is the one place.
CAPPED_ESTIMATORS = ("binning", "kde")
#: Colours of groups (runs or seed groups) in the metric panels.
GROUP_COLOURS = qualitative.Dark2 + qualitative.Set1
BOUND_STYLE = {
    "log2n": dict(color="#7f7f7f", dash="dot", width=1.5),
    "hy": dict(color="#b22222", dash="dot", width=1.5),
    "ib": dict(color="#444444", dash="dash", width=1.5),
}
_HOVER_EPOCH = "epochs trained %{customdata[0]}"


def _compact(values: object) -> np.ndarray:
    """Values (bits) rounded to 4 decimals as float32: half the bytes of float64 in the page, and far finer
    than any estimate's precision."""
    return np.round(np.asarray(values, dtype=np.float64), 4).astype(np.float32)


def grid_shape(n_panels: int, max_columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """(rows, columns) of a grid of ``n_panels`` small multiples, at most ``max_columns`` wide."""
    cols = max(1, min(max_columns, n_panels))
    return max(1, -(-n_panels // cols)), cols


def frame_epochs(epochs: Sequence[int], max_frames: int = MAX_FRAMES) -> list[int]:
    """The logged epochs the slider steps through: all of them, or ``max_frames`` spread evenly over
    them (by index, first and last kept) when there are more."""
    epochs = sorted({int(e) for e in epochs})
    if len(epochs) <= max_frames:
        return epochs
    picks = np.unique(np.round(np.linspace(0, len(epochs) - 1, max_frames)).astype(int))
    return [epochs[i] for i in picks]


def _memberships(table: pd.DataFrame, summaries: Sequence[RunSummary] | None) -> dict[str, Membership]:
    if summaries:
        return run_groups(summaries)
    return {str(r): Membership(str(r), "", 1) for r in _ordered(table["run"])}


def grouped_estimates(table: pd.DataFrame, members: Mapping[str, Membership]) -> pd.DataFrame:
    """The MI table per (setting, group, probe, layer, epoch): mean and sd (bits) over the group's runs
    (seeds), with ``n`` the number of runs; ``setting`` from :func:`setting_labels`. Epochs as logged."""
    frame = table.assign(
        setting=setting_labels(table).to_numpy(),
        group=[members[str(r)].group for r in table["run"]],
        probe=[members[str(r)].probe for r in table["run"]],
    )
    keys = ["setting", "group", "probe", "layer", "layer_index", "epoch"]
    stats = (
        frame.groupby(keys, sort=False, dropna=False)
        .agg(I_XT=("I_XT", "mean"), I_XT_sd=("I_XT", "std"), I_TY=("I_TY", "mean"), I_TY_sd=("I_TY", "std"),
             n=("run", "nunique"))  # fmt: skip
        .reset_index()
    )
    return stats.sort_values(["layer_index", "epoch"], kind="stable").reset_index(drop=True)


def _series(stats: pd.DataFrame) -> list[tuple[tuple[str, str, str], pd.DataFrame]]:
    """(setting, group, probe) → its rows, in first-appearance order of settings, then groups, then probes."""
    order = {k: i for i, k in enumerate(dict.fromkeys(zip(stats["setting"], stats["group"], stats["probe"])))}
    parts = [(k, g) for k, g in stats.groupby(["setting", "group", "probe"], sort=False, dropna=False)]
    return sorted(parts, key=lambda kv: order[kv[0]])


def _panel_label(setting: str, group: str, n: int, several_settings: bool) -> str:
    seeds = f" (mean of {n} seeds)" if n > 1 else ""
    return f"{setting}<br>{group}{seeds}" if several_settings else f"{group}{seeds}"


def _probe_text(probe: str) -> str:
    return f" · {probe} probe set" if probe else ""


def _hover(layer: str, group: str, probe: str, n: int) -> str:
    spread = (
        f"<br>I(X;T) = %{{x:.3f}} ± %{{customdata[1]:.3f}} bits<br>I(T;Y) = %{{y:.3f}} ± %{{customdata[2]:.3f}} bits"
        f"<br>mean ± sd of {n} seeds"
        if n > 1
        else "<br>I(X;T) = %{x:.3f} bits<br>I(T;Y) = %{y:.3f} bits"
    )
    return f"layer {layer}<br>{group}{_probe_text(probe)}<br>{_HOVER_EPOCH}{spread}<extra></extra>"


def _bounds(members: Mapping[str, Membership], summaries: Sequence[RunSummary] | None) -> dict[str, tuple[float, float]]:
    """Per group, (log2 N, H(Y)) in bits: the largest over its runs (the loosest bound)."""
    out: dict[str, tuple[float, float]] = {}
    for s in summaries or ():
        group = members[s.name].group
        xt, ty = out.get(group, (0.0, 0.0))
        out[group] = (max(xt, s.log2_n), max(ty, s.label_entropy_bits))
    return out


def bound_traces(log2_n: float, h_y: float, x_max: float, *, showlegend: bool = True) -> list[go.Scatter]:
    """The information plane's bounds as labelled lines (bits): I(X;T) ≤ log2 N (vertical), I(T;Y) ≤ H(Y)
    (horizontal) and, for labels that are a function of the input, the information-bottleneck bound
    I(T;Y) ≤ min(I(X;T), H(Y)) (Kolchinsky, Tracey & Van Kuyk 2019): the diagonal up to H(Y), then flat."""
    y_top = 1.05 * h_y
    return [
        go.Scatter(
            x=[log2_n, log2_n], y=[0, y_top], mode="lines", line=BOUND_STYLE["log2n"], name="I(X;T) ≤ log₂ N",
            legendgroup="bound-log2n", showlegend=showlegend,
            hovertemplate=f"I(X;T) ≤ log₂ N = {log2_n:.3f} bits<extra></extra>",
        ),
        go.Scatter(
            x=[0, x_max], y=[h_y, h_y], mode="lines", line=BOUND_STYLE["hy"], name="I(T;Y) ≤ H(Y)",
            legendgroup="bound-hy", showlegend=showlegend,
            hovertemplate=f"I(T;Y) ≤ H(Y) = {h_y:.4f} bits<extra></extra>",
        ),
        go.Scatter(
            x=[0, h_y, max(x_max, h_y)], y=[0, h_y, h_y], mode="lines", line=BOUND_STYLE["ib"],
            name="IB bound I(T;Y) ≤ min(I(X;T), H(Y))", legendgroup="bound-ib", showlegend=showlegend,
            hovertemplate="IB bound (deterministic labels): I(T;Y) ≤ min(I(X;T), H(Y))<extra></extra>",
        ),
    ]  # fmt: skip


def _at(epochs: np.ndarray, values: np.ndarray, epoch: int) -> float | None:
    """The value at the last logged epoch ≤ ``epoch`` (None before the first)."""
    i = int(np.searchsorted(epochs, epoch, side="right")) - 1
    if i < 0 or not np.isfinite(values[i]):
        return None
    return round(float(values[i]), 4)


def _metric_frame(summaries: Sequence[RunSummary], members: Mapping[str, Membership]) -> pd.DataFrame:
    """Every metric of every run, long: group, probe, metric, epoch, value."""
    rows = [
        (members[s.name].group, members[s.name].probe, metric, int(e), float(v))
        for s in summaries
        for metric, values in s.metrics.items()
        for e, v in zip(s.epochs, values)
    ]
    return pd.DataFrame(rows, columns=["group", "probe", "metric", "epoch", "value"])


def metric_panels(metrics: Sequence[str]) -> dict[str, list[str]]:
    """Metric names by panel: ``loss`` (names containing "loss"), ``accuracy`` (containing "acc"), and
    every other metric (learning rate, weight norm, …) a panel of its own: never on the loss axis."""
    panels: dict[str, list[str]] = {"loss": [], "accuracy": []}
    for name in metrics:
        lowered = name.lower()
        key = "loss" if "loss" in lowered else "accuracy" if "acc" in lowered else name
        panels.setdefault(key, []).append(name)
    return {k: v for k, v in panels.items() if v}


def _metric_dash(metric: str, probe: str) -> str:
    lowered = metric.lower()
    return "dash" if probe == "test" or "test" in lowered or "val" in lowered else "solid"


def _metric_stats(metrics: pd.DataFrame) -> list[tuple[tuple[str, str, str], pd.DataFrame]]:
    stats = (
        metrics.groupby(["group", "probe", "metric", "epoch"], sort=False)["value"]
        .agg(["mean", "std", "count"])
        .reset_index()
    )
    return [(k, g.sort_values("epoch")) for k, g in stats.groupby(["group", "probe", "metric"], sort=False)]


def _band(x: list[float], mean: np.ndarray, sd: np.ndarray, colour: str, group: str) -> go.Scatter:
    sd = np.nan_to_num(sd)
    upper, lower = (mean + sd).tolist(), (mean - sd).tolist()
    return go.Scatter(
        x=x + x[::-1], y=upper + lower[::-1], fill="toself", fillcolor=_to_rgba(colour, 0.18),
        line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=group, name=f"{group} ± 1 sd",
    )  # fmt: skip


def information_plane_figure(
    table: pd.DataFrame,
    summaries: Sequence[RunSummary] | None = None,
    *,
    limits: tuple[float, float] | None = None,
    max_frames: int = MAX_FRAMES,
) -> go.Figure:
    """The information plane: small multiples, one panel per (estimator setting, group of runs), wrapping
    at :data:`MAX_COLUMNS` panels a row, with an epoch slider and play button, and with the loss and
    accuracy beneath.

    A group is a run, or the seeds of one setting (:func:`~infoplane.reports.groups.run_groups`) drawn
    as their mean with ±1 sd error bars; a run's ``probe="test"`` set is drawn dashed beside its
    ``train`` set. In each panel every layer is a line through its logged epochs, markers coloured by
    epochs trained (one log colour scale). The bounds are labelled lines (:func:`bound_traces`). The
    slider (frames) moves a large marker per layer and a marker on each metric line to that epoch; with
    more than ``max_frames`` logged epochs it steps through ``max_frames`` of them
    (:func:`frame_epochs`); ``layout.meta`` says how many (``frames``, ``logged_epochs``).

    Args:
        table: an MI table (``infoplane.estimate``); panels are labelled by its ``setting`` column.
        summaries: one :class:`RunSummary` per run: groups, bounds and metrics (without them: a panel per
            run, no bounds, no metrics).
        limits: (I(X;T) max, I(T;Y) max) of the axes in bits.
        max_frames: most slider steps.
    """
    if limits is not None and not all(np.isfinite(v) and v > 0 for v in limits):
        raise ValueError(f"information_plane_figure: limits must be two positive finite numbers of bits, got {limits}")
    members = _memberships(table, summaries)
    stats = grouped_estimates(table, members)
    settings = _ordered(stats["setting"])
    panels = list(dict.fromkeys(zip(stats["setting"], stats["group"])))
    n_of = stats.groupby(["setting", "group"], sort=False)["n"].max().to_dict()
    bounds = _bounds(members, summaries)
    metrics = _metric_frame(summaries or (), members)
    panel_metrics = {k: v for k, v in metric_panels(_ordered(metrics["metric"])).items() if k in ("loss", "accuracy")}
    rows, cols = grid_shape(len(panels))
    # the metric row beneath: loss and accuracy side by side (one above the other in a one-column grid)
    metric_rows = 0 if not panel_metrics else (len(panel_metrics) if cols == 1 else 1)
    specs: list[list[dict | None]] = [[{} if r * cols + c < len(panels) else None for c in range(cols)] for r in range(rows)]
    titles = [_panel_label(s, g, int(n_of[(s, g)]), len(settings) > 1) for s, g in panels]
    # (make_subplots gives titles to the cells that exist only: the grid's empty cells take none)
    metric_cells: dict[str, tuple[int, int]] = {}
    if metric_rows:
        names = list(panel_metrics)
        if cols == 1:
            for k, name in enumerate(names):
                specs.append([{}])
                metric_cells[name] = (rows + k + 1, 1)
        else:
            spans = [cols - cols // 2, cols // 2] if len(names) == 2 else [cols]
            row_spec: list[dict | None] = []
            for name, span in zip(names, spans):
                metric_cells[name] = (rows + 1, len(row_spec) + 1)
                row_spec += [{"colspan": span}] + [None] * (span - 1)
            specs.append(row_spec)
        titles += [f"{name} (at the slider's epoch)" for name in names]
    heights = [PANEL_HEIGHT] * rows + [METRIC_HEIGHT] * metric_rows
    margin_top, margin_bottom = 120, 150
    total = sum(heights) + 110 * (len(heights) - 1) + margin_top + margin_bottom
    below = -75 / (total - margin_top - margin_bottom)  # the slider, under the last row's axis title (paper units)
    fig = make_subplots(
        rows=len(heights), cols=cols, specs=specs, subplot_titles=titles, row_heights=heights,
        horizontal_spacing=0.07, vertical_spacing=min(0.3, 110 / total),
    )  # fmt: skip
    max_epoch = int(stats["epoch"].max()) if len(stats) else 0
    colour_axis = _epoch_colour_axis(max_epoch)
    bar = dict(colour_axis["colorbar"])  # type: ignore[call-overload]
    colour_axis["colorbar"] = {**bar, "len": rows * PANEL_HEIGHT / total, "y": 1.0, "yanchor": "top"}
    layers = _ordered(stats.sort_values("layer_index", kind="stable")["layer"])
    for k, layer in enumerate(layers):
        # Legend entries of their own: plotly.js cannot draw a legend symbol for markers coloured
        # through a colour axis (it logs "Invalid color specifier"), so the data traces stay out of it.
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="lines+markers", name=f"layer {layer}", legendgroup=str(layer),
                line=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], width=1),
                marker=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], symbol=LAYER_SYMBOLS[k % len(LAYER_SYMBOLS)]),
                hoverinfo="skip",
            ),
            row=1, col=1,
        )  # fmt: skip
    if (stats["probe"] == "test").any():
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="lines", name="test probe set (dashed)", line=dict(color="#555", dash="dash"),
                       hoverinfo="skip"),
            row=1, col=1,
        )  # fmt: skip
    x_max = limits[0] if limits else float(np.nanmax([stats["I_XT"].max(), 1.0])) * 1.05
    for p, (setting, group) in enumerate(panels):
        row, col = p // cols + 1, p % cols + 1
        if group in bounds:
            for trace in bound_traces(*bounds[group], x_max, showlegend=p == 0):
                fig.add_trace(trace, row=row, col=col)
    moving: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []  # (trace index, epochs, x, y)
    static: list[tuple[int, int, pd.DataFrame, str, str, int]] = []
    for (setting, group, probe), part in _series(stats):
        p = panels.index((setting, group))
        for layer, rows_of in part.groupby("layer", sort=False):
            static.append((p, layers.index(layer), rows_of.sort_values("epoch"), str(layer), probe, int(rows_of["n"].max())))
    for p, k, s, layer, probe, n in static:
        row, col = p // cols + 1, p % cols + 1
        epochs = s["epoch"].to_numpy()
        colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
        group = panels[p][1]
        errors = (
            dict(error_x=dict(type="data", array=np.round(s["I_XT_sd"].fillna(0).to_numpy(), 4), thickness=0.8, width=0,
                              color=_to_rgba(colour, 0.3)),
                 error_y=dict(type="data", array=np.round(s["I_TY_sd"].fillna(0).to_numpy(), 4), thickness=0.8, width=0,
                              color=_to_rgba(colour, 0.3)))
            if n > 1 else {}
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=_compact(s["I_XT"]), y=_compact(s["I_TY"]), mode="lines+markers",
                name=layer, legendgroup=layer, showlegend=False,
                line=dict(color=colour, width=1, dash="dash" if probe == "test" else "solid"),
                marker=dict(color=_compact(np.log10(epochs + 1)), coloraxis="coloraxis", size=7,
                            symbol=LAYER_SYMBOLS[k % len(LAYER_SYMBOLS)], line=dict(width=0.5, color="white")),
                # epochs trained, and for a group of seeds the sd of each coordinate (bits)
                customdata=np.stack([epochs + 1, _compact(s["I_XT_sd"].fillna(0)), _compact(s["I_TY_sd"].fillna(0))],
                                    axis=1).astype(np.float32)
                if n > 1 else (epochs + 1).astype(np.int32)[:, None],
                hovertemplate=_hover(layer, group, probe, n),
                **errors,
            ),
            row=row, col=col,
        )  # fmt: skip
    for p, k, s, layer, probe, n in static:
        row, col = p // cols + 1, p % cols + 1
        epochs = s["epoch"].to_numpy()
        moving.append((len(fig.data), epochs, s["I_XT"].to_numpy(dtype=float), s["I_TY"].to_numpy(dtype=float)))
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=f"layer {layer} at the slider's epoch", legendgroup=layer,
                showlegend=False, customdata=[[0]],
                marker=dict(color=LAYER_COLOURS[k % len(LAYER_COLOURS)], size=14, symbol=LAYER_SYMBOLS[k % len(LAYER_SYMBOLS)],
                            line=dict(width=1.5, color="black")),
                hovertemplate=f"layer {layer}<br>{panels[p][1]}{_probe_text(probe)}<br>{_HOVER_EPOCH}"
                "<br>I(X;T) = %{x:.3f} bits<br>I(T;Y) = %{y:.3f} bits<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
    groups = _ordered(pd.Series([g for _, g in panels]))
    metric_moving: list[tuple[int, np.ndarray, np.ndarray]] = []
    cursor_traces: list[tuple[int, float, float]] = []
    stats_by_metric = _metric_stats(metrics) if len(metrics) else []
    legend_groups: set[str] = set()
    for name, (row, col) in metric_cells.items():
        lo, hi = np.inf, -np.inf
        for (group, probe, metric), s in stats_by_metric:
            if metric not in panel_metrics[name]:
                continue
            colour = GROUP_COLOURS[groups.index(group) % len(GROUP_COLOURS)] if group in groups else "#333"
            x = (s["epoch"] + 1).tolist()
            mean, sd = s["mean"].to_numpy(dtype=float), s["std"].to_numpy(dtype=float)
            label = f"{group}{_probe_text(probe)} · {metric}"
            if int(s["count"].max()) > 1:
                fig.add_trace(_band(x, mean, sd, colour, label), row=row, col=col)
            first = group not in legend_groups
            legend_groups.add(group)
            fig.add_trace(
                go.Scatter(x=x, y=np.round(mean, 5), mode="lines", name=group if first else label, showlegend=first,
                           legendgroup=f"group {group}",
                           line=dict(color=colour, width=1.5, dash=_metric_dash(metric, probe)),
                           hovertemplate=f"{label}<br>epochs trained %{{x}}<br>%{{y:.4f}}<extra></extra>"),
                row=row, col=col,
            )  # fmt: skip
            metric_moving.append((len(fig.data), s["epoch"].to_numpy(), mean))
            fig.add_trace(
                go.Scatter(x=[None], y=[None], mode="markers+text", name=f"{label} at the slider's epoch", showlegend=False,
                           marker=dict(color=colour, size=9, line=dict(width=1, color="black")), text=[""],
                           textposition="middle right", textfont=dict(size=10, color=colour),
                           hovertemplate=f"{label}<br>epochs trained %{{x}}<br>%{{y:.4f}}<extra></extra>"),
                row=row, col=col,
            )  # fmt: skip
            finite = mean[np.isfinite(mean)]
            if finite.size:
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        if np.isfinite(lo):
            cursor_traces.append((len(fig.data), lo, hi))
            fig.add_trace(
                go.Scatter(x=[None, None], y=[lo, hi], mode="lines", line=dict(color="#888", width=1), showlegend=False,
                           hoverinfo="skip", name="the slider's epoch"),
                row=row, col=col,
            )  # fmt: skip
        fig.update_xaxes(type="log", title_text="epochs trained", row=row, col=col)
    steps = frame_epochs(stats["epoch"].tolist(), max_frames)
    animated = [i for i, *_ in moving] + [i for i, *_ in metric_moving] + [i for i, *_ in cursor_traces]

    def frame_data(epoch: int) -> list[dict]:
        data: list[dict] = []
        for _, epochs, xs, ys in moving:
            x, y = _at(epochs, xs, epoch), _at(epochs, ys, epoch)
            shown = epochs[epochs <= epoch]
            at = int(shown[-1]) + 1 if shown.size else 0
            data.append({"x": [x], "y": [y], "customdata": [[at]]})
        for _, epochs, values in metric_moving:
            v = _at(epochs, values, epoch)
            shown = epochs[epochs <= epoch]
            data.append({"x": [int(shown[-1]) + 1 if shown.size else None], "y": [v], "text": ["" if v is None else f"{v:.3f}"]})
        for _, lo, hi in cursor_traces:
            data.append({"x": [epoch + 1, epoch + 1], "y": [lo, hi]})
        return data

    if steps and animated:
        last = frame_data(steps[-1])
        for index, values in zip(animated, last):
            fig.data[index].update(values)
        fig.frames = [go.Frame(name=str(e + 1), data=frame_data(e), traces=animated) for e in steps]
        play = dict(frame=dict(duration=120, redraw=False), transition=dict(duration=0), fromcurrent=True, mode="immediate")
        fig.update_layout(
            updatemenus=[dict(
                type="buttons", direction="left", x=0, y=below, xanchor="left", yanchor="top", pad=dict(t=10, r=10),
                showactive=False,
                buttons=[dict(label="▶ play", method="animate", args=[None, play]),
                         dict(label="❚❚ pause", method="animate",
                              args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])],
            )],
            sliders=[dict(
                active=len(steps) - 1, x=0.16, len=0.84, y=below, yanchor="top", pad=dict(t=10),
                currentvalue=dict(prefix="epochs trained: ", visible=True),
                steps=[dict(label=str(e + 1), method="animate",
                            args=[[str(e + 1)], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                                      transition=dict(duration=0))])
                       for e in steps],
            )],
        )  # fmt: skip
    logged = len(set(stats["epoch"].tolist()))
    fig.update_layout(
        coloraxis=colour_axis,
        height=total,
        legend=dict(orientation="h", x=0, y=0.995, yanchor="top", yref="container"),
        margin=dict(t=margin_top, b=margin_bottom),
        meta=dict(frames=len(steps), logged_epochs=logged, columns=cols, rows=rows, panels=len(panels)),
    )
    for p in range(len(panels)):
        row, col = p // cols + 1, p % cols + 1
        fig.update_xaxes(title_text="I(X;T) (bits)", range=[0, limits[0]] if limits else None, row=row, col=col)
        fig.update_yaxes(title_text="I(T;Y) (bits)" if col == 1 else None, range=[0, limits[1]] if limits else None,
                         row=row, col=col)  # fmt: skip
    return fig


def mi_vs_epoch_figure(table: pd.DataFrame, summaries: Sequence[RunSummary] | None = None) -> go.Figure:
    """I(X;T) and I(T;Y) against epochs trained (log axis), a row per estimator setting: a line per
    (group, probe set, layer); a group of seeds is its mean with a ±1 sd band."""
    members = _memberships(table, summaries)
    stats = grouped_estimates(table, members)
    settings = _ordered(stats["setting"])
    layers = _ordered(stats.sort_values("layer_index", kind="stable")["layer"])
    series = list(dict.fromkeys(zip(stats["group"], stats["probe"])))
    fig = make_subplots(
        rows=len(settings), cols=2, shared_xaxes=True,
        subplot_titles=[f"{q} — {setting}" for setting in settings for q in ("I(X;T)", "I(T;Y)")],
    )  # fmt: skip
    for (setting, group, probe), part in _series(stats):
        row = settings.index(setting) + 1
        r = series.index((group, probe))
        for layer, s in part.groupby("layer", sort=False):
            s = s.sort_values("epoch")
            k = layers.index(layer)
            colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
            n = int(s["n"].max())
            name = f"{group}{_probe_text(probe)} · layer {layer}"
            x = (s["epoch"] + 1).tolist()
            for col, column in enumerate(("I_XT", "I_TY"), start=1):
                mean = s[column].to_numpy(dtype=float)
                if n > 1:
                    fig.add_trace(_band(x, mean, s[f"{column}_sd"].to_numpy(dtype=float), colour, name), row=row, col=col)
                spread = f" ± %{{customdata:.3f}} bits (mean ± sd of {n} seeds)" if n > 1 else " bits"
                fig.add_trace(
                    go.Scatter(
                        x=np.asarray(x, dtype=np.int32), y=_compact(mean), mode="lines", name=name, legendgroup=name,
                        showlegend=row == 1 and col == 1,
                        line=dict(color=colour, dash="dash" if probe == "test" else RUN_DASHES[r % len(RUN_DASHES)]),
                        customdata=_compact(s[f"{column}_sd"].fillna(0)) if n > 1 else None,
                        hovertemplate=f"{name}<br>epochs trained %{{x}}<br>%{{y:.3f}}{spread}<extra></extra>",
                    ),
                    row=row, col=col,
                )  # fmt: skip
    fig.update_xaxes(type="log", title_text="epochs trained")
    fig.update_yaxes(title_text="bits")
    fig.update_layout(height=380 * len(settings))
    return fig


def training_figure(summaries: Sequence[RunSummary]) -> go.Figure:
    """The runs' metrics against epochs trained (log axis), in small multiples that wrap at
    :data:`MAX_COLUMNS`: loss, accuracy, and each other metric (learning rate, weight norm, …) on an axis
    of its own (:func:`metric_panels`). A group of seeds is its mean with a ±1 sd band; test metrics and
    the test probe set are dashed."""
    members = run_groups(summaries)
    metrics = _metric_frame(summaries, members)
    panels = metric_panels(_ordered(metrics["metric"])) if len(metrics) else {}
    names = list(panels) or ["loss"]
    rows, cols = grid_shape(len(names))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.07,
                        vertical_spacing=min(0.3, 80 / (rows * 330)))  # fmt: skip
    groups = _ordered(pd.Series([m.group for m in members.values()])) if members else []
    shown: set[str] = set()
    for (group, probe, metric), s in _metric_stats(metrics) if len(metrics) else []:
        p = next(i for i, name in enumerate(names) if metric in panels[name])
        row, col = p // cols + 1, p % cols + 1
        colour = GROUP_COLOURS[groups.index(group) % len(GROUP_COLOURS)]
        x = (s["epoch"] + 1).tolist()
        mean, sd = s["mean"].to_numpy(dtype=float), s["std"].to_numpy(dtype=float)
        n = int(s["count"].max())
        label = f"{group}{_probe_text(probe)} · {metric}"
        if n > 1:
            fig.add_trace(_band(x, mean, sd, colour, label), row=row, col=col)
        spread = f" ± %{{customdata:.4f}} (mean ± sd of {n} seeds)" if n > 1 else ""
        fig.add_trace(
            go.Scatter(x=x, y=np.round(mean, 5), mode="lines", name=label, legendgroup=label, showlegend=label not in shown,
                       line=dict(color=colour, dash=_metric_dash(metric, probe)), customdata=np.round(np.nan_to_num(sd), 5),
                       hovertemplate=f"{label}<br>epochs trained %{{x}}<br>%{{y:.4f}}{spread}<extra></extra>"),
            row=row, col=col,
        )  # fmt: skip
        shown.add(label)
    fig.update_xaxes(type="log", title_text="epochs trained")
    fig.update_layout(height=120 + 330 * rows, meta=dict(panels=names, columns=cols, rows=rows))
    return fig


def report_figures(
    table: pd.DataFrame, summaries: Sequence[RunSummary], *, max_frames: int = MAX_FRAMES
) -> dict[str, go.Figure]:
    """The report's figures by id: ``information-plane`` (with its epoch slider), ``mi-vs-epoch``,
    ``training``.

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
    return {
        "information-plane": information_plane_figure(table, shown, limits=limits, max_frames=max_frames),
        "mi-vs-epoch": mi_vs_epoch_figure(table, shown),
        "training": training_figure(shown),
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
                go.Scatter(x=x + x[::-1], y=upper + lower[::-1], fill="toself", fillcolor=_to_rgba(colour, 0.2),
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
    "CAPPED_ESTIMATORS",
    "FAMILY_SYMBOLS",
    "LAYER_COLOURS",
    "MAX_COLUMNS",
    "MAX_FRAMES",
    "bands_figure",
    "bound_traces",
    "check_epochs",
    "finite_estimates",
    "frame_epochs",
    "grid_shape",
    "grouped_estimates",
    "information_plane_figure",
    "metric_panels",
    "mi_vs_epoch_figure",
    "relative_error_heatmap",
    "report_figures",
    "sensitivity_figure",
    "setting_labels",
    "training_figure",
    "truth_scatter_figure",
]
