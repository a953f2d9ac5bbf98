"""Claim 4 (irrelevant-information): the linear student-teacher task, its summary and verdict rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.claims.base import ClaimsConfig
from infoplane.claims.irrelevant import (
    LinearTeacher,
    irrelevant_information,
    summarise,
    train_linear_students,
    verdict,
)

VERDICTS = {"supports", "contradicts", "inconclusive"}


def test_students_learn_and_information_is_consistent() -> None:
    task = LinearTeacher(n_relevant=4, n_irrelevant=6, hidden=(8,), n_train=100, epochs=40, lr=0.05)
    table = train_linear_students(task, [0, 1], [0.1], log_points=10)
    assert set(table["layer"]) == {"1", "2"} and table["epoch"].min() == 0 and table["epoch"].max() == 40
    # independent parts: I(T;X) ≥ I(T;X_rel) + I(T;X_irr)
    assert (table["I_TX"] >= table["I_TX_rel"] + table["I_TX_irr"] - 1e-9).all()
    out = table[table["layer"] == "2"].sort_values("epoch")
    first, last = out[out["epoch"] == 0], out[out["epoch"] == 40]
    assert (last["I_TX_rel"].to_numpy() - first["I_TX_rel"].to_numpy() > 0.5).all()
    assert (last["test_loss"].to_numpy() < 0.6 * first["test_loss"].to_numpy()).all()
    # the output unit's I(T;Y) cannot exceed what the exact target shares with the relevant inputs
    assert (out["I_TY"] <= out["I_TX_rel"] + 1e-9).all()


def test_same_seed_same_table() -> None:
    task = LinearTeacher(n_relevant=2, n_irrelevant=2, hidden=(3,), n_train=20, epochs=5)
    a, b = (train_linear_students(task, [7], [1.0], log_points=5) for _ in range(2))
    pd.testing.assert_frame_equal(a, b)


def _curves(irr: np.ndarray, rel: np.ndarray, seeds: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for seed in range(seeds):
        jitter = rng.normal(0, 0.01)
        for epoch, (i, r) in enumerate(zip(irr, rel)):
            rows.append({"n_train": 100, "layer": "1", "layer_index": 0, "width": 5, "noise_variance": 0.1, "seed": seed,
                         "epoch": epoch, "I_TX_irr": i + jitter, "I_TX_rel": r + jitter, "I_TX": i + r + 2 * jitter})  # fmt: skip
    return pd.DataFrame(rows)


def test_summary_reads_known_falls() -> None:
    t = np.linspace(0, 1, 40)
    rise = 2 * t
    bump = 1.0 * np.exp(-((t - 0.3) ** 2) / 0.05) + 0.5  # peak 1.5, end 0.5: falls by 1 bit
    row = summarise(_curves(bump, rise)).iloc[0]
    assert row["irr_fall"] == pytest.approx(1.0, abs=0.1) and row["rel_change"] == pytest.approx(2.0, abs=0.1)
    assert row["verdict"] == "supports"
    assert summarise(_curves(np.full(40, 0.7), rise)).iloc[0]["verdict"] == "contradicts"
    # no growth of I(T;X_rel): the claim's situation does not arise
    assert summarise(_curves(bump, np.full(40, 1.0))).iloc[0]["verdict"] == "inconclusive"


def test_verdict_rule() -> None:
    good = {"irr_fall_low": 0.2, "irr_fall_high": 0.4, "rel_change_low": 1.0, "fall_threshold": 0.05}
    assert verdict(good) == "supports"
    assert verdict(good | {"irr_fall_low": 0.0, "irr_fall_high": 0.01}) == "contradicts"
    assert verdict(good | {"irr_fall_low": 0.01}) == "inconclusive"
    assert verdict(good | {"irr_fall_low": float("nan")}) == "inconclusive"
    # a small curve: 0.03 bits is a fall when the peak was 0.1 bit (fall_threshold 0.01)
    assert verdict(good | {"irr_fall_low": 0.03, "fall_threshold": 0.01}) == "supports"


def test_claim_quick() -> None:
    result = irrelevant_information(
        ClaimsConfig(seeds=3, quick=True, log_points=20, noise_variance=1e-3)
    )
    rows = result.rows
    assert list(rows.columns) == [
        "claim",
        "source",
        "setting",
        "statistic",
        "value",
        "low",
        "high",
        "verdict",
        "holds_under",
    ]
    assert set(rows["claim"]) == {"irrelevant-information"} and set(rows["verdict"]) <= VERDICTS
    # 3 layers × 4 σ² × 2 training sizes × 2 statistics
    assert len(rows) == 48 and rows["holds_under"].str.contains("σ²").all()
    assert set(result.evidence["per_epoch"]["seed"]) == {0, 1}  # quick: two seeds
    assert (rows["low"] <= rows["value"] + 1e-12).all() and (rows["value"] <= rows["high"] + 1e-12).all()
