"""The task families of the bmi benchmark (Czyż et al. 2023, "Beyond normal: on the evaluation of mutual
information estimators", NeurIPS): 40 distributions with known MI, sampled and scored by our own code.

The list mirrors the benchmark's published task list (its families and parameters), written here from the
paper's definitions:

- multinormal: the bivariate normal with correlation 0.75; dense d × d (every off-diagonal correlation
  0.5; d ∈ {2, 3, 5, 25, 50}); sparse d × d with two interacting pairs of correlation 0.8 (the benchmark's
  latent-variable model with λ = η = 2, ε = 1, standardised; d ∈ {2, 3, 5, 25}).
- student: multivariate Student-t with identity dispersion (MI only from the shared scale), 1 × 1 ν = 1,
  2 × 2 ν ∈ {1, 2}, 3 × 3 ν ∈ {2, 3}, 5 × 5 ν ∈ {2, 3}; truth of Arellano-Valle et al. (2013).
- asinh-student: the same after asinh of every coordinate (1 × 1 ν = 1, 2 × 2 ν = 1, 3 × 3 ν = 2,
  5 × 5 ν = 2): lighter tails, same MI.
- normal-cdf: the normal task mapped to uniform marginals by Φ (1 × 1 at ρ = 0.75; sparse 3, 5, 25).
- half-cube: x ↦ x·√|x| of every coordinate (1 × 1; sparse 3, 5, 25).
- spiral: x ↦ R(θ)x, a rotation of one coordinate plane by θ = ‖x‖² / dim (planes (0, 1) for A and (1, 2)
  for B), of the sparse tasks and of their normal-CDF versions (3, 5, 25).
- wiggly: the 1 × 1 normal under two monotone wiggly maps; bimodal: the 1 × 1 normal with each side
  mapped through Φ and the inverse CDF of a two-component Gaussian mixture (0.3 N(0,1) + 0.7 N(5,1) and
  0.5 N(−1,1) + 0.5 N(3,1)); swissroll: the uniform 1 × 1 task with A rolled into 2-D,
  a = t (cos t, sin t) / 21, t = 1.5π(1 + 2u).
- additive-uniform: A ~ U(0, 1), B = A + N, N ~ U(−ε, ε) (half-width ε, the benchmark's convention;
  ε ∈ {0.1, 0.75}): I = ε − ln 2ε nats for ε ≤ ½, 1/(4ε) for ε ≥ ½.

Every map above is injective on its side (strictly monotone per coordinate, or a rotation that keeps the
norm it is driven by), so the MI is that of the untransformed task; ``tests/groundtruth/test_bmi.py`` checks
each truth independently (Monte Carlo log-density ratios, inversion of every map, and an interval-length
density for the additive task). The paper scores at N = 5000 samples (:data:`BMI_N`); an estimate counts
as right when within max(10 %, 0.05 nats) of the truth (:func:`within_tolerance`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np
from scipy import special

from infoplane.groundtruth.tasks import Task, dense_gaussian, gaussian, sparse_gaussian, student_t

#: Samples per task and seed in the paper.
BMI_N = 5000
#: The criterion of the issue and paper: right when |estimate − truth| ≤ max(REL · truth, ABS_NATS nats).
REL_TOLERANCE = 0.1
ABS_TOLERANCE_NATS = 0.05
#: The families, in the order tables show them.
BMI_FAMILIES = (
    "multinormal",
    "student",
    "asinh-student",
    "normal-cdf",
    "half-cube",
    "spiral",
    "wiggly",
    "bimodal",
    "swissroll",
    "additive-uniform",
)
_LN2 = float(np.log(2.0))
_RHO = 0.75  # the benchmark's 1 × 1 correlation
_Map = Callable[[np.ndarray], np.ndarray]


def within_tolerance(estimate_bits: float | np.ndarray, truth_bits: float | np.ndarray) -> np.ndarray:
    """Whether each estimate is within max(10 %, 0.05 nats) of the truth (both in bits)."""
    estimate, truth = np.asarray(estimate_bits, dtype=float), np.asarray(truth_bits, dtype=float)
    allowed = np.maximum(REL_TOLERANCE * np.abs(truth), ABS_TOLERANCE_NATS / _LN2)
    return np.abs(estimate - truth) <= allowed


def additive_uniform_mi_bits(epsilon: float) -> float:
    """I(A; A + N) for A ~ U(0, 1), N ~ U(−ε, ε), in bits.

    h(B) − h(N): B's density is a trapezoid; for ε ≤ ½ its ramps give h(B) = ε nats and h(N) = ln 2ε,
    for ε ≥ ½ h(B) = ln 2ε + 1/(4ε).
    """
    if epsilon <= 0:
        raise ValueError(f"additive_uniform_mi_bits: epsilon must be positive, got {epsilon}")
    nats = epsilon - np.log(2 * epsilon) if epsilon <= 0.5 else 0.25 / epsilon
    return float(nats / _LN2)


# ---------------------------------------------------------------- injective maps of one side
def half_cube(v: np.ndarray) -> np.ndarray:
    """x ↦ x·√|x| per coordinate (strictly increasing)."""
    return v * np.sqrt(np.abs(v))


def wiggly_a(v: np.ndarray) -> np.ndarray:
    """The benchmark's wiggly map of A: x + 0.4 sin x + 0.2 sin(1.7x + 1) + 0.03 sin(3.3x − 2.5);
    its slope is at least 1 − 0.4 − 0.34 − 0.099 > 0."""
    return v + 0.4 * np.sin(v) + 0.2 * np.sin(1.7 * v + 1) + 0.03 * np.sin(3.3 * v - 2.5)


def wiggly_b(v: np.ndarray) -> np.ndarray:
    """The benchmark's wiggly map of B: x − 0.4 sin 0.4x + 0.17 sin(1.3x + 3.5) + 0.02 sin(4.3x − 2.5);
    its slope is at least 1 − 0.16 − 0.221 − 0.086 > 0."""
    return v - 0.4 * np.sin(0.4 * v) + 0.17 * np.sin(1.3 * v + 3.5) + 0.02 * np.sin(4.3 * v - 2.5)


def spiral(v: np.ndarray, plane: tuple[int, int], speed: float = 1.0) -> np.ndarray:
    """Rotate the coordinate ``plane`` (i, j) of each row by θ = speed · ‖row‖² / dim.

    A rotation keeps the norm, so the angle can be read back from the output: the map is invertible.
    """
    i, j = plane
    if v.shape[1] <= max(i, j):
        raise ValueError(f"spiral: plane {plane} needs at least {max(i, j) + 1} dimensions, got {v.shape[1]}")
    angle = speed / v.shape[1] * (v**2).sum(axis=1)
    cos, sin = np.cos(angle), np.sin(angle)
    out = v.copy()
    out[:, i] = cos * v[:, i] - sin * v[:, j]
    out[:, j] = sin * v[:, i] + cos * v[:, j]
    return out


def swissroll(u: np.ndarray) -> np.ndarray:
    """u ∈ (0, 1), shape (n, 1) ↦ t (cos t, sin t) / 21 with t = 1.5π(1 + 2u), shape (n, 2) (injective: the
    norm t / 21 grows with u)."""
    t = 1.5 * np.pi * (1 + 2 * u[:, 0])
    return np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 21.0


def mixture_quantile(u: np.ndarray, weights: tuple[float, ...], means: tuple[float, ...]) -> np.ndarray:
    """The inverse CDF of Σ w_k N(μ_k, 1) at u ∈ [0, 1], by vectorised bisection (strictly increasing)."""
    w, mu = np.asarray(weights, dtype=float), np.asarray(means, dtype=float)
    lo = np.full(u.shape, mu.min() - 40.0)
    hi = np.full(u.shape, mu.max() + 40.0)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        below = (w * special.ndtr(mid[..., None] - mu)).sum(axis=-1) < u
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def bimodal_a(v: np.ndarray) -> np.ndarray:
    """Standard normal ↦ 0.3 N(0, 1) + 0.7 N(5, 1) by Φ and the mixture's inverse CDF."""
    return mixture_quantile(special.ndtr(v), (0.3, 0.7), (0.0, 5.0))


