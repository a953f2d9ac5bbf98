"""Distributions whose mutual information is known exactly: the tasks of ``infoplane bench``.

A :class:`Task` is data: a stable id, the dimensions, a sampler and the true MI in bits (computed once,
when the task is built). Tasks compose: :func:`transformed` applies invertible maps to each side, which
leaves the MI unchanged but makes the marginals harder (as the bmi benchmark of Czyż et al. 2023 does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import special

from infoplane.infotheory import BITS_PER_NAT, entropy_bits

Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Task:
    """A joint distribution of (A, B) with known I(A;B).

    Attributes:
        id: stable identifier, e.g. ``"gauss-1v1-rho0.9"`` or ``"asinh(gauss-5v5-dense)"``.
        family: ``"gaussian"``, ``"transformed"``, ``"student-t"``, ``"discrete"`` or ``"echo"`` (the bmi
            suite's families: ``infoplane.groundtruth.bmi.BMI_FAMILIES``).
        dim_a, dim_b: dimensions of the two sides.
        truth_bits: the true I(A;B) in bits.
        sampler: ``(n, rng) → (a (n, dim_a), b (n, dim_b))``.
        discrete_a: A takes finitely many values (B is then a deterministic function of A for the
            discrete family: the task is I(X;T) of a layer, truth H(T)).
        note: where the truth comes from.
    """

    id: str
    family: str
    dim_a: int
    dim_b: int
    truth_bits: float
    sampler: Sampler = field(repr=False, compare=False)
    discrete_a: bool = False
    note: str = ""

    def sample(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` paired samples, the same for the same seed: arrays (n, dim_a) and (n, dim_b)."""
        if n < 2:
            raise ValueError(f"task {self.id}: need at least 2 samples, got {n}")
        a, b = self.sampler(n, np.random.default_rng(seed))
        return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def gaussian_mi_bits(covariance: np.ndarray, dim_a: int) -> float:
    """I(A;B) = ½ log(det Σ_AA · det Σ_BB / det Σ) in bits, for a joint Gaussian."""
    _, log_det = np.linalg.slogdet(covariance)
    _, log_det_a = np.linalg.slogdet(covariance[:dim_a, :dim_a])
    _, log_det_b = np.linalg.slogdet(covariance[dim_a:, dim_a:])
    return float(0.5 * (log_det_a + log_det_b - log_det) * BITS_PER_NAT)


def _gaussian_sampler(covariance: np.ndarray, dim_a: int) -> Sampler:
    root = np.linalg.cholesky(covariance)

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        joint = rng.standard_normal((n, covariance.shape[0])) @ root.T
        return joint[:, :dim_a], joint[:, dim_a:]

    return sample


def gaussian(task_id: str, covariance: np.ndarray, dim_a: int, note: str = "") -> Task:
    """A joint Gaussian task from its covariance."""
    covariance = np.asarray(covariance, dtype=np.float64)
    return Task(
        id=task_id,
        family="gaussian",
        dim_a=dim_a,
        dim_b=covariance.shape[0] - dim_a,
        truth_bits=gaussian_mi_bits(covariance, dim_a),
        sampler=_gaussian_sampler(covariance, dim_a),
        note=note or "−½ log det(I − Σ_AA⁻¹ Σ_AB Σ_BB⁻¹ Σ_BA)",
    )


def bivariate_gaussian(rho: float) -> Task:
    """Two unit Gaussians with correlation ρ: I = −½ log2(1 − ρ²)."""
    return gaussian(f"gauss-1v1-rho{rho:g}", np.array([[1.0, rho], [rho, 1.0]]), 1, note="−½ log2(1 − ρ²)")


def dense_gaussian(d: int, correlation: float = 0.5) -> Task:
    """d × d joint Gaussian with every off-diagonal correlation equal (bmi's dense multinormal)."""
    covariance = np.full((2 * d, 2 * d), correlation) + (1 - correlation) * np.eye(2 * d)
    return gaussian(f"gauss-{d}v{d}-dense", covariance, d)


def sparse_gaussian(d: int, pairs: int = 2, rho: float = 0.8) -> Task:
    """d × d joint Gaussian: ``pairs`` coordinate pairs (a_i, b_i) correlated by ρ, all else independent."""
    covariance = np.eye(2 * d)
    for i in range(min(pairs, d)):
        covariance[i, d + i] = covariance[d + i, i] = rho
    return gaussian(f"gauss-{d}v{d}-sparse{min(pairs, d)}", covariance, d)


# Invertible maps of one side (elementwise or by radius), each keeping I(A;B).
def _cube(v: np.ndarray) -> np.ndarray:
    return v**3


def _asinh(v: np.ndarray) -> np.ndarray:
    return np.arcsinh(v)


def _normal_cdf(v: np.ndarray) -> np.ndarray:
    return special.ndtr(v)  # uniform marginals


def _spiral(v: np.ndarray) -> np.ndarray:
    """Rotate the first two coordinates by an angle that grows with the radius (invertible)."""
    if v.shape[1] < 2:
        raise ValueError("the spiral needs at least 2 dimensions per side")
    radius = np.sqrt((v[:, :2] ** 2).sum(axis=1))
    angle = 1.5 * radius
    cos, sin = np.cos(angle), np.sin(angle)
    out = v.copy()
    out[:, 0] = cos * v[:, 0] - sin * v[:, 1]
    out[:, 1] = sin * v[:, 0] + cos * v[:, 1]
    return out


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cube": _cube,
    "asinh": _asinh,
    "normal_cdf": _normal_cdf,
    "spiral": _spiral,
}


