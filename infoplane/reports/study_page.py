"""The ``infoplane study`` page: trajectories with bands across seeds, verdicts with intervals, and how
the verdict moves with the estimator's setting.

Its figures are :func:`~infoplane.reports.figures.bands_figure` and
:func:`~infoplane.reports.figures.sensitivity_figure`; setting labels come from the MI table's ``setting``
column (each estimator's own label), so this module knows nothing about any estimator.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from infoplane.reports.figures import bands_figure, sensitivity_figure, setting_labels
from infoplane.reports.html import PlotlyJS, figure_html, table_html, write_page


def label_settings(verdicts: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``verdicts`` (or any table with ``estimator`` and ``params``) with a ``setting`` column: kept where it
    has one, else taken from the MI ``table``'s ``setting`` column for the same (estimator, params), else
    :func:`~infoplane.reports.figures.setting_labels` (the estimator's name)."""
    if "setting" in verdicts.columns:
        return verdicts
    if table is not None and "setting" in table.columns:
        labels = table.drop_duplicates(["estimator", "params"]).set_index(["estimator", "params"])["setting"]
        keys = pd.MultiIndex.from_frame(verdicts[["estimator", "params"]])
        found = labels.reindex(keys).to_numpy()
        fallback = setting_labels(verdicts).to_numpy()
        return verdicts.assign(setting=[f if isinstance(f, str) else b for f, b in zip(found, fallback)])
    return verdicts.assign(setting=setting_labels(verdicts))


def _headline(table: pd.DataFrame) -> pd.DataFrame:
    """Per activation, the rows of the first setting of the table's first estimator (the headline)."""
    first = table.iloc[0]
    headline = table[(table["estimator"] == first["estimator"])]
    params = {a: headline[headline["activation"] == a]["params"].iloc[0] for a in headline["activation"].unique()}
    return pd.concat([headline[(headline["activation"] == a) & (headline["params"] == p)] for a, p in params.items()])


def write_study_report(
    path: str | os.PathLike[str],
    table: pd.DataFrame,
    verdicts: pd.DataFrame,
    summary: str,
    *,
    plotlyjs: PlotlyJS = "inline",
) -> Path:
    """Write the study page atomically and return its path (plotly.js inlined by default; ``plotlyjs="cdn"``
    or ``"directory"``: see :data:`~infoplane.reports.html.PlotlyJS`).

    Args:
        path: the page.
        table: the study's MI table (its ``setting`` column labels the settings).
        verdicts: the compression verdicts (:func:`infoplane.analysis.compression`).
        summary: one line on what was trained, shown under the title.
    """
    headline = _headline(table)
    labelled = label_settings(verdicts, table)
    shown = labelled[
        ["activation", "setting", "layer", "n_seeds", "peak_epoch_median", "delta_mean", "delta_low", "delta_high",
         "noise_floor", "compresses", "fits"]
    ]  # fmt: skip
    body = "\n".join(
        [
            "<h1>infoplane study</h1>",
            f"<p class='note'>{summary}</p>",
            "<h2>I(X;T) over training, mean ± 1 sd across seeds</h2>",
            figure_html(bands_figure(headline, f"headline {headline['estimator'].iloc[0]}"), "bands"),
            "<h2>Does each layer compress?</h2><p class='note'>Δ = peak − final I(X;T) in bits, mean over seeds with a "
            "bootstrap 95 % interval (peak and final on the trajectory smoothed over 5 logged epochs); <b>compresses</b> "
            "when the interval's lower end is above 0.05 bits and above the noise floor (the Δ the runs' own "
            "fluctuation would give). "
            "<b>fits</b>: the same test on the rise of I(T;Y).</p>",
            table_html(shown),
            "<h2>Sensitivity: the verdict against the estimator's setting</h2>",
            figure_html(sensitivity_figure(labelled), "sensitivity"),
        ]
    )
    return write_page(path, "infoplane study", body, plotlyjs)


__all__ = ["label_settings", "write_study_report"]
