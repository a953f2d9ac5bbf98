"""MINE accuracy on Gaussians with known MI, and the saving of warm starts along a trajectory.

Run by hand: ``python benchmarks/bench_mine.py [--quick]``. Results go into ``benchmarks/RESULTS.md``.

1. Accuracy (SCIENCE.md §4): N = 5000, a bivariate Gaussian with ρ = 0.9 (truth −½·log2(1 − 0.81) =
   1.198 bits) and a 10-d Gaussian of 5 independent pairs with ρ = √0.75 (1 bit each, truth 5 bits);
   the target is within 10% of the truth, over several seeds.
2. Warm against cold starts on a synthetic "trajectory" of 20 epochs: X ~ N(0, I_4) (the inputs),
   T = ρ_e·X + √(1 − ρ_e²)·ε with ρ_e drifting from 0.6 to 0.9 (a layer that slowly gains information
   about X), Y = 1[X_1 > 0]. Truths: I(X;T) = −2·log2(1 − ρ_e²); I(T;Y) = I(T_1;Y) = 1 − E h₂(Φ(ρ_e·T_1 /
   √(1 − ρ_e²))) by quadrature. Cold: a fresh estimator per epoch; warm: one ``fit_trajectory`` copy
   called epoch by epoch, as ``infoplane.analysis.estimate`` does.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from scipy import integrate, stats

from infoplane.estimators.mine import Mine


def gaussian_pairs(n: int, rho: float, pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``pairs`` independent pairs with correlation ``rho``: (a, b, truth in bits)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, pairs))
    b = rho * a + np.sqrt(1 - rho**2) * rng.standard_normal((n, pairs))
    return a, b, -0.5 * pairs * np.log2(1 - rho**2)


def label_information_bits(rho: float) -> float:
    """I(T_1; Y) in bits for T_1 = ρ·X_1 + √(1 − ρ²)·ε and Y = 1[X_1 > 0]."""

    def h2(p: float) -> float:
        p = min(max(p, 1e-300), 1 - 1e-16)
        return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))

    scale = rho / np.sqrt(1 - rho**2)
    conditional, _ = integrate.quad(lambda t: stats.norm.pdf(t) * h2(stats.norm.cdf(scale * t)), -12, 12)
    return 1.0 - conditional


def trajectory(
    n: int, epochs: int, width: int, seed: int
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """Inputs x, one layer per epoch, labels y, and ρ per epoch (fixed noise: the layer drifts smoothly)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, width))
    noise = rng.standard_normal((n, width))
    rhos = np.linspace(0.6, 0.9, epochs)
    layers = [rho * x + np.sqrt(1 - rho**2) * noise for rho in rhos]
    return x, layers, (x[:, 0] > 0).astype(np.int64), rhos


def accuracy(seeds: range) -> None:
    print("accuracy, N = 5000 (bits; estimate ± held-out standard error)")
    for rho, pairs in ((0.9, 1), (np.sqrt(0.75), 5)):
        errors = []
        for seed in seeds:
            a, b, truth = gaussian_pairs(5000, rho, pairs, seed)
            est = Mine(seed=seed)
            start = time.perf_counter()
            fit = est.fit(a, b)
            value, stderr = fit.mi_bits, fit.stderr_bits
            seconds = time.perf_counter() - start
            errors.append((value - truth) / truth)
            print(
                f"  {2 * pairs:>2}-d  seed {seed}: truth {truth:.3f}  MINE {value:.3f} ± {stderr:.3f}  "
                f"({errors[-1]:+.1%})  steps {fit.steps:>4}  {seconds:5.1f} s"
            )
        print(
            f"  {2 * pairs:>2}-d  relative error: mean {np.mean(errors):+.1%}, range {min(errors):+.1%} … {max(errors):+.1%}"
        )


def warm_against_cold(epochs: int, n: int, seed: int) -> None:
    x, layers, y, rhos = trajectory(n, epochs, width=4, seed=seed)
    truth = np.array([[-2 * np.log2(1 - r**2), label_information_bits(r)] for r in rhos])
    results = {}
    for mode in ("cold", "warm"):
        estimates, steps = [], 0
        start = time.perf_counter()
        fitted = Mine(seed=seed).fit_trajectory(layers) if mode == "warm" else None
        for t in layers:
            est = fitted if fitted is not None else Mine(seed=seed)
            fits = est.fit_information_plane(x, t, y)
            estimates.append(tuple(fit.mi_bits for fit in fits))
            steps += sum(fit.steps for fit in fits)
        seconds = time.perf_counter() - start
        estimates_arr = np.array(estimates)
        results[mode] = (steps, seconds, np.abs(estimates_arr - truth).mean(axis=0), estimates_arr)
    print(f"\nwarm against cold starts: {epochs} epochs, N = {n}, ρ from {rhos[0]:.2f} to {rhos[-1]:.2f}")
    print(
        f"  {'epoch':>5} {'truth I(X;T)':>12} {'cold':>6} {'warm':>6} {'truth I(T;Y)':>13} {'cold':>6} {'warm':>6}"
    )
    for e in range(epochs):
        cold, warm = results["cold"][3][e], results["warm"][3][e]
        print(
            f"  {e:>5} {truth[e, 0]:>12.3f} {cold[0]:>6.3f} {warm[0]:>6.3f} {truth[e, 1]:>13.3f} {cold[1]:>6.3f} {warm[1]:>6.3f}"
        )
    for mode in ("cold", "warm"):
        steps, seconds, mae, _ = results[mode]
        print(
            f"  {mode}: {steps:>6} steps, {seconds:6.1f} s, mean |error| I(X;T) {mae[0]:.3f} bits, I(T;Y) {mae[1]:.3f} bits"
        )
    cold_steps, cold_seconds = results["cold"][:2]
    warm_steps, warm_seconds = results["warm"][:2]
    print(
        f"  cold / warm: {cold_steps / warm_steps:.2f}x the steps, {cold_seconds / warm_seconds:.2f}x the time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and epochs")
    args = parser.parse_args()
    torch.set_num_threads(1)  # small networks: one thread is fastest, and fair on a shared machine
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, 1 thread")
    print(f"defaults: {Mine().get_params()}\n")
    accuracy(range(2 if args.quick else 5))
    warm_against_cold(epochs=8 if args.quick else 20, n=5000, seed=0)


if __name__ == "__main__":
    main()
