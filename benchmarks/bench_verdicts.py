"""Calibration of the compression verdict (``infoplane.analysis.compression``) on synthetic trajectories.

Run by hand: ``PYTHONPATH=$PWD python benchmarks/bench_verdicts.py [n_studies]`` (default 1000). Each
simulated study is 10 seeds of one trajectory shape over the study's 98 log-spaced logged epochs of 8000,
with noise added along the logged epochs. It prints, as a markdown table, the false-positive rate (share of
studies called "compresses") on each null — shapes that do not compress — and the power on drops of 2× and
4× the noise floor, with the share of studies whose interval holds the true drop.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from infoplane.analysis import compression
from infoplane.hooks.schedule import log_spaced_epochs

EPOCHS = np.array(log_spaced_epochs(8000, 120))
N_SEEDS = 10
LOG_T = np.log1p(EPOCHS) / np.log1p(EPOCHS[-1])  # 0 … 1 along the logged epochs


def ar1_noise(rng: np.random.Generator, shape: tuple[int, int], sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) noise along the last axis, marginal sd ``sd`` (bits), lag-1 correlation ``phi``."""
    shocks = rng.standard_normal(shape)
    noise = np.empty(shape)
    noise[:, 0] = shocks[:, 0]
    for t in range(1, shape[1]):
        noise[:, t] = phi * noise[:, t - 1] + np.sqrt(1 - phi**2) * shocks[:, t]
    return sd * noise


def study_table(curves: np.ndarray) -> pd.DataFrame:
    """An MI table from I(X;T) curves of shape (studies, seeds, epochs): one 'activation' per study."""
    n_studies, n_seeds, n_epochs = curves.shape
    study = np.repeat(np.arange(n_studies), n_seeds * n_epochs)
    seed = np.tile(np.repeat(np.arange(n_seeds), n_epochs), n_studies)
    return pd.DataFrame(
        {
            "run": study * n_seeds + seed,
            "activation": study,
            "seed": seed,
            "layer": "h",
            "layer_index": 0,
            "estimator": "binning",
            "params": "{}",
            "epoch": np.tile(EPOCHS, n_studies * n_seeds),
            "I_XT": curves.ravel(),
            "I_TY": np.tile(0.5 * LOG_T, n_studies * n_seeds),
        }
    )


def shapes() -> dict[str, tuple[np.ndarray, float, float]]:
    """Null shapes: name → (noise-free curve in bits, noise sd, φ)."""
    rising = 2 + 6 * LOG_T
    flat = np.full(EPOCHS.size, 6.0)
    saturating = 2 + 6 * (1 - np.exp(-EPOCHS / 300))
    return {
        "rising 2 → 8 bits, white sd 0.01": (rising, 0.01, 0.0),
        "rising 2 → 8 bits, AR(1) φ 0.9, sd 0.1": (rising, 0.1, 0.9),
        "flat, white sd 0.1": (flat, 0.1, 0.0),
        "flat, AR(1) φ 0.8, sd 0.1": (flat, 0.1, 0.8),
        "flat, AR(1) φ 0.9, sd 0.1": (flat, 0.1, 0.9),
        "saturating 2 → 8 bits, AR(1) φ 0.8, sd 0.1": (saturating, 0.1, 0.8),
    }


def drop_curve(kind: str, size: float) -> np.ndarray:
    """Alternatives, by ``size`` bits: 'rise-then-fall' (2 → 8 bits over the first 25 % of log-epochs, a
    plateau to 45 %, then a straight fall to the end) or 'late drop' (flat at 6 bits, then a fall over the
    last 15 logged epochs)."""
    if kind == "rise-then-fall":
        rise = 2 + 6 * np.minimum(LOG_T / 0.25, 1)
        return rise - size * np.clip((LOG_T - 0.45) / 0.55, 0, 1)
    fall = np.clip((np.arange(EPOCHS.size) - (EPOCHS.size - 16)) / 15, 0, 1)
    return 6.0 - size * fall


def simulate(
    curve: np.ndarray, sd: float, phi: float, n_studies: int, rng: np.random.Generator
) -> pd.DataFrame:
    noise = ar1_noise(rng, (n_studies * N_SEEDS, EPOCHS.size), sd, phi)
    return compression(study_table((curve + noise).reshape(n_studies, N_SEEDS, -1)), n_boot=1000)


def main(n_studies: int = 1000) -> None:
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    print(f"{n_studies} simulated studies of {N_SEEDS} seeds × {EPOCHS.size} logged epochs each\n")
    print(
        "| null (no compression) | false-positive rate | binomial 95 % upper | mean Δ (bits) | mean noise floor (bits) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, (curve, sd, phi) in shapes().items():
        verdicts = simulate(curve, sd, phi, n_studies, rng)
        rate = verdicts["compresses"].mean()
        upper = rate + 1.96 * np.sqrt(max(rate * (1 - rate), 1 / n_studies) / n_studies)
        print(f"| {name} | {100 * rate:.1f} % | {100 * upper:.1f} % | {verdicts['delta_mean'].mean():.3f} "
              f"| {verdicts['noise_floor'].mean():.3f} |")  # fmt: skip
    print(
        "\n| alternative | noise | drop | power | interval holds the drop | mean Δ (bits) | mean noise floor (bits) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for sd, phi in [(0.1, 0.0), (0.1, 0.8)]:
        floor = simulate(np.full(EPOCHS.size, 6.0), sd, phi, 200, rng)["noise_floor"].mean()
        label = "white" if phi == 0 else f"AR(1) φ {phi}"
        for kind in ("rise-then-fall", "late drop"):
            for multiple in (2, 4):
                size = multiple * floor
                verdicts = simulate(drop_curve(kind, size), sd, phi, n_studies, rng)
                holds = ((verdicts["delta_low"] <= size) & (size <= verdicts["delta_high"])).mean()
                print(f"| {kind} | {label}, sd {sd} | {multiple}× floor = {size:.2f} bits "
                      f"| {100 * verdicts['compresses'].mean():.1f} % | {100 * holds:.1f} % "
                      f"| {verdicts['delta_mean'].mean():.3f} | {verdicts['noise_floor'].mean():.3f} |")  # fmt: skip
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
