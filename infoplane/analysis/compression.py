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


#: Logged epochs averaged by the verdict's smoother (and used to measure each run's noise).
SMOOTHING_WINDOW = 5


def _rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average (shorter at the ends), over the finite values in epoch order."""
    return pd.Series(values).rolling(window, center=True, min_periods=1).mean().to_numpy()


def per_run_phases(table: pd.DataFrame, window: int = 1) -> pd.DataFrame:
    """Per run, layer and setting: the I(X;T) peak (epoch, value), final value, compression Δ = peak − final,
    the fitting rise of I(T;Y) (its maximum minus its first logged value), all in bits, and a noise floor.

    With ``window`` > 1 the peak is that of the centred moving average over ``window`` logged epochs and
    the final value the mean of the last ``window``: a fluctuating but flat series then gives a Δ near 0
    instead of its largest swing. ``noise_floor_bits`` is the Δ that pure fluctuation of the run's size
    would give: with σ the epoch-to-epoch noise (1.4826 × the median absolute residual from a
    ``SMOOTHING_WINDOW`` moving average) and m points, (σ/√window)·(√(2 ln m) + 2) — the expected maximum
    of m averaged noise values, plus two standard errors of the final mean.

    NaN estimates (diverged epochs) are left out, never read as numbers.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    keys = ["run", "activation", "seed", "layer", "layer_index", *SETTING]
    rows = []
    for key, group in table.sort_values("epoch").groupby(keys, sort=False, dropna=False):
        group = group[np.isfinite(group["I_XT"].to_numpy(dtype=np.float64))]
        if group.empty:
            continue
        i_xt = group["I_XT"].to_numpy(dtype=np.float64)
        i_ty = group["I_TY"].to_numpy(dtype=np.float64)
        epochs = group["epoch"].to_numpy()
        smoothed = _rolling_mean(i_xt, window)
        peak = int(np.argmax(smoothed))
        final = float(i_xt[-window:].mean())
        residual = i_xt - _rolling_mean(i_xt, SMOOTHING_WINDOW)
        sigma = 1.4826 * float(np.median(np.abs(residual)))
        floor = sigma / np.sqrt(window) * (np.sqrt(2 * np.log(max(len(i_xt), 2))) + 2)
        finite_ty = i_ty[np.isfinite(i_ty)]
        rows.append(
            dict(zip(keys, key))
            | {
                "peak_epoch": int(epochs[peak]),
                "peak_I_XT": float(smoothed[peak]),
                "final_I_XT": final,
                "delta_bits": float(smoothed[peak]) - final,
                "fit_rise_bits": float(finite_ty.max() - finite_ty[0]) if finite_ty.size else np.nan,
                "noise_floor_bits": float(floor),
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
    window: int = SMOOTHING_WINDOW,
) -> pd.DataFrame:
    """Did each layer compress? Mean Δ over seeds with a bootstrap interval, per group, layer and setting.

    Δ is measured on the smoothed series (:func:`per_run_phases` with ``window``). A layer ``compresses``
    when the lower end of the interval of the mean Δ = peak − final I(X;T) lies above ``threshold`` bits
    and above the runs' median noise floor (the Δ their own fluctuation would give), so a flat but noisy
    trajectory is not called compression; it ``fits`` when the interval of the rise of I(T;Y) clears
    ``threshold``. With fewer than two seeds there is no interval, and neither verdict is given (False,
    with ``n_seeds`` saying why).

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
    runs = per_run_phases(table, window=window)
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
                "noise_floor": float(part["noise_floor_bits"].median()),
                "compresses": bool(
                    np.isfinite(delta_low) and delta_low > max(threshold, float(part["noise_floor_bits"].median()))
                ),
                "fit_rise_mean": float(part["fit_rise_bits"].mean()),
                "fit_low": fit_low,
                "fit_high": fit_high,
                "fits": bool(np.isfinite(fit_low) and fit_low > threshold),
            }
        )
    return pd.DataFrame(rows).sort_values([*group, "estimator", "params", "layer_index"], ignore_index=True)
