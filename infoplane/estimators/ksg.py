"""KSG k-nearest-neighbour MI (Kraskov, Stögbauer & Grassberger 2004) and its mixed variant (Ross 2014).

Continuous–continuous: estimator 1 of Kraskov et al. (Phys. Rev. E 69, 066138, eq. 8) under the max-norm,

    I(A;B) = ψ(k) + ψ(N) − ⟨ψ(n_a + 1) + ψ(n_b + 1)⟩      (nats),

where ε_i is the max-norm distance from sample i to its k-th neighbour in the joint space (a, b) and
n_a(i) = #{j ≠ i : ‖a_i − a_j‖_∞ < ε_i} (strictly closer), likewise n_b(i).

Continuous–discrete (class labels): Ross 2014 (PLoS ONE 9(2):e87357), the estimator behind
scikit-learn's ``mutual_info_classif``,

    I(C;Y) = ψ(N) − ⟨ψ(N_y)⟩ + ψ(k) − ⟨ψ(m_i)⟩              (nats),

where d_i is the distance from c_i to its k-th neighbour among the samples of its own class (N_y of them)
and m_i = 1 + #{j ≠ i : ‖c_i − c_j‖_∞ < d_i} counts all samples, of any class, strictly inside d_i plus i
itself (without ties this is Ross's "neighbours within d_i, the k-th one included").

Neighbours come from scikit-learn trees (no Python loop over samples): a k-NN query for ε_i, then
``KDTree.query_radius(..., count_only=True)`` on the radius ``nextafter(ε_i, 0)``; the tree counts
distances ≤ r, which for floats is exactly "< ε_i". Results are converted to bits once, at the end.

Before the search, :class:`KSG` standardises each column (mean 0, standard deviation 1, safely at any
scale: :func:`infoplane.infotheory.standardise`) and adds 1e-10-scale noise (as scikit-learn does), and
reports a negative estimate as 0. The estimate is therefore the same for x and t scaled by 1e-200 or 1e154.

Caveat: the estimate is biased low when the dimension or the MI is high — on the bmi
task with two 25-d sides sharing two correlated pairs (truth 1.02 nats) KSG gives about 0.14 (this
module: 0.15 at N = 5000, 0.16 at N = 10000). It also
assumes densities: on discrete inputs (the 12-bit set) the max-norm distances tie and only the jitter
orders them, so I(X;T) there is not a meaningful number.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import KDTree, NearestNeighbors

from infoplane.estimators.base import Estimator, Interval, Options, register
from infoplane.estimators.preprocess import PREPROCESS_OPTIONS, apply_preprocess
from infoplane.infotheory import nats_to_bits, standardise
from infoplane.samples import as_class_labels, as_plane_samples, as_samples, is_discrete_labels


def kth_neighbour_distance(points: np.ndarray, k: int) -> np.ndarray:
    """Max-norm distance from each point to its k-th nearest other point.

    Args:
        points: (N, d) float array, N > k.
        k: neighbour rank, ≥ 1 (the point itself is not its own neighbour).

    Returns:
        (N,) float array.
    """
    search = NearestNeighbors(n_neighbors=k, metric="chebyshev").fit(points)
    distances, _ = search.kneighbors()  # no query points: each point's own index is left out
    return distances[:, -1]


def count_strictly_within(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """For each point i, the number of points j (i included) with ‖p_i − p_j‖_∞ < ``radius[i]``.

    Args:
        points: (N, d) float array.
        radius: (N,) positive radii.

    Returns:
        (N,) int64 counts, each ≥ 1 (the point itself).
    """
    tree = KDTree(points, metric="chebyshev")
    # The tree counts distance ≤ r; the largest float below ε turns that into the strict "< ε".
    below = np.nextafter(radius, 0.0)
    return np.asarray(tree.query_radius(points, below, count_only=True), dtype=np.int64)


def _check_positive_radius(radius: np.ndarray, what: str) -> None:
    zero = int(np.count_nonzero(radius <= 0))
    if zero:
        raise ValueError(
            f"ksg: {zero} samples have their k-th neighbour at distance 0 in {what} (k or more exact "
            f"duplicates); the estimator needs distinct points: keep jitter > 0"
        )


def ksg_mi_nats(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """KSG estimator 1 (Kraskov et al. 2004, eq. 8), max-norm, in nats; may be slightly negative.

    Args:
        a: (N, d_a) float array.
        b: (N, d_b) float array, paired row by row with ``a``.
        k: neighbour rank, 1 ≤ k < N.

    Returns:
        ψ(k) + ψ(N) − ⟨ψ(n_a + 1) + ψ(n_b + 1)⟩ in nats.

    Raises:
        ValueError: a k-th neighbour at distance 0 (duplicate points).
    """
    n = a.shape[0]
    eps = kth_neighbour_distance(np.hstack((a, b)), k)
    _check_positive_radius(eps, "the joint space")
    n_a = count_strictly_within(a, eps) - 1  # minus the centre itself
    n_b = count_strictly_within(b, eps) - 1
    return float(digamma(k) + digamma(n) - np.mean(digamma(n_a + 1) + digamma(n_b + 1)))


def mixed_mi_nats(c: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Ross 2014 estimator (PLoS ONE 9(2):e87357) of I(C;Y), continuous C, discrete Y, in nats.

    As in scikit-learn's ``mutual_info_classif``: a class with N_y ≤ k samples uses k_y = N_y − 1
    neighbours (and ⟨ψ(k_y)⟩ replaces ψ(k)); samples whose class has a single member are left out, and N
    counts the samples kept. The loop is over classes, never over samples.

    Args:
        c: (N, d) float array.
        labels: (N,) int array of class labels.
        k: neighbour rank, ≥ 1.

    Returns:
        ψ(N) − ⟨ψ(N_y)⟩ + ⟨ψ(k_y)⟩ − ⟨ψ(m_i)⟩ in nats; may be slightly negative.

    Raises:
        ValueError: every class has a single sample, or a k-th neighbour at distance 0.
    """
    _, inverse, class_sizes = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    size_of_sample = class_sizes[inverse]
    kept = size_of_sample > 1
    if not np.any(kept):
        raise ValueError("ksg: every class has a single sample; the mixed estimator needs classes of ≥ 2")
    radius = np.zeros(c.shape[0])
    k_of_sample = np.zeros(c.shape[0], dtype=np.int64)
    for index in np.flatnonzero(class_sizes > 1):  # a loop over classes, not samples
        members = inverse == index
        k_class = min(k, int(class_sizes[index]) - 1)
        radius[members] = kth_neighbour_distance(c[members], k_class)
        k_of_sample[members] = k_class
    c, radius, size_of_sample, k_of_sample = c[kept], radius[kept], size_of_sample[kept], k_of_sample[kept]
    _check_positive_radius(radius, "its class")
    m = count_strictly_within(c, radius)  # includes the centre, as Ross's m_i includes the k-th neighbour
    n = c.shape[0]
    class_term = np.mean(digamma(size_of_sample))
    return float(digamma(n) - class_term + np.mean(digamma(k_of_sample)) - np.mean(digamma(m)))


