"""The ``infoplane study`` page: trajectories with bands across seeds, verdicts with intervals, and how
the verdict moves with the estimator's setting."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from infoplane.reports.figures import LAYER_COLOURS
from infoplane.reports.page import figure_html, table_html, html_page


def setting_label(estimator: str, params: str) -> str:
    """A short name for an estimator setting: ``binning 30 [-1,1]``, ``binning adaptive 30``, ``kde σ²=0.001``."""
    p = json.loads(params)
    if estimator == "binning":
        if p.get("strategy") == "adaptive":
            return f"binning adaptive {p['n_bins']}"
        rng = p.get("range")
        return f"binning {p['n_bins']}" + (f" [{rng[0]:g},{rng[1]:g}]" if rng else " (run range)")
    if estimator == "kde":
        return f"kde σ²={p['noise_variance']:g}" + (" lower" if p.get("bound") == "lower" else "")
    return estimator


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
    """Δ = peak − final I(X;T) with its 95 % interval, per layer, for every estimator setting."""
    activations = list(dict.fromkeys(verdicts["activation"]))
    labelled = verdicts.assign(setting=[setting_label(e, p) for e, p in zip(verdicts["estimator"], verdicts["params"])])
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


def write_study_report(path: str | os.PathLike[str], table: pd.DataFrame, verdicts: pd.DataFrame, summary: str) -> Path:
    """Write the self-contained study page and return its path."""
    first = table.iloc[0]
    headline = table[(table["estimator"] == first["estimator"])]
    headline_params = {a: headline[headline["activation"] == a]["params"].iloc[0] for a in headline["activation"].unique()}
    headline = pd.concat([headline[(headline["activation"] == a) & (headline["params"] == p)] for a, p in headline_params.items()])
    shown = verdicts.assign(setting=[setting_label(e, p) for e, p in zip(verdicts["estimator"], verdicts["params"])])
    shown = shown[
        ["activation", "setting", "layer", "n_seeds", "peak_epoch_median", "delta_mean", "delta_low", "delta_high",
         "noise_floor", "compresses", "fits"]
    ]  # fmt: skip
    body = "\n".join(
        [
            "<h1>infoplane study</h1>",
            f"<p class='note'>{summary}</p>",
            "<h2>I(X;T) over training, mean ± 1 sd across seeds</h2>",
            figure_html(bands_figure(headline, "headline binning"), "bands"),
            "<h2>Does each layer compress?</h2><p class='note'>Δ = peak − final I(X;T) in bits, mean over seeds with a "
            "bootstrap 95 % interval (peak and final on the trajectory smoothed over 5 logged epochs); <b>compresses</b> "
            "when the interval's lower end is above 0.05 bits and above the noise floor (the Δ the runs' own "
            "fluctuation would give). "
            "<b>fits</b>: the same test on the rise of I(T;Y).</p>",
            table_html(shown),
            "<h2>Sensitivity: the verdict against the estimator's setting</h2>",
            figure_html(sensitivity_figure(verdicts), "sensitivity"),
        ]
    )
    page = html_page("infoplane study", body)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


__all__ = ["bands_figure", "sensitivity_figure", "setting_label", "write_study_report"]