def transformed(task: Task, name: str) -> Task:
    """``task`` with the invertible map ``name`` applied to both sides: same truth, other marginals."""
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r}; choose one of {sorted(TRANSFORMS)}")
    fn, inner = TRANSFORMS[name], task.sampler

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a, b = inner(n, rng)
        return fn(a), fn(b)

    return replace(task, id=f"{name}({task.id})", family="transformed", sampler=sample, note=f"{name} of both sides")


def _student_h(k: int, nu: float) -> float:
    """h(k) of Arellano-Valle et al. (2013), nats: −lnΓ((ν+k)/2) + lnΓ(ν/2) + ((ν+k)/2)[ψ((ν+k)/2) − ψ(ν/2)]."""
    half = (nu + k) / 2
    return float(-special.gammaln(half) + special.gammaln(nu / 2) + half * (special.digamma(half) - special.digamma(nu / 2)))


def student_t_mi_bits(dispersion: np.ndarray, dim_a: int, nu: float) -> float:
    """MI of a multivariate Student-t (Arellano-Valle, Contreras-Reyes & Genton 2013, Scand. J. Stat.),
    in bits: I_Gauss(dispersion) + h(d_a) + h(d_b) − h(d_a + d_b) (the (k/2)·ln(νπ) terms cancel)."""
    d = dispersion.shape[0]
    extra_nats = _student_h(dim_a, nu) + _student_h(d - dim_a, nu) - _student_h(d, nu)
    return gaussian_mi_bits(dispersion, dim_a) + extra_nats * BITS_PER_NAT


def student_t(nu: float, dim: int = 1, rho: float = 0.0) -> Task:
    """A dim × dim Student-t with ν degrees of freedom and pairwise dispersion correlation ρ (ρ=0: MI only
    from the shared scale)."""
    dispersion = np.eye(2 * dim)
    for i in range(dim):
        dispersion[i, dim + i] = dispersion[dim + i, i] = rho
    root = np.linalg.cholesky(dispersion)

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        normal = rng.standard_normal((n, 2 * dim)) @ root.T
        scale = np.sqrt(rng.chisquare(nu, size=(n, 1)) / nu)
        joint = normal / scale
        return joint[:, :dim], joint[:, dim:]

    suffix = f"-rho{rho:g}" if rho else ""
    return Task(
        id=f"student-{dim}v{dim}-nu{nu:g}{suffix}",
        family="student-t",
        dim_a=dim,
        dim_b=dim,
        truth_bits=student_t_mi_bits(dispersion, dim, nu),
        sampler=sample,
        note="Arellano-Valle et al. 2013: I_Gauss + h(d_a) + h(d_b) − h(d_a + d_b)",
    )


def bit_patterns(n_bits: int = 12) -> np.ndarray:
    """All 2**n_bits patterns of ``n_bits`` bits, row ``i`` the big-endian binary of ``i`` (uint8 0/1).

    For 12 bits, the inputs of the Shwartz-Ziv & Tishby task (the same array as
    ``infoplane.experiments.datasets.szt12_patterns``).
    """
    index = np.arange(2**n_bits)
    shifts = np.arange(n_bits - 1, -1, -1)
    return ((index[:, None] >> shifts[None, :]) & 1).astype(np.uint8)


