"""Compression verdicts with bootstrap intervals, on tables whose answer is known by construction, and the
verdict's calibration on synthetic trajectories over the study's 98 log-spaced logged epochs of 8000."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis import bootstrap_mean_interval, compression, per_run_phases
from infoplane.analysis.compression import smooth
from infoplane.hooks.schedule import log_spaced_epochs


def synthetic_table(deltas: dict[str, list[float]], rise: float = 0.5) -> pd.DataFrame:
    """Per activation, one run per seed: I(X;T) rises to 10 bits at epoch 10, then falls by Δ."""
    rows = []
    for activation, per_seed in deltas.items():
        for seed, delta in enumerate(per_seed):
            for epoch, (i_xt, i_ty) in enumerate(
                [(8.0, 0.2), (10.0, 0.2 + rise), (10.0 - delta / 2, 0.7), (10.0 - delta, 0.2 + rise)]
            ):
                rows.append(
                    {
                        "run": f"{activation}-{seed}",
                        "activation": activation,
                        "seed": seed,
                        "epoch": [0, 10, 100, 1000][epoch],
                        "layer": "h",
                        "layer_index": 0,
                        "estimator": "binning",
                        "params": "{}",
                        "fitted": "{}",
                        "I_XT": i_xt,
                        "I_TY": i_ty,
                    }
                )
    return pd.DataFrame(rows)


def test_per_run_peak_final_and_rise() -> None:
    runs = per_run_phases(synthetic_table({"tanh": [2.0]}), window=1)  # the raw values
    row = runs.iloc[0]
    assert (row["peak_epoch"], row["peak_I_XT"], row["final_I_XT"], row["delta_bits"]) == (10, 10.0, 8.0, 2.0)
    assert row["fit_rise_bits"] == pytest.approx(0.5)


def trajectory_table(deltas: dict[str, list[float]], noise: float = 0.0, n_epochs: int = 60) -> pd.DataFrame:
    """Per activation and seed: I(X;T) rises from 8 to 10 bits over 10 epochs, then falls by Δ, plus noise."""
    rng = np.random.default_rng(1)
    rows = []
    for activation, per_seed in deltas.items():
        for seed, delta in enumerate(per_seed):
            for epoch in range(n_epochs):
                rise = 8.0 + 2.0 * min(epoch, 10) / 10
                i_xt = rise - delta * max(0, epoch - 10) / (n_epochs - 11) + noise * rng.normal()
                rows.append(
                    {
                        "run": f"{activation}-{seed}",
                        "activation": activation,
                        "seed": seed,
                        "epoch": epoch,
                        "layer": "h",
                        "layer_index": 0,
                        "estimator": "binning",
                        "params": "{}",
                        "fitted": "{}",
                        "I_XT": i_xt,
                        "I_TY": 0.2 + 0.5 * min(epoch, 10) / 10,
                    }
                )
    return pd.DataFrame(rows)


def test_noise_alone_is_not_compression() -> None:
    # A flat trajectory with epoch-to-epoch noise of 0.1 bits: peak − final of the raw series is ~0.2 bits
    # and its bootstrap interval clears 0.05, but the smoothed Δ stays under the runs' noise floor.
    flat = trajectory_table({"relu": [0.0] * 10}, noise=0.1)
    flat.loc[flat["epoch"] <= 10, "I_XT"] = 6.0 + 0.1 * np.random.default_rng(2).normal(
        size=int((flat["epoch"] <= 10).sum())
    )
    flat.loc[flat["epoch"] > 10, "I_XT"] = 6.0 + 0.1 * np.random.default_rng(3).normal(
        size=int((flat["epoch"] > 10).sum())
    )
    raw = per_run_phases(flat, window=1)
    assert raw["delta_bits"].mean() > 0.1  # what an uncalibrated max − final would call compression
    verdict = compression(flat).iloc[0]
    assert not verdict["compresses"] and verdict["noise_floor"] > verdict["delta_low"]


def test_verdicts_follow_the_interval() -> None:
    table = trajectory_table(
        {"tanh": [1.9, 2.0, 2.1, 2.2, 1.8], "relu": [0.0, 0.01, 0.0, 0.02, 0.0]}, noise=0.02
    )
    verdicts = compression(table).set_index("activation")
    assert verdicts.loc["tanh", "compresses"] and not verdicts.loc["relu", "compresses"]
    # the local linear smoother over 9 logged epochs rounds the sharp peak (the tail's straight fall it follows
    # exactly): about 0.15 bits of the 2 are trimmed
    assert verdicts.loc["tanh", "delta_mean"] == pytest.approx(2.0 - 0.15, abs=0.05)
    assert (
        verdicts.loc["tanh", "delta_low"]
        <= verdicts.loc["tanh", "delta_mean"]
        <= verdicts.loc["tanh", "delta_high"]
    )
    assert verdicts.loc["tanh", "n_seeds"] == 5 and verdicts.loc["tanh", "fits"]


def test_one_seed_gives_no_verdict() -> None:
    verdict = compression(trajectory_table({"tanh": [3.0]})).iloc[0]
    assert not verdict["compresses"] and np.isnan(verdict["delta_low"])


def test_bootstrap_interval_covers_the_mean_at_the_stated_rate() -> None:
    rng = np.random.default_rng(0)
    covered = 0
    for trial in range(200):
        sample = rng.normal(1.0, 1.0, size=20)
        low, high = bootstrap_mean_interval(sample, n_boot=500, seed=trial)
        covered += low <= 1.0 <= high
    assert 0.88 <= covered / 200 <= 0.99  # percentile bootstrap at n = 20 runs a little under 95 %


def test_diverged_epochs_are_left_out_not_read_as_numbers() -> None:
    table = synthetic_table({"tanh": [2.0]})
    table.loc[table["epoch"] == 1000, "I_XT"] = np.nan
    row = per_run_phases(table, window=1).iloc[0]
    assert row["final_I_XT"] == 9.0 and row["delta_bits"] == 1.0


# --- calibration: synthetic trajectories with known answers over the study's logged epochs ------------------

EPOCHS = np.array(log_spaced_epochs(8000, 120))
LOG_T = np.log1p(EPOCHS) / np.log1p(EPOCHS[-1])  # 0 … 1 along the logged epochs


def ar1_noise(rng: np.random.Generator, shape: tuple[int, ...], sd: float, phi: float = 0.0) -> np.ndarray:
    """Stationary AR(1) noise along the last axis: marginal sd ``sd`` bits, lag-1 correlation ``phi``."""
    shocks = rng.standard_normal(shape)
    noise = np.empty(shape)
    noise[..., 0] = shocks[..., 0]
    for t in range(1, shape[-1]):
        noise[..., t] = phi * noise[..., t - 1] + np.sqrt(1 - phi**2) * shocks[..., t]
    return sd * noise


def studies_table(curves: np.ndarray) -> pd.DataFrame:
    """An MI table from I(X;T) curves (studies × seeds × logged epochs); each study is one 'activation'."""
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


def study(
    curve: np.ndarray, sd: float, phi: float = 0.0, *, n_studies: int = 1, seed: int = 0
) -> pd.DataFrame:
    """Verdicts for ``n_studies`` simulated 10-seed studies of ``curve`` (one row per study)."""
    curve = np.broadcast_to(curve, (n_studies, 10, EPOCHS.size))
    noise = ar1_noise(np.random.default_rng(seed), curve.shape, sd, phi)
    return compression(studies_table(curve + noise), n_boot=400)


RISING = 2 + 6 * LOG_T
FLAT = np.full(EPOCHS.size, 6.0)
SATURATING = 2 + 6 * (1 - np.exp(-EPOCHS / 300))


def rise_then_fall(drops: np.ndarray) -> np.ndarray:
    """Per seed: 2 → 8 bits over the first 25 % of log-epochs, a plateau to 45 %, then a straight fall by that
    seed's drop (a peak with a plateau, as trained layers have; a sharp corner would be rounded down by the
    smoother, by ~0.1 bit here)."""
    rise = 2 + 6 * np.minimum(LOG_T / 0.25, 1)
    return rise - np.asarray(drops)[:, None] * np.clip((LOG_T - 0.45) / 0.55, 0, 1)


def late_drop(drops: np.ndarray) -> np.ndarray:
    """Per seed: flat at 6 bits, then a fall by that seed's drop over the last 15 logged epochs."""
    fall = np.clip((np.arange(EPOCHS.size) - (EPOCHS.size - 16)) / 15, 0, 1)
    return 6.0 - np.asarray(drops)[:, None] * fall


