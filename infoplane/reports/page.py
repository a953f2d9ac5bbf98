"""The HTML report: plotly.js embedded once (or from a CDN / a file beside it), every figure, the tables,
the metadata, and the MI table itself as a download.

It reads an MI table and one :class:`~infoplane.reports.summary.RunSummary` per run, never run files or
estimators; :mod:`infoplane.pipeline` loads runs and estimates.

Epochs are shown one way everywhere: **epochs trained** (a logged epoch ``e`` is the 0-based index of the
epoch just finished, so ``e + 1`` epochs were trained; :func:`~infoplane.reports.summary.epochs_trained`).
The downloadable MI table keeps its own ``epoch`` column as logged (0-based), and the page says so.
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
from infoplane.analysis.diagnostics import NEAR_CEILING_BITS, near_stated_ceiling, saturation
from infoplane.outputs import atomic_write_bytes, atomic_write_text
from infoplane.reports.figures import (
    CAPPED_ESTIMATORS,
    MAX_FRAMES,
    finite_estimates,
    report_figures,
    setting_labels,
)
from infoplane.reports.groups import GROUP_METADATA, run_groups
from infoplane.reports.html import (
    MISSING,
    PlotlyJS,
    check_plotlyjs,
    download_link,
    figure_html,
    html_page,
    table_html,
    write_plotlyjs,
)
from infoplane.reports.summary import RunSummary, epochs_trained, summarise


def as_summaries(runs: Iterable[Any]) -> list[RunSummary]:
    """Each item as a :class:`RunSummary`: summaries are kept, anything else is :func:`summarise`\\ d."""
    return [summarise(r) for r in runs]


def _value_text(value: Any) -> str:
    """A metadata value as text: strings as they are, None / NaN as "—", anything else as JSON."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _metadata_html(summary: RunSummary, group: str) -> str:
    metadata = {"activation": summary.activation, **summary.metadata}
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_value_text(v))}</td></tr>" for k, v in metadata.items()
    )
    model = html.escape(summary.model)
    epochs = summary.epochs
    logged = (
        f"{len(epochs)}, after {epochs_trained(epochs[0])} … {epochs_trained(epochs[-1])} epochs trained" if epochs else "0"
    )
    note = summary.incomplete_note
    online = (
        "<tr><th>estimates</th><td>made online while training (store='none'): shown with the parameters they "
        "were computed with</td></tr>"
        if summary.online
        else ""
    )
    return (
        f"<h3>{html.escape(summary.name)}</h3>"
        + (f"<p class='warning'>{html.escape(note)}</p>" if note else "")
        + f"<table>{rows}"
        f"<tr><th>group</th><td>{html.escape(group)}</td></tr>"
        f"<tr><th>logged epochs</th><td>{logged}</td></tr>"
        f"<tr><th>probe samples</th><td>{summary.n_samples}</td></tr>{online}</table>"
        + (f"<details><summary>model</summary><pre>{model}</pre></details>" if model else "")
    )


