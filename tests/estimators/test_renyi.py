"""``renyi``: matrix-based Rényi α-entropy MI (Giraldo, Rao & Príncipe 2015), in bits."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators import renyi as R
from infoplane.estimators.renyi import Renyi, spectrum_entropy_bits


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.01, 2.0])
def test_spectrum_entropy_by_hand(alpha: float) -> None:
    assert spectrum_entropy_bits(np.full(8, 1 / 8), alpha)[0] == pytest.approx(3.0, abs=1e-12)
    assert spectrum_entropy_bits(np.array([1.0, 0.0, 0.0]), alpha)[0] == pytest.approx(0.0, abs=1e-12)
    p = np.array([2 / 3, 1 / 3])
    expected = -np.sum(p * np.log2(p)) if alpha == 1 else np.log2(np.sum(p**alpha)) / (1 - alpha)
    assert spectrum_entropy_bits(p, alpha)[0] == pytest.approx(expected, abs=1e-12)


def test_three_samples_by_hand() -> None:
    # Two equal points and a far one: K = [[1,1,0],[1,1,0],[0,0,1]], A = K/3, eigenvalues 2/3, 1/3, 0.
    a = np.array([[0.0], [0.0], [1.0]])
    labels = np.array([0, 0, 1])
    est = estimators.get("renyi", alpha=2.0, kernel_width=0.01)
    s = np.log2(9 / 5)  # S_2 = −log2(4/9 + 1/9)
    assert est.mutual_information(a, labels) == pytest.approx(s, abs=1e-6)  # A ∘ A_Y = A: I = S(A)
    assert est.mutual_information(a, a) == pytest.approx(s, abs=1e-6)  # 0/1 kernels: A ∘ A = A
    assert est.mutual_information(labels, labels) == pytest.approx(s, abs=1e-12)


def test_identical_labels_give_their_renyi_entropy() -> None:
    y = np.array([0, 0, 1, 2] * 25)  # frequencies ½, ¼, ¼
    assert estimators.get("renyi", alpha=2.0).mutual_information(y, y) == pytest.approx(-np.log2(0.375), abs=1e-12)
    assert estimators.get("renyi", alpha=1.0).mutual_information(y, y) == pytest.approx(1.5, abs=1e-12)


def test_alpha_two_against_frobenius_norms(rng: np.random.Generator) -> None:
    # At α = 2, Σ λ² = ‖A‖_F², so I_2 = log2(N² Σ (K_a∘K_b)² / (Σ K_a² Σ K_b²)): no eigen-solver needed.
    n, sigma = 300, 0.7
    a = rng.normal(size=(n, 2))
    b = a[:, :1] + 0.5 * rng.normal(size=(n, 1))

    def gram(v: np.ndarray) -> np.ndarray:
        v = v - v.mean(axis=0)
        v = v / np.sqrt(np.mean(v**2)) / sigma
        d2 = ((v[:, None, :] - v[None, :, :]) ** 2).sum(-1)
        return np.exp(-d2 / 2)

    k_a, k_b = gram(a), gram(b)
    expected = np.log2(n**2 * np.sum((k_a * k_b) ** 2) / (np.sum(k_a**2) * np.sum(k_b**2)))
    got = estimators.get("renyi", alpha=2.0, kernel_width=sigma).mutual_information(a, b)
    assert expected > 0.3
    assert got == pytest.approx(expected, abs=2e-4)  # single-precision eigenvalues


def test_a_layer_that_separates_the_classes_reads_their_entropy_in_bits(rng: np.random.Generator) -> None:
    y = np.arange(800) % 4
    t = (10.0 * y + 0.01 * rng.normal(size=800))[:, None]
    _, i_ty = estimators.get("renyi").information_plane(rng.normal(size=(800, 3)), t, y)
    assert i_ty == pytest.approx(2.0, abs=1e-3)  # log2 4, not ln 4


def test_between_zero_and_the_smaller_entropy(rng: np.random.Generator) -> None:
    n = 400
    x = rng.normal(size=(n, 5))
    t = np.tanh(x @ rng.normal(size=(5, 20)))
    y = rng.integers(0, 3, n)
    est = estimators.get("renyi")
    i_xt, i_ty = est.information_plane(x, t, y)
    s_t = spectrum_entropy_bits(R._eigenvalues_exact(R._gaussian_gram(est._side(t, rng))), 1.01)[0]
    s_y = spectrum_entropy_bits(np.bincount(y) / n, 1.01)[0]
    assert 0.0 < i_ty <= min(s_t, s_y)
    assert 0.0 < i_xt <= min(s_t, np.log2(n))


def test_independence_reads_small_and_shrinks_with_n(rng: np.random.Generator) -> None:
    est = estimators.get("renyi")
    readings = {}
    for n in (250, 1000):
        a, b = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
        readings[n] = est.mutual_information(a, b)
    dependent = est.mutual_information(a, 0.9 * a + np.sqrt(0.19) * b)
    assert readings[1000] < readings[250]  # the kernel-smoothing bias falls with N (0.45 → 0.25 bits here)
    assert readings[1000] < 0.25 * dependent
    assert est.mutual_information(a, rng.integers(0, 2, 1000)) < 0.03


def test_alpha_to_one_approaches_the_shannon_form(rng: np.random.Generator) -> None:
    x = rng.normal(size=(300, 4))
    t = np.tanh(x @ rng.normal(size=(4, 8)))
    y = rng.integers(0, 3, 300)
    shannon = np.array(estimators.get("renyi", alpha=1.0).information_plane(x, t, y))
    gaps = [np.abs(np.array(estimators.get("renyi", alpha=a).information_plane(x, t, y)) - shannon).max() for a in (1.1, 1.01, 1.001)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 0.01


def test_large_n_approximations_agree_with_the_exact_solver_within_the_stated_error(rng: np.random.Generator) -> None:
    n = 1200
    x = rng.normal(size=(n, 8))
    t = np.tanh(x @ rng.normal(size=(8, 16)) / 2 + 0.1 * rng.normal(size=(n, 16)))
    y = rng.integers(0, 5, n)
    exact = np.array(estimators.get("renyi").information_plane(x, t, y))  # ≈ (6.37, 0.81) bits
    subsets = np.array(estimators.get("renyi", exact_max_n=600).information_plane(x, t, y))
    nystrom = np.array(estimators.get("renyi", exact_max_n=600, large_n="nystrom", n_landmarks=300).information_plane(x, t, y))
    # stated in renyi.py: subsets within 0.15 bits on I(X;T), ≤ 0.35 bits above on I(T;Y); Nyström ≤ 10 % + 0.35
    assert abs(subsets[0] - exact[0]) <= 0.15
    assert -0.05 <= subsets[1] - exact[1] <= 0.35
    assert np.all(np.abs(nystrom - exact) <= 0.1 * exact + 0.35)
    # and the mutual_information path takes the same subsets
    single = estimators.get("renyi", exact_max_n=600).mutual_information(x, t)
    assert single == pytest.approx(subsets[0], abs=1e-9)


def test_tail_bracket_contains_the_even_completion() -> None:
    lam = np.array([0.5, 0.2, 0.1])
    estimate, low, high = spectrum_entropy_bits(lam, 1.01, tail_mass=0.2, tail_count=100)
    assert low < estimate == high
    # the even completion is the spectrum with 100 eigenvalues of 0.002
    full = np.concatenate((lam, np.full(100, 0.002)))
    assert estimate == pytest.approx(spectrum_entropy_bits(full, 1.01)[0], abs=1e-12)


def test_scale_safe(rng: np.random.Generator) -> None:
    a = rng.normal(size=(300, 2))
    b = a[:, :1] + rng.normal(size=(300, 1))
    est = estimators.get("renyi")
    reference = est.mutual_information(a, b)
    for scale in (1e-200, 1e154):
        assert est.mutual_information(scale * a, scale * b) == pytest.approx(reference, abs=1e-6)


def test_declares_labels_settings_and_constraints(rng: np.random.Generator) -> None:
    assert Renyi().label == "renyi α=1.01"
    assert Renyi.label_for({"alpha": 2, "preprocess": "copula", "kernel_width": "median", "seed": 3}) == (
        "renyi α=2 copula kernel_width=median"
    )
    # the large-N approximation changes the number, so a non-default one is in the label
    assert Renyi.label_for({"large_n": "nystrom", "exact_max_n": 1000}) == "renyi α=1.01 exact_max_n=1000 large_n=nystrom"
    assert Renyi.study_settings(None) == []
    assert Renyi.study_settings(None, alpha=[1.01, 2.0]) == [{"alpha": 1.01}, {"alpha": 2.0}]
    for bad in ({"alpha": 0.0}, {"kernel_width": "scott"}, {"kernel_width": -1.0}, {"n_landmarks": 1}):
        with pytest.raises(ValueError):
            estimators.get("renyi", **bad)
    with pytest.raises(ValueError, match="x"):
        estimators.get("renyi").information_plane(None, rng.normal(size=(10, 2)), np.arange(10) % 2)


def test_inputs_gram_is_reused_for_the_next_layer(rng: np.random.Generator) -> None:
    x = rng.normal(size=(200, 6))
    y = rng.integers(0, 2, 200)
    est = estimators.get("renyi")
    first = est.information_plane(x, np.tanh(x[:, :3]), y)
    key = est._x_cache[0]
    second = est.information_plane(x, np.tanh(x[:, 3:]), y)
    assert est._x_cache[0] == key
    assert estimators.get("renyi").information_plane(x, np.tanh(x[:, 3:]), y) == second
    assert first != second