def test_the_study_schedule_has_98_logged_epochs() -> None:
    assert EPOCHS.size == 98 and EPOCHS[-1] == 7999


def test_smoother_is_exact_on_a_straight_line_up_to_both_ends() -> None:
    line = 2.0 + 0.05 * np.arange(98)
    np.testing.assert_allclose(smooth(line), line, atol=1e-12)
    # inside it is the centred moving average of 9 logged epochs
    values = np.random.default_rng(0).normal(size=98)
    assert smooth(values)[40] == pytest.approx(values[36:45].mean())


def test_rising_curve_does_not_compress() -> None:
    # issue 11's reproduction: 10 seeds of I(X;T) rising 2 → 8 bits, noise sd 0.01. The old statistic (peak of
    # a centred average, final = mean of the last 5 raw points) gave Δ 0.062 [0.061, 0.063], compresses True.
    verdict = study(RISING, 0.01).iloc[0]
    assert not verdict["compresses"]
    assert verdict["delta_mean"] == 0.0 and verdict["peak_at_end"] == 1.0
    runs = per_run_phases(studies_table(RISING[None, None, :] + np.zeros((1, 10, 1))))
    assert (runs["delta_bits"] == 0.0).all() and runs["peak_at_end"].all()
    assert (runs["peak_epoch"] == 7999).all() and runs["final_I_XT"].to_numpy() == pytest.approx(
        8.0, abs=0.01
    )


