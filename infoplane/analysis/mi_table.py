"""The MI table: runs' activations (or their online estimates) → a tidy table of I(X;T) and I(T;Y) in bits.

This module builds every row of every MI table: :func:`estimate_row` estimates one layer at one epoch
with one estimator, for :func:`estimate` (offline, from a run's activations) and for the tracker's
online estimation alike; :func:`estimates_frame` turns stored online records into a table.
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from infoplane import estimators as registry
from infoplane.estimators.base import Estimator
from infoplane.run import Run, run_name

#: Columns of an MI table, in order. ``I_XT`` and ``I_TY`` are in bits; ``params`` is the estimator's
#: setting as given (JSON), ``fitted`` what a run decided on top of it (JSON), ``ceiling_bits`` the most a
#: lower-bound estimator can report on this many samples (bits; NaN for estimators without one, see
#: :func:`ceiling_bits`), ``setting`` the estimator's short label (e.g. ``binning 30 [-1,1]``).
MI_COLUMNS = [
    "run", "activation", "seed", "epoch", "layer", "layer_index", "estimator", "params", "fitted", "I_XT", "I_TY",
    "ceiling_bits", "setting",
]  # fmt: skip
#: The same list under its older name.
COLUMNS = MI_COLUMNS

EstimatorSpec = str | Estimator

__all__ = [
    "COLUMNS", "MI_COLUMNS", "Estimator", "EstimatorSpec", "applies_to", "as_estimator", "as_estimators", "ceiling_bits",
    "estimate", "estimate_row", "estimates_frame", "estimates_layers_together", "setting_label",
]  # fmt: skip


def as_estimator(spec: EstimatorSpec) -> Estimator:
    """A registry name (default parameters) or an estimator instance, as an instance.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
        TypeError: neither a name nor an :class:`Estimator`.
    """
    if isinstance(spec, Estimator):
        return spec
    if isinstance(spec, str):
        return registry.get(spec)
    raise TypeError(f"estimators must be registry names or Estimator instances, got {type(spec).__name__}")


def as_estimators(specs: EstimatorSpec | Sequence[EstimatorSpec]) -> list[Estimator]:
    """One name or estimator, or a list of them, as a list of instances (see :func:`as_estimator`)."""
    if isinstance(specs, (str, Estimator)):
        return [as_estimator(specs)]
    return [as_estimator(spec) for spec in specs]


def applies_to(estimator: Estimator, records: Mapping[str, Any]) -> bool:
    """Whether ``estimator`` can estimate a layer whose per-sample aux records are ``records``.

    An estimator that needs records beside a layer's output (``requires_aux``, e.g. echo's
    ``log2_scale``) applies only to the layers that have every one of them; others apply everywhere.
    """
    return all(key in records for key in getattr(estimator, "requires_aux", ()))


def setting_label(estimator: Estimator) -> str:
    """The estimator's short label (``Estimator.label``), or its registry name where it has none."""
    label = getattr(estimator, "label", None)
    return label if isinstance(label, str) and label else estimator.name


@functools.lru_cache(maxsize=512)
def _label_for(name: str, params: str) -> str:
    """The short label of a stored (name, params JSON) pair, from the registry's class; the name if none."""
    try:
        label_for = getattr(type(registry.get(name)), "label_for", None)
        label = label_for(json.loads(params)) if callable(label_for) else None
    except Exception:  # noqa: BLE001 - a caption only: an unknown plugin or odd params fall back to the name
        label = None
    return label if isinstance(label, str) and label else name


@functools.lru_cache(maxsize=512)
def _ceiling_for(name: str, params: str, n_samples: int) -> float:
    """The ceiling of a stored (name, params JSON) pair on ``n_samples`` samples; NaN where none is stated."""
    try:
        estimator = registry.get(name, **json.loads(params))
    except Exception:  # noqa: BLE001 - an unknown plugin or odd params: no stated ceiling
        return math.nan
    return ceiling_bits(estimator, n_samples)


