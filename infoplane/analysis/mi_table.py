"""``estimate``: a run's activations → a tidy table of I(X;T) and I(T;Y) in bits."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from infoplane import estimators as registry
from infoplane.estimators.base import Estimator
from infoplane.run import ESTIMATE_FIELDS, Run, run_name

#: Columns of an MI table (``infoplane.estimate``), in order: the run's identity, then a stored online
#: estimate's fields (``infoplane.run.ESTIMATE_FIELDS``).
MI_COLUMNS = ["run", "activation", "seed", *ESTIMATE_FIELDS]
#: Columns of the MI table, in order.
COLUMNS = MI_COLUMNS


def estimates_frame(rows: list[dict[str, Any]], metadata: Any) -> pd.DataFrame:
    """Online estimate records (epoch, layer, …, I_XT, I_TY) as an MI table of the run ``metadata`` describes."""
    run = {"run": run_name(metadata), "activation": metadata.get("activation"), "seed": metadata.get("seed")}
    return pd.DataFrame([run | row for row in rows], columns=MI_COLUMNS)

EstimatorSpec = str | Estimator


def _as_estimator(spec: EstimatorSpec) -> Estimator:
    if isinstance(spec, Estimator):
        return spec
    if isinstance(spec, str):
        return registry.get(spec)
    raise TypeError(f"estimators must be registry names or Estimator instances, got {type(spec).__name__}")


def estimate(
    runs: Run | Sequence[Run],
    estimators: Sequence[EstimatorSpec] = ("binning",),
    *,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Estimate the information plane of every layer at every logged epoch of each run.

    Epochs whose activations hold NaN or infinite values (diverged training) get NaN estimates and a
    warning naming run, layer and epoch: a gap, never a number.

    An estimator that needs per-sample records beside a layer's output (``requires_aux``, e.g. echo's
    ``log2_scale``) is applied only to the layers that have them.

    Per run and layer, each estimator first sees the whole trajectory (``fit_trajectory``): with binning
    and no fixed range, this takes the layer's range over all logged epochs, so epochs are comparable.
    The ``params`` column records the estimator's settings as given (JSON); ``fitted`` records what the
    run decided on top of them (e.g. ``{"range": [lo, hi]}`` for binning without a fixed range), so that
    runs of one setting group together while every number stays traceable.

    Args:
        runs: one run or several.
        estimators: registry names (default parameters) or configured estimator instances.
        progress: show a progress bar (``None``: only on a terminal).

    Returns:
        A DataFrame with the columns ``COLUMNS``; ``I_XT`` and ``I_TY`` are in bits.
    """
    run_list = [runs] if isinstance(runs, Run) else list(runs)
    names = [r.name for r in run_list]
    shared = sorted({n for n in names if names.count(n) > 1})
    if shared:
        raise ValueError(
            f"runs share the names {shared}, so their rows would mix: give each run its own metadata['name'] "
            f"(e.g. Tracker(..., metadata={{'name': 'tanh-seed1'}}) or tracker.to_run(name=...))"
        )
    chosen = [_as_estimator(spec) for spec in estimators]
    if not chosen:
        raise ValueError("estimators is empty: name at least one, e.g. ['binning']")
    total = sum(len(r.layers) * len(r.epochs) for r in run_list) * len(chosen)
    rows: list[dict[str, Any]] = []
    with tqdm(total=total, desc="estimating", unit="layer-epoch", disable=None if progress is None else not progress) as bar:
        for run in run_list:
            if not run.activations:
                raise ValueError(
                    f"run {run.name!r} kept no activations (captured with store='none'); its online estimates "
                    f"are in run.estimates_table()"
                )
            x = None if run.inputs is None else run.inputs.numpy()
            y = run.labels.numpy()
            for estimator in chosen:
                required = tuple(getattr(estimator, "requires_aux", ()))
                usable = [layer for layer in run.layers if all(k in run.aux.get(layer, {}) for k in required)]
                if not usable:
                    raise ValueError(
                        f"run {run.name!r}: estimator {estimator.name!r} needs per-sample {list(required)} records, "
                        f"which no layer of this run has"
                    )
                bar.update(len(run.epochs) * (len(run.layers) - len(usable)))
                for layer_index, layer in enumerate(run.layers):
                    if layer not in usable:
                        continue
                    aux = run.aux.get(layer, {})
                    trajectory = [a.float().numpy() for a in run.activations[layer]]
                    finite = [bool(np.isfinite(t).all()) for t in trajectory]
                    for epoch, ok in zip(run.epochs, finite):
                        if not ok:
                            warnings.warn(
                                f"run {run.name!r}, layer {layer!r}, epoch {epoch}: NaN or infinite activations "
                                f"(diverged training); recorded as a gap, not a number",
                                RuntimeWarning,
                                stacklevel=2,
                            )
                    try:
                        fitted = estimator.fit_trajectory([t for t, ok in zip(trajectory, finite) if ok])
                    except ValueError as exc:
                        raise ValueError(f"run {run.name!r}, layer {layer!r}: {exc}") from None
                    given = estimator.get_params()
                    params = estimator.params_json(given)
                    decided = {k: v for k, v in fitted.get_params().items() if given.get(k) != v}
                    fitted_json = estimator.params_json(decided)
                    for i, (epoch, t) in enumerate(zip(run.epochs, trajectory)):
                        extra = {key: aux[key][i].float().numpy() for key in required}
                        if not finite[i]:
                            i_xt = i_ty = float("nan")  # a gap in every figure and table, never a number
                        else:
                            try:
                                i_xt, i_ty = fitted.information_plane(x, t, y, **extra)
                            except ValueError as exc:
                                raise ValueError(f"run {run.name!r}, layer {layer!r}, epoch {epoch}: {exc}") from None
                        rows.append(
                            {
                                "run": run.name,
                                "activation": run.metadata.get("activation"),
                                "seed": run.metadata.get("seed"),
                                "epoch": epoch,
                                "layer": layer,
                                "layer_index": layer_index,
                                "estimator": fitted.name,
                                "params": params,
                                "fitted": fitted_json,
                                "I_XT": i_xt,
                                "I_TY": i_ty,
                            }
                        )
                        bar.update()
    return pd.DataFrame(rows, columns=COLUMNS)