def bimodal_b(v: np.ndarray) -> np.ndarray:
    """Standard normal ↦ 0.5 N(−1, 1) + 0.5 N(3, 1) by Φ and the mixture's inverse CDF."""
    return mixture_quantile(special.ndtr(v), (0.5, 0.5), (-1.0, 3.0))


def _mapped(base: Task, task_id: str, family: str, map_a: _Map | None, map_b: _Map | None, note: str) -> Task:
    """``base`` with injective maps applied to each side (None: identity): same truth."""
    inner = base.sampler
    identity: _Map = lambda v: v
    fa, fb = map_a or identity, map_b or identity
    dim_a = fa(np.zeros((1, base.dim_a))).shape[1]

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a, b = inner(n, rng)
        return fa(a), fb(b)

    return replace(base, id=task_id, family=family, dim_a=dim_a, sampler=sample, note=note)


# ---------------------------------------------------------------- the base distributions
def normal_1v1() -> Task:
    """The benchmark's bivariate normal, ρ = 0.75."""
    base = gaussian(
        "bmi-1v1-normal", np.array([[1.0, _RHO], [_RHO, 1.0]]), 1, note="−½ log2(1 − ρ²), ρ = 0.75"
    )
    return replace(base, family="multinormal")


def dense(d: int) -> Task:
    """d × d multinormal, every off-diagonal correlation 0.5."""
    return replace(dense_gaussian(d, 0.5), id=f"bmi-{d}v{d}-dense", family="multinormal")


