"""The ``example_gaussian`` estimator: mutual information of the Gaussian with the samples' covariance, in bits.

For two continuous sides A (N, d_a) and B (N, d_b), with C the correlation matrices (ridge added to the
diagonal)::

    I(A;B) = ½ log2(det C_A · det C_B / det C_AB)

exact for jointly Gaussian data (in one dimension −½ log2(1 − ρ²)) and a proxy otherwise: it sees only
linear dependence. With class labels Y as one side, a Gaussian per class with a shared covariance
(linear discriminant analysis) gives posteriors q(y|t), and ``I(T;Y) = H(Y) − mean(−log2 q(y_i|t_i))``,
clipped at 0: the variational (Barber–Agakov) lower bound, fitted and evaluated on the same samples.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
from infoplane.estimators.base import Estimator, Interval
from infoplane.infotheory import BITS_PER_NAT, entropy_bits, standardise
from infoplane.samples import as_class_labels, as_samples, is_discrete_labels


def gaussian_mi_bits(a: np.ndarray, b: np.ndarray, ridge: float = 1e-6) -> float:
    """I(A;B) in bits of the Gaussian with the correlation matrix of ``a`` (N, d_a) and ``b`` (N, d_b).

    Args:
        a, b: finite float samples, paired by row.
        ridge: added to the diagonal of the correlation matrix (unitless), so that a side that is a
            linear function of the other gives a large finite number, not infinity.

    Returns:
        The Gaussian mutual information in bits, ≥ 0.
    """
    joint = standardise(np.concatenate([a, b], axis=1))
    corr = joint.T @ joint / len(joint) + ridge * np.eye(joint.shape[1])
    d_a = a.shape[1]
    logdet = [np.linalg.slogdet(m)[1] for m in (corr[:d_a, :d_a], corr[d_a:, d_a:], corr)]
    return max(0.0, float(0.5 * (logdet[0] + logdet[1] - logdet[2]) * BITS_PER_NAT))


def label_mi_bits(t: np.ndarray, y: np.ndarray, ridge: float = 1e-6) -> float:
    """I(T;Y) in bits for samples ``t`` (N, d) and class labels ``y`` (N,): H(Y) minus the cross-entropy of
    linear-discriminant posteriors (one Gaussian per class, shared covariance), clipped at 0.

    Args:
        t: finite float samples.
        y: integer class labels, one per row of ``t``.
        ridge: added to the diagonal of the pooled within-class covariance of the standardised ``t``.
    """
    z = standardise(t)
    classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    prior = counts / len(y)
    means = np.stack([z[index == k].mean(axis=0) for k in range(len(classes))])
    resid = z - means[index]
    chol = np.linalg.cholesky(resid.T @ resid / len(z) + ridge * np.eye(z.shape[1]))
    zw = np.linalg.solve(chol, z.T).T  # whitened samples (N, d)
    mw = np.linalg.solve(chol, means.T).T  # whitened class means (K, d)
    sq = (zw**2).sum(axis=1)[:, None] - 2.0 * zw @ mw.T + (mw**2).sum(axis=1)[None, :]
    logits = np.log(prior)[None, :] - 0.5 * np.maximum(sq, 0.0)
    peak = logits.max(axis=1, keepdims=True)
    log_norm = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1))
    cross_entropy_bits = float(np.mean(log_norm - logits[np.arange(len(y)), index])) * BITS_PER_NAT
    return max(0.0, entropy_bits(counts) - cross_entropy_bits)


class Gaussian(Estimator):
    """Gaussian mutual information, in bits: linear dependence only.

    Args:
        ridge: added to the diagonal of each (unitless) correlation or pooled covariance matrix, > 0.
            It caps I(A;B) when one side is a linear function of the other
            (about ½ log2(1/ridge) bits per dimension).
    """

    quantity = "MI of the Gaussian with the samples' covariance (linear dependence only); I(T;Y): LDA bound"
    accepts_continuous = True
    needs_training = False
    invariant_under_invertible_maps = False
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"ridge": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, ridge: float = 1e-6) -> None:
        self.ridge = ridge  # stored unchanged: validation happens in Estimator.validate_params

    @property
    def scale_invariant(self) -> bool:
        """True: both sides are standardised first, so any c > 0 scaling them leaves the estimate unchanged."""
        return True

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``example_gaussian ridge=1e-06``: the ridge is always shown (it caps the largest value)."""
        p = {**cls.default_params(), **params}
        return f"{cls.name or 'example_gaussian'} ridge={float(p['ridge']):g}"

    @classmethod
    def study_settings(cls, bounds: tuple[float, float] | None, **overrides: Any) -> list[dict[str, Any]]:
        """One setting, ridge = 1e-6, or ``ridge`` = a sequence of values to sweep; ``bounds`` is not used."""
        overrides = {"ridge": (1e-6,), **overrides}
        return super().study_settings(bounds, **overrides)

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits for paired samples ``a`` (N, d_a) and ``b`` (N, d_b); a side given as integer
        class labels (N,) is treated as discrete (the LDA bound).

        Raises:
            ValueError: NaN or infinite values, fewer than 2 samples, or sides of different lengths.
        """
        self.validate_params()
        if is_discrete_labels(a) and not is_discrete_labels(b):
            a, b = b, a
        samples = as_samples(a, "a")
        if is_discrete_labels(b):
            return label_mi_bits(samples, as_class_labels(b, len(samples), "b"), self.ridge)
        other = as_samples(b, "b")
        _same_length(samples, other, "a", "b")
        return gaussian_mi_bits(samples, other, self.ridge)

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits: the Gaussian MI of inputs and layer, and the LDA bound for the labels.

        Args:
            x: inputs (N, …), flattened per sample.
            t: the layer's activations (N, width).
            y: integer class labels (N,).
            aux: per-sample records; none is needed, so they are ignored.

        Raises:
            ValueError: NaN or infinite values, fewer than 2 samples, lengths that differ, or labels that
                are not integers.
        """
        self.validate_params()
        samples_t = as_samples(t, "t")
        samples_x = as_samples(x, "x")
        _same_length(samples_x, samples_t, "x", "t")
        labels = as_class_labels(y, len(samples_t), "y")
        return gaussian_mi_bits(samples_x, samples_t, self.ridge), label_mi_bits(
            samples_t, labels, self.ridge
        )


def _same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} samples and {name_b} {len(b)}; pass paired samples (same N)")
