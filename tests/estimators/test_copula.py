"""The Gaussian-copula map (``preprocess="copula"``): exact normal scores and invariance of the estimates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from infoplane import estimators
from infoplane.estimators.preprocess import apply_preprocess, copula_normal_scores


def test_normal_scores_are_exactly_phi_inverse_of_shifted_ranks(rng: np.random.Generator) -> None:
    a = rng.normal(size=(50, 3)) ** 3
    scores = copula_normal_scores(a)
    n = a.shape[0]
    for j in range(3):
        ranks = np.argsort(np.argsort(a[:, j])) + 1  # 1..N, no ties
        np.testing.assert_array_equal(scores[:, j], ndtri((ranks - 0.5) / n))
    # every column is a permutation of the N normal scores
    expected = ndtri((np.arange(1, n + 1) - 0.5) / n)
    np.testing.assert_array_equal(np.sort(scores, axis=0), np.tile(expected[:, None], (1, 3)))


def test_ties_share_their_average_rank_and_constants_map_to_zero() -> None:
    a = np.array([[0.0, 5.0], [0.0, 5.0], [1.0, 5.0], [2.0, 5.0]])
    scores = copula_normal_scores(a)
    # column 0: ranks 1.5, 1.5, 3, 4 of N = 4
    np.testing.assert_array_equal(scores[:, 0], ndtri((np.array([1.5, 1.5, 3.0, 4.0]) - 0.5) / 4))
    np.testing.assert_array_equal(scores[:, 1], np.zeros(4))


def test_one_dimensional_input_becomes_a_column_and_bad_input_is_a_value_error() -> None:
    assert copula_normal_scores(np.array([3.0, 1.0, 2.0])).shape == (3, 1)
    with pytest.raises(ValueError, match="NaN"):
        copula_normal_scores(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="preprocess"):
        apply_preprocess("rank", np.ones((3, 1)))
    assert apply_preprocess(None, np.ones((3, 1))) is not None


@pytest.mark.parametrize("name", ["gaussian", "ksg", "renyi"])
def test_estimate_is_unchanged_by_monotone_maps_of_coordinates(name: str, rng: np.random.Generator) -> None:
    a = rng.normal(size=(600, 2))
    b = a[:, :1] + 0.7 * rng.normal(size=(600, 1))
    est = estimators.get(name, preprocess="copula")
    plain = est.mutual_information(a, b)
    mapped = est.mutual_information(np.column_stack((a[:, 0] ** 3, np.exp(a[:, 1]))), np.exp(2 * b))
    assert plain > 0.3
    assert mapped == pytest.approx(plain, abs=1e-9)  # same ranks, same normal scores: the same number


def test_copula_recovers_gaussian_mi_under_a_heavy_tailed_marginal(rng: np.random.Generator) -> None:
    n, rho = 4000, 0.8
    a = rng.normal(size=(n, 1))
    b = rho * a + np.sqrt(1 - rho**2) * rng.normal(size=(n, 1))
    truth = -0.5 * np.log2(1 - rho**2)  # 0.737 bits; unchanged by the monotone maps below
    heavy_a, heavy_b = np.sinh(3 * a), np.exp(3 * b)
    with_copula = estimators.get("gaussian", preprocess="copula").mutual_information(heavy_a, heavy_b)
    without = estimators.get("gaussian").mutual_information(heavy_a, heavy_b)
    assert with_copula == pytest.approx(truth, abs=0.04)  # ~3 standard errors at N = 4000
    assert without < 0.5 * truth  # the raw sample covariance is ruled by the tails


@pytest.mark.parametrize("name", ["gaussian", "ksg", "renyi"])
def test_preprocess_is_a_checked_parameter_and_labels_name_it(name: str) -> None:
    with pytest.raises(ValueError, match="preprocess"):
        estimators.get(name, preprocess="ranks")
    assert "copula" in estimators.get(name, preprocess="copula").label
    assert "copula" not in estimators.get(name).label