def _settings_html(table: pd.DataFrame, descriptions: Mapping[str, str]) -> str:
    """One item per estimator setting in the table: its label, its description and the parameters it was
    computed with (the table's ``params``: for online runs, those stored in the run)."""
    labelled = table.assign(_label=setting_labels(table).to_numpy())
    settings = labelled.drop_duplicates(["estimator", "params", "_label"])
    per_estimator = settings.groupby("estimator")["params"].nunique()
    items = []
    for _, row in settings.iterrows():
        name, label = str(row["estimator"]), str(row["_label"])
        text = descriptions.get(label) or (descriptions.get(name) if per_estimator.get(name, 1) == 1 else None)
        items.append(
            f"<li><b>{html.escape(label)}</b>{': ' + html.escape(text) if text else ''} "
            f"<span class='note'>(parameters: <code>{html.escape(str(row['params']))}</code>)</span></li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def _groups_html(summaries: Sequence[RunSummary]) -> str:
    members = run_groups(summaries)
    groups: dict[str, list[str]] = {}
    for s in summaries:
        m = members[s.name]
        groups.setdefault(m.group, []).append(s.name + (f" ({m.probe} probe set)" if m.probe else ""))
    several = {g: names for g, names in groups.items() if len(names) > 1}
    if not several:
        return ""
    items = "".join(f"<li><b>{html.escape(g)}</b>: {html.escape(', '.join(n))}</li>" for g, n in several.items())
    return (
        "<p class='note'>Runs drawn together (a mean over seeds, ±1 sd; test probe sets dashed beside train): runs "
        f"group when their metadata agree on {', '.join(GROUP_METADATA)} (training without its seed), or, for "
        f"runs without a dataset or activation in their metadata, when their names agree once "
        f"<code>seed&lt;N&gt;</code> (and a <code>-train</code>/<code>-test</code> suffix of runs with a probe "
        f"set) is removed.</p><ul>{items}</ul>"
    )


def _phases_table(shown: pd.DataFrame, summaries: Sequence[RunSummary]) -> pd.DataFrame:
    """Per run and layer (runs in the report's order, layers in forward order): the I(X;T) peak, final
    value and drop, epochs as epochs trained."""
    drops = per_run_phases(shown)
    order = {s.name: i for i, s in enumerate(summaries)}
    drops = drops.assign(_run=drops["run"].map(order), _label=setting_labels(drops).to_numpy())
    drops = drops.sort_values(["_run", "layer_index", "_label"], kind="stable")
    drops = drops.assign(peak_epoch=drops["peak_epoch"].map(epochs_trained))
    several = drops["_label"].nunique() > 1
    drops = drops.assign(estimator=drops["_label"]) if several else drops.drop(columns=["estimator"])
    drops = drops.drop(columns=[c for c in ("seed", "params", "setting", "_run", "_label", "layer_index") if c in drops])
    return drops.rename(
        columns={
            "estimator": "setting",
            "peak_epoch": "peak at (epochs trained)",
            "peak_I_XT": "peak I(X;T)",
            "final_I_XT": "final I(X;T)",
            "delta_bits": "drop after peak (bits)",
            "fit_rise_bits": "rise of I(T;Y) (bits)",
            "noise_floor_bits": "noise floor (bits)",
        }
    )


def _saturation_html(shown: pd.DataFrame, summaries: Sequence[RunSummary]) -> str:
    """The ceiling flags: log2 N for the estimators whose I(X;T) is capped by it
    (:data:`~infoplane.reports.figures.CAPPED_ESTIMATORS`), and each lower bound's own stated ceiling
    (the MI table's ``ceiling_bits``)."""
    capped = shown[shown["estimator"].isin(CAPPED_ESTIMATORS)]
    n_samples = {s.name: s.n_samples for s in summaries}
    widths = {s.name: dict(s.widths) for s in summaries}
    stated = near_stated_ceiling(shown[~shown["estimator"].isin(CAPPED_ESTIMATORS)], n_samples, widths)
    with_ceiling = (
        set(shown.loc[pd.to_numeric(shown.get("ceiling_bits"), errors="coerce").notna(), "estimator"])
        if "ceiling_bits" in shown
        else set()
    )
    others = sorted(set(shown["estimator"]) - set(CAPPED_ESTIMATORS) - with_ceiling)
    other_note = (
        f" Not checked: {', '.join(others)} (their I(X;T) is not capped by log<sub>2</sub> N and they state no ceiling)."
        if others
        else ""
    )
    flags = saturation(capped, n_samples, widths) if not capped.empty else stated.iloc[:0]
    flags = pd.concat([f for f in (flags, stated) if len(f)]) if len(flags) or len(stated) else flags
    checked = sorted(set(capped["estimator"]) | with_ceiling)
    if not checked:
        return f"<p class='note'>No estimator here is capped by log<sub>2</sub> N or states a ceiling.{other_note}</p>"
    if not len(flags):
        return (
            "<p class='note'>No layer sits at the log<sub>2</sub> N ceiling, near its estimator's own ceiling, or is "
            f"far wider than log<sub>2</sub> N (checked for {', '.join(checked)}).{other_note}</p>"
        )
    order = {s.name: i for i, s in enumerate(summaries)}
    index = shown.drop_duplicates(["run", "layer"]).set_index(["run", "layer"])["layer_index"]
    flags = flags.assign(
        _r=flags["run"].map(order), _l=[index.get((r, l), 0) for r, l in zip(flags["run"], flags["layer"])]
    )
    flags = flags.sort_values(["_r", "_l"], kind="stable")
    return (
        "<p class='note'>Layers flagged because their estimate sits at its ceiling (log<sub>2</sub> N for binned and "
        "kernel estimates; a lower bound's own stated ceiling, within "
        f"{NEAR_CEILING_BITS} bits) or they are far wider than log<sub>2</sub> N.{other_note}</p>"
        + table_html(flags[["run", "estimator", "layer", "epochs_at_ceiling", "epochs", "width", "message"]])
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
        f"<li>run {html.escape(str(run))}, {html.escape(str(est))}, layer {html.escape(str(layer))}: after "
        f"{html.escape(', '.join(str(epochs_trained(e)) for e in epochs[:10]))}{' …' if len(epochs) > 10 else ''} "
        f"epochs trained</li>"
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
    plotlyjs: PlotlyJS = "inline",
    table_name: str = "mi_table.csv",
    max_frames: int = MAX_FRAMES,
) -> str:
    """The report page as one HTML string.

    Args:
        table: the MI table of the runs (``infoplane.estimate``); panel titles come from its ``setting``
            column (the estimator's label), else the estimator's name.
        summaries: one :class:`RunSummary` per run in the table (anything else is :func:`summarise`\\ d),
            for bounds, groups, metrics, completeness and metadata.
        descriptions: per setting label (the ``setting`` column) or estimator name, its description; build
            it from the parameters stored in the table (``pipeline.build_report`` does), so an online
            estimate is described as it was computed.
        title: the page title.
        plotlyjs: ``inline`` (default: opens offline), ``cdn`` or ``directory`` (``plotly.min.js`` beside
            the page; :func:`write_report` writes it).
        table_name: the file name the page's download link offers for the MI table.
        max_frames: most steps of the information plane's epoch slider.

    Raises:
        ValueError: the table is empty, names a run no summary describes, or has a negative epoch.
        UsageError: ``plotlyjs`` is not one of ``inline``, ``cdn``, ``directory``.
    """
    check_plotlyjs(plotlyjs)
    summaries = as_summaries(summaries)
    figures = report_figures(table, summaries, max_frames=max_frames)
    shown = finite_estimates(table)
    in_table = [s for s in summaries if s.name in set(table["run"])] or summaries
    max_xt = max(s.log2_n for s in in_table)
    max_ty = max(s.label_entropy_bits for s in in_table)
    members = run_groups(summaries)
    meta = figures["information-plane"].layout.meta or {}
    frames, logged = int(meta.get("frames", 0)), int(meta.get("logged_epochs", 0))
    sampled = (
        f" The slider steps through {frames} of the {logged} logged epochs (spread evenly, first and last kept), "
        f"to keep the page small."
        if frames < logged
        else ""
    )
    online = [s.name for s in summaries if s.online]
    online_note = (
        f"<p class='note'>Estimated online while training (<code>store='none'</code>): {html.escape(', '.join(online))}. "
        "Their numbers are the stored estimates, each with the setting and parameters it was computed with "
        "(listed above), not a fresh estimate.</p>"
        if online
        else ""
    )
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        _incomplete_html(summaries),
        f"<p class='note'>Runs: {', '.join(html.escape(s.name) for s in summaries)}. All values are in bits; "
        f"epochs are <b>epochs trained</b> everywhere (the MI table's <code>epoch</code> is the 0-based index of the "
        f"epoch just finished, so epoch e is e + 1 epochs trained). "
        f"Bounds: I(X;T) ≤ log<sub>2</sub> N = {max_xt:.2f} bits for N distinct probe inputs; "
        f"I(T;Y) ≤ H(Y) = {max_ty:.4f} bits; and, the labels being a function of the input, the "
        f"information-bottleneck bound I(T;Y) ≤ min(I(X;T), H(Y)) (Kolchinsky, Tracey &amp; Van Kuyk 2019). "
        f"Every estimator measures a proxy of the MI of a deterministic network, named below with the "
        f"parameters it was computed with.</p>{_settings_html(table, descriptions)}",
        online_note,
        f"<p>{download_link(table, table_name, f'Download the MI table ({len(table)} rows, CSV)')} "
        f"<span class='note'>(saved from the page itself; epochs as logged, 0-based)</span></p>",
        _infinite_html(table),
        "<h2>Information plane</h2>",
        "<p class='note'>A panel per estimator setting and group of runs; in each, one trajectory per layer, "
        "markers coloured by epochs trained on one shared scale; groups of seeds are their mean with ±1 sd "
        "bars; test probe sets are dashed. Fitting moves a layer up; compression moves it left. The slider "
        f"and ▶ play move the large markers, and the loss and accuracy beneath, through training.{sampled}</p>",
        _groups_html(summaries),
        figure_html(figures["information-plane"], "information-plane"),
        "<h2>What the numbers can mean</h2>",
        _saturation_html(shown, summaries),
        "<h2>Did I(X;T) fall after its peak?</h2>",
        "<p class='note'>Per run and layer (runs in order, layers in forward order), one seed each: when and at "
        "what value I(X;T) peaked, its final value and the drop. A single seed carries no uncertainty: compare "
        "seeds before calling it compression.</p>",
        table_html(_phases_table(shown, summaries)),
        "<h2>MI against epochs trained</h2>",
        figure_html(figures["mi-vs-epoch"], "mi-vs-epoch"),
        "<h2>Training</h2>",
        "<p class='note'>Loss, accuracy and every other logged metric on an axis of its own.</p>",
        figure_html(figures["training"], "training"),
        "<h2>Runs</h2>",
        *(_metadata_html(s, members[s.name].group) for s in summaries),
    ]
    return html_page(title, "\n".join(s for s in sections if s), plotlyjs)


def write_report(
    path: str | os.PathLike[str],
    table: pd.DataFrame,
    summaries: Sequence[RunSummary | Any],
    descriptions: Mapping[str, str],
    *,
    title: str = "infoplane report",
    plotlyjs: PlotlyJS = "inline",
    max_frames: int = MAX_FRAMES,
) -> Path:
    """Write :func:`render_report` to ``path`` atomically (unique temporary name, then a rename) and return
    the path. ``summaries``: one :class:`RunSummary` per run in ``table`` (anything else is summarised).
    With ``plotlyjs="directory"``, ``plotly.min.js`` is written beside the page first (once: an identical
    copy is kept), atomically too."""
    summaries = as_summaries(summaries)
    page = render_report(
        table, summaries, descriptions, title=title, plotlyjs=plotlyjs, table_name=f"{Path(path).stem}-mi_table.csv",
        max_frames=max_frames,
    )  # fmt: skip
    if plotlyjs == "directory":
        write_plotlyjs(path)
    return atomic_write_text(path, page)


__all__ = ["as_summaries", "render_report", "write_pngs", "write_report"]