def standardize_and_jitter(
    values: np.ndarray, rng: np.random.Generator, jitter: float, standardize: bool = True
) -> np.ndarray:
    """Columns standardised (mean 0, standard deviation 1), then tiny Gaussian noise added (as scikit-learn).

    Args:
        values: (N, d) float array (not modified).
        rng: source of the noise.
        jitter: noise scale relative to ``max(1, mean |column|)``; 0 adds none.
        standardize: standardise each column first with :func:`infoplane.infotheory.standardise`
            (constant columns become 0); safe at any scale.

    Returns:
        (N, d) float64 array.
    """
    out = standardise(values) if standardize else np.array(values, dtype=np.float64, copy=True)
    if jitter > 0:
        level = np.maximum(1.0, np.mean(np.abs(out), axis=0))
        out += jitter * level * rng.standard_normal(out.shape)
    return out


@register("ksg")
class KSG(Estimator):
    """KSG k-NN estimate of the MI of continuous variables (bits); labels use Ross's mixed estimator.

    Estimator 1 of Kraskov, Stögbauer & Grassberger 2004 (eq. 8, max-norm) for two continuous sides of any
    dimension; Ross 2014 when one side is class labels. Negative estimates (noise around zero) are
    reported as 0, as scikit-learn does.

    Args:
        k: neighbour rank (3 as in scikit-learn and Kraskov et al.); must be below the sample count. Larger k
            lowers the variance and raises the bias.
        jitter: Gaussian noise added to every (standardized) column, scaled by ``max(1, mean |column|)``,
            to break ties between equal distances (Kraskov et al. §IV; scikit-learn uses 1e-10). 0 adds none;
            then duplicate points raise an error.
        standardize: standardise each column first (scikit-learn divides by the standard deviation; we
            also centre, which moves no distance), so that the max-norm weighs all units alike and the
            estimate does not depend on the data's scale. The true MI is unchanged by this invertible map; the estimate
            is not.
        seed: seed of the jitter noise (``None``: fresh noise on every call).
        preprocess: None, or "copula": each continuous coordinate replaced by its normal scores by rank
            (:mod:`infoplane.estimators.preprocess`) before standardising; the estimate is then exactly
            invariant under monotone maps of each coordinate, and heavy tails no longer set the distances.
    """

    needs_training = False
    accepts_continuous = True
    invariant_under_invertible_maps = True  # approximately: k-NN distances change, the estimate barely does
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "k": [Interval(Integral, 1, None)],
        "jitter": [Interval(float, 0, None)],
        "standardize": [bool],
        "seed": [Interval(Integral, 0, None), None],
        "preprocess": [Options(PREPROCESS_OPTIONS), None],
    }
    quantity = (
        "KSG k-NN estimate of the MI of continuous variables (Kraskov et al. 2004; labels: Ross 2014); "
        "biased low in high dimension or at high MI (2-pair 25×25 Gaussian: truth 1.02 nats, KSG ≈ 0.14)"
    )

    def __init__(
        self,
        k: int = 3,
        jitter: float = 1e-10,
        standardize: bool = True,
        seed: int | None = 0,
        preprocess: str | None = None,
    ) -> None:
        self.k = k
        self.preprocess = preprocess
        self.jitter = jitter
        self.standardize = standardize
        self.seed = seed

    @property
    def scale_invariant(self) -> bool:
        """True when columns are standardised (the default); raw columns meet an absolute jitter."""
        return bool(self.standardize)

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``ksg k=3``, then any other setting that differs from its default (``standardize=False``)."""
        p = {**cls.default_params(), **params}
        return " ".join([f"ksg k={p['k']}", *cls._label_extras(p, skip=("k",))])

    def _validate(self, n: int) -> int:
        """Validated parameters; the neighbour rank k, which must lie below the sample count ``n``."""
        self.validate_params()
        if self.k >= n:
            raise ValueError(f"ksg: k={self.k} needs at least k + 1 = {self.k + 1} samples, got {n}")
        return int(self.k)

    def _prepare(self, *arrays: np.ndarray) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed)
        return [
            standardize_and_jitter(apply_preprocess(self.preprocess, a), rng, float(self.jitter), bool(self.standardize))
            for a in arrays
        ]

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits.

        Args:
            a: (N, d_a) continuous samples (trailing dims are flattened), or (N,) integer labels if ``b``
                is continuous.
            b: (N, d_b) continuous samples, or (N,) integer labels (then Ross's mixed estimator).

        Raises:
            ValueError: NaN/inf, unpaired sample counts, N ≤ k, bad parameters, or both sides integer
                labels (use a discrete estimator such as ``binning``'s plug-in MI).
        """
        if is_discrete_labels(a) and not is_discrete_labels(b):
            a, b = b, a
        samples_a = as_samples(a, "a")
        n = samples_a.shape[0]
        if is_discrete_labels(b):
            if is_discrete_labels(a):
                raise ValueError("ksg: both sides are integer labels; KSG needs at least one continuous side")
            labels = as_class_labels(b, n, "b")
            k = self._validate(n)
            (c,) = self._prepare(samples_a)
            return float(nats_to_bits(max(mixed_mi_nats(c, labels, k), 0.0)))
        samples_b = as_samples(b, "b")
        if samples_b.shape[0] != n:
            raise ValueError(f"a and b must pair samples: {n} rows against {samples_b.shape[0]}")
        k = self._validate(n)
        prepared_a, prepared_b = self._prepare(samples_a, samples_b)
        return float(nats_to_bits(max(ksg_mi_nats(prepared_a, prepared_b, k), 0.0)))

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits: KSG between flattened inputs and layer; Ross between layer and labels.

        ``aux`` records are not used.

        Args:
            x: (N, …) probe inputs, flattened to (N, d_x); required.
            t: (N, width) activations of one layer.
            y: (N,) integer class labels.

        Raises:
            ValueError: ``x`` is None (KSG has no shortcut for I(X;T)), or invalid inputs as in
                :meth:`mutual_information`.
        """
        inputs, activations, labels = as_plane_samples(x, t, y, "ksg")
        n = activations.shape[0]
        k = self._validate(n)
        inputs, activations = self._prepare(inputs, activations)
        i_xt = float(nats_to_bits(max(ksg_mi_nats(inputs, activations, k), 0.0)))
        i_ty = float(nats_to_bits(max(mixed_mi_nats(activations, labels, k), 0.0)))
        return i_xt, i_ty
