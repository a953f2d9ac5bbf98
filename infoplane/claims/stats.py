"""The claims' statistics, as pure functions of arrays (each tested on inputs with a known answer).

* :func:`gradient_snr` and :func:`transition_epoch`: Shwartz-Ziv & Tishby's drift → diffusion transition.
* :func:`spearman_interval` and :func:`correlation_verdict`: compression against generalisation.
* :func:`bound_distance`: a layer's distance below the information-bottleneck bound for deterministic labels.
* :func:`holds_under`: the short "holds under" text of a verdict across estimator settings.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

#: Consecutive logged epochs the SNR must stay below 1 for the transition (one noisy dip is not a phase).
PERSIST = 3


def gradient_snr(mean_norm: np.ndarray, std_norm: np.ndarray) -> np.ndarray:
    """SZT's gradient signal-to-noise ratio ‖ḡ‖_F / ‖s‖_F per entry (∞ where the spread is 0: full batch).

    Args:
        mean_norm: Frobenius norms of the mean gradient over an epoch's minibatches.
        std_norm: Frobenius norms of the elementwise standard deviation across them (same shape).
    """
    mean_norm = np.asarray(mean_norm, dtype=np.float64)
    std_norm = np.asarray(std_norm, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std_norm > 0, mean_norm / np.where(std_norm > 0, std_norm, 1.0), np.inf)


def transition_epoch(epochs: np.ndarray, snr: np.ndarray, persist: int = PERSIST) -> float:
    """The drift → diffusion transition: the first logged epoch after the SNR's maximum (the height of the
    drift phase) from which the SNR stays below 1 for ``persist`` consecutive logged epochs (the end of the
    series may cut that short: a run that ends below 1 for fewer epochs than ``persist`` still counts from
    its first one). NaN when the SNR never falls below 1 so (the run never leaves the drift phase, or has no
    minibatch noise).

    Starting from the maximum matters: at initialisation the network is near chance and the SNR of the
    12-bit networks is often near or below 1 for the first few epochs, before the drift phase; that early
    dip is not the diffusion phase SZT describe.

    Args:
        epochs: logged epochs, increasing.
        snr: the SNR at those epochs (NaN counts as not below 1).
        persist: consecutive logged epochs below 1 required.

    Returns:
        The epoch (a float, NaN for none).
    """
    epochs = np.asarray(epochs)
    values = np.asarray(snr, dtype=np.float64)
    below = values < 1.0
    n = below.size
    finite = np.where(np.isfinite(values), values, -np.inf)
    if n == 0 or not np.isfinite(finite).any():
        return float("nan")
    start = int(np.argmax(finite))
    for i in np.flatnonzero(below[start:]) + start:
        stop = min(i + persist, n)
        if below[i:stop].all():
            return float(epochs[i])
    return float("nan")


def spearman_interval(
    x: np.ndarray, y: np.ndarray, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Spearman's rank correlation of paired values and its percentile bootstrap interval over the pairs.

    Pairs with a NaN are left out. Resamples whose ranks are constant (no correlation defined) are skipped.

    Returns:
        (ρ, low, high); NaN for fewer than 4 pairs or constant values.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    nan = float("nan")
    if x.size < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return nan, nan, nan
    rho = float(stats.spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, x.size, size=(n_boot, x.size))
    rx = stats.rankdata(x[index], axis=1)
    ry = stats.rankdata(y[index], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    ok = denominator > 0
    rhos = (rx * ry).sum(axis=1)[ok] / denominator[ok]
    if rhos.size < 10:
        return rho, nan, nan
    tail = (1 - confidence) / 2
    low, high = np.quantile(rhos, [tail, 1 - tail])
    return rho, float(low), float(high)


def correlation_verdict(low: float, high: float) -> str:
    """``positive`` (interval above 0), ``negative`` (below 0), ``no evidence`` (covers 0), ``too few runs``."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "too few runs"
    if low > 0:
        return "positive"
    if high < 0:
        return "negative"
    return "no evidence"


def bound_distance(i_xt: np.ndarray, i_ty: np.ndarray, h_y: float) -> np.ndarray:
    """Vertical distance (bits) of information-plane points below the IB bound for labels that are a
    deterministic function of the inputs: min(I(X;T), H(Y)) − I(T;Y) (Kolchinsky, Tracey & Van Kuyk 2019).

    0 on the bound; positive below it. A plug-in estimate of a deterministic layer cannot lie above it
    (I(T;Y) ≤ H(T) = I(X;T) and I(T;Y) ≤ H(Y)), so a negative value flags an estimator off that rule.
    """
    return np.minimum(np.asarray(i_xt, dtype=np.float64), h_y) - np.asarray(i_ty, dtype=np.float64)


def bound_verdict(low: float, high: float, tolerance: float) -> str:
    """``near bound`` when the interval of the distance lies below ``tolerance`` bits, ``off bound`` when it
    lies above, ``inconclusive`` when it straddles it, ``too few runs`` without an interval."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "too few runs"
    if high < tolerance:
        return "near bound"
    if low > tolerance:
        return "off bound"
    return "inconclusive"


def timing_verdict(
    low: float, high: float, n_with: int, n_runs: int, tolerance: float = np.log10(2.0)
) -> str:
    """The transition against the I(X;T) peak, from the interval of log10(transition / peak epoch) over
    seeds: ``before peak`` (interval below −``tolerance``), ``after peak`` (above +``tolerance``), ``at peak``
    (within ±``tolerance``: a factor of 2 in epochs by default), ``inconclusive`` otherwise, ``no transition``
    when fewer than half the runs have one, ``too few runs`` without an interval."""
    if n_runs == 0 or n_with < max(1, n_runs / 2):
        return "no transition"
    if not (np.isfinite(low) and np.isfinite(high)):
        return "too few runs"
    if high < -tolerance:
        return "before peak"
    if low > tolerance:
        return "after peak"
    if low >= -tolerance and high <= tolerance:
        return "at peak"
    return "inconclusive"


def holds_under(headline: str, others: Mapping[str, str]) -> str:
    """Which other settings give the headline verdict: ``same under binning 100; not under kde σ²=0.001
    (does not compress)``; ``""`` when there are none."""
    same = [s for s, v in others.items() if v == headline]
    differ = [f"{s} ({v})" for s, v in others.items() if v != headline]
    parts = []
    if same:
        parts.append("same under " + ", ".join(same))
    if differ:
        parts.append("not under " + ", ".join(differ))
    return "; ".join(parts)


__all__ = [
    "PERSIST", "bound_distance", "bound_verdict", "correlation_verdict", "gradient_snr", "holds_under",
    "spearman_interval", "timing_verdict", "transition_epoch",
]  # fmt: skip
