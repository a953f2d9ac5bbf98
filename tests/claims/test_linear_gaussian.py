"""Closed-form Gaussian MI (infoplane.claims.linear_gaussian) against hand-derived cases, in bits."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.claims.linear_gaussian import (
    conditional_covariance,
    gaussian_mi_bits,
    linear_target_mi_bits,
    noisy_linear_mi_bits,
    relevant_irrelevant_mi_bits,
)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6, -0.9, 0.999])
def test_correlated_scalars(rho: float) -> None:
    assert gaussian_mi_bits(1.0, 1.0, rho) == pytest.approx(-0.5 * np.log2(1 - rho**2), abs=1e-12)
    # scales of A and B do not matter
    assert gaussian_mi_bits(4.0, 0.25, rho * 2 * 0.5) == pytest.approx(-0.5 * np.log2(1 - rho**2), abs=1e-12)


def test_independence_is_zero_and_identity_is_infinite() -> None:
    assert gaussian_mi_bits(np.eye(3), np.diag([1.0, 2.0]), np.zeros((3, 2))) == 0.0
    assert gaussian_mi_bits(1.0, 1.0, 1.0) == np.inf


def test_scalar_noisy_channel() -> None:
    # T = w X + Z: I = ½ log2(1 + w²/σ²)
    for w, var in [(1.0, 1.0), (3.0, 0.1), (0.01, 1e-3)]:
        assert noisy_linear_mi_bits(np.array([[w]]), var) == pytest.approx(
            0.5 * np.log2(1 + w**2 / var), rel=1e-12
        )


def test_invariances() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 6))
    base = noisy_linear_mi_bits(w, 0.3, given=[0, 1, 2])
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    # an orthogonal map of T keeps the noise isotropic: same information
    assert noisy_linear_mi_bits(q @ w, 0.3, given=[0, 1, 2]) == pytest.approx(base, rel=1e-10)
    # reparametrising the input (X = B U, U white) leaves every I(T;X_S) with S closed under B unchanged
    b = np.eye(6)
    b[:3, :3] = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b[3:, 3:] = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    assert noisy_linear_mi_bits(w @ b, 0.3, given=[0, 1, 2]) == pytest.approx(
        noisy_linear_mi_bits(w, 0.3, given=[0, 1, 2], input_cov=b @ b.T), rel=1e-10
    )


def test_matches_the_explicit_joint_covariance_and_science_formula() -> None:
    rng = np.random.default_rng(1)
    w, var, rel = rng.standard_normal((3, 5)), 0.5, [0, 1]
    irr = [2, 3, 4]
    cov_t = w @ w.T + var * np.eye(3)
    for s in (rel, irr):
        expected = gaussian_mi_bits(cov_t, np.eye(len(s)), w[:, s])  # Cov(T, X_S) = W[:, S]
        assert noisy_linear_mi_bits(w, var, given=s) == pytest.approx(float(expected), rel=1e-10)
    info = relevant_irrelevant_mi_bits(w, var, rel)
    logdet = lambda m: np.linalg.slogdet(m)[1] / np.log(2)
    assert info["I_TX_irr"] == pytest.approx(
        0.5 * logdet(cov_t) - 0.5 * logdet(w[:, rel] @ w[:, rel].T + var * np.eye(3))
    )
    assert info["I_TX"] == pytest.approx(0.5 * logdet(np.eye(3) + w @ w.T / var))
    # independent parts: I(T;X) = I(T;X_rel) + I(T;X_irr | X_rel) ≥ I(T;X_rel) + I(T;X_irr)
    assert info["I_TX"] >= info["I_TX_rel"] + info["I_TX_irr"]


def test_stacks_and_monte_carlo() -> None:
    rng = np.random.default_rng(2)
    ws = rng.standard_normal((5, 2, 3))
    stacked = noisy_linear_mi_bits(ws, 0.2, given=[0])
    assert stacked.shape == (5,)
    assert stacked == pytest.approx([float(noisy_linear_mi_bits(w, 0.2, given=[0])) for w in ws])
    x = rng.standard_normal((200_000, 3))
    t = x @ ws[0].T + np.sqrt(0.2) * rng.standard_normal((200_000, 2))
    sample = np.cov(np.hstack([t, x[:, :1]]).T)
    plug_in = gaussian_mi_bits(sample[:2, :2], sample[2:, 2:], sample[:2, 2:])
    assert plug_in == pytest.approx(float(stacked[0]), abs=0.01)


def test_target_information_and_conditional_covariance() -> None:
    # T = X + Z, Y = X + E, X, Z, E ~ N(0, 1): corr² = 1/4, I = −½ log2(3/4)
    assert linear_target_mi_bits(np.array([[1.0]]), 1.0, np.array([1.0]), 1.0) == pytest.approx(
        -0.5 * np.log2(0.75)
    )
    cov = np.array([[2.0, 1.0], [1.0, 1.0]])
    assert conditional_covariance(cov, [1]) == pytest.approx(np.array([[1.0, 0.0], [0.0, 0.0]]))


def test_refuses_no_noise() -> None:
    with pytest.raises(ValueError, match="noise_variance must be > 0"):
        noisy_linear_mi_bits(np.eye(2), 0.0)
    with pytest.raises(ValueError, match="input_cov must be"):
        noisy_linear_mi_bits(np.eye(2), 1.0, input_cov=np.eye(3))
