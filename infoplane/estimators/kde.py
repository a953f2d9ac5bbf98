"""KDE estimator: Kolchinsky–Tracey pairwise bounds on the MI of a noisy channel (Saxe et al. 2018).

The layer T is made stochastic by additive noise, T + N(0, σ²I), and X is uniform over the N samples, so
T's distribution is a mixture of N Gaussians of equal weight centred at the activations t_i. For such a
mixture Kolchinsky & Tracey (2017, Entropy 19(7):361) bound the entropy by pairwise distances between
components: the KL divergence gives an upper bound, the Bhattacharyya distance a lower one. After the
component entropy H(T|X) = (d/2)(log 2πσ² + 1) cancels,

    I(X;T) ≤ −(1/N) Σ_i log[(1/N) Σ_j exp(−‖t_i − t_j‖²/(2σ²))]     (KL: upper bound)
    I(X;T) ≥ −(1/N) Σ_i log[(1/N) Σ_j exp(−‖t_i − t_j‖²/(8σ²))]     (Bhattacharyya: lower bound)

in nats, both in [0, log N]. Saxe et al. (2018, ICLR) use the upper bound, and
I(T;Y) = term(all samples) − Σ_y p(y)·term(samples of class y) with the same expression as term.

Computation: rows are deduplicated exactly, then the kernel sums Σ_j exp(−‖t_i − t_j‖²/h) come from the
generic engine in :mod:`infoplane.estimators.kernel_sums` (sort and sweep, screening, threads, BLAS,
torch on a GPU); this module holds the bounds' maths and the estimator.

Scale: σ² is an absolute variance in activation units, so the KDE is not scale-invariant by design: the
MI of T + N(0, σ²I) falls to 0 when the layer is small next to σ and rises to log2 N (and H(Y)) when it
is large. The sums are computed in a scaled frame (points multiplied by a power of two so that their
largest magnitude lies in [0.5, 1), widths by its square: exact in floating point), so layers at 1e154
or 1e-200 give those limits instead of overflowing into NaN; numbers at ordinary scales are unchanged.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import torch

from infoplane.estimators.base import Check, Estimator, Interval, Options, register
from infoplane.estimators.kernel_sums import (  # noqa: F401 - re-exported for callers of the bounds' maths
    BLOCK_ELEMENTS,
    DEVICE_BLOCK_ELEMENTS,
    Method,
    _check_chunk_size,
    _check_device,
    _check_method,
    pairwise_kernel_sums,
    skip_radius_sq,
    unique_rows,
)
from infoplane.infotheory import entropy_bits
from infoplane.samples import as_class_labels, as_samples, is_discrete_labels

Bound = Literal["upper", "lower"]
#: Kernel widths in the scaled frame are kept within these (normal, finite) float64 values: beyond them
#: every distinct pair's kernel is already exp(−huge) ≈ 0 or exp(−tiny) = 1 in float64.
_MIN_FRAME_WIDTH = 2.0**-1000
_MAX_FRAME_WIDTH = 2.0**1000


def kernel_width(noise_variance: float, bound: Bound) -> float:
    """The width h of the pairwise kernel exp(−‖t_i − t_j‖²/h): 2σ² (upper bound) or 8σ² (lower bound).

    The Bhattacharyya lower bound is the upper bound's expression at 4σ².
    """
    return (2.0 if bound == "upper" else 8.0) * float(noise_variance)


def information_from_sums(sums: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(I(X;T), I(T;Y)) in bits from class-weighted kernel sums.

    With A_u = Σ_c S[u, c] (all samples) and B_uc = S[u, c] (samples of class c), the pairwise terms give
    I(X;T) = log N − (1/N) Σ_u n_u log A_u and, since term(all) − Σ_c p_c term(c) simplifies,
    I(T;Y) = H(Y) − (1/N) Σ_{u,c} n_uc (log A_u − log B_uc), with H(Y) the plug-in label entropy.
    Logarithms are taken base 2 directly (the one conversion from nats), so that the hand cases come out
    exactly: all points equal (A_u = N) gives 0, all points far apart (A_u = 1) gives log2 N.

    Args:
        sums: (K, M, C) kernel sums S from :func:`pairwise_kernel_sums`.
        counts: (M, C) number of samples of each distinct row in each class.

    Returns:
        Two float64 arrays (K,): I(X;T) clamped to [0, log2 N] and I(T;Y) clamped to [0, H(Y)], in bits
        (the clamps only remove rounding; the exact values lie in those ranges).
    """
    n = float(counts.sum())
    h_y = entropy_bits(counts.sum(0))
    log_all = np.log2(sums.sum(2))  # (K, M); every A_u ≥ 1 (its self term), so log2 A_u ≥ 0
    i_xt = math.log2(n) - log_all @ (counts.sum(1) / n)
    present = counts > 0
    log_class = np.log2(np.where(present, sums, 1.0))  # B_uc ≥ n_uc ≥ 1 where present
    i_ty = h_y - ((log_all[:, :, None] - log_class) * (counts / n)).sum((1, 2))
    return np.clip(i_xt, 0.0, math.log2(n)), np.clip(i_ty, 0.0, h_y)


