"""From MI tables to the compression claims, with uncertainty across seeds and a calibrated noise floor.

One definition of a run's compression is used everywhere (the demo's and the report's "fell … bits", the
study's verdicts): :func:`per_run_phases`. Each run's I(X;T) trajectory is smoothed once, by a local linear
fit over the ``window`` nearest logged epochs (a centred moving average inside the run; at its two ends a
straight line fitted to the first or last ``window`` points, so that the end of a curve still rising is not
pulled down); the peak is the maximum of that smoothed series and the final value its last point, so
Δ = peak − final ≥ 0, and Δ = 0 exactly when the smoothed maximum is the final point: a curve whose peak is
at its end has not compressed.

Noise that is correlated along logged epochs (consecutive estimates of one run are not independent) gives
larger Δ than white noise of the same size. The noise floor is therefore the mean Δ that a *flat* trajectory
with the run's own noise would give, where the noise is modelled as a stationary AR(1) process whose marginal
standard deviation and lag-1 correlation φ are fitted to the run's residuals from a wider local quadratic
smoother (``NOISE_WINDOW``), correcting in closed form for what that smoother absorbs. Calibration on
synthetic trajectories (``tests/analysis/test_compression.py``, ``benchmarks/bench_verdicts.py``) keeps the
false-positive rate under 5 % on flat curves with white or AR(1) noise, and on rising and saturating ones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: The columns that identify one curve's setting; seeds (runs) vary within a group.
SETTING = ["estimator", "params"]

#: Logged epochs in the verdict's local linear smoother (peak and final value are read from it).
SMOOTHING_WINDOW = 9

#: Logged epochs in the wider smoother whose residuals measure a run's noise (size and correlation).
NOISE_WINDOW = 35

#: Degree of that smoother's local polynomial (quadratic: a curved trend leaks less into the residuals).
NOISE_DEGREE = 2

#: Lag-1 correlations φ over which the AR(1) noise model is tabulated (0 = white; larger φ is clipped).
_PHI_GRID = np.linspace(0.0, 0.98, 50)

#: Simulated flat trajectories per φ for the null mean of Δ (fixed seed: the floor is deterministic).
_NULL_DRAWS = 2000

_KEYS = ["run", "activation", "seed", "layer", "layer_index", *SETTING]


def bootstrap_mean_interval(
    values: np.ndarray, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0, expanded: bool = True
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (NaN, NaN for fewer than 2 values).

    With ``expanded`` (the default) it is Hesterberg's expanded percentile interval: the tail quantiles are
    moved out to Φ(√(n/(n−1)) · t_{n−1}(tail)), which undoes the plain percentile interval's narrowness for
    few values (at 10 seeds it reads the 0.85 % and 99.15 % quantiles for a 95 % interval), so that its
    coverage is near the stated one.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(n_boot, values.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    if expanded:
        n = values.size
        tail = float(stats.norm.cdf(np.sqrt(n / (n - 1)) * stats.t.ppf(tail, n - 1)))
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


@functools.lru_cache(maxsize=64)
def local_fit_matrix(n_points: int, window: int, degree: int = 1) -> np.ndarray:
    """The (n_points × n_points) hat matrix of a local polynomial fit: fitted = matrix @ values.

    Row i fits a polynomial of ``degree`` (least squares, equal weights) to the ``window`` logged epochs
    nearest to i by index — centred inside the series, the first or last ``window`` at its ends — and
    evaluates it at i. A window of at most ``degree`` + 1 points gives the identity (the raw values); a window
    longer than the series fits one polynomial to all of it.
    """
    if n_points < 1 or window < 1 or degree < 0:
        raise ValueError(
            f"local_fit_matrix: n_points and window must be ≥ 1 and degree ≥ 0, got {n_points}, {window}, {degree}"
        )
    window = min(window, n_points)
    if window <= degree + 1:
        return np.eye(n_points)
    matrix = np.zeros((n_points, n_points))
    half = window // 2
    for i in range(n_points):
        start = min(max(i - half, 0), n_points - window)
        offsets = (np.arange(start, start + window) - i) / window
        basis = np.vander(offsets, degree + 1, increasing=True)
        # the fitted value at i (offset 0) is the first coefficient: row 0 of the pseudo-inverse
        matrix[i, start : start + window] = np.linalg.pinv(basis)[0]
    matrix.setflags(write=False)
    return matrix


def smoother_matrix(n_points: int, window: int) -> np.ndarray:
    """The hat matrix of the verdict's smoother, a local linear fit over ``window`` logged epochs
    (:func:`local_fit_matrix` of degree 1): inside the series it is the centred moving average; at its ends it
    is unbiased for a straight-line trend, so the end of a curve still rising is not pulled down."""
    return local_fit_matrix(n_points, window, 1)


def smooth(values: np.ndarray, window: int = SMOOTHING_WINDOW) -> np.ndarray:
    """The verdict's smoothed trajectory of ``values`` (bits) along its last axis (:func:`smoother_matrix`)."""
    values = np.asarray(values, dtype=np.float64)
    return values @ smoother_matrix(values.shape[-1], window).T


