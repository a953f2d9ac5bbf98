"""``gaussian``: closed-form MI of the Gaussian with the sample covariance (canonical correlations)."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators.gaussian import Gaussian, default_max_components, gaussian_mi_nats


def gaussian_pair(rng: np.random.Generator, cov: np.ndarray, d_a: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    z = rng.multivariate_normal(np.zeros(len(cov)), cov, size=n)
    return z[:, :d_a], z[:, d_a:]


def analytic_mi_bits(cov: np.ndarray, d_a: int) -> float:
    logdet = lambda m: np.linalg.slogdet(m)[1]
    return float(0.5 * (logdet(cov[:d_a, :d_a]) + logdet(cov[d_a:, d_a:]) - logdet(cov)) / np.log(2))


@pytest.mark.parametrize("rho", [0.3, 0.8, 0.95])
def test_bivariate_gaussian_within_sampling_error(rho: float, rng: np.random.Generator) -> None:
    n = 5000
    a, b = gaussian_pair(rng, np.array([[1.0, rho], [rho, 1.0]]), 1, n)
    truth = -0.5 * np.log2(1 - rho**2)
    standard_error = rho / np.sqrt(n) / np.log(2)  # delta method: sd(ρ̂) ≈ (1 − ρ²)/√N, dI/dρ = ρ/(1 − ρ²) nats
    assert estimators.get("gaussian").mutual_information(a, b) == pytest.approx(truth, abs=4 * standard_error)


def test_dense_multivariate_gaussian_within_sampling_error(rng: np.random.Generator) -> None:
    d_a, d_b, n = 4, 3, 5000
    m = rng.normal(size=(d_a + d_b, d_a + d_b))
    cov = m @ m.T + 0.5 * np.eye(d_a + d_b)
    truth = analytic_mi_bits(cov, d_a)
    estimates = [estimators.get("gaussian").mutual_information(*gaussian_pair(rng, cov, d_a, n)) for _ in range(3)]
    assert truth > 1.0
    assert np.mean(estimates) == pytest.approx(truth, abs=0.05)


def test_invariant_under_invertible_linear_maps(rng: np.random.Generator) -> None:
    a = rng.normal(size=(800, 3))
    b = a @ rng.normal(size=(3, 2)) + rng.normal(size=(800, 2))
    est = estimators.get("gaussian", ridge=0.0)
    m_a, m_b = rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
    shifted = est.mutual_information(a @ m_a + 7.0, 1e6 * b @ m_b - 3.0)
    assert shifted == pytest.approx(est.mutual_information(a, b), abs=1e-9)


def test_bias_correction_removes_the_dimension_bias_on_independent_data(rng: np.random.Generator) -> None:
    n, d = 200, 8  # plug-in bias ≈ d²/(2N) = 0.16 nats
    corrected, plug_in = [], []
    for _ in range(20):
        a, b = rng.normal(size=(n, d)), rng.normal(size=(n, d))
        corrected.append(gaussian_mi_nats(a, b))
        plug_in.append(gaussian_mi_nats(a, b, bias_correction=False))
    assert np.mean(plug_in) > 0.12
    assert abs(np.mean(corrected)) < 0.03


def test_rule_when_samples_are_few_against_the_width(rng: np.random.Generator) -> None:
    n = 120
    assert default_max_components(n) == 29
    a = rng.normal(size=(n, 300))
    independent = estimators.get("gaussian").mutual_information(a, rng.normal(size=(n, 400)))
    linear = estimators.get("gaussian").mutual_information(a, a @ rng.normal(size=(300, 50)))
    assert 0.0 <= independent < 0.5
    assert np.isfinite(linear) and linear > 3  # a deterministic map: finite through the ridge and the projection


def test_ridge_zero_on_a_singular_side_says_what_to_do(rng: np.random.Generator) -> None:
    a = rng.normal(size=(100, 2))
    b = np.column_stack((a[:, 0], a[:, 0]))
    with pytest.raises(ValueError, match="ridge"):
        estimators.get("gaussian", ridge=0.0).mutual_information(a, b)
    assert estimators.get("gaussian").mutual_information(a, b) > 5  # ≈ ½ log2(1/λ) = 10 bits at λ = 1e-6


def test_labels_are_one_hot_and_capped_at_their_entropy(rng: np.random.Generator) -> None:
    n = 800
    y = np.arange(n) % 4
    separated = (10.0 * y + 0.01 * rng.normal(size=n))[:, None]
    x = rng.normal(size=(n, 3))
    i_xt, i_ty = estimators.get("gaussian").information_plane(x, separated, y)
    assert i_ty == 2.0  # H(Y) exactly: a layer that separates the classes
    assert i_xt < 0.05
    # a class-dependent mean shift read through the one-hot columns: I = ½ log2(1 + SNR) for two classes
    labels = np.arange(4000) % 2
    t = (labels + rng.normal(size=4000))[:, None]
    truth_gaussian = 0.5 * np.log2(1 + 0.25)  # between-class variance ¼ against noise 1
    assert estimators.get("gaussian").mutual_information(t, labels) == pytest.approx(truth_gaussian, abs=0.03)


def test_declares_labels_settings_and_constraints() -> None:
    assert Gaussian().label == "gaussian"
    assert Gaussian.label_for({"preprocess": "copula", "ridge": 1e-3}) == "gaussian copula ridge=0.001"
    assert Gaussian.study_settings(None) == []
    assert not Gaussian().invariant_under_invertible_maps and Gaussian(preprocess="copula").invariant_under_invertible_maps
    for bad in ({"ridge": -1.0}, {"max_components": 0}, {"bias_correction": 1}):
        with pytest.raises(ValueError):
            estimators.get("gaussian", **bad)
    with pytest.raises(ValueError, match="at least 4"):
        estimators.get("gaussian").mutual_information(np.arange(3.0), np.arange(3.0) ** 2)


def test_scale_safe(rng: np.random.Generator) -> None:
    a = rng.normal(size=(500, 2))
    b = a[:, :1] + rng.normal(size=(500, 1))
    est = estimators.get("gaussian")
    reference = est.mutual_information(a, b)
    for scale in (1e-200, 1e154):
        assert est.mutual_information(scale * a, scale * b) == pytest.approx(reference, abs=1e-9)
