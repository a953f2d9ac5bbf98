"""The claims' statistics on inputs with known answers (infoplane.claims.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from infoplane.claims import stats


def test_gradient_snr_is_the_ratio_of_norms_from_hand_set_minibatch_gradients() -> None:
    # two minibatch gradients of a 1×2 weight: g1 = (3, 0), g2 = (1, 0) → mean (2, 0), std (1, 0)
    g = np.array([[3.0, 0.0], [1.0, 0.0]])
    mean, std = g.mean(axis=0), g.std(axis=0)
    snr = stats.gradient_snr(np.linalg.norm(mean), np.linalg.norm(std))
    assert float(snr) == pytest.approx(2.0)
    # no spread (full batch): infinite SNR, never a division warning
    assert math.isinf(float(stats.gradient_snr(np.array(1.0), np.array(0.0))))


def test_transition_epoch_is_the_first_epoch_from_which_the_snr_stays_below_one() -> None:
    epochs = np.array([0, 1, 3, 7, 15, 31, 63, 127])
    # one dip at epoch 3 (not persistent), then below 1 from epoch 15 on
    snr = np.array([50.0, 20.0, 0.9, 8.0, 0.8, 0.5, 0.3, 0.2])
    assert stats.transition_epoch(epochs, snr) == 15.0
    assert stats.transition_epoch(epochs, snr, persist=1) == 3.0
    assert math.isnan(stats.transition_epoch(epochs, np.full(8, 2.0)))
    # a low SNR at initialisation, before the drift phase's maximum, is not the transition
    early = np.array([0.4, 0.5, 0.6, 3.0, 9.0, 2.0, 0.7, 0.5])
    assert stats.transition_epoch(epochs, early) == 63.0
    # a run that falls below 1 at its last epoch only: counted from there (the series ends)
    assert stats.transition_epoch(epochs, np.r_[np.full(7, 2.0), 0.5]) == 127.0


def test_spearman_interval_recovers_a_known_rank_correlation() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(400)
    y = x + rng.standard_normal(400)  # Pearson ρ = 1/√2; Spearman = (6/π) asin(ρ/2) ≈ 0.683
    rho, low, high = stats.spearman_interval(x, y)
    expected = 6 / math.pi * math.asin(1 / math.sqrt(2) / 2)
    assert rho == pytest.approx(scipy_stats.spearmanr(x, y).statistic)
    assert low < expected < high and high - low < 0.2
    assert stats.correlation_verdict(low, high) == "positive"
    # independent: the interval covers 0 → no evidence
    _, low, high = stats.spearman_interval(x, rng.standard_normal(400))
    assert low < 0 < high and stats.correlation_verdict(low, high) == "no evidence"
    # a monotone decreasing relation: ρ = −1 exactly
    rho, low, high = stats.spearman_interval(x, -np.exp(x))
    assert rho == pytest.approx(-1.0) and high == pytest.approx(-1.0)
    assert stats.correlation_verdict(low, high) == "negative"
    # constant values or too few pairs: no correlation, no verdict
    assert all(math.isnan(v) for v in stats.spearman_interval(x, np.zeros(400)))
    assert stats.correlation_verdict(float("nan"), float("nan")) == "too few runs"


def test_bound_distance_on_hand_computed_points() -> None:
    h_y = 1.0
    i_xt = np.array([0.5, 0.5, 3.0, 3.0, 12.0])
    i_ty = np.array([0.5, 0.2, 1.0, 0.75, 0.999])
    # on the bound's rising part; 0.3 below it; at the corner; 0.25 under the plateau; 0.001 under it
    assert stats.bound_distance(i_xt, i_ty, h_y) == pytest.approx([0.0, 0.3, 0.0, 0.25, 0.001])
    assert stats.bound_verdict(0.0, 0.05, 0.1) == "near bound"
    assert stats.bound_verdict(0.2, 0.3, 0.1) == "off bound"
    assert stats.bound_verdict(0.05, 0.2, 0.1) == "inconclusive"


def test_timing_verdict_and_holds_under() -> None:
    assert stats.timing_verdict(-1.0, -0.5, 10, 10) == "before peak"
    assert stats.timing_verdict(0.5, 1.0, 10, 10) == "after peak"
    assert stats.timing_verdict(-0.1, 0.1, 10, 10) == "at peak"
    assert stats.timing_verdict(-1.0, 1.0, 10, 10) == "inconclusive"
    assert stats.timing_verdict(-1.0, -0.5, 4, 10) == "no transition"
    text = stats.holds_under("compresses", {"binning 100": "compresses", "kde σ²=0.001": "does not compress"})
    assert text == "same under binning 100; not under kde σ²=0.001 (does not compress)"
    assert stats.holds_under("compresses", {}) == ""


def test_every_statistic_word_is_in_the_verdict_vocabulary() -> None:
    from infoplane.claims import VERDICTS

    words = {"positive", "negative", "no evidence", "too few runs", "near bound", "off bound", "inconclusive",
             "before peak", "after peak", "at peak", "no transition"}  # fmt: skip
    assert words <= VERDICTS