@functools.lru_cache(maxsize=64)
def _noise_model(n_points: int, window: int, noise_window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For AR(1) noise of unit marginal variance and each φ of ``_PHI_GRID``: the expected lag-1
    autocorrelation of the residuals from the ``noise_window`` smoother (ratio of expectations), their
    expected mean square, and the mean Δ (``window`` smoother) of a flat trajectory made of that noise."""
    lag = np.abs(np.arange(n_points)[:, None] - np.arange(n_points)[None, :])
    residual = np.eye(n_points) - local_fit_matrix(n_points, noise_window, NOISE_DEGREE)
    ratio = np.empty(_PHI_GRID.size)
    mean_square = np.empty(_PHI_GRID.size)
    null_delta = np.empty(_PHI_GRID.size)
    shocks = np.random.default_rng(0).standard_normal((_NULL_DRAWS, n_points))
    hat = smoother_matrix(n_points, window)
    for k, phi in enumerate(_PHI_GRID):
        cov = residual @ phi**lag @ residual.T
        total = np.trace(cov)
        ratio[k] = np.trace(cov, offset=1) / total if total > 0 else 0.0
        mean_square[k] = total / n_points
        noise = np.empty_like(shocks)
        noise[:, 0] = shocks[:, 0]
        scale = np.sqrt(1 - phi**2)
        for t in range(1, n_points):
            noise[:, t] = phi * noise[:, t - 1] + scale * shocks[:, t]
        smoothed = noise @ hat.T
        null_delta[k] = float((smoothed.max(axis=1) - smoothed[:, -1]).mean())
    # the residual correlation must rise with φ for the inversion; enforce it against round-off
    ratio = np.maximum.accumulate(ratio)
    return ratio, mean_square, null_delta


def _fit_noise(
    lag1: np.ndarray, square: np.ndarray, n_points: np.ndarray, window: int, noise_window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AR(1) noise per run from residual sums (Σ r_t r_{t+1}, Σ r_t², n): (φ, marginal sd, null mean Δ), bits.

    φ inverts the residual lag-1 autocorrelation through :func:`_noise_model` (clipped to [0, 0.98]: negative
    correlation is treated as white, which only raises the floor); the sd rescales the residual mean square
    by what the smoother leaves of unit noise; the null mean Δ is the floor for that run.
    """
    phi = np.zeros(lag1.shape)
    sd = np.zeros(lag1.shape)
    floor = np.zeros(lag1.shape)
    for n in np.unique(n_points):
        rows = (n_points == n) & (square > 0)
        if n < 3 or not rows.any():
            continue
        ratio, mean_square, null_delta = _noise_model(int(n), window, noise_window)
        observed = lag1[rows] / square[rows]
        phi[rows] = np.interp(observed, ratio, _PHI_GRID)
        sd[rows] = np.sqrt(square[rows] / n / np.interp(phi[rows], _PHI_GRID, mean_square))
        floor[rows] = sd[rows] * np.interp(phi[rows], _PHI_GRID, null_delta)
    return phi, sd, floor


def _robust_variance(values: np.ndarray) -> np.ndarray:
    """Per row, the variance of zero-centred values from their median absolute value (Gaussian-consistent)."""
    return (1.4826 * np.median(np.abs(values), axis=-1)) ** 2


def _runs(table: pd.DataFrame, window: int) -> pd.DataFrame:
    """Per run: the public columns of :func:`per_run_phases` plus residual sums ``_lag1``, ``_square``, ``_n``."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    frame = table.sort_values("epoch", kind="stable")
    frame = frame[np.isfinite(frame["I_XT"].to_numpy(dtype=np.float64))]
    columns = [*_KEYS, "peak_epoch", "peak_I_XT", "final_I_XT", "delta_bits", "peak_at_end", "fit_rise_bits",
               "noise_sd_bits", "noise_ar1", "noise_floor_bits", "_lag1", "_square", "_n"]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=columns)
    ids = frame.groupby(_KEYS, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(ids, kind="stable")
    frame, ids = frame.iloc[order], ids[order]
    counts = np.bincount(ids)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    i_xt = frame["I_XT"].to_numpy(dtype=np.float64)
    epochs = frame["epoch"].to_numpy()
    n_runs = counts.size
    peak_epoch = np.zeros(n_runs, dtype=np.int64)
    peak = np.zeros(n_runs)
    final = np.zeros(n_runs)
    lag1 = np.zeros(n_runs)
    square = np.zeros(n_runs)
    for n in np.unique(counts):
        runs = np.flatnonzero(counts == n)
        index = starts[runs][:, None] + np.arange(n)
        values = i_xt[index]
        smoothed = smooth(values, window)
        at = np.argmax(smoothed, axis=1)
        peak_epoch[runs] = epochs[index[np.arange(runs.size), at]]
        peak[runs] = smoothed.max(axis=1)
        final[runs] = smoothed[:, -1]
        residual = values - values @ local_fit_matrix(n, NOISE_WINDOW, NOISE_DEGREE).T
        # robust (median-based) variance and lag-1 correlation, so that a few points where the smoother
        # misses the trend's curvature (a fast early rise, a sharp peak) do not pass for noise
        variance = _robust_variance(residual)
        plus = _robust_variance(residual[:, 1:] + residual[:, :-1])
        minus = _robust_variance(residual[:, 1:] - residual[:, :-1])
        correlation = np.divide(plus - minus, plus + minus, out=np.zeros(runs.size), where=plus + minus > 0)
        square[runs] = variance * n
        lag1[runs] = correlation * variance * n
    phi, sd, floor = _fit_noise(lag1, square, counts, window, NOISE_WINDOW)
    i_ty = frame["I_TY"].astype(np.float64).where(np.isfinite(frame["I_TY"].astype(np.float64)))
    by_run = i_ty.groupby(ids)
    out = frame.iloc[starts][_KEYS].reset_index(drop=True)
    delta = peak - final
    return out.assign(
        peak_epoch=peak_epoch,
        peak_I_XT=peak,
        final_I_XT=final,
        delta_bits=delta,
        peak_at_end=delta == 0,
        fit_rise_bits=(by_run.max() - by_run.first()).reindex(range(n_runs)).to_numpy(),
        noise_sd_bits=sd,
        noise_ar1=phi,
        noise_floor_bits=floor,
        _lag1=lag1,
        _square=square,
        _n=counts,
    )


def per_run_phases(table: pd.DataFrame, window: int = SMOOTHING_WINDOW) -> pd.DataFrame:
    """Per run, layer and setting: the I(X;T) peak (epoch, value), final value, compression Δ = peak − final,
    the fitting rise of I(T;Y) (its maximum minus its first logged value), all in bits, and the run's noise.

    Peak and final come from one smoothed trajectory (:func:`smooth`, a local linear fit over ``window``
    logged epochs): the peak is its maximum, the final value its last point, so Δ ≥ 0 and ``peak_at_end``
    (Δ = 0) marks a run whose smoothed maximum is its final point. ``window`` = 1 reads the raw values.

    The noise columns model the run's fluctuation along logged epochs as AR(1) noise fitted to its residuals
    from a ``NOISE_WINDOW``-epoch local quadratic fit (median-based, so that a few points where the fit misses
    the trend do not count as noise): ``noise_sd_bits`` (marginal sd), ``noise_ar1`` (lag-1
    correlation φ) and ``noise_floor_bits``, the mean Δ a flat trajectory with that noise gives under the
    same smoother. NaN estimates (diverged epochs) are left out, never read as numbers.

    Args:
        table: an MI table (columns run, activation, seed, layer, layer_index, estimator, params, epoch,
            I_XT, I_TY).
        window: logged epochs in the smoother (default ``SMOOTHING_WINDOW`` = 9).

    Returns:
        One row per run, layer and setting with peak_epoch, peak_I_XT, final_I_XT, delta_bits, peak_at_end,
        fit_rise_bits, noise_sd_bits, noise_ar1 and noise_floor_bits.
    """
    return _runs(table, window).drop(columns=["_lag1", "_square", "_n"])


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

    Δ is each run's :func:`per_run_phases` Δ (peak − final of one smoothed trajectory). The ``noise_floor``
    is the mean Δ that flat trajectories with the runs' own noise would give: AR(1) noise whose lag-1
    correlation φ is pooled over the group's runs (``noise_ar1``) and whose size is each run's. A layer
    ``compresses`` when the lower end of the bootstrap interval (over seeds) of the mean Δ lies above
    ``threshold`` bits and above the noise floor; it ``fits`` when the interval of the rise of I(T;Y) clears
    ``threshold``. The interval is the expanded percentile bootstrap over seeds
    (:func:`bootstrap_mean_interval`). With fewer than two seeds there is no interval, and neither verdict is given (False,
    with ``n_seeds`` saying why).

    Args:
        table: an MI table of several runs (``infoplane.estimate``), e.g. seeds × activations.
        threshold: bits the interval must clear (default 0.05).
        group: columns that separate the compared conditions (the activation by default).
        confidence: of the interval (0.95).
        n_boot: bootstrap resamples.
        seed: of the bootstrap.
        window: logged epochs in the smoother (:func:`per_run_phases`).

    Returns:
        One row per (group, layer, estimator, params): n_seeds, median peak epoch, mean peak and final
        I(X;T), delta_mean with delta_low/delta_high, noise_floor, noise_ar1, peak_at_end (share of seeds
        whose smoothed peak is their final point), compresses, fit_rise_mean with fit_low/fit_high, fits.
    """
    runs = _runs(table, window)
    keys = [*group, "layer", "layer_index", *SETTING]
    rows = []
    for key, part in runs.groupby(keys, sort=False, dropna=False):
        square = part["_square"].to_numpy(dtype=np.float64)
        n_points = part["_n"].to_numpy()
        pooled = part["_lag1"].sum() / square.sum() if square.sum() > 0 else 0.0
        phis, _, floors = _fit_noise(
            np.full(len(part), pooled) * square, square, n_points, window, NOISE_WINDOW
        )
        phi = float(phis.max())
        floor = float(floors.mean())
        delta_low, delta_high = bootstrap_mean_interval(
            part["delta_bits"], n_boot=n_boot, confidence=confidence, seed=seed
        )
        fit_low, fit_high = bootstrap_mean_interval(
            part["fit_rise_bits"], n_boot=n_boot, confidence=confidence, seed=seed
        )
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
                "noise_floor": floor,
                "noise_ar1": phi,
                "peak_at_end": float(part["peak_at_end"].mean()),
                "compresses": bool(np.isfinite(delta_low) and delta_low > max(threshold, floor)),
                "fit_rise_mean": float(part["fit_rise_bits"].mean()),
                "fit_low": fit_low,
                "fit_high": fit_high,
                "fits": bool(np.isfinite(fit_low) and fit_low > threshold),
            }
        )
    return pd.DataFrame(rows).sort_values([*group, "estimator", "params", "layer_index"], ignore_index=True)