def kde_information_plane(
    t: Any,
    y: Any = None,
    noise_variances: Sequence[float] = (1e-3,),
    bounds: Sequence[Bound] = ("upper",),
    *,
    method: Method = "auto",
    chunk_size: int | None = None,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Pairwise KDE bounds on (I(X;T), I(T;Y)) in bits, for several σ² and both bounds in one pass over pairs.

    Kolchinsky & Tracey (2017): the KL (upper) and Bhattacharyya (lower) pairwise bounds, applied to
    T + N(0, σ²I) with X uniform over the samples, as in Saxe et al. (2018).

    Args:
        t: activations (N, width), array or tensor.
        y: class labels (N,), or ``None`` (one class: I(T;Y) = 0).
        noise_variances: the σ² values.
        bounds: ``"upper"`` and/or ``"lower"``.
        method, chunk_size, device: see :func:`pairwise_kernel_sums`.

    The sums are taken in the frame of :func:`scaled_frame` (exact), so any finite scale of ``t`` works:
    a layer far larger than σ gives I(X;T) → log2 N, one far smaller gives 0 (σ² is absolute).

    Returns:
        float64 array (len(bounds), len(noise_variances), 2): [..., 0] is I(X;T), [..., 1] is I(T;Y).

    Raises:
        ValueError: invalid samples or labels, or invalid settings.
    """
    values = as_samples(t, "t")
    labels = np.zeros(len(values), dtype=np.int64) if y is None else as_class_labels(y, len(values), "y")
    variances = [_check_variance(v) for v in noise_variances]
    bound_list = [_check_bound(b) for b in bounds]
    if not variances or not bound_list:
        raise ValueError("kde: give at least one noise variance and one bound")
    _check_method(method)
    _check_chunk_size(chunk_size)
    dev = _check_device(device)
    _, classes = np.unique(labels, return_inverse=True)
    distinct, inverse = unique_rows(values)
    n_classes = int(classes.max()) + 1
    counts = np.bincount(inverse * n_classes + classes.reshape(-1), minlength=len(distinct) * n_classes)
    counts = counts.reshape(len(distinct), n_classes).astype(np.float64)
    points, widths = scaled_frame(distinct, [kernel_width(v, b) for b in bound_list for v in variances])
    sums = pairwise_kernel_sums(points, counts, widths, method=method, chunk_size=chunk_size, device=dev)
    i_xt, i_ty = information_from_sums(sums, counts)
    return np.stack([i_xt, i_ty], axis=1).reshape(len(bound_list), len(variances), 2)


def scaled_frame(points: np.ndarray, widths: Sequence[float]) -> tuple[np.ndarray, list[float]]:
    """Points times 2^-e, so that their largest magnitude lies in [0.5, 1), and kernel widths times 2^-2e.

    exp(−‖p_u − p_v‖²/h) is unchanged and, a power of two being exact in floating point, so are the
    numbers at ordinary scales; at 1e154 the squared distances no longer overflow, at 1e-200 they no
    longer underflow. Widths are then kept within [2^-1000, 2^1000]: beyond, σ is so small (large) next
    to the layer that every kernel between distinct rows is 0 (1) in float64 either way.

    Args:
        points: (M, d) finite floats.
        widths: kernel widths h > 0.

    Returns:
        The scaled points (float64) and widths.
    """
    points = np.asarray(points, dtype=np.float64)
    peak = float(np.max(np.abs(points))) if points.size else 0.0
    if not peak > 0:
        return points, [float(h) for h in widths]
    exponent = math.frexp(peak)[1]
    scaled = np.ldexp(points, -exponent)
    return scaled, [_frame_width(float(h), exponent) for h in widths]


def _frame_width(width: float, exponent: int) -> float:
    """``width · 2^(−2·exponent)`` kept within [2^-1000, 2^1000] (no overflow on the way)."""
    mantissa, own = math.frexp(width)
    power = own - 2 * exponent
    if power > 1000:
        return _MAX_FRAME_WIDTH
    if power < -1000:
        return _MIN_FRAME_WIDTH
    return math.ldexp(mantissa, power)


def _check_variance(value: Any) -> float:
    try:
        variance = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"kde: noise_variance must be a positive number, got {value!r}") from None
    if not (math.isfinite(variance) and variance > 0):
        raise ValueError(f"kde: noise_variance must be positive and finite, got {value!r}")
    return variance


def _check_bound(value: Any) -> Bound:
    if value not in ("upper", "lower"):
        raise ValueError(f"kde: bound must be 'upper' or 'lower', got {value!r}")
    return value  # type: ignore[no-any-return]


def _is_device(value: Any) -> bool:
    torch.device(value)
    return True


@register("kde")
class KDE(Estimator):
    """Pairwise KDE bound on the MI of the noisy channel T + N(0, σ²I) (bits).

    Kolchinsky & Tracey (2017, Entropy 19(7):361), as used by Saxe et al. (2018, ICLR). X is taken uniform
    over the N samples, so I(X;T) ∈ [0, log2 N]. ``bound="upper"`` (KL, the default and Saxe's choice) is
    an upper bound on that MI; ``bound="lower"`` (Bhattacharyya) a lower bound, always ≤ the upper one.
    ``is_lower_bound`` follows ``bound``.

    Scale: σ² is absolute (squared activation units), so the estimate changes with the layer's scale by
    design; any finite scale is computed exactly (see the module docstring): a layer at 1e154 gives
    log2 N and the plug-in I(T;Y), one at 1e-200 gives 0 and 0. Scaling t by c and σ² by c² together
    leaves the estimate unchanged.

    I(T;Y) is the same pairwise expression on all samples minus its class-weighted average over classes.
    It is the MI of the noisy channel under the empirical distribution of T, so with σ small compared to
    the spacing of distinct samples it tends to H(Y), even for labels independent of T.

    Args:
        noise_variance: σ², in squared activation units. 1e-3 (the default) is Saxe et al.'s value for
            the 12-bit set; they used 1e-1 for MNIST. The result depends strongly on it: report it.
        bound: ``"upper"`` or ``"lower"``.
        device: torch device for the pairwise sums (``None``: CPU, with numpy on
            ``torch.get_num_threads()`` threads; ``"cuda"`` for a GPU, with torch).
        chunk_size: rows of the pair matrix per chunk (memory O(chunk_size · N)); ``None``: about
            ``BLOCK_ELEMENTS / N`` rows on the CPU (8 MiB blocks), ``DEVICE_BLOCK_ELEMENTS / N`` on a GPU.
    """

    needs_training = False
    accepts_continuous = False
    _computational_params: ClassVar[tuple[str, ...]] = ("device", "chunk_size")
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "noise_variance": [Interval(float, 0, None, closed="neither")],
        "bound": [Options(("upper", "lower"))],
        "device": [Check(_is_device, "a torch device such as 'cpu' or 'cuda'"), None],
        "chunk_size": [Interval(int, 1, None), None],
    }
    quantity = (
        "MI of the noisy channel T + N(0, σ²I) with X uniform over the samples: Kolchinsky–Tracey "
        "pairwise bound (upper: KL; lower: Bhattacharyya)"
    )

    def __init__(
        self,
        noise_variance: float = 1e-3,
        bound: Bound = "upper",
        device: str | None = None,
        chunk_size: int | None = None,
    ) -> None:
        self.noise_variance = noise_variance
        self.bound = bound
        self.device = device
        self.chunk_size = chunk_size

    @property
    def is_lower_bound(self) -> bool:
        """True for ``bound="lower"`` (Bhattacharyya), False for the upper (KL) bound."""
        return self.bound == "lower"

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``kde σ²=0.001``, ``kde σ²=0.001 lower``."""
        p = {**cls.default_params(), **params}
        return f"kde σ²={float(p['noise_variance']):g}" + (" lower" if p.get("bound") == "lower" else "")

    @classmethod
    def study_settings(cls, bounds: tuple[float, float] | None, **overrides: Any) -> list[dict[str, Any]]:
        """σ² = 1e-3 (Saxe et al.'s 12-bit value), or ``noise_variance`` = a sequence of σ² to sweep.

        ``bounds`` is not used (σ² is absolute); ``bound`` may be given too (``"lower"`` or both).
        """
        overrides = {"noise_variance": (1e-3,), **overrides}
        return super().study_settings(bounds, **overrides)

    def _validate_together(self) -> None:
        if self.device is not None:
            _check_device(self.device)  # CUDA asked for where none is available

    def describe(self) -> str:
        """One line: the bound, σ², and the quantity measured."""
        kind = "upper (KL)" if self.bound == "upper" else "lower (Bhattacharyya)"
        return f"kde: {kind} pairwise bound at σ² = {self.noise_variance:g}; {self.quantity}"

    def _plane(self, t: Any, y: Any) -> tuple[float, float]:
        self.validate_params()
        result = kde_information_plane(
            t, y, (self.noise_variance,), (self.bound,), chunk_size=self.chunk_size, device=self.device
        )
        return float(result[0, 0, 0]), float(result[0, 0, 1])

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits for samples ``a`` (N, d) and class labels ``b`` (N,): the I(T;Y) formula.

        Raises:
            ValueError: ``b`` is not a 1-d integer label array (KDE needs a discrete side), or invalid input.
        """
        if not is_discrete_labels(b):
            raise ValueError(
                "kde: mutual_information needs a discrete side b (1-d integer class labels); "
                "for two continuous sides use 'mine' or 'ksg'"
            )
        return self._plane(a, b)[1]

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits for one layer ``t`` (N, width) and labels ``y`` (N,); ``aux`` is not used.

        I(X;T) needs only ``t``: X is uniform over the samples, each sample one component of the mixture
        (as in Saxe et al.; repeated inputs are not merged). ``x`` may be ``None`` and, when given, is only
        checked to pair with ``t``.
        """
        if x is not None:
            n_x, n_t = len(as_samples(x, "x")), len(as_samples(t, "t"))
            if n_x != n_t:
                raise ValueError(f"x has {n_x} samples but t has {n_t}")
        return self._plane(t, y)
