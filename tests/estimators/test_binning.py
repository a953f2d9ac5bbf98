"""Binning: hand-computed cases, a slow reference implementation, and input validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infoplane.estimators import Binning, get
from infoplane.estimators.binning import (
    adaptive_bin_codes,
    discrete_mi_bits,
    row_symbols,
    symbol_entropy_bits,
    uniform_bin_codes,
)


def reference_information_plane(t: np.ndarray, y: np.ndarray, lo: float, hi: float, n_bins: int) -> tuple[float, float]:
    """A slow, plain version of SCIENCE.md §3: np.unique over rows, a Python loop over classes."""
    codes = np.clip(np.floor((t - lo) / (hi - lo) * n_bins), 0, n_bins - 1).astype(int)
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    p = counts / counts.sum()
    h_t = -np.sum(p * np.log2(p))
    h_t_given_y = 0.0
    for label in np.unique(y):
        members = inverse[y == label]
        _, c = np.unique(members, return_counts=True)
        q = c / c.sum()
        h_t_given_y += (len(members) / len(y)) * -np.sum(q * np.log2(q))
    return h_t, h_t - h_t_given_y


def test_uniform_codes_follow_the_formula_and_clip_the_top_edge() -> None:
    values = np.array([[-1.0, -0.99, -0.5, 0.0, 0.5, 0.999, 1.0, 7.0, -7.0]]).T
    codes = uniform_bin_codes(values, -1.0, 1.0, 4)[:, 0]
    # floor((v + 1) / 2 * 4): -1 → 0, -0.99 → 0, -0.5 → 1, 0 → 2, 0.5 → 3, 0.999 → 3, 1 → 4 clipped to 3.
    assert codes.tolist() == [0, 0, 1, 2, 3, 3, 3, 3, 0]


def test_hand_computed_entropy_and_label_information() -> None:
    # Four samples in two bins, two per bin: H(T) = 1 bit.
    t = np.array([[0.1], [0.2], [0.8], [0.9]])
    est = Binning(n_bins=2, range=(0.0, 1.0))
    i_xt, i_ty = est.information_plane(None, t, np.array([0, 0, 1, 1]))
    assert i_xt == pytest.approx(1.0)
    assert i_ty == pytest.approx(1.0)  # the bins are the labels
    _, i_ty_independent = est.information_plane(None, t, np.array([0, 1, 0, 1]))
    assert i_ty_independent == pytest.approx(0.0, abs=1e-12)


def test_three_unequal_symbols_by_hand() -> None:
    # Bins with masses 1/2, 1/4, 1/4: H = 1.5 bits. Labels: bin 0 → class 0; bins 1, 2 → class 1.
    t = np.array([[0.05, 0.05], [0.05, 0.05], [0.95, 0.05], [0.95, 0.95]])
    y = np.array([0, 0, 1, 1])
    i_xt, i_ty = Binning(n_bins=2, range=(0.0, 1.0)).information_plane(None, t, y)
    assert i_xt == pytest.approx(1.5)
    assert i_ty == pytest.approx(1.0)  # H(Y) = 1, H(Y|T) = 0


@pytest.mark.parametrize("width", [1, 3, 10])
def test_fast_path_equals_the_slow_reference(rng: np.random.Generator, width: int) -> None:
    t = np.tanh(rng.normal(scale=2.0, size=(2000, width)))
    y = rng.integers(0, 3, size=2000)
    expected = reference_information_plane(t, y, -1.0, 1.0, 30)
    got = Binning(n_bins=30, range=(-1.0, 1.0)).information_plane(None, t, y)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_wide_layers_do_not_overflow_the_row_code(rng: np.random.Generator) -> None:
    # 100 bins ** 40 units is far beyond int64: symbols must still identify rows exactly.
    codes = rng.integers(0, 100, size=(500, 40))
    codes[250:] = codes[:250]  # every row appears twice
    symbols = row_symbols(codes, 100)
    _, expected = np.unique(codes, axis=0, return_inverse=True)
    _, got = np.unique(symbols, return_inverse=True)
    assert np.array_equal(got.reshape(-1), expected.reshape(-1))
    assert symbol_entropy_bits(symbols) == pytest.approx(np.log2(250))


def test_inputs_with_repeats_use_the_exact_discrete_mi() -> None:
    # X takes two values and each meets both values of T: T is independent of X, I(X;T) = 0, while
    # the distinct-inputs shortcut (x=None) would report H(T) = 1 bit.
    x = np.array([[0.0], [0.0], [1.0], [1.0]])
    t = np.array([[0.1], [0.9], [0.1], [0.9]])  # independent of x
    i_xt, _ = Binning(n_bins=2, range=(0.0, 1.0)).information_plane(x, t, np.array([0, 1, 0, 1]))
    assert i_xt == pytest.approx(0.0, abs=1e-12)
    i_xt_assumed_distinct, _ = Binning(n_bins=2, range=(0.0, 1.0)).information_plane(None, t, np.array([0, 1, 0, 1]))
    assert i_xt_assumed_distinct == pytest.approx(1.0)


def test_distinct_inputs_give_h_of_t(rng: np.random.Generator) -> None:
    x = rng.permutation(np.arange(1024))[:, None].astype(float)
    t = rng.uniform(-1, 1, size=(1024, 3))
    est = Binning(n_bins=5, range=(-1.0, 1.0))
    assert est.information_plane(x, t, np.zeros(1024, int))[0] == pytest.approx(
        est.information_plane(None, t, np.zeros(1024, int))[0]
    )


def test_adaptive_bins_hold_equal_mass(rng: np.random.Generator) -> None:
    values = rng.exponential(size=(10_000, 2))
    codes = adaptive_bin_codes(values, 10)
    for j in range(2):
        counts = np.bincount(codes[:, j], minlength=10)
        assert counts.tolist() == [1000] * 10
    # One unit, equal mass over 8 bins: H = 3 bits exactly.
    est = Binning(n_bins=8, strategy="adaptive")
    assert est.mutual_information(values[:8000, :1], np.arange(8000) % 2) == pytest.approx(0.0, abs=0.01)
    assert symbol_entropy_bits(est.symbols(values[:8000, :1])) == pytest.approx(3.0)


def test_adaptive_bins_merge_ties() -> None:
    # A dead ReLU unit (all zeros) falls in one bin: it carries no information.
    values = np.zeros((100, 1))
    assert np.unique(adaptive_bin_codes(values, 30)).size == 1


def test_mutual_information_is_symmetric_and_bounded(rng: np.random.Generator) -> None:
    a = rng.normal(size=(3000, 1))
    b = a + 0.3 * rng.normal(size=(3000, 1))
    est = Binning(n_bins=10)
    forward, backward = est.mutual_information(a, b), est.mutual_information(b, a)
    assert forward == pytest.approx(backward, rel=1e-12)
    assert 0.5 < forward < np.log2(10)


def test_labels_on_the_b_side_are_not_binned() -> None:
    a = np.array([[0.0], [0.0], [1.0], [1.0], [2.0], [2.0]])
    labels = np.array([0, 0, 5, 5, 9, 9])  # three classes, a function of a
    assert Binning(n_bins=3).mutual_information(a, labels) == pytest.approx(np.log2(3))


def test_discrete_mi_of_a_copy_is_its_entropy(rng: np.random.Generator) -> None:
    a = rng.integers(0, 7, size=5000)
    assert discrete_mi_bits(a, a) == pytest.approx(symbol_entropy_bits(a))


def test_torch_tensors_are_accepted() -> None:
    t = torch.tensor([[0.1], [0.2], [0.8], [0.9]])
    y = torch.tensor([0, 0, 1, 1])
    assert Binning(n_bins=2, range=(0.0, 1.0)).information_plane(None, t, y) == pytest.approx((1.0, 1.0))


def test_fit_trajectory_takes_the_range_over_all_epochs() -> None:
    epochs = [np.array([[0.0], [1.0]]), np.array([[-3.0], [5.0]])]
    fitted = Binning().fit_trajectory(epochs)
    assert fitted.range == (-3.0, 5.0)
    assert Binning(range=(-1.0, 1.0)).fit_trajectory(epochs).range == (-1.0, 1.0)
    assert Binning(strategy="adaptive").fit_trajectory(epochs).range is None


@pytest.mark.parametrize(
    ("t", "y", "message"),
    [
        (np.array([[np.nan], [1.0], [2.0]]), np.array([0, 1, 0]), "NaN"),
        (np.array([[1.0]]), np.array([0]), "at least 2 samples"),
        (np.ones((4, 2)), np.array([0, 1, 0]), "3 entries for 4 samples"),
        (np.ones((4, 2)), np.array([0.5, 1.0, 0.0, 1.0]), "integer class indices"),
        (np.ones((4, 2)), np.ones((4, 2), dtype=int), "vector of class indices"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_problem(t: np.ndarray, y: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Binning().information_plane(None, t, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_bins": 0}, "n_bins"),
        ({"strategy": "quantile"}, "strategy"),
        ({"range": (1.0, -1.0)}, "range"),
        ({"range": (-1.0, 1.0), "strategy": "adaptive"}, "uniform bins only"),
    ],
)
def test_bad_parameters_are_reported_when_built_and_when_used(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get("binning", **params)  # the registry validates
    est = Binning(**params)  # no work in __init__
    with pytest.raises(ValueError, match=message):
        est.information_plane(None, np.ones((4, 1)), np.array([0, 1, 0, 1]))
