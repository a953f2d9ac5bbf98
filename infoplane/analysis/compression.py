"""From MI tables to the compression claims, with uncertainty across seeds (SCIENCE.md §5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The columns that identify one curve's setting; seeds (runs) vary within a group.
SETTING = ["estimator", "params"]


def bootstrap_mean_interval(
    values: np.ndarray, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (NaN, NaN for fewer than 2 values)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(n_boot, values.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def per_run_phases(table: pd.DataFrame) -> pd.DataFrame:
    """Per run, layer and setting: the I(X;T) peak (epoch, value), final value, compression Δ = peak − final,
    and the fitting rise of I(T;Y) (its maximum minus its first logged value), all in bits.

    NaN estimates (diverged epochs) are left out of the peak and rise, never read as numbers.
    """
    keys = ["run", "activation", "seed", "layer", "layer_index", *SETTING]
    rows = []
    for key, group in table.sort_values("epoch").groupby(keys, sort=False, dropna=False):
        i_xt = group["I_XT"].to_numpy(dtype=np.float64)
        i_ty = group["I_TY"].to_numpy(dtype=np.float64)
        epochs = group["epoch"].to_numpy()
        finite = np.isfinite(i_xt)
        if not finite.any():
            continue
        peak = int(np.nanargmax(i_xt))
        final = float(i_xt[finite][-1])
        rows.append(
            dict(zip(keys, key))
            | {
                "peak_epoch": int(epochs[peak]),
                "peak_I_XT": float(i_xt[peak]),
                "final_I_XT": final,
                "delta_bits": float(i_xt[peak]) - final,
                "fit_rise_bits": float(np.nanmax(i_ty) - i_ty[np.isfinite(i_ty)][0]) if np.isfinite(i_ty).any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def compression(
    table: pd.DataFrame,
    *,
    threshold: float = 0.05,
    group: Sequence[str] = ("activation",),
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Did each layer compress? Mean Δ over seeds with a bootstrap interval, per group, layer and setting.

    A layer ``compresses`` when the lower end of the interval of the mean Δ = peak − final I(X;T) lies
    above ``threshold`` bits; it ``fits`` when that of the rise of I(T;Y) does. With fewer than two seeds
    there is no interval, and neither verdict is given (False, with ``n_seeds`` saying why).

    Args:
        table: an MI table of several runs (``infoplane.estimate``), e.g. seeds × activations.
        threshold: bits the interval must clear (default 0.05).
        group: columns that separate the compared conditions (the activation by default).
        confidence: of the interval (0.95).
        n_boot: bootstrap resamples.
        seed: of the bootstrap.

    Returns:
        One row per (group, layer, estimator, params): n_seeds, median peak epoch, mean peak and final
        I(X;T), delta_mean with delta_low/delta_high, compresses, fit_rise_mean with fit_low/fit_high, fits.
    """
    runs = per_run_phases(table)
    keys = [*group, "layer", "layer_index", *SETTING]
    rows = []
    for key, part in runs.groupby(keys, sort=False, dropna=False):
        delta_low, delta_high = bootstrap_mean_interval(part["delta_bits"], n_boot=n_boot, confidence=confidence, seed=seed)
        fit_low, fit_high = bootstrap_mean_interval(part["fit_rise_bits"], n_boot=n_boot, confidence=confidence, seed=seed)
        rows.append(
            dict(zip(keys, key))
            | {
                "n_seeds": len(part),
                "peak_epoch_median": float(part["peak_epoch"].median()),
                "peak_I_XT_mean": float(part["peak_I_XT"].mean()),
                "final_I_XT_mean": float(part["final_I_XT"].mean()),
                "delta_mean": float(part["delta_bits"].mean()),
                "delta_low": delta_low,
                "delta_high": delta_high,
                "compresses": bool(np.isfinite(delta_low) and delta_low > threshold),
                "fit_rise_mean": float(part["fit_rise_bits"].mean()),
                "fit_low": fit_low,
                "fit_high": fit_high,
                "fits": bool(np.isfinite(fit_low) and fit_low > threshold),
            }
        )
    return pd.DataFrame(rows).sort_values([*group, "estimator", "params", "layer_index"], ignore_index=True)
