"""Compression verdicts with bootstrap intervals, on tables whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis import bootstrap_mean_interval, compression, per_run_phases


def synthetic_table(deltas: dict[str, list[float]], rise: float = 0.5) -> pd.DataFrame:
    """Per activation, one run per seed: I(X;T) rises to 10 bits at epoch 10, then falls by Δ."""
    rows = []
    for activation, per_seed in deltas.items():
        for seed, delta in enumerate(per_seed):
            for epoch, (i_xt, i_ty) in enumerate([(8.0, 0.2), (10.0, 0.2 + rise), (10.0 - delta / 2, 0.7), (10.0 - delta, 0.2 + rise)]):
                rows.append(
                    {"run": f"{activation}-{seed}", "activation": activation, "seed": seed, "epoch": [0, 10, 100, 1000][epoch],
                     "layer": "h", "layer_index": 0, "estimator": "binning", "params": "{}", "fitted": "{}",
                     "I_XT": i_xt, "I_TY": i_ty}  # fmt: skip
                )
    return pd.DataFrame(rows)


def test_per_run_peak_final_and_rise() -> None:
    runs = per_run_phases(synthetic_table({"tanh": [2.0]}))
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
                    {"run": f"{activation}-{seed}", "activation": activation, "seed": seed, "epoch": epoch,
                     "layer": "h", "layer_index": 0, "estimator": "binning", "params": "{}", "fitted": "{}",
                     "I_XT": i_xt, "I_TY": 0.2 + 0.5 * min(epoch, 10) / 10}  # fmt: skip
                )
    return pd.DataFrame(rows)


def test_noise_alone_is_not_compression() -> None:
    # A flat trajectory with epoch-to-epoch noise of 0.1 bits: peak − final of the raw series is ~0.2 bits
    # and its bootstrap interval clears 0.05, but the smoothed Δ stays under the runs' noise floor.
    flat = trajectory_table({"relu": [0.0] * 10}, noise=0.1)
    flat.loc[flat["epoch"] <= 10, "I_XT"] = 6.0 + 0.1 * np.random.default_rng(2).normal(size=int((flat["epoch"] <= 10).sum()))
    flat.loc[flat["epoch"] > 10, "I_XT"] = 6.0 + 0.1 * np.random.default_rng(3).normal(size=int((flat["epoch"] > 10).sum()))
    raw = per_run_phases(flat)
    assert raw["delta_bits"].mean() > 0.1  # what an uncalibrated max − final would call compression
    verdict = compression(flat).iloc[0]
    assert not verdict["compresses"] and verdict["noise_floor"] > verdict["delta_low"]


def test_verdicts_follow_the_interval() -> None:
    table = trajectory_table({"tanh": [1.9, 2.0, 2.1, 2.2, 1.8], "relu": [0.0, 0.01, 0.0, 0.02, 0.0]}, noise=0.02)
    verdicts = compression(table).set_index("activation")
    assert verdicts.loc["tanh", "compresses"] and not verdicts.loc["relu", "compresses"]
    # smoothing over 5 logged epochs rounds the peak and averages the tail: about 0.16 bits of the 2 are trimmed
    assert verdicts.loc["tanh", "delta_mean"] == pytest.approx(2.0 - 0.16, abs=0.05)
    assert verdicts.loc["tanh", "delta_low"] <= verdicts.loc["tanh", "delta_mean"] <= verdicts.loc["tanh", "delta_high"]
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
    row = per_run_phases(table).iloc[0]
    assert row["final_I_XT"] == 9.0 and row["delta_bits"] == 1.0
