"""Exact mutual information of Gaussian variables and of noisy linear channels, in bits.

For jointly Gaussian A (d_a) and B (d_b) with covariances Σ_A, Σ_B and cross-covariance Σ_AB,

    I(A;B) = ½ log2 det Σ_A − ½ log2 det Σ_{A|B},   Σ_{A|B} = Σ_A − Σ_AB Σ_B⁺ Σ_BA        (bits)

(the conditional covariance; Σ_B⁺ is the pseudo-inverse, so a degenerate B is conditioned on through its
support). A linear layer read as a noisy channel (Saxe et al. 2018, §5; docs/science.md §6) is
T = W X + Z with X ~ N(0, Σ_X) and Z ~ N(0, σ² I) independent of X. For any subset S of the input
coordinates, conditioning T on X_S leaves the noise and the part of X not explained by X_S:

    Σ_T       = W Σ_X Wᵀ + σ² I
    Σ_{T|X_S} = W Σ_{X|X_S} Wᵀ + σ² I,   Σ_{X|X_S} = Σ_X − Σ_X[:, S] Σ_X[S, S]⁺ Σ_X[S, :]
    I(T;X_S)  = ½ log2 det Σ_T − ½ log2 det Σ_{T|X_S}

With Σ_X = I and S the relevant coordinates this is I(T;X_rel) = ½ log2 det(W Wᵀ + σ²I)
− ½ log2 det(W_irr W_irrᵀ + σ²I), and I(T;X) = ½ log2 det(I + W Wᵀ/σ²). Biases do not change any of
these (a shift of T). All functions are plain numpy, exact up to float64 rounding, and take stacks of
weight matrices (leading axes broadcast) so that every seed of a study is one call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from infoplane.infotheory import BITS_PER_NAT

__all__ = [
    "conditional_covariance",
    "gaussian_mi_bits",
    "linear_target_mi_bits",
    "noisy_linear_mi_bits",
    "relevant_irrelevant_mi_bits",
]


def _logdet(matrix: np.ndarray, what: str) -> np.ndarray:
    """log det (nats) of a stack of positive definite matrices; refuses a non-positive determinant."""
    sign, value = np.linalg.slogdet(matrix)
    if np.any(sign <= 0):
        raise ValueError(
            f"linear_gaussian: {what} is singular or not positive definite; add noise (noise_variance > 0) "
            f"or pass a covariance of full rank"
        )
    return value


def conditional_covariance(cov: np.ndarray, given: Sequence[int] | np.ndarray) -> np.ndarray:
    """Σ_{X|X_S} = Σ − Σ[:, S] Σ[S, S]⁺ Σ[S, :] for a Gaussian X with covariance ``cov`` (d × d).

    Args:
        cov: (..., d, d) covariance of X.
        given: the indices S of the coordinates conditioned on (empty: ``cov`` itself).

    Returns:
        (..., d, d) conditional covariance; its rows and columns at S are zero (up to rounding).
    """
    cov = np.asarray(cov, dtype=np.float64)
    index = np.asarray(given, dtype=np.int64).reshape(-1)
    if index.size == 0:
        return cov.copy()
    cross = cov[..., :, index]
    inner = np.linalg.pinv(cov[..., index[:, None], index[None, :]], hermitian=True)
    return cov - cross @ inner @ np.swapaxes(cross, -1, -2)


def gaussian_mi_bits(cov_a: np.ndarray, cov_b: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """I(A;B) in bits for jointly Gaussian A, B: ½ log2 det Σ_A − ½ log2 det Σ_{A|B}.

    Args:
        cov_a: (..., d_a, d_a) covariance of A, positive definite.
        cov_b: (..., d_b, d_b) covariance of B (may be singular: pseudo-inverse).
        cross: (..., d_a, d_b) cross-covariance E[(A − EA)(B − EB)ᵀ].

    Returns:
        The MI in bits (array of the stack's shape; a 0-d array for single matrices); ``inf`` where A is a
        deterministic function of B along some direction (Σ_{A|B} singular).

    Raises:
        ValueError: Σ_A is not positive definite.
    """
    cov_a = np.asarray(cov_a, dtype=np.float64)
    cov_b = np.asarray(cov_b, dtype=np.float64)
    cross = np.asarray(cross, dtype=np.float64)
    if cov_a.ndim < 2:
        cov_a, cov_b, cross = np.atleast_2d(cov_a), np.atleast_2d(cov_b), np.atleast_2d(cross)
    conditional = cov_a - cross @ np.linalg.pinv(cov_b, hermitian=True) @ np.swapaxes(cross, -1, -2)
    total = _logdet(cov_a, "cov_a")
    conditional = 0.5 * (conditional + np.swapaxes(conditional, -1, -2))
    eig = np.linalg.eigvalsh(conditional)
    # an eigenvalue that is zero up to rounding: A is (along some direction) a function of B
    degenerate = eig[..., 0] <= 1e-12 * np.linalg.eigvalsh(cov_a)[..., -1]
    given = np.sum(np.log(np.where(degenerate[..., None], 1.0, eig)), axis=-1)
    mi = np.where(degenerate, np.inf, 0.5 * (total - given) * BITS_PER_NAT)
    return np.maximum(mi, 0.0)


def noisy_linear_mi_bits(
    weights: np.ndarray,
    noise_variance: float,
    given: Sequence[int] | np.ndarray | None = None,
    input_cov: np.ndarray | None = None,
) -> np.ndarray:
    """I(T;X_S) in bits for the noisy linear channel T = W X + Z, X ~ N(0, Σ_X), Z ~ N(0, σ² I).

    Args:
        weights: (..., m, d) the linear map W from the d inputs to the m units of T (for a deep linear
            network, the product of its layers' weight matrices up to T).
        noise_variance: σ² > 0, the variance of each unit's added noise (squared units of T).
        given: the input coordinates S whose information is measured; ``None``: all of X (I(T;X)).
        input_cov: (d, d) Σ_X; ``None``: the identity.

    Returns:
        ½ log2 det Σ_T − ½ log2 det Σ_{T|X_S}, of the stack's shape.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim < 2:
        raise ValueError(f"noisy_linear_mi_bits: weights must be (..., m, d), got shape {w.shape}")
    if not noise_variance > 0:
        raise ValueError(f"noisy_linear_mi_bits: noise_variance must be > 0, got {noise_variance}")
    m, d = w.shape[-2:]
    cov = np.eye(d) if input_cov is None else np.asarray(input_cov, dtype=np.float64)
    if cov.shape != (d, d):
        raise ValueError(
            f"noisy_linear_mi_bits: input_cov must be ({d}, {d}) for weights of {d} inputs, got {cov.shape}"
        )
    noise = noise_variance * np.eye(m)
    wt = np.swapaxes(w, -1, -2)
    total = _logdet((w @ wt if input_cov is None else w @ cov @ wt) + noise, "Σ_T")
    if given is None:
        left = np.full(total.shape, m * np.log(noise_variance))
    elif input_cov is None:  # white X: conditioning on X_S leaves the other columns of W
        rest = np.setdiff1d(np.arange(d), np.asarray(given, dtype=np.int64).reshape(-1))
        part = w[..., :, rest]
        left = _logdet(part @ np.swapaxes(part, -1, -2) + noise, "Σ_T|X_S")
    else:
        left = _logdet(w @ conditional_covariance(cov, given) @ wt + noise, "Σ_T|X_S")
    return np.maximum(0.5 * (total - left) * BITS_PER_NAT, 0.0)


def relevant_irrelevant_mi_bits(
    weights: np.ndarray, noise_variance: float, relevant: Sequence[int] | np.ndarray
) -> dict[str, np.ndarray]:
    """I(T;X), I(T;X_rel) and I(T;X_irr) in bits for T = W X + N(0, σ²I) with X ~ N(0, I).

    Args:
        weights: (..., m, d) map from the inputs to T.
        noise_variance: σ² > 0.
        relevant: indices of X_rel; the other coordinates are X_irr.

    Returns:
        ``{"I_TX": …, "I_TX_rel": …, "I_TX_irr": …}``, arrays of the stack's shape (bits).
    """
    w = np.asarray(weights, dtype=np.float64)
    d = w.shape[-1]
    rel = np.asarray(relevant, dtype=np.int64).reshape(-1)
    irr = np.setdiff1d(np.arange(d), rel)
    return {
        "I_TX": noisy_linear_mi_bits(w, noise_variance),
        "I_TX_rel": noisy_linear_mi_bits(w, noise_variance, rel),
        "I_TX_irr": noisy_linear_mi_bits(w, noise_variance, irr),
    }


def linear_target_mi_bits(
    weights: np.ndarray,
    noise_variance: float,
    teacher: np.ndarray,
    target_noise_variance: float,
    input_cov: np.ndarray | None = None,
) -> np.ndarray:
    """I(T;Y) in bits for T = W X + Z and a linear teacher's target Y = A X + E, all Gaussian, independent noises.

    Σ_T = W Σ_X Wᵀ + σ² I, Σ_Y = A Σ_X Aᵀ + σ_y² I, Σ_TY = W Σ_X Aᵀ (:func:`gaussian_mi_bits`).

    Args:
        weights: (..., m, d) map to T.
        noise_variance: σ² > 0 of T's noise.
        teacher: (..., k, d) or (..., d) the teacher map A (a vector is one target).
        target_noise_variance: σ_y² ≥ 0 of the target's noise (0 with a singular Σ_Y is allowed).
        input_cov: (d, d) Σ_X; ``None``: the identity.
    """
    w = np.asarray(weights, dtype=np.float64)
    a = np.asarray(teacher, dtype=np.float64)
    if a.ndim == w.ndim - 1:
        a = a[..., None, :]
    d = w.shape[-1]
    cov = np.eye(d) if input_cov is None else np.asarray(input_cov, dtype=np.float64)
    at = np.swapaxes(a, -1, -2)
    cov_t = w @ cov @ np.swapaxes(w, -1, -2) + noise_variance * np.eye(w.shape[-2])
    cov_y = a @ cov @ at + target_noise_variance * np.eye(a.shape[-2])
    return gaussian_mi_bits(cov_t, cov_y, w @ cov @ at)