def sparse(d: int) -> Task:
    """d × d multinormal, (a_1, b_1) and (a_2, b_2) correlated by 0.8, every other pair independent."""
    return replace(sparse_gaussian(d, pairs=2, rho=0.8), id=f"bmi-{d}v{d}-sparse", family="multinormal")


def student(d: int, nu: float) -> Task:
    """d × d Student-t, identity dispersion, ν degrees of freedom."""
    return replace(student_t(nu, dim=d), id=f"bmi-{d}v{d}-student-nu{nu:g}", family="student")


def additive_uniform(epsilon: float) -> Task:
    """A ~ U(0, 1), B = A + N, N ~ U(−ε, ε)."""

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a = rng.uniform(0.0, 1.0, size=(n, 1))
        return a, a + rng.uniform(-epsilon, epsilon, size=(n, 1))

    return Task(
        id=f"bmi-1v1-additive-eps{epsilon:g}",
        family="additive-uniform",
        dim_a=1,
        dim_b=1,
        truth_bits=additive_uniform_mi_bits(epsilon),
        sampler=sample,
        note="ε − ln 2ε nats (ε ≤ ½), 1/(4ε) (ε ≥ ½)",
    )


def _sample_cdf(v: np.ndarray) -> np.ndarray:
    return special.ndtr(v)


def _spiral_a(v: np.ndarray) -> np.ndarray:
    return spiral(v, (0, 1))


def _spiral_b(v: np.ndarray) -> np.ndarray:
    return spiral(v, (1, 2))


def _cdf_then_spiral_a(v: np.ndarray) -> np.ndarray:
    return spiral(special.ndtr(v), (0, 1))


def _cdf_then_spiral_b(v: np.ndarray) -> np.ndarray:
    return spiral(special.ndtr(v), (1, 2))


def _swissroll_of_cdf(v: np.ndarray) -> np.ndarray:
    return swissroll(special.ndtr(v))