def ceiling_bits(estimator: Estimator, n_samples: int) -> float:
    """The most ``estimator`` can report on ``n_samples`` samples, in bits; NaN where it states none.

    Lower-bound estimators state it with a method ``ceiling_bits(n) -> float`` (InfoNCE: log2 of its
    negatives + 1; DV, NWJ, SMILE: O(log N) after McAllester & Stratos 2020). An estimate near its ceiling
    says "at least this much".
    """
    method = getattr(estimator, "ceiling_bits", None)
    if not callable(method):
        return math.nan
    try:
        value = float(method(int(n_samples)))
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def estimates_layers_together(estimator: Estimator) -> bool:
    """Whether :func:`estimate` hands ``estimator`` all layers of an epoch at once.

    The trajectory-level hook: an estimator with a method
    ``information_plane_layers(x, ts: dict[str, array], y, state) -> (dict[str, (I_XT, I_TY)], state)`` (bits)
    gets, epoch by epoch, every layer's activations together and the ``state`` its previous call
    returned (``None`` at the first epoch), e.g. to fit all layers' critics in one network, warm-started.
    Not used for estimators that need per-sample aux records.
    """
    return callable(getattr(estimator, "information_plane_layers", None)) and not tuple(
        getattr(estimator, "requires_aux", ())
    )


def _is_finite(values: Any) -> bool:
    if isinstance(values, torch.Tensor):
        return bool(torch.isfinite(values).all())
    return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())


