"""KDE speed: ours against a naive dense torch version and a numpy broadcasting version, same data.

Run by hand: ``python benchmarks/bench_kde.py [torch threads]``. Target (issue): one layer-epoch
(``information_plane`` with binary labels, N = 4096, width 10) in ≤ 60 ms at σ² = 0.1 and ≤ 15 ms at
σ² = 1e-3 on a 2-core CPU, where a naive dense torch version takes about 290 ms. Timings are
best-of-several, because the machine may be shared. Results go into ``benchmarks/RESULTS.md``.

Data: tanh activations of random 12→10 layers on the 12-bit inputs (weights N(0, s²/12), s = 1 and 3:
network-like, partly saturated, many near points) and Gaussian N(0, I) points; the 12-bit labels.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np
import torch

from infoplane.estimators.kde import KDE, kde_information_plane
from infoplane.experiments.datasets import szt12

LN2 = math.log(2.0)


def naive_torch(t: np.ndarray, y: np.ndarray, variance: float) -> tuple[float, float]:
    """The straightforward version: a full N × N float32 matrix from ‖a‖² + ‖b‖² − 2a·b, a logsumexp,
    a loop over classes. Its cancellation can push I(X;T) above log2 N."""
    values = torch.from_numpy(np.asarray(t, dtype=np.float32))
    labels = torch.from_numpy(y)

    def term(points: torch.Tensor) -> torch.Tensor:
        sq = (points * points).sum(1)
        dist_sq = sq[:, None] + sq[None, :] - 2.0 * points @ points.T
        return -(torch.logsumexp(-dist_sq / (2.0 * variance), dim=1) - math.log(len(points))).mean()

    whole = term(values)
    conditional = sum((labels == c).double().mean() * term(values[labels == c]) for c in labels.unique())
    return float(whole) / LN2, float(whole - conditional) / LN2


def numpy_broadcasting(t: np.ndarray, y: np.ndarray, variance: float) -> tuple[float, float]:
    """Plain numpy float64 with explicit differences (rows of (t_i − t_j)² by broadcasting, in chunks)."""
    values = np.asarray(t, dtype=np.float64)

    def term(points: np.ndarray) -> float:
        total = 0.0
        n = len(points)
        for start in range(0, n, 256):
            dist_sq = ((points[start : start + 256, None, :] - points[None, :, :]) ** 2).sum(-1)
            exponent = -dist_sq / (2 * variance)
            top = exponent.max(axis=1, keepdims=True)
            total += float((top[:, 0] + np.log(np.exp(exponent - top).sum(axis=1)) - math.log(n)).sum())
        return -total / n

    whole = term(values)
    conditional = sum(np.mean(y == c) * term(values[y == c]) for c in np.unique(y))
    return whole / LN2, (whole - conditional) / LN2


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of one call, in ms, over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    x, y = szt12()
    rng = np.random.default_rng(0)
    out = {}
    for scale in (1.0, 3.0):
        weights = rng.normal(scale=scale / math.sqrt(12), size=(12, 10)).astype(np.float32)
        out[f"tanh s={scale:g}"] = (np.tanh(x.numpy() @ weights), y.numpy())
    out["gaussian"] = (rng.normal(size=(4096, 10)).astype(np.float32), y.numpy())
    return out


def main() -> None:
    if len(sys.argv) > 1:
        torch.set_num_threads(int(sys.argv[1]))  # ours uses as many threads as torch
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch threads {torch.get_num_threads()}, load average {load:.2f}"
    )
    print("N = 4096, width 10, binary labels; ms per information_plane call (best of several)\n")
    header = f"{'data':<11} {'σ²':>6} {'ours':>8} {'torch':>8} {'numpy':>8} {'torch/ours':>10}"
    header += f" {'numpy/ours':>10}"
    print(header, " ours (I_XT, I_TY) bits | numpy float64 agrees | naive float32 I_XT")
    for name, (t, y) in datasets().items():
        for variance in (1e-3, 1e-1):
            est = KDE(noise_variance=variance)
            ours = est.information_plane(None, t, y)
            reference = numpy_broadcasting(t, y, variance)
            naive = naive_torch(t, y, variance)
            agree = np.allclose(ours, reference, rtol=1e-6, atol=1e-9)
            t_ours = best_ms(lambda: est.information_plane(None, t, y), 15)
            t_torch = best_ms(lambda: naive_torch(t, y, variance), 3)
            t_numpy = best_ms(lambda: numpy_broadcasting(t, y, variance), 1)
            print(
                f"{name:<11} {variance:>6g} {t_ours:>8.1f} {t_torch:>8.1f} {t_numpy:>8.0f} "
                f"{t_torch / t_ours:>10.1f} {t_numpy / t_ours:>10.0f}  "
                f"({ours[0]:.6f}, {ours[1]:.6f}) | {agree} | {naive[0]:.6f}"
            )

    t, y = datasets()["tanh s=1"]
    variances = (1e-3, 1e-2, 1e-1, 1.0)
    together = best_ms(lambda: kde_information_plane(t, y, variances, ("upper", "lower")), 5)
    settings = [KDE(noise_variance=v, bound=b) for v in variances for b in ("upper", "lower")]
    separate = best_ms(lambda: [est.information_plane(None, t, y) for est in settings], 5)
    print(f"\n8 settings (σ² ∈ {variances}, both bounds) on tanh s=1:", end=" ")
    print(f"one pass {together:.1f} ms, separately {separate:.1f} ms")


if __name__ == "__main__":
    main()