@lru_cache(maxsize=1)
def _bmi_tasks() -> tuple[Task, ...]:
    n1 = normal_1v1()
    tasks = [
        # one-dimensional
        n1,
        _mapped(
            n1, "bmi-1v1-normal-cdf", "normal-cdf", _sample_cdf, _sample_cdf, "Φ of both sides (uniform)"
        ),
        additive_uniform(0.1),
        additive_uniform(0.75),
        _mapped(
            n1,
            "bmi-1v1-bimodal",
            "bimodal",
            bimodal_a,
            bimodal_b,
            "mixture quantiles of Φ: bimodal marginals",
        ),
        _mapped(n1, "bmi-1v1-wiggly", "wiggly", wiggly_a, wiggly_b, "monotone wiggly maps"),
        _mapped(n1, "bmi-1v1-half-cube", "half-cube", half_cube, half_cube, "x·√|x| of both sides"),
        student(1, 1),
        _mapped(
            student(1, 1),
            "bmi-1v1-asinh-student-nu1",
            "asinh-student",
            np.arcsinh,
            np.arcsinh,
            "asinh of both sides",
        ),
        # embedding: 2-D from 1-D
        _mapped(
            n1, "bmi-2v1-swissroll", "swissroll", _swissroll_of_cdf, _sample_cdf, "Φ, then A rolled into 2-D"
        ),
    ]
    tasks += [dense(d) for d in (2, 3, 5, 25, 50)]
    tasks += [sparse(d) for d in (2, 3, 5, 25)]
    tasks += [student(d, nu) for d, nu in ((2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3))]
    for d in (3, 5, 25):
        tasks.append(
            _mapped(
                sparse(d),
                f"bmi-{d}v{d}-normal-cdf-sparse",
                "normal-cdf",
                _sample_cdf,
                _sample_cdf,
                "Φ of both sides",
            )
        )
    for d in (3, 5, 25):
        tasks.append(
            _mapped(
                sparse(d),
                f"bmi-{d}v{d}-half-cube-sparse",
                "half-cube",
                half_cube,
                half_cube,
                "x·√|x| of both sides",
            )
        )
    for d in (3, 5, 25):
        tasks.append(
            _mapped(
                sparse(d),
                f"bmi-{d}v{d}-spiral-sparse",
                "spiral",
                _spiral_a,
                _spiral_b,
                "spiral of both sides",
            )
        )
    for d in (3, 5, 25):
        tasks.append(
            _mapped(sparse(d), f"bmi-{d}v{d}-spiral-normal-cdf-sparse", "spiral", _cdf_then_spiral_a, _cdf_then_spiral_b, "Φ, then spiral, of both sides")
        )  # fmt: skip
    for d, nu in ((2, 1), (3, 2), (5, 2)):
        tasks.append(
            _mapped(
                student(d, nu),
                f"bmi-{d}v{d}-asinh-student-nu{nu}",
                "asinh-student",
                np.arcsinh,
                np.arcsinh,
                "asinh of both sides",
            )
        )
    return tuple(tasks)


def bmi_tasks() -> list[Task]:
    """The 40 tasks of the bmi suite, in a stable order (ids start with ``bmi-``)."""
    return list(_bmi_tasks())


#: The suite's task ids (stable: a test pins them).
BMI_TASK_IDS = (
    "bmi-1v1-normal", "bmi-1v1-normal-cdf", "bmi-1v1-additive-eps0.1", "bmi-1v1-additive-eps0.75",
    "bmi-1v1-bimodal", "bmi-1v1-wiggly", "bmi-1v1-half-cube", "bmi-1v1-student-nu1",
    "bmi-1v1-asinh-student-nu1", "bmi-2v1-swissroll",
    "bmi-2v2-dense", "bmi-3v3-dense", "bmi-5v5-dense", "bmi-25v25-dense", "bmi-50v50-dense",
    "bmi-2v2-sparse", "bmi-3v3-sparse", "bmi-5v5-sparse", "bmi-25v25-sparse",
    "bmi-2v2-student-nu1", "bmi-2v2-student-nu2", "bmi-3v3-student-nu2", "bmi-3v3-student-nu3",
    "bmi-5v5-student-nu2", "bmi-5v5-student-nu3",
    "bmi-3v3-normal-cdf-sparse", "bmi-5v5-normal-cdf-sparse", "bmi-25v25-normal-cdf-sparse",
    "bmi-3v3-half-cube-sparse", "bmi-5v5-half-cube-sparse", "bmi-25v25-half-cube-sparse",
    "bmi-3v3-spiral-sparse", "bmi-5v5-spiral-sparse", "bmi-25v25-spiral-sparse",
    "bmi-3v3-spiral-normal-cdf-sparse", "bmi-5v5-spiral-normal-cdf-sparse", "bmi-25v25-spiral-normal-cdf-sparse",
    "bmi-2v2-asinh-student-nu1", "bmi-3v3-asinh-student-nu2", "bmi-5v5-asinh-student-nu2",
)  # fmt: skip