def test_delta_is_zero_exactly_when_the_smoothed_peak_is_the_final_point() -> None:
    rng = np.random.default_rng(4)
    curves = np.cumsum(rng.normal(0.0, 0.1, size=(1, 200, EPOCHS.size)), axis=-1)
    runs = per_run_phases(studies_table(curves))
    smoothed = smooth(curves[0])
    at_end = smoothed.argmax(axis=1) == EPOCHS.size - 1
    assert (runs["delta_bits"] >= 0).all()
    np.testing.assert_array_equal(runs["peak_at_end"].to_numpy(), at_end)
    np.testing.assert_array_equal(runs["delta_bits"].to_numpy() == 0, at_end)
    np.testing.assert_allclose(runs["delta_bits"], smoothed.max(axis=1) - smoothed[:, -1])


@pytest.mark.parametrize(
    ("name", "curve", "sd", "phi"),
    [
        ("rising, white", RISING, 0.01, 0.0),
        ("rising, AR(1) 0.9", RISING, 0.1, 0.9),
        ("flat, white", FLAT, 0.1, 0.0),
        ("flat, AR(1) 0.85", FLAT, 0.1, 0.85),
        ("saturating, AR(1) 0.8", SATURATING, 0.1, 0.8),
    ],
)
def test_false_positive_rate_on_nulls(name: str, curve: np.ndarray, sd: float, phi: float) -> None:
    # 200 simulated 10-seed studies of a curve that does not compress: at most 5 % + a one-sided binomial
    # margin (1.645 · √(0.05 · 0.95 / 200) = 2.5 %) may be called compressing
    verdicts = study(curve, sd, phi, n_studies=200, seed=11)
    assert verdicts["compresses"].mean() <= 0.075, name
    assert (verdicts["noise_floor"] > 0).all()


def test_noise_model_recovers_the_ar1_noise() -> None:
    verdicts = study(FLAT, 0.1, 0.85, n_studies=20, seed=3)
    runs = per_run_phases(
        studies_table(FLAT + ar1_noise(np.random.default_rng(3), (20, 10, EPOCHS.size), 0.1, 0.85))
    )
    assert verdicts["noise_ar1"].median() == pytest.approx(0.85, abs=0.07)
    assert runs["noise_sd_bits"].median() == pytest.approx(0.1, rel=0.25)
    # the floor is the mean Δ of such flat runs, which the simulated studies measure directly
    assert verdicts["noise_floor"].median() == pytest.approx(verdicts["delta_mean"].mean(), rel=0.3)


def test_autocorrelated_noise_raises_the_floor() -> None:
    white = study(FLAT, 0.1, 0.0, n_studies=20, seed=5)["noise_floor"].median()
    red = study(FLAT, 0.1, 0.85, n_studies=20, seed=5)["noise_floor"].median()
    assert red > 1.5 * white


@pytest.mark.parametrize(("sd", "phi"), [(0.05, 0.0), (0.05, 0.8)])
def test_clear_rise_then_fall_is_found_with_its_size(sd: float, phi: float) -> None:
    drops = np.random.default_rng(1).normal(1.0, 0.15, size=10)  # known per seed, mean ≈ 1 bit
    curves = rise_then_fall(drops)[None]
    verdict = compression(
        studies_table(curves + ar1_noise(np.random.default_rng(2), curves.shape, sd, phi))
    ).iloc[0]
    assert verdict["compresses"]
    assert verdict["delta_low"] <= drops.mean() <= verdict["delta_high"]


def test_late_small_drop_is_found_with_its_size() -> None:
    drops = np.random.default_rng(6).normal(0.3, 0.06, size=10)
    curves = late_drop(drops)[None]
    verdict = compression(
        studies_table(curves + ar1_noise(np.random.default_rng(7), curves.shape, 0.01))
    ).iloc[0]
    assert verdict["compresses"] and verdict["peak_at_end"] == 0.0
    assert verdict["delta_low"] <= drops.mean() <= verdict["delta_high"]


def test_drop_twice_the_floor_under_ar1_noise_is_found_most_times() -> None:
    floor = study(FLAT, 0.1, 0.8, n_studies=20, seed=8)["noise_floor"].median()
    verdicts = study(rise_then_fall(np.full(10, 4 * floor)), 0.1, 0.8, n_studies=40, seed=9)
    assert verdicts["compresses"].mean() >= 0.9


def test_readme_study_table_is_what_the_saved_study_table_gives() -> None:
    # the README's study block and docs/results/study/compression.csv are generated from the saved MI table
    # by benchmarks/readme_tables.py; --check fails when either was edited by hand or the statistic changed
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("readme_tables", root / "benchmarks" / "readme_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
