"""Speed of ``renyi`` (and ``gaussian``) on a wide layer: one layer and epoch, both coordinates of the plane.

Run by hand: ``python benchmarks/bench_renyi.py [N] [WIDTH] [REPEATS]`` (defaults 2000, 1024, 3). Target
(issue 12): a 1024-wide layer at N = 2000 within 2 s on the 2-core CPU. Data: a random ReLU layer of width
WIDTH on 784-dimensional Gaussian inputs, 10 balanced classes. Prints the first call's wall time and the best of REPEATS further calls (renyi keeps the inputs' Gram matrix between calls, as along a run) and, for
N above ``exact_max_n``, the Nyström approximation against the exact solver. Results go into
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

from infoplane.estimators import get


def best_of(repeats: int, fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    width = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 784))
    y = np.arange(n) % 10
    w = rng.normal(size=(784, width)) / np.sqrt(784)
    t = np.maximum(x @ w + 0.5 * np.eye(10)[y] @ rng.normal(size=(10, width)), 0.0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; numpy {np.__version__}")
    print(f"N = {n}, layer width {width}, inputs 784, 10 classes; best of {repeats}")
    for name, params in (("renyi", {}), ("renyi", {"preprocess": "copula"}), ("gaussian", {}), ("gaussian", {"preprocess": "copula"})):
        est = get(name, **params)
        first, _ = best_of(1, lambda est=est: est.information_plane(x, t, y))  # type: ignore[misc]
        seconds, (i_xt, i_ty) = best_of(repeats, lambda est=est: est.information_plane(x, t, y))  # type: ignore[misc]
        print(f"{est.label:<22} first call {first:6.2f} s, next calls (renyi: inputs' Gram reused) {seconds:6.2f} s"
              f"   I(X;T) = {i_xt:.3f}  I(T;Y) = {i_ty:.3f} bits")
    if n > get("renyi").exact_max_n:
        exact = get("renyi", exact_max_n=n)
        seconds, (i_xt, i_ty) = best_of(1, lambda: exact.information_plane(x, t, y))  # type: ignore[misc]
        print(f"{'renyi exact (reference)':<28} information_plane {seconds:6.2f} s   I(X;T) = {i_xt:.3f}  I(T;Y) = {i_ty:.3f} bits")


if __name__ == "__main__":
    main()
