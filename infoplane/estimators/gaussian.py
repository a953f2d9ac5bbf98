"""Closed-form Gaussian MI with the sample covariance (CCA), optionally after the Gaussian-copula map.

For jointly Gaussian A (d_a) and B (d_b) with covariance Σ,

    I(A;B) = ½ [log det Σ_aa + log det Σ_bb − log det Σ] = −½ Σ_i log(1 − ρ_i²)      (nats),

where ρ_i are the canonical correlations (Hotelling 1936). :class:`Gaussian` evaluates this with the
sample covariance of the data given, in bits. For non-Gaussian data it is the MI of the Gaussian with the
same covariance: exact for Gaussians, blind to non-linear dependence (Y = X² reads 0). With
``preprocess="copula"`` each coordinate is first replaced by its normal scores (rank-based, see
:mod:`infoplane.estimators.preprocess`), which makes the estimate invariant under monotone maps of each
coordinate; this is Ince et al.'s Gaussian-copula MI (GCMI; Human Brain Mapping 38:1541–1573, 2017),
which for one-dimensional A and B is a lower bound on the true MI (for given normal-score correlation the
Gaussian copula has the largest joint entropy), and is robust to heavy tails.

How the sample covariance is made usable (in this order):

1. Each column is standardised; constant columns carry no information and are dropped.
2. Rule when N is small against the width: each side is projected onto its leading principal components,
   at most ``max_components`` of them (default ⌊(N − 1)/4⌋, so that d_a + d_b ≤ (N − 1)/2 and the joint
   covariance is well estimated). By data processing the Gaussian MI of the projection never exceeds that
   of the full side, so this can only lower the estimate.
3. Ridge: ``ridge`` (λ, default 1e-6) is added to the diagonal of each side's correlation matrix and of
   the joint one. This is exactly the MI after adding independent N(0, λ) noise to each standardised
   coordinate, so it stays finite when one side is a (linear) function of the other or has dependent
   units; it then reads about ½ log2(1/λ) bits per deterministic direction (10 bits at λ = 1e-6).
4. Bias correction (``bias_correction=True``): the log-determinants are the unbiased ones for Gaussian
   samples (Misra, Singh & Demchuk 2005, J. Multivariate Anal. 92:324–342; as in Ince et al.'s gcmi),
   E[log det S] = log det Σ + Σ_{i=1..d} ψ((N − i)/2) + d log(2/(N − 1)), so the plug-in MI is lowered by
   ½ [Ψ(d_a) + Ψ(d_b) − Ψ(d_a + d_b)], Ψ(d) = Σ_{i=1..d} ψ((N − i)/2) (≈ d_a d_b / (2N) nats). A negative
   result (noise around 0) is reported as 0.

Class labels are one-hot encoded (one class dropped, as the columns sum to 1), and I(T;Y) is capped at
the plug-in entropy H(Y) in bits, which bounds it for any distribution (a layer that separates the classes
would otherwise read as the ridge's ½ log2(1/λ) bits per direction).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma

from infoplane.estimators.base import (
    Estimator,
    Interval,
    Options,
    as_class_labels,
    as_samples,
    is_discrete_labels,
    register,
)
from infoplane.estimators.preprocess import PREPROCESS_OPTIONS, apply_preprocess
from infoplane.infotheory import entropy_bits, nats_to_bits, standardise
from infoplane.samples import as_plane_samples

#: Fewest samples the estimator accepts (the bias correction needs N > d_a + d_b).
MIN_SAMPLES = 4


def default_max_components(n: int) -> int:
    """The rule when N is small against the width: at most ⌊(N − 1)/4⌋ (≥ 1) components per side."""
    return max(1, (n - 1) // 4)


def _leading_components(z: np.ndarray, k: int) -> np.ndarray:
    """``z`` (N, d), standardised, projected onto its ``k`` leading principal components (N, k)."""
    n, d = z.shape
    if d <= k:
        return z
    if d <= n:
        values, vectors = np.linalg.eigh(z.T @ z)  # ascending
        return z @ vectors[:, ::-1][:, :k]
    values, vectors = np.linalg.eigh(z @ z.T)  # the N×N Gram: same leading scores, scaled
    top = vectors[:, ::-1][:, :k]
    return top * np.sqrt(np.maximum(values[::-1][:k], 0.0))


def _prepare_side(values: np.ndarray, k_max: int) -> np.ndarray:
    """Standardised columns, constant ones dropped, at most ``k_max`` leading components."""
    z = standardise(values)
    z = z[:, np.any(z != 0.0, axis=0)]
    if z.shape[1] == 0:
        return z
    z = _leading_components(z, k_max)
    return standardise(z)


def _logdet(matrix: np.ndarray) -> float:
    sign, value = np.linalg.slogdet(matrix)
    if sign <= 0:
        raise ValueError(
            "gaussian: a covariance is singular (a side is a linear function of the other, or has linearly "
            "dependent units); pass ridge > 0 (e.g. ridge=1e-6)"
        )
    return float(value)


def _psi_sum(d: int, n: int) -> float:
    """Ψ(d) = Σ_{i=1..d} ψ((n − i)/2)."""
    return float(np.sum(digamma((n - np.arange(1, d + 1)) / 2.0))) if d else 0.0


def gaussian_mi_nats(
    a: np.ndarray,
    b: np.ndarray,
    *,
    ridge: float = 1e-6,
    bias_correction: bool = True,
    max_components: int | None = None,
) -> float:
    """MI, in nats, of the Gaussian with the sample covariance of (a, b); see the module docstring.

    Args:
        a: (N, d_a) float samples.
        b: (N, d_b) float samples, paired row by row with ``a``.
        ridge: λ ≥ 0 added to the diagonals of the standardised correlation matrices.
        bias_correction: subtract the Gaussian finite-sample bias of the log-determinants.
        max_components: most principal components kept per side (None: ⌊(N − 1)/4⌋).

    Returns:
        ½ [log det R_aa + log det R_bb − log det R] (+ the bias correction), in nats; may be negative
        when corrected. 0 when a side is constant.

    Raises:
        ValueError: fewer than 4 samples, or a singular covariance with ``ridge=0``.
    """
    n = a.shape[0]
    if n < MIN_SAMPLES:
        raise ValueError(f"gaussian: needs at least {MIN_SAMPLES} samples, got {n}")
    k_max = default_max_components(n) if max_components is None else int(max_components)
    za, zb = _prepare_side(a, k_max), _prepare_side(b, k_max)
    d_a, d_b = za.shape[1], zb.shape[1]
    if d_a == 0 or d_b == 0:
        return 0.0
    z = np.hstack((za, zb))
    joint = (z.T @ z) / n + ridge * np.eye(d_a + d_b)
    mi = 0.5 * (_logdet(joint[:d_a, :d_a]) + _logdet(joint[d_a:, d_a:]) - _logdet(joint))
    if bias_correction and n > d_a + d_b:
        mi -= 0.5 * (_psi_sum(d_a, n) + _psi_sum(d_b, n) - _psi_sum(d_a + d_b, n))
    return float(mi)


def one_hot_without_last(labels: np.ndarray) -> np.ndarray:
    """Labels (N,) as (N, k − 1) one-hot columns (the last class dropped: the k columns sum to 1)."""
    _, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(-1)
    k = int(inverse.max()) + 1
    return np.eye(k)[inverse][:, : k - 1]


@register("gaussian")
class Gaussian(Estimator):
    """MI of the Gaussian with the samples' covariance (canonical correlations), in bits.

    ``I = −½ Σ log2(1 − ρ_i²)`` over the canonical correlations ρ_i of the two sides; exact for Gaussian
    data, a fast baseline for wide layers, and with ``preprocess="copula"`` the Gaussian-copula MI of Ince
    et al. 2017 (invariant under monotone maps of each coordinate, robust to heavy tails). See the module
    docstring for the ridge, the component rule when N is small against the width, and the bias correction.

    Args:
        preprocess: None (samples as given) or "copula" (normal scores of each coordinate by rank).
        ridge: λ ≥ 0 added to the diagonal of the standardised correlation matrices: the MI after
            independent N(0, λ) noise on each standardised coordinate (keeps deterministic maps finite).
        bias_correction: remove the Gaussian finite-sample bias (≈ d_a d_b / (2N) nats) of the estimate.
        max_components: most principal components kept per side; None: ⌊(N − 1)/4⌋.
    """

    needs_training = False
    accepts_continuous = True
    quantity = (
        "MI of the Gaussian with the samples' covariance (−½ Σ log(1 − ρ²) over canonical correlations); "
        "exact for Gaussians, blind to non-linear dependence; copula: Gaussian-copula MI (Ince et al. 2017)"
    )
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "preprocess": [Options(PREPROCESS_OPTIONS), None],
        "ridge": [Interval(Real, 0, None)],
        "bias_correction": [bool],
        "max_components": [Interval(Integral, 1, None), None],
    }

    def __init__(
        self,
        preprocess: str | None = None,
        ridge: float = 1e-6,
        bias_correction: bool = True,
        max_components: int | None = None,
    ) -> None:
        self.preprocess = preprocess
        self.ridge = ridge
        self.bias_correction = bias_correction
        self.max_components = max_components

    @property
    def invariant_under_invertible_maps(self) -> bool:  # type: ignore[override]
        """True with the copula map (invariant under monotone maps of each coordinate)."""
        return self.preprocess == "copula"

    @property
    def scale_invariant(self) -> bool:
        """True at any scale: columns are standardised (or ranked) first."""
        return True

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``gaussian``, ``gaussian copula``, then other settings that differ from their defaults."""
        p = {**cls.default_params(), **params}
        head = ["gaussian"] + ([str(p["preprocess"])] if p.get("preprocess") else [])
        return " ".join([*head, *cls._label_extras(p, skip=("preprocess",))])

    def _mi_bits(self, a: np.ndarray, b: np.ndarray) -> float:
        a = apply_preprocess(self.preprocess, a)
        b = apply_preprocess(self.preprocess, b)
        mi = gaussian_mi_nats(
            a, b, ridge=float(self.ridge), bias_correction=bool(self.bias_correction), max_components=self.max_components
        )
        return float(nats_to_bits(max(mi, 0.0)))

    def _mi_labels_bits(self, c: np.ndarray, labels: np.ndarray) -> float:
        c = apply_preprocess(self.preprocess, c)
        onehot = one_hot_without_last(labels)
        if onehot.shape[1] == 0:
            return 0.0
        mi = gaussian_mi_nats(
            c, onehot, ridge=float(self.ridge), bias_correction=bool(self.bias_correction), max_components=self.max_components
        )
        h_y = entropy_bits(np.unique(labels, return_counts=True)[1])
        return float(min(nats_to_bits(max(mi, 0.0)), h_y))

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits.

        Args:
            a: (N, d_a) continuous samples (trailing dims flattened), or (N,) integer labels.
            b: (N, d_b) continuous samples, or (N,) integer labels (one-hot encoded; capped at H(labels)).

        Raises:
            ValueError: NaN/inf, unpaired sample counts, fewer than 4 samples, bad parameters, or both
                sides integer labels (use ``binning``'s plug-in MI for two discrete sides).
        """
        self.validate_params()
        if is_discrete_labels(a) and not is_discrete_labels(b):
            a, b = b, a
        samples_a = as_samples(a, "a")
        n = samples_a.shape[0]
        if is_discrete_labels(b):
            if is_discrete_labels(a):
                raise ValueError("gaussian: both sides are integer labels; use binning for two discrete sides")
            return self._mi_labels_bits(samples_a, as_class_labels(b, n, "b"))
        samples_b = as_samples(b, "b")
        if samples_b.shape[0] != n:
            raise ValueError(f"gaussian: a and b must pair samples: {n} rows against {samples_b.shape[0]}")
        return self._mi_bits(samples_a, samples_b)

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits: Gaussian MI of flattened inputs and layer; of layer and one-hot labels.

        ``aux`` records are not used.

        Raises:
            ValueError: ``x`` is None, or invalid inputs as in :meth:`mutual_information`.
        """
        self.validate_params()
        inputs, activations, labels = as_plane_samples(x, t, y, "gaussian")
        return self._mi_bits(inputs, activations), self._mi_labels_bits(activations, labels)