def _random_layer(width: int, activation: str, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """A random 12 → width layer of tanh or ReLU units with std 1/sqrt(fan_in) weights."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(scale=1.0 / np.sqrt(12), size=(12, width)) * 3.0
    bias = rng.normal(scale=0.5, size=width)

    def layer(x: np.ndarray) -> np.ndarray:
        pre = (2 * x - 1) @ weights + bias
        return np.tanh(pre) if activation == "tanh" else np.maximum(pre, 0.0)

    return layer


def discrete_layer(activation: str, width: int, n_bins: int = 30, seed: int = 0) -> Task:
    """X uniform over the 4096 patterns of 12 bits; T = a random layer's units binned into ``n_bins``
    bins over their range. T is a function of X, so I(X;T) = H(T), computed exactly by enumeration."""
    patterns = bit_patterns(12).astype(np.float64)
    values = _random_layer(width, activation, seed)(patterns)
    lo, hi = values.min(), values.max()
    codes = np.clip(np.floor((values - lo) / (hi - lo) * n_bins), 0, n_bins - 1)
    _, counts = np.unique(codes, axis=0, return_counts=True)
    truth = entropy_bits(counts)

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        index = rng.integers(0, len(patterns), size=n)
        return patterns[index], codes[index]

    return Task(
        id=f"discrete-12bit-{activation}{width}-bins{n_bins}",
        family="discrete",
        dim_a=12,
        dim_b=width,
        truth_bits=truth,
        sampler=sample,
        discrete_a=True,
        note="H(T) by enumeration of the 4096 patterns",
    )


def echo_channel(activation: str, dim_x: int = 4, dim_z: int = 3, seed: int = 0) -> Task:
    """X ~ N(0, I); z = f(x) + s·ε_echo for a random 2-layer MLP f of tanh or ReLU units and a fixed
    scale s per unit. Whatever f is, I(X;Z) = −Σ_i log2 s_i exactly (Brekelmans et al. 2019): exact
    truth on network-like, non-Gaussian representations.

    The inputs are Gaussian, not the 12-bit patterns: with discrete f(X) and small s the echo series can
    be singular (no density), and then the exact rate does not apply.
    """
    import torch

    from infoplane.echo_noise import EchoNoise

    rng = np.random.default_rng(seed)
    w1 = rng.normal(scale=1 / np.sqrt(dim_x), size=(dim_x, 8))
    w2 = rng.normal(scale=1 / np.sqrt(8), size=(8, dim_z))
    scales = np.linspace(0.3, 0.7, dim_z)
    act = np.tanh if activation == "tanh" else (lambda v: np.maximum(v, 0.0))
    layer = EchoNoise()

    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, dim_x))
        f = act(act(x @ w1) @ w2)
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        f_t = torch.from_numpy(f)
        s_t = torch.from_numpy(np.broadcast_to(scales, f.shape).copy())
        z = f_t + s_t * layer.noise(f_t, s_t, generator=generator)
        return x, z.numpy()

    return Task(
        id=f"echo-{activation}-{dim_x}to{dim_z}",
        family="echo",
        dim_a=dim_x,
        dim_b=dim_z,
        truth_bits=float(-np.log2(scales).sum()),
        sampler=sample,
        note="−Σ log2 s_i (echo noise, exact for any f)",
    )


def default_tasks() -> list[Task]:
    """The bench's tasks: Gaussians, their transforms, Student-t, discrete layers and echo channels."""
    tasks = [bivariate_gaussian(rho) for rho in (0.3, 0.6, 0.9, 0.99)]
    for d in (2, 5, 10, 25):
        tasks += [dense_gaussian(d), sparse_gaussian(d)]
    tasks += [transformed(bivariate_gaussian(0.6), name) for name in TRANSFORMS if name != "spiral"]
    tasks += [transformed(sparse_gaussian(5), name) for name in TRANSFORMS]
    tasks += [student_t(nu) for nu in (1, 2, 5)] + [student_t(1, dim=2)]
    tasks += [discrete_layer(act, width, n_bins=10) for act in ("tanh", "relu") for width in (2, 4)]
    tasks += [echo_channel(act) for act in ("tanh", "relu")]
    return tasks
