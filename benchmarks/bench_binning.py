"""Binning speed: ours against a plain ``np.unique(codes, axis=0)`` version, same data, same values.

Run by hand: ``python benchmarks/bench_binning.py``. Target (issue 2): ≤ 2 ms per layer and epoch for
N = 4096 and width ≤ 10 on a 2-core CPU. Results go into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import platform
import time

import numpy as np
import torch

from infoplane.estimators import get
from infoplane.experiments.datasets import szt12


def plain_information_plane(t: np.ndarray, y: np.ndarray, lo: float, hi: float, n_bins: int) -> tuple[float, float]:
    """The straightforward version: bin, ``np.unique`` over rows, a loop over classes."""
    codes = np.clip(np.floor((t - lo) / (hi - lo) * n_bins), 0, n_bins - 1).astype(np.int64)
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    p = counts / counts.sum()
    h_t = float(-(p * np.log2(p)).sum())
    h_t_given_y = 0.0
    for label in np.unique(y):
        _, c = np.unique(inverse[y == label], return_counts=True)
        q = c / c.sum()
        h_t_given_y += float((y == label).mean()) * float(-(q * np.log2(q)).sum())
    return h_t, h_t - h_t_given_y


def best_of(fn, repeats: int = 7, number: int = 50) -> float:  # type: ignore[no-untyped-def]
    """Best mean time of one call, in ms, over ``repeats`` batches of ``number`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return 1e3 * min(times)


def main() -> None:
    x, y = szt12()
    x_np, y_np = x.numpy(), y.numpy()
    rng = np.random.default_rng(0)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}")
    print(f"{'width':>5} {'ours (x given)':>15} {'ours (x=None)':>14} {'np.unique':>10} {'ratio':>6}  values agree")
    for width in (2, 5, 10):
        # A tanh layer of a random 12-bit network: network-like, partly saturated activations.
        w = rng.normal(scale=1.5, size=(12, width))
        t = np.tanh(x_np @ w - w.sum(0) / 2).astype(np.float32)
        est = get("binning", n_bins=30, range=(-1.0, 1.0))
        ours = est.information_plane(x_np, t, y_np)
        plain = plain_information_plane(t.astype(np.float64), y_np, -1.0, 1.0, 30)
        agree = np.allclose(ours, plain, rtol=1e-12, atol=1e-12)
        t_ours = best_of(lambda: est.information_plane(x_np, t, y_np))
        t_fast = best_of(lambda: est.information_plane(None, t, y_np))
        t_plain = best_of(lambda: plain_information_plane(t.astype(np.float64), y_np, -1.0, 1.0, 30), number=10)
        print(f"{width:>5} {t_ours:>12.3f} ms {t_fast:>11.3f} ms {t_plain:>7.3f} ms {t_plain / t_ours:>5.1f}x  {agree} {ours}")


if __name__ == "__main__":
    main()