def estimate_row(
    estimator: Estimator,
    x: Any,
    t: Any,
    y: Any,
    aux: Mapping[str, Any] | None = None,
    *,
    epoch: int,
    layer: str,
    layer_index: int,
    given: Estimator | None = None,
    where: str = "",
    strict: bool = True,
    values: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Estimate one layer at one epoch with one estimator: one MI-table row (without the run columns).

    Activations holding NaN or infinite values (diverged training) and an estimate that is not finite
    give NaN estimates with a ``RuntimeWarning`` naming layer, epoch and estimator: a gap in every
    table and figure, never a number (an ``inf`` would break every axis).

    Args:
        estimator: the estimator to apply (after :meth:`~Estimator.fit_trajectory`, if any).
        x: the probe inputs (n_samples, n_features), or None where the run did not keep them.
        t: the layer's activations at this epoch (n_samples, width): array or tensor.
        y: the probe labels (n_samples,).
        aux: the layer's per-sample records at this epoch; only those ``estimator.requires_aux`` names
            are passed on.
        epoch: the logged epoch.
        layer: the layer's name.
        layer_index: the layer's position among the run's layers.
        given: the estimator as configured, before ``fit_trajectory`` (default: ``estimator``): its
            parameters are the ``params`` column and its label the ``setting``; what ``estimator``
            decided on top of them is the ``fitted`` column.
        where: prefix of messages naming the run, e.g. ``"run 'tanh-seed1', "``.
        strict: a ``ValueError`` from the estimator is raised, naming layer and epoch (offline); with
            ``strict=False`` it becomes a warned NaN (online estimation must not stop training).
        values: (I(X;T), I(T;Y)) in bits already estimated (by an estimator that fits all layers of an
            epoch together, see :func:`estimates_layers_together`): used instead of calling
            ``information_plane``; checked like its result.

    Returns:
        A dict with the keys ``epoch``, ``layer``, ``layer_index``, ``estimator``, ``params``,
        ``fitted``, ``I_XT``, ``I_TY`` (bits), ``ceiling_bits`` (bits, NaN for none) and ``setting``.

    Raises:
        ValueError: (``strict``) the estimator refused the data; the message names where.
    """
    given = estimator if given is None else given
    place = f"{where}layer {layer!r}, epoch {epoch}, {estimator.name}"
    required = tuple(getattr(estimator, "requires_aux", ()))
    records = aux or {}
    i_xt = i_ty = math.nan
    if not _is_finite(t):
        warnings.warn(
            f"{place}: NaN or infinite activations (diverged training); recorded as a gap, not a number",
            RuntimeWarning,
            stacklevel=2,
        )
    else:
        try:
            if values is None:
                values = estimator.information_plane(x, t, y, **{key: records[key] for key in required})
            i_xt, i_ty = float(values[0]), float(values[1])
        except ValueError as exc:
            if strict:
                raise ValueError(f"{place}: {exc}") from None
            warnings.warn(f"{place}: no estimate ({exc}); recorded as a gap", RuntimeWarning, stacklevel=2)
            i_xt = i_ty = math.nan
        if not (math.isfinite(i_xt) and math.isfinite(i_ty)):
            if not (math.isnan(i_xt) and math.isnan(i_ty)):  # a double NaN was warned above
                warnings.warn(
                    f"{place}: the estimate (I(X;T), I(T;Y)) = ({i_xt}, {i_ty}) bits is not finite; recorded as "
                    f"NaN, a gap",
                    RuntimeWarning,
                    stacklevel=2,
                )
            i_xt = i_xt if math.isfinite(i_xt) else math.nan
            i_ty = i_ty if math.isfinite(i_ty) else math.nan
    given_params = given.get_params()
    decided = {k: v for k, v in estimator.get_params().items() if given_params.get(k) != v}
    return {
        "epoch": int(epoch),
        "layer": layer,
        "layer_index": int(layer_index),
        "estimator": estimator.name,
        "params": given.params_json(given_params),
        "fitted": given.params_json(decided),
        "I_XT": i_xt,
        "I_TY": i_ty,
        "ceiling_bits": ceiling_bits(estimator, len(t)),
        "setting": setting_label(given),
    }


def estimates_frame(
    rows: Sequence[Mapping[str, Any]], metadata: Mapping[str, Any], n_samples: int | None = None
) -> pd.DataFrame:
    """Online estimate records (epoch, layer, …, I_XT, I_TY) as an MI table of the run ``metadata`` describes.

    A record without ``setting`` (as stored in run files) gets the label the registry's estimator class
    gives its ``params`` (its name where the class gives none); one without ``ceiling_bits`` gets the
    ceiling that estimator states on ``n_samples`` probe samples (NaN when ``n_samples`` is None or the
    estimator states none), so a stored run's table says what the tracker's live table said. An estimate that is not a number is
    refused; an infinite one becomes NaN with a warning (a gap, never an axis to infinity).

    Raises:
        ValueError: an estimate is not a number; the message names run, layer and epoch.
    """
    name = run_name(metadata)
    run = {"run": name, "activation": metadata.get("activation"), "seed": metadata.get("seed")}
    table = []
    for row in rows:
        record = run | dict(row)
        for key in ("I_XT", "I_TY"):
            value = record.get(key)
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValueError(
                    f"run {name!r}, layer {record.get('layer')!r}, epoch {record.get('epoch')}: the online estimate "
                    f"{key} is {value!r}, not a number"
                ) from None
            if math.isinf(number):
                warnings.warn(
                    f"run {name!r}, layer {record.get('layer')!r}, epoch {record.get('epoch')}, "
                    f"{record.get('estimator')}: the online estimate {key} is {number}; recorded as NaN, a gap",
                    RuntimeWarning,
                    stacklevel=2,
                )
                number = math.nan
            record[key] = number
        if not record.get("setting"):
            record["setting"] = _label_for(str(record.get("estimator")), str(record.get("params", "{}")))
        if "ceiling_bits" not in record:
            record["ceiling_bits"] = (
                math.nan
                if n_samples is None
                else _ceiling_for(
                    str(record.get("estimator")), str(record.get("params", "{}")), int(n_samples)
                )
            )
        table.append(record)
    return pd.DataFrame(table, columns=MI_COLUMNS)


def _online_rows(run: Run, asked: Sequence[tuple[EstimatorSpec, Estimator]]) -> pd.DataFrame:
    """The MI table of a run captured with ``store="none"``: its online estimates of the asked estimators."""
    table = estimates_frame(run.estimates, run.metadata, len(run.labels))
    if not asked:
        return table
    keep = np.zeros(len(table), dtype=bool)
    for spec, estimator in asked:
        match = (table["estimator"] == estimator.name).to_numpy(copy=True)
        if isinstance(spec, Estimator):  # an instance asks for its setting; a name for any setting of it
            match &= (table["params"] == estimator.params_json()).to_numpy()
        if not match.any():
            have = sorted({f"{e} {p}" for e, p in zip(table["estimator"], table["params"])})
            wanted = (
                estimator.name if isinstance(spec, str) else f"{estimator.name} {estimator.params_json()}"
            )
            raise ValueError(
                f"run {run.name!r} was captured with store='none', so its activations were not kept and only its "
                f"online estimates can be shown; it has {have or 'none'}, not {wanted}: ask for one of those, or "
                f"capture again keeping the activations"
            )
        keep |= match
    return table[keep].reset_index(drop=True)


def _layers_together(
    estimator: Estimator,
    run: Run,
    usable: Sequence[str],
    x: Any,
    y: Any,
    where: str,
    run_columns: dict[str, Any],
    bar: Any,
) -> list[dict[str, Any]]:
    """The rows of one run and estimator through ``information_plane_layers``: epoch by epoch, all layers
    together, each call warm from the previous epoch's state; rows in the usual order (layer, then epoch)."""
    state: Any = None
    per_layer: dict[str, list[dict[str, Any]]] = {layer: [] for layer in usable}
    for i, epoch in enumerate(run.epochs):
        ts = {layer: run.activations[layer][i].float().numpy() for layer in usable}
        finite = {layer: t for layer, t in ts.items() if _is_finite(t)}  # diverged layers are gaps
        values: Mapping[str, tuple[float, float]] = {}
        if finite:
            try:
                values, state = estimator.information_plane_layers(x, finite, y, state)  # type: ignore[attr-defined]
            except ValueError as exc:
                raise ValueError(f"{where}epoch {epoch}, {estimator.name}: {exc}") from None
        for layer in usable:
            row = estimate_row(
                estimator, x, ts[layer], y, epoch=epoch, layer=layer, layer_index=run.layers.index(layer),
                where=where, values=values.get(layer, (math.nan, math.nan)),
            )  # fmt: skip
            per_layer[layer].append(run_columns | row)
            bar.update()
    return [row for layer in usable for row in per_layer[layer]]


def estimate(
    runs: Run | Sequence[Run],
    estimators: EstimatorSpec | Sequence[EstimatorSpec] | None = None,
    *,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Estimate the information plane of every layer at every logged epoch of each run.

    Epochs whose activations hold NaN or infinite values (diverged training), and estimates that are
    not finite, get NaN and a warning naming run, layer and epoch: a gap, never a number.

    An estimator that needs per-sample records beside a layer's output (``requires_aux``, e.g. echo's
    ``log2_scale``) is applied only to the layers that have them.

    An estimator with ``information_plane_layers`` (the critic bounds: infonce, nwj, smile) gets all layers of
    an epoch at once, warm from the previous epoch (see :func:`estimates_layers_together`).

    Per run and layer, each estimator first sees the whole trajectory (``fit_trajectory``): with binning
    and no fixed range, this takes the layer's range over all logged epochs, so epochs are comparable.
    The ``params`` column records the estimator's settings as given (JSON); ``fitted`` records what the
    run decided on top of them (e.g. ``{"range": [lo, hi]}`` for binning without a fixed range), so that
    runs of one setting group together while every number stays traceable.

    A run captured with ``store="none"`` kept no activations: its rows are the online estimates made
    while training (those of the asked estimators: a name asks for every setting of that estimator, an
    instance for its own setting; all of them when ``estimators`` is not given).

    Args:
        runs: one run or several.
        estimators: a registry name (default parameters) or a configured estimator instance, or a list
            of them; default ``"binning"`` (for ``store="none"`` runs: every online estimate).
        progress: show a progress bar (``None``: only on a terminal).

    Returns:
        A DataFrame with the columns ``MI_COLUMNS``; ``I_XT`` and ``I_TY`` are in bits.

    Raises:
        ValueError: runs share a name; no estimators; an estimator applies to no layer of a run; an
            estimator refuses a layer (the message names run, layer and epoch); a ``store="none"`` run
            lacks an asked online estimate.
    """
    run_list = [runs] if isinstance(runs, Run) else list(runs)
    names = [r.name for r in run_list]
    shared = sorted({n for n in names if names.count(n) > 1})
    if shared:
        raise ValueError(
            f"runs share the names {shared}, so their rows would mix: give each run its own metadata['name'] "
            f"(e.g. Tracker(..., metadata={{'name': 'tanh-seed1'}}) or tracker.to_run(name=...))"
        )
    specs: list[EstimatorSpec] = (
        []
        if estimators is None
        else [estimators]
        if isinstance(estimators, (str, Estimator))
        else list(estimators)
    )
    if estimators is not None and not specs:
        raise ValueError("estimators is empty: name at least one, e.g. ['binning']")
    asked = [(spec, as_estimator(spec)) for spec in specs]
    chosen = [estimator for _, estimator in asked] or [registry.get("binning")]
    total = sum(len(r.layers) * len(r.epochs) for r in run_list if r.activations) * len(chosen)
    tables: list[pd.DataFrame] = []
    with tqdm(
        total=total, desc="estimating", unit="layer-epoch", disable=None if progress is None else not progress
    ) as bar:
        for run in run_list:
            if not run.activations:
                tables.append(_online_rows(run, asked))
                continue
            rows: list[dict[str, Any]] = []
            where = f"run {run.name!r}, "
            x = None if run.inputs is None else run.inputs.numpy()
            y = run.labels.numpy()
            run_columns = {
                "run": run.name,
                "activation": run.metadata.get("activation"),
                "seed": run.metadata.get("seed"),
            }
            for estimator in chosen:
                required = tuple(getattr(estimator, "requires_aux", ()))
                usable = [layer for layer in run.layers if applies_to(estimator, run.aux.get(layer, {}))]
                if not usable:
                    raise ValueError(
                        f"run {run.name!r}: estimator {estimator.name!r} needs per-sample {list(required)} records, "
                        f"which no layer of this run has"
                    )
                bar.update(len(run.epochs) * (len(run.layers) - len(usable)))
                if estimates_layers_together(estimator):
                    rows += _layers_together(estimator, run, usable, x, y, where, run_columns, bar)
                    continue
                for layer_index, layer in enumerate(run.layers):
                    if layer not in usable:
                        continue
                    aux = run.aux.get(layer, {})
                    trajectory = [a.float().numpy() for a in run.activations[layer]]
                    finite = [t for t in trajectory if _is_finite(t)]  # diverged epochs are gaps, not fitted
                    try:
                        fitted = estimator.fit_trajectory(finite)
                    except ValueError as exc:
                        raise ValueError(f"run {run.name!r}, layer {layer!r}: {exc}") from None
                    for i, (epoch, t) in enumerate(zip(run.epochs, trajectory)):
                        records = {key: aux[key][i].float().numpy() for key in required}
                        row = estimate_row(
                            fitted, x, t, y, records, epoch=epoch, layer=layer, layer_index=layer_index,
                            given=estimator, where=where,
                        )  # fmt: skip
                        rows.append(run_columns | row)
                        bar.update()
            tables.append(pd.DataFrame(rows, columns=MI_COLUMNS))
    filled = [table for table in tables if len(table)]  # pandas warns on concatenating empty frames
    if len(filled) > 1:
        return pd.concat(filled, ignore_index=True)
    return filled[0] if filled else pd.DataFrame(columns=MI_COLUMNS)
