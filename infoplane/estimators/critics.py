"""One critic-training core for the variational lower bounds on MI: DV (MINE), NWJ, InfoNCE, SMILE.

A *critic* ``T(a, b)`` scores pairs; a variational bound turns the scores of paired samples (the joint
P_AB) and of mismatched ones (the product of marginals P_A ⊗ P_B) into a lower bound on I(A;B) in nats.
Every bound here is a pure torch function of one score array

    scores[..., i, 0] = T(a_i, b_i)                  (the positive: a joint pair)
    scores[..., i, k] = T(a_i, b_{σ_k(i)}),  k ≥ 1   (negatives: b from other rows, σ_k(i) ≠ i)

of shape (..., n, 1 + K); leading dimensions are independent problems. With the full n × n matrix of a
batch, :func:`positives_first` rolls each row so that its diagonal entry comes first (K = n − 1).

Bounds (nats; all ≤ I(A;B) for every critic, up to the sampling noise of their estimates):

- DV, Donsker–Varadhan (Belghazi et al. 2018, MINE, Eq. 10): E_P[T] − log E_Q[e^T].
- NWJ, Nguyen, Wainwright & Jordan 2010 (the f-divergence bound, "MINE-f"): E_P[T] − E_Q[e^{T − 1}].
- InfoNCE (van den Oord et al. 2018; Poole et al. 2019, Eq. 12): with K negatives per row,
  E_i[T(a_i, b_i) − log((1/(K+1)) Σ_{k=0..K} e^{T(a_i, b_{σ_k(i)})})]. Every term is ≤ log(K + 1), so the
  bound **never exceeds log(K + 1)** = log(batch) with all in-batch negatives: low variance, high bias.
- SMILE (Song & Ermon 2020, Eq. 16): the DV bound with the partition term clipped,
  E_P[T] − log E_Q[clip(e^T, e^{−τ}, e^{τ})]; the critic is trained on the Jensen–Shannon bound
  (``js_bound``), as in their code, and only the value is the clipped DV.

Ceilings: InfoNCE's log(K + 1) is exact. For the others, McAllester & Stratos (2020) show that no
distribution-free high-confidence lower bound computed from N samples can exceed O(log N); we state it
as log2 of the held-out sample count that the reported value is computed on (constant 1). Estimates near
their ceiling say "at least this much", not "this much". DV, NWJ and SMILE *point estimates* can exceed it
(DV's partition term, a sample mean of e^T over a few negatives, misses the rare pairs that dominate it;
SMILE's positive term is unclipped): on (x, x) with 300 rows MINE gave 9.6 bits and SMILE 29.8 for a
ceiling of 6.5, and MINE 17.4 bits for a 12-bit input. Such a value is no evidence of more information, so
the reported ``mi_bits`` is ``min(max(raw, 0), ceiling)``; ``raw_bits`` keeps the uncapped number.

Critics (both batched over problems: one stacked network, weights of shape (L, in, out), trained by one
``bmm`` per layer — no Python loop over problems):

- ``separable``: T(a, b) = g(a)·h(b) with two MLPs to an ``embed``-dim space; the whole n × n score
  matrix of a batch costs 2n network passes and one matrix product (the fast default).
- ``concat``: T(a, b) = f([a, b]), one MLP on the concatenated pair (MINE's critic); each row gets
  ``negatives`` in-batch negatives in training and ``n_marginal`` random derangements when evaluated.

The trainer (:func:`train_critics`): a train/held-out split fixed by the seed; Adam on minibatches drawn
without replacement; Polyak (moving-average) weights are what is evaluated; every ``eval_every`` steps the
bound is evaluated on the held-out pairs; the best averaged network is kept, and a problem stops after
``patience`` evaluations without an improvement of ``min_improvement`` standard errors (the one
early-stopping rule), or, for InfoNCE, as soon as the watched bound is within ``CEILING_STOP_NATS`` of its
ceiling log(1 + negatives) (nothing left to gain). Problems of one call share the sample count and the minibatch rows; a problem that
stops leaves the stack, so the rest run on. Warm starts: a problem may start from a previous fit's
weights (:class:`CriticState`), which is the first early-stopping candidate (step 0).

Inputs are preprocessed per coordinate before the critic: ``"copula"`` maps each coordinate to normal
scores by rank (:func:`infoplane.estimators.preprocess.copula_normal_scores`; MI is unchanged by monotone
maps of each coordinate, and heavy tails no longer swamp the critic's inputs), ``None`` z-scores. Class labels become one-hot
columns (never rank-mapped).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from infoplane.estimators.base import Check, Estimator, Interval, Options
from infoplane.estimators.preprocess import copula_normal_scores
from infoplane.infotheory import BITS_PER_NAT, standardise
from infoplane.samples import as_class_labels, as_samples, is_discrete_labels

BOUNDS = ("dv", "nwj", "infonce", "smile")
#: An InfoNCE critic whose watched bound comes this close to that bound's ceiling (nats) stops training.
CEILING_STOP_NATS = 0.02
#: Ensemble member m's initial weights are drawn with seed + MEMBER_SEED_STRIDE · m (a prime far from small seeds).
MEMBER_SEED_STRIDE = 7919
#: Critics' scores are kept within ±SCORE_BOUND nats: training pays SCORE_PENALTY · mean((|T| − SCORE_BOUND)₊²)
#: and evaluation clamps to the bound (see :func:`_scores`).
SCORE_BOUND = 1e4
SCORE_PENALTY = 1.0
CRITICS = ("separable", "concat")
PREPROCESS = ("copula", None)

__all__ = [
    "BOUNDS", "CRITICS", "PREPROCESS", "CriticEstimator", "CriticFit", "CriticSettings", "CriticState", "bound_with_stderr",
    "copula_normal_scores", "dv_bound", "infonce_bound", "js_bound", "nwj_bound", "one_hot", "positives_first",
    "prepare_pair", "smile_bound", "train_critics",
]  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Bounds: pure functions of a score array (..., n, 1 + K), column 0 the positive pair; nats.
# --------------------------------------------------------------------------------------------------


def positives_first(matrix: torch.Tensor) -> torch.Tensor:
    """(..., n, n) scores T(a_i, b_j) → (..., n, n) rows [T(a_i, b_i), T(a_i, b_{i+1}), …, T(a_i, b_{i−1})].

    Column 0 is then the diagonal (the joint pair) and columns 1 … n−1 are the n − 1 negatives of row i.
    """
    return torch.gather(matrix, -1, _roll_index(matrix.shape[-1], matrix.device).expand(matrix.shape))


#: Exponents below this (after subtracting the largest term) are raised to it before ``exp``: e^−80 ≈ 1.8e-35,
#: so a sum whose largest term is 1 changes by under n·1.8e-35 relative, while the CPU's vectorised ``exp``
#: avoids its slow underflow path (10–20× slower on critics whose scores spread by hundreds, as trained
#: critics' do) and the backward pass meets no denormal numbers.
EXP_FLOOR = -80.0


def _logsumexp(x: torch.Tensor, dim: int) -> torch.Tensor:
    """``torch.logsumexp(x, dim)`` with terms below e^EXP_FLOOR of the largest one raised to it (see above)."""
    shift = x.detach().amax(dim, keepdim=True)
    shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
    return (x - shift).clamp_min(EXP_FLOOR).exp().sum(dim).log() + shift.squeeze(dim)


def _exp(x: torch.Tensor) -> torch.Tensor:
    """``exp(x)`` with x raised to ``EXP_FLOOR`` first (see above)."""
    return x.clamp_min(EXP_FLOOR).exp()


@functools.lru_cache(maxsize=8)
def _roll_index(n: int, device: torch.device) -> torch.Tensor:
    return (torch.arange(n, device=device)[:, None] + torch.arange(n, device=device)) % n


def _negatives_log_mean_exp(scores: torch.Tensor) -> torch.Tensor:
    negatives = scores[..., 1:]
    return _logsumexp(negatives.flatten(-2), -1) - math.log(negatives.shape[-1] * negatives.shape[-2])


def dv_bound(scores: torch.Tensor) -> torch.Tensor:
    """Donsker–Varadhan bound E_P[T] − log E_Q[e^T] (nats; Belghazi et al. 2018, Eq. 10).

    E_P over column 0, E_Q over all negatives (columns 1 …) of all rows.

    Args:
        scores: (..., n, 1 + K) critic scores, column 0 the positive pair of each row.

    Returns:
        (...) the bound per problem.
    """
    return scores[..., 0].mean(-1) - _negatives_log_mean_exp(scores)


def nwj_bound(scores: torch.Tensor) -> torch.Tensor:
    """Nguyen–Wainwright–Jordan bound E_P[T] − E_Q[e^{T − 1}] (nats; NWJ 2010, Poole et al. 2019 Eq. 6).

    Args:
        scores: (..., n, 1 + K) critic scores, column 0 the positive pair of each row.
    """
    return scores[..., 0].mean(-1) - _exp(scores[..., 1:] - 1.0).mean((-2, -1))


def infonce_bound(scores: torch.Tensor) -> torch.Tensor:
    """InfoNCE bound E_i[T_i0 − log((1/(1+K)) Σ_k e^{T_ik})] (nats; van den Oord et al. 2018).

    Each row's term is ≤ log(1 + K), so the bound never exceeds log(1 + K) (log of the batch size with
    all in-batch negatives).

    Args:
        scores: (..., n, 1 + K) critic scores, column 0 the positive pair of each row.
    """
    return (scores[..., 0] - _logsumexp(scores, -1)).mean(-1) + math.log(scores.shape[-1])


def js_bound(scores: torch.Tensor) -> torch.Tensor:
    """The f-GAN Jensen–Shannon objective E_P[−softplus(−T)] − E_Q[softplus(T)] (Poole et al. 2019 §2.3).

    Not a bound on MI itself: SMILE trains its critic on it (its optimum is T* = log p(a,b)/p(a)p(b)).

    Args:
        scores: (..., n, 1 + K) critic scores, column 0 the positive pair of each row.
    """
    return -torch.nn.functional.softplus(-scores[..., 0]).mean(-1) - torch.nn.functional.softplus(
        scores[..., 1:]
    ).mean((-2, -1))


def smile_bound(scores: torch.Tensor, clip: float) -> torch.Tensor:
    """SMILE: E_P[T] − log E_Q[clip(e^T, e^{−τ}, e^{τ})] (nats; Song & Ermon 2020, Eq. 16), τ = ``clip``.

    Clipping the partition term bounds its variance (≤ (e^τ − e^{−τ})²/4 per sample); the price is a bias
    that vanishes as τ grows.

    Args:
        scores: (..., n, 1 + K) critic scores, column 0 the positive pair of each row.
        clip: τ > 0.
    """
    clipped = torch.cat([scores[..., :1], scores[..., 1:].clamp(-clip, clip)], -1)
    return dv_bound(clipped)


def bound(name: str, scores: torch.Tensor, clip: float = 5.0, *, matrix: bool = False) -> torch.Tensor:
    """The bound ``name`` (one of ``BOUNDS``; ``"js"`` too) of ``scores``, in nats.

    Args:
        name: the bound.
        scores: (..., n, 1 + K) rows with the positive first; or, with ``matrix``, the full (..., n, n)
            matrix T(a_i, b_j) with the positives on the diagonal — the same value as
            ``bound(name, positives_first(scores))`` without building the rolled copy.
        clip: SMILE's τ.
        matrix: see ``scores``.
    """
    if not matrix:
        if name == "dv":
            return dv_bound(scores)
        if name == "nwj":
            return nwj_bound(scores)
        if name == "infonce":
            return infonce_bound(scores)
        if name == "smile":
            return smile_bound(scores, clip)
        if name == "js":
            return js_bound(scores)
        raise ValueError(f"critics: bound {name!r} is not one of {BOUNDS}")
    n = scores.shape[-1]
    diagonal = torch.diagonal(scores, dim1=-2, dim2=-1)
    if name == "infonce":
        return (diagonal - _logsumexp(scores, -1)).mean(-1) + math.log(n)
    if name == "js":
        off = torch.nn.functional.softplus(scores).sum((-2, -1)) - torch.nn.functional.softplus(diagonal).sum(-1)
        return -torch.nn.functional.softplus(-diagonal).mean(-1) - off / (n * (n - 1))
    if name == "smile":
        scores = scores.clamp(-clip, clip)
    elif name not in ("dv", "nwj"):
        raise ValueError(f"critics: bound {name!r} is not one of {BOUNDS}")
    off = scores + _off_diagonal_mask(n, scores.device, scores.dtype)  # −inf on the diagonal
    if name == "nwj":
        return diagonal.mean(-1) - _exp(off - 1.0).sum((-2, -1)) / (n * (n - 1))
    return diagonal.mean(-1) - (_logsumexp(off.flatten(-2), -1) - math.log(n * (n - 1)))


@functools.lru_cache(maxsize=8)
def _off_diagonal_mask(n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(n, n, device=device, dtype=dtype).fill_diagonal_(-math.inf)


def bound_with_stderr(
    name: str, scores: torch.Tensor, clip: float = 5.0, *, matrix: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """The bound and its standard error per problem, both in nats, without gradients.

    Standard errors treat the n rows as independent samples: InfoNCE and NWJ average one term per row,
    SE = sd(term)/√n; DV and SMILE by the delta method, SE² = Var(T_i0)/n + Var(w_i)/(n·mean(w)²) with
    w_i the mean of e^T over row i's negatives (clipped for SMILE). Rows share samples through their
    negatives, so this is approximate (slightly optimistic).

    Args:
        name: one of ``BOUNDS``.
        scores: (..., n, 1 + K) rows with the positive first, or with ``matrix`` the full (..., n, n)
            score matrix (positives on the diagonal).
        clip: SMILE's τ.
        matrix: see ``scores``.

    Returns:
        (value, stderr), each of shape (...), float64.
    """
    if name not in BOUNDS:
        raise ValueError(f"critics: bound {name!r} is not one of {BOUNDS}")
    with torch.no_grad():
        n = scores.shape[-2]
        if matrix:
            positive = torch.diagonal(scores, dim1=-2, dim2=-1)
            negatives = scores + _off_diagonal_mask(n, scores.device, scores.dtype)
            n_negatives = n - 1
        else:
            positive, negatives, n_negatives = scores[..., 0], scores[..., 1:], scores.shape[-1] - 1
        if name == "infonce":
            terms = positive.double() - _logsumexp(scores, -1).double() + math.log(n_negatives + 1)
            return terms.mean(-1), terms.std(-1) / math.sqrt(n)
        if name == "nwj":
            terms = positive.double() - (_exp(negatives - 1.0).sum(-1) / n_negatives).double()
            return terms.mean(-1), terms.std(-1) / math.sqrt(n)
        if name == "smile":
            negatives = negatives.clamp(-clip, clip)  # −inf (the masked diagonal) becomes −τ: mask again
            if matrix:
                negatives = negatives + _off_diagonal_mask(n, scores.device, scores.dtype)
        shift = negatives.amax((-2, -1), keepdim=True)
        weights = (_exp(negatives - shift).sum(-1) / n_negatives).double()  # (..., n)
        mean_weight = weights.mean(-1)
        positive = positive.double()
        value = positive.mean(-1) - (shift[..., 0, 0].double() + torch.log(mean_weight))
        variance = positive.var(-1) / n + weights.var(-1) / (n * mean_weight**2)
        return value, variance.sqrt()


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(N,) integer labels → (N, n_classes) float one-hot, classes numbered densely in sorted order."""
    _, dense = np.unique(labels, return_inverse=True)
    dense = dense.reshape(-1)
    out = np.zeros((len(dense), int(dense.max()) + 1))
    out[np.arange(len(dense)), dense] = 1.0
    return out


def prepare_side(values: Any, name: str, preprocess: str, n: int | None = None) -> np.ndarray:
    """One side as a float (N, d) array for a critic: labels one-hot and z-scored, samples preprocessed.

    Args:
        values: (N, …) samples (trailing dimensions flattened) or (N,) integer labels.
        name: the argument's name, for messages.
        preprocess: ``"copula"`` or None (z-scores; see the module docstring).
        n: the row count it must have, or None.

    Raises:
        ValueError: NaN/inf, fewer than 2 samples, a row count other than ``n``, non-integer labels.
    """
    if is_discrete_labels(values):
        return standardise(one_hot(as_class_labels(values, len(values) if n is None else n, name)))
    arr = as_samples(values, name)
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} must pair samples with the other side: {len(arr)} rows against {n}")
    if preprocess == "copula":
        return copula_normal_scores(arr)
    return standardise(arr)


def prepare_pair(a: Any, b: Any, preprocess: str, names: tuple[str, str] = ("a", "b")) -> tuple[np.ndarray, np.ndarray]:
    """Both sides of a pair as float arrays (N, d) for a critic (see ``prepare_side``)."""
    a_arr = prepare_side(a, names[0], preprocess)
    return a_arr, prepare_side(b, names[1], preprocess, n=len(a_arr))


# --------------------------------------------------------------------------------------------------
# Settings, results, state
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriticSettings:
    """Settings of one critic fit (see :class:`infoplane.estimators.infonce.InfoNCE` for their meaning).

    ``negatives`` (training negatives per row of a concatenated critic) and ``ema`` (MINE's moving
    average of the DV denominator, used when ``bound`` is ``"dv"``) concern training only.
    ``ensemble``: critics trained per problem from different initial weights (same split and batches);
    the bound is computed from their mean score (see :func:`train_critics`).
    """

    bound: str = "infonce"
    critic: str = "separable"
    hidden: int = 64
    n_layers: int = 4
    embed: int = 32
    steps: int = 3000
    batch_size: int = 256
    lr: float = 5e-3
    holdout: float = 0.3
    eval_every: int = 25
    patience: int = 4
    min_improvement: float = 0.25
    weight_average: float = 0.9
    negatives: int = 16
    n_marginal: int = 32
    eval_size: int = 512
    clip: float = 5.0
    ema: float = 0.01
    ensemble: int = 3
    seed: int = 0
    device: str | None = None

    def check(self) -> None:
        """Raise ``ValueError`` naming the first out-of-range setting."""
        if self.bound not in BOUNDS:
            raise ValueError(f"critics: bound={self.bound!r} must be one of {BOUNDS}")
        if self.critic not in CRITICS:
            raise ValueError(f"critics: critic={self.critic!r} must be one of {CRITICS}")
        for key in ("hidden", "n_layers", "embed", "steps", "batch_size", "eval_every", "patience", "negatives", "n_marginal", "eval_size", "ensemble"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"critics: {key}={value!r} must be a positive integer")
        for key, lo, hi in (("holdout", 0, 1), ("weight_average", -1e-300, 1), ("ema", 0, 1 + 1e-12)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo < value < hi:
                raise ValueError(f"critics: {key}={value!r} must lie in the interval ({max(lo, 0)}, {min(hi, 1)})")
        for key in ("lr", "clip"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
                raise ValueError(f"critics: {key}={value!r} must be a positive number")
        if not (isinstance(self.min_improvement, (int, float)) and 0 <= self.min_improvement < math.inf):
            raise ValueError(f"critics: min_improvement={self.min_improvement!r} must be a finite number ≥ 0")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"critics: seed={self.seed!r} must be a non-negative integer")

    def held_out(self, n: int) -> int:
        """Held-out rows of ``n`` samples (the reported bound is computed on them)."""
        return round(self.holdout * n)

    def ceiling_bits(self, n: int) -> float:
        """The most this bound can report on ``n`` samples, in bits (see the module docstring).

        InfoNCE: log2(1 + negatives of a held-out row) — exact; the separable critic takes every other
        held-out row as a negative, the concatenated one ``n_marginal``. DV, NWJ, SMILE: log2 of the
        held-out count, McAllester & Stratos's O(log N) with constant 1.
        """
        n_held = self.held_out(n)
        if n_held < 2:
            return math.nan
        if self.bound == "infonce" and self.critic == "concat":
            return math.log2(1 + min(self.n_marginal, n_held - 1))
        return math.log2(n_held)


@dataclass(frozen=True)
class CriticState:
    """A fitted critic of one problem, to warm-start the next fit of a problem of the same shape.

    Attributes:
        signature: (critic, d_a, d_b, hidden, n_layers, embed, ensemble); a warm start needs the same.
        weights: the network's tensors at the problem's own widths (unpadded), on the CPU; with an
            ensemble, the members' tensors one member after the other.
    """

    signature: tuple[Any, ...]
    weights: tuple[torch.Tensor, ...] = field(repr=False)


@dataclass(frozen=True)
class CriticFit:
    """The outcome of one problem's fit.

    Attributes:
        mi_bits: the reported estimate, ``raw_bits`` within [0, ``ceiling_bits``], in bits (above the
            ceiling a lower bound's value is no evidence of more information: see the module docstring).
        raw_bits: the held-out bound of the best network, in bits (may be < 0, or above the ceiling).
        stderr_bits: its standard error, in bits (see :func:`bound_with_stderr`).
        ceiling_bits: the most this bound can report here, in bits (:meth:`CriticSettings.ceiling_bits`).
        steps: optimiser steps this problem took (the most of its ensemble members).
        best_step: the step whose network was kept (0: the initial network, e.g. a warm start; the latest
            of its ensemble members).
        warm: True when the network started from a previous fit's weights.
        seconds: wall time of the whole call (shared by the problems fitted together).
        state: the best network, for warm starts.
    """

    mi_bits: float
    raw_bits: float
    stderr_bits: float
    ceiling_bits: float
    steps: int
    best_step: int
    warm: bool
    seconds: float
    state: CriticState = field(repr=False, compare=False)


# --------------------------------------------------------------------------------------------------
# Stacked networks: weights (L, in, out), one bmm per layer for all problems
# --------------------------------------------------------------------------------------------------


def _widths(settings: CriticSettings, d_a: int, d_b: int) -> list[list[int]]:
    """Layer widths of each network of the critic: [g, h] (separable) or [f] (concat)."""
    hidden = [settings.hidden] * settings.n_layers
    if settings.critic == "separable":
        return [[d_a, *hidden, settings.embed], [d_b, *hidden, settings.embed]]
    return [[d_a + d_b, *hidden, 1]]


def _init_weights(settings: CriticSettings, d_a: int, d_b: int, member: int = 0) -> tuple[torch.Tensor, ...]:
    """A problem's fresh weights at its own widths: (W, b) per linear layer, per network, in order.

    PyTorch's default uniform ±1/√fan_in, drawn from a generator seeded by ``settings.seed`` (the same
    seed gives the same network whether the problem is fitted alone or with others); ensemble member
    ``m`` > 0 by ``settings.seed + MEMBER_SEED_STRIDE · m``.
    """
    generator = torch.Generator().manual_seed(int(settings.seed) + MEMBER_SEED_STRIDE * int(member))
    tensors = []
    for widths in _widths(settings, d_a, d_b):
        for fan_in, fan_out in itertools.pairwise(widths):
            limit = 1.0 / math.sqrt(max(fan_in, 1))
            tensors.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * limit)
            tensors.append((torch.rand(1, fan_out, generator=generator) * 2 - 1) * limit)
    return tuple(tensors)


def _pad_rows(settings: CriticSettings, tensors: Sequence[torch.Tensor], d_a: int, d_b: int, pad_a: int, pad_b: int) -> list[torch.Tensor]:
    """A problem's weights with the first layers' input rows padded (zero rows) to the stack's widths."""
    out = list(tensors)
    n_linear = settings.n_layers + 1
    if settings.critic == "separable":
        for first, d, pad in ((0, d_a, pad_a), (2 * n_linear, d_b, pad_b)):
            w = out[first]
            out[first] = torch.cat([w, w.new_zeros(pad - d, w.shape[1])])
    else:
        w = out[0]
        zeros = w.new_zeros
        out[0] = torch.cat([w[:d_a], zeros(pad_a - d_a, w.shape[1]), w[d_a:], zeros(pad_b - d_b, w.shape[1])])
    return out


def _unpad_rows(settings: CriticSettings, tensors: Sequence[torch.Tensor], d_a: int, d_b: int, pad_a: int) -> tuple[torch.Tensor, ...]:
    out = [t.detach().cpu().clone() for t in tensors]
    n_linear = settings.n_layers + 1
    if settings.critic == "separable":
        out[0], out[2 * n_linear] = out[0][:d_a], out[2 * n_linear][:d_b]
    else:
        out[0] = torch.cat([out[0][:d_a], out[0][pad_a : pad_a + d_b]])
    return tuple(out)


def _mlp(x: torch.Tensor, tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """(L, n, in) through stacked linear layers (W: (L, in, out), b: (L, 1, out)) with ELU between."""
    n_linear = len(tensors) // 2
    for i in range(n_linear):
        x = torch.baddbmm(tensors[2 * i + 1], x, tensors[2 * i])
        if i < n_linear - 1:
            x = torch.nn.functional.elu(x)
    return x


def _scores(
    settings: CriticSettings,
    tensors: Sequence[torch.Tensor],
    a: torch.Tensor,
    b: torch.Tensor,
    negatives: torch.Tensor | None,
    clamp: bool = True,
) -> torch.Tensor:
    """Scores of the stacked critics: (L, n, n) full matrix (separable), or (L, n, 1 + K) rows (concat).

    ``negatives`` (K, n): row indices into b of each row's negatives (concat); None: every other row.
    The separable critic always gives the full matrix of the rows given (positives on the diagonal).

    With ``clamp`` (evaluation), scores are clamped to ±SCORE_BOUND; a clamped critic is still a critic,
    so every bound stays a bound. Why: a critic of a pair that one side determines (a trained network's
    output and its labels) is pushed to ever larger scales — the bound's supremum lies at infinity — and,
    warm-started along a trajectory, reached scores of 1e9; there float32 absorbs log(count of tied rows)
    into the largest score (its spacing is 64 at 1e9), log-sum-exp loses it, and InfoNCE reported I(T;Y)
    of 8 bits for 1-bit labels. Within ±1e4 the spacing is 1e-3, so a row's term is off by at most 5e-4
    nats. Training uses the raw scores and pays :data:`SCORE_PENALTY` for the part beyond the bound: that
    stops the growth and leaves every critic below it alone. (Tried and dropped: a tanh squash, whose
    vanishing gradient froze critics, and a bound of 50, which cost cold fits of high I(X;T) half a bit:
    trained critics do use scores in the thousands.)
    """
    if settings.critic == "separable":
        half = len(tensors) // 2
        g, h = _mlp(a, tensors[:half]), _mlp(b, tensors[half:])
        raw = torch.bmm(g, h.transpose(1, 2))  # the full matrix (positives on the diagonal)
    else:
        n = a.shape[1]
        if negatives is None:
            negatives = (torch.arange(n)[None, :] + torch.arange(1, n)[:, None]) % n
        index = torch.cat([torch.arange(n)[None, :], negatives])  # (1 + K, n)
        k1 = index.shape[0]
        pairs = torch.cat([a.repeat(1, k1, 1), b[:, index.reshape(-1)]], -1)  # (L, (1+K)·n, d_a + d_b)
        raw = _mlp(pairs, tensors).reshape(a.shape[0], k1, n).transpose(1, 2)
    return raw.clamp(-SCORE_BOUND, SCORE_BOUND) if clamp else raw


def _derangements(n: int, copies: int, rng: np.random.Generator) -> torch.Tensor:
    """(copies, n) row indices: each a random cyclic derangement (no row paired with itself)."""
    out = np.empty((copies, n), dtype=np.int64)
    for k in range(copies):
        order = rng.permutation(n)
        out[k, order] = np.roll(order, -1)
    return torch.as_tensor(out)


# --------------------------------------------------------------------------------------------------
# The trainer
# --------------------------------------------------------------------------------------------------


def _split(n: int, settings: CriticSettings, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_held = settings.held_out(n)
    if n_held < 2 or n - n_held < 2:
        raise ValueError(
            f"critics: {n} samples leave {n - n_held} for training and {n_held} held out; both need at least 2 "
            f"(use more samples or another holdout fraction)"
        )
    order = rng.permutation(n)
    return order[n_held:], order[:n_held]


def _stack(arrays: Sequence[np.ndarray], width: int, device: torch.device) -> torch.Tensor:
    out = np.zeros((len(arrays), len(arrays[0]), width), dtype=np.float32)
    for i, arr in enumerate(arrays):
        out[i, :, : arr.shape[1]] = arr
    return torch.as_tensor(out, device=device)


def train_critics(
    problems: Sequence[tuple[np.ndarray, np.ndarray]],
    settings: CriticSettings,
    init: Sequence[CriticState | None] | None = None,
) -> list[CriticFit]:
    """Fit one critic per problem, all problems in one stacked network, and return their held-out bounds.

    With ``settings.ensemble`` = E > 1, each problem gets E critics from different initial weights, trained
    side by side in the stack (same split, same minibatches, each with its own early stopping); the
    reported bound is computed from the **mean of their scores**, T̄ = (1/E) Σ_e T_e. T̄ is itself a critic,
    so the result is still a lower bound; and DV, NWJ and InfoNCE are concave in the scores (a linear term
    minus a convex log-sum-exp or sum of exponentials), so the mean critic's bound is at least the mean of
    its members' bounds: averaging removes part of each critic's fitting noise and lifts the held-out bound.

    Args:
        problems: (a, b) pairs of float arrays (N, d_a), (N, d_b), already preprocessed
            (:func:`prepare_pair`); every problem has the same N (they share split and minibatch rows).
        settings: training settings (shared by all problems).
        init: per problem, a :class:`CriticState` to warm-start from, or None (cold). A state whose
            signature does not match the problem is ignored (a cold start).

    Returns:
        One :class:`CriticFit` per problem, in order. A problem fitted alone gives the same result as in
        a stack with others (same seed), up to float rounding.

    Raises:
        ValueError: no problems, unequal sample counts, too few samples for the split, bad settings.
    """
    start = time.perf_counter()
    settings.check()
    if not problems:
        raise ValueError("critics: no problems to fit")
    n = len(problems[0][0])
    if any(len(a) != n or len(b) != n for a, b in problems):
        raise ValueError("critics: every problem fitted together needs the same number of samples")
    device = torch.device(settings.device or "cpu")
    rng = np.random.default_rng(settings.seed)
    generator = torch.Generator().manual_seed(int(settings.seed))
    train, held = _split(n, settings, rng)
    n_train, batch = len(train), min(settings.batch_size, len(train))
    concat = settings.critic == "concat"
    n_neg = min(settings.negatives, batch - 1)
    n_watch = min(max(settings.eval_size, 2), len(held))
    # InfoNCE's watched bound cannot exceed log(1 + its negatives): a critic within CEILING_STOP_NATS of that
    # can gain nothing the watch could see, so it stops (the others have no exact ceiling: +inf).
    watch_ceiling = math.inf
    if settings.bound == "infonce":
        watch_ceiling = math.log(1 + (min(settings.n_marginal, n_watch - 1) if concat else n_watch - 1))
    eval_negatives = _derangements(n_watch, min(settings.n_marginal, n_watch - 1), rng) if concat else None
    final_negatives = _derangements(len(held), min(settings.n_marginal, len(held) - 1), rng) if concat else None

    # The stack's rows are the critics: problem i's ensemble members are rows i·E … i·E + E − 1.
    n_members = settings.ensemble
    dims = [(a.shape[1], b.shape[1]) for a, b in problems]
    pad_a, pad_b = max(d for d, _ in dims), max(d for _, d in dims)
    a_problems = _stack([a for a, _ in problems], pad_a, device)
    b_problems = _stack([b for _, b in problems], pad_b, device)
    a_all = a_problems.repeat_interleave(n_members, 0) if n_members > 1 else a_problems
    b_all = b_problems.repeat_interleave(n_members, 0) if n_members > 1 else b_problems
    train_t, held_t = torch.as_tensor(train), torch.as_tensor(held)
    # Early stopping looks at the first eval_size held-out rows (a random subset: the split is random);
    # the reported bound uses them all.
    watch_t = held_t[:n_watch]
    a_held, b_held = a_all[:, watch_t], b_all[:, watch_t]

    signatures = [
        (settings.critic, da, db, settings.hidden, settings.n_layers, settings.embed, n_members) for da, db in dims
    ]
    n_tensors = 4 * (settings.n_layers + 1) if settings.critic == "separable" else 2 * (settings.n_layers + 1)
    starts, warm = [], []
    for i, (da, db) in enumerate(dims):
        state = None if init is None else init[i]
        use = state is not None and state.signature == signatures[i]
        warm.append(use)
        for member in range(n_members):
            if use:
                tensors = state.weights[member * n_tensors : (member + 1) * n_tensors]  # type: ignore[union-attr]
            else:
                tensors = _init_weights(settings, da, db, member)
            starts.append(_pad_rows(settings, tensors, da, db, pad_a, pad_b))
    params = [torch.stack([s[j] for s in starts]).to(device).requires_grad_(True) for j in range(len(starts[0]))]
    averaged = [p.detach().clone() for p in params]
    first_moment = [torch.zeros_like(p) for p in params]
    second_moment = [torch.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def evaluate(tensors: Sequence[torch.Tensor], a: torch.Tensor, b: torch.Tensor, negatives: torch.Tensor | None) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            scores = _scores(settings, tensors, a, b, negatives)
            value, stderr = bound_with_stderr(settings.bound, scores, settings.clip, matrix=not concat)
        return value.cpu().numpy(), stderr.cpu().numpy()

    n_critics = len(starts)
    active = np.arange(n_critics)  # critic index of each row of the stack
    best_value, _ = evaluate(averaged, a_held, b_held, eval_negatives)
    reference = best_value.copy()
    best_step = np.zeros(n_critics, dtype=np.int64)
    best_state: list[list[torch.Tensor]] = [[t[i].clone() for t in averaged] for i in range(n_critics)]
    stale = np.zeros(n_critics, dtype=np.int64)
    steps_taken = np.zeros(n_critics, dtype=np.int64)
    log_ma: torch.Tensor | None = None
    log_keep, log_rate = math.log1p(-min(settings.ema, 1 - 1e-12)), math.log(settings.ema)
    step = 0
    while len(active) and step < settings.steps:
        step += 1
        rows = train_t[torch.randperm(n_train, generator=generator)[:batch]]
        a_batch, b_batch = a_all[:, rows], b_all[:, rows]
        negatives = None
        if concat:
            negatives = (torch.arange(batch)[None, :] + torch.arange(1, n_neg + 1)[:, None]) % batch
        scores = _scores(settings, params, a_batch, b_batch, negatives, clamp=False)
        # The penalty's graph only when some score is beyond the bound (rare; it costs ~15 % of a step otherwise).
        beyond = bool(scores.detach().abs().amax() > SCORE_BOUND)
        excess = (scores.abs() - SCORE_BOUND).clamp_min(0.0).square().mean((-2, -1)) if beyond else 0.0
        if settings.bound == "dv":
            # MINE §3.2: the denominator's gradient bias corrected with a moving average (in log space).
            if not concat:
                scores = positives_first(scores)
            lme = _negatives_log_mean_exp(scores)
            current = lme.detach()
            log_ma = current if log_ma is None else torch.logaddexp(log_keep + log_ma, log_rate + current)
            objective = scores[..., 0].mean(-1) - torch.exp(lme - log_ma)
        elif settings.bound == "smile":
            objective = bound("js", scores, matrix=not concat)  # SMILE trains on JS; its value is the clipped DV
        else:
            objective = bound(settings.bound, scores, settings.clip, matrix=not concat)
        grads = torch.autograd.grad(-(objective - SCORE_PENALTY * excess).sum(), params)
        with torch.no_grad():
            correction1, correction2 = 1 - beta1**step, 1 - beta2**step
            for p, g, m, v, avg in zip(params, grads, first_moment, second_moment, averaged):
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                p.sub_(settings.lr * (m / correction1) / ((v / correction2).sqrt() + eps))
                avg.lerp_(p, 1.0 - settings.weight_average)
        steps_taken[active] = step
        if step % settings.eval_every:
            continue
        values, errors = evaluate(averaged, a_held, b_held, eval_negatives)
        keep = np.ones(len(active), dtype=bool)
        for row, critic in enumerate(active):
            if values[row] > best_value[critic]:
                best_value[critic], best_step[critic] = values[row], step
                best_state[critic] = [t[row].clone() for t in averaged]
            # Patience restarts only on an improvement that stands out of the evaluation's noise.
            if values[row] > reference[critic] + settings.min_improvement * errors[row]:
                reference[critic], stale[critic] = values[row], 0
            else:
                stale[critic] += 1
            keep[row] = stale[critic] < settings.patience and values[row] < watch_ceiling - CEILING_STOP_NATS
        if not keep.all():  # stopped critics leave the stack; the rest run on
            rows_kept = torch.as_tensor(np.flatnonzero(keep), device=device)
            active = active[keep]
            params = [p.detach()[rows_kept].requires_grad_(True) for p in params]
            averaged, first_moment, second_moment = (
                [t[rows_kept] for t in group] for group in (averaged, first_moment, second_moment)
            )
            a_all, b_all, a_held, b_held = (t[rows_kept] for t in (a_all, b_all, a_held, b_held))
            if log_ma is not None:
                log_ma = log_ma[rows_kept]

    # The reported bound: each problem's members' best networks on all held-out rows, their scores
    # averaged; one problem at a time, so memory stays at E held-out score matrices.
    raw, errors = np.empty(len(problems)), np.empty(len(problems))
    with torch.no_grad():
        for i in range(len(problems)):
            members = range(i * n_members, (i + 1) * n_members)
            final = [torch.stack([best_state[m][j] for m in members]) for j in range(len(params))]
            a_i = a_problems[i : i + 1, held_t].expand(n_members, -1, -1)
            b_i = b_problems[i : i + 1, held_t].expand(n_members, -1, -1)
            mean_scores = _scores(settings, final, a_i, b_i, final_negatives).mean(0, keepdim=True)
            value, stderr = bound_with_stderr(settings.bound, mean_scores, settings.clip, matrix=not concat)
            raw[i], errors[i] = float(value[0]), float(stderr[0])
    seconds = time.perf_counter() - start
    ceiling = settings.ceiling_bits(n)
    fits = []
    for i, (da, db) in enumerate(dims):
        members = range(i * n_members, (i + 1) * n_members)
        weights = tuple(t for m in members for t in _unpad_rows(settings, best_state[m], da, db, pad_a))
        raw_bits = float(raw[i]) * BITS_PER_NAT
        fits.append(
            CriticFit(
                mi_bits=min(max(raw_bits, 0.0), ceiling) if math.isfinite(ceiling) else max(raw_bits, 0.0),
                raw_bits=raw_bits,
                stderr_bits=float(errors[i]) * BITS_PER_NAT,
                ceiling_bits=ceiling,
                steps=int(max(steps_taken[m] for m in members)),
                best_step=int(max(best_step[m] for m in members)),
                warm=bool(warm[i]),
                seconds=seconds,
                state=CriticState(signatures[i], weights),
            )
        )
    return fits


# --------------------------------------------------------------------------------------------------
# The estimator classes' shared part
# --------------------------------------------------------------------------------------------------

#: State carried along a trajectory by :meth:`CriticEstimator.information_plane_layers`: per
#: (layer, "xt" or "ty"), the last fitted critic.
LayerStates = dict[tuple[str, str], CriticState]


def _is_torch_device(value: Any) -> bool:
    torch.device(value)
    return True


class CriticEstimator(Estimator):
    """Shared part of the critic-based bounds (MINE, InfoNCE, NWJ, SMILE): parameters, fits, warm starts.

    A subclass sets ``_bound`` (one of ``BOUNDS``) and its docstring; everything else is here.
    Results are returned, never stored: :meth:`fit` gives a :class:`CriticFit`, :meth:`estimate`
    (bits, standard error), :meth:`fit_information_plane` the two fits (X;T, T;Y).

    Trajectories: :meth:`information_plane_layers` fits every layer of one epoch together (2 × layers
    critics in one stacked network) and returns a state that warm-starts the next epoch's fits;
    :meth:`fit_trajectory` returns a copy whose successive :meth:`information_plane` calls warm-start.
    """

    _bound: str = "infonce"
    needs_training = True
    accepts_continuous = True
    invariant_under_invertible_maps = False
    _computational_params: ClassVar[tuple[str, ...]] = ("device",)
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **{
            name: [Interval(int, 1, None)]
            for name in ("hidden", "n_layers", "embed", "steps", "eval_every", "patience", "negatives", "n_marginal", "ensemble")
        },
        "batch_size": [Interval(int, 2, None)],
        "eval_size": [Interval(int, 2, None)],
        "critic": [Options(CRITICS)],
        "lr": [Interval(float, 0, None, closed="neither")],
        "holdout": [Interval(float, 0, 1, closed="neither")],
        "weight_average": [Interval(float, 0, 1, closed="left")],
        "min_improvement": [Interval(float, 0, None)],
        "preprocess": [Options(("copula",)), None],
        "warm_start": [bool],
        "seed": [Interval(int, 0, None)],
        "device": [Check(_is_torch_device, "a torch device such as 'cpu' or 'cuda'"), None],
    }
    #: Warm-start state of a trajectory copy (class-level default: ``__init__`` stores parameters only).
    _warm_states: LayerStates | None = None

    def __init__(
        self,
        critic: str = "separable",
        hidden: int = 64,
        n_layers: int = 4,
        embed: int = 32,
        steps: int = 3000,
        batch_size: int = 256,
        lr: float = 5e-3,
        holdout: float = 0.3,
        eval_every: int = 25,
        patience: int = 4,
        min_improvement: float = 0.25,
        weight_average: float = 0.9,
        negatives: int = 16,
        n_marginal: int = 32,
        eval_size: int = 512,
        ensemble: int = 3,
        preprocess: str | None = "copula",
        warm_start: bool = True,
        seed: int = 0,
        device: str | None = None,
    ) -> None:
        self.critic = critic
        self.hidden = hidden
        self.n_layers = n_layers
        self.embed = embed
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.holdout = holdout
        self.eval_every = eval_every
        self.patience = patience
        self.min_improvement = min_improvement
        self.weight_average = weight_average
        self.negatives = negatives
        self.n_marginal = n_marginal
        self.eval_size = eval_size
        self.ensemble = ensemble
        self.preprocess = preprocess
        self.warm_start = warm_start
        self.seed = seed
        self.device = device

    @property
    def is_lower_bound(self) -> bool:  # type: ignore[override]
        """True: every critic bound is a lower bound on MI."""
        return True

    def settings(self) -> CriticSettings:
        """The validated training settings.

        Raises:
            ValueError: a parameter is out of range (the message names it), or ``device`` names CUDA
                where none is available.
        """
        self.validate_params()
        if self.device is not None:
            try:
                device = torch.device(self.device)
            except (RuntimeError, TypeError) as exc:
                raise ValueError(f"{self.name}: device {self.device!r} is not a torch device ({exc})") from None
            if device.type == "cuda" and not torch.cuda.is_available():
                raise ValueError(f"{self.name}: device {self.device!r} asked for, but CUDA is not available")
        params = self.get_params()
        fields = {key: params[key] for key in CriticSettings.__dataclass_fields__ if key in params}
        fields = {k: v.item() if isinstance(v, np.generic) else v for k, v in fields.items()}
        settings = CriticSettings(bound=self._bound, **fields)
        try:
            settings.check()
        except ValueError as exc:
            raise ValueError(str(exc).replace("critics:", f"{self.name}:", 1)) from None
        return settings

    def ceiling_bits(self, n: int) -> float:
        """The most this estimator can report on ``n`` samples, in bits (see :mod:`critics`' docstring)."""
        return self.settings().ceiling_bits(int(n))

    # -- one pair ---------------------------------------------------------------------------------------

    def fit(self, a: Any, b: Any) -> CriticFit:
        """One cold fit on (a, b): estimate, raw bound, standard error, ceiling and steps (bits).

        Args:
            a: (N, d_a) samples (trailing dimensions are flattened; 1-d is one column).
            b: (N, d_b) samples, or (N,) integer labels, which are one-hot encoded.

        Raises:
            ValueError: NaN/inf, fewer than 2 samples, unpaired rows, non-integer labels, bad parameters.
        """
        settings = self.settings()
        a_arr, b_arr = prepare_pair(a, b, self.preprocess)
        return train_critics([(a_arr, b_arr)], settings)[0]

    def estimate(self, a: Any, b: Any) -> tuple[float, float]:
        """(I(A;B), standard error), both in bits; see :meth:`fit`."""
        fit = self.fit(a, b)
        return fit.mi_bits, fit.stderr_bits

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits (a cold fit; :meth:`fit` gives the whole result)."""
        return self.fit(a, b).mi_bits

    # -- information planes ----------------------------------------------------------------------------

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> CriticEstimator:
        """A copy whose successive :meth:`information_plane` calls warm-start (if ``warm_start``)."""
        self.settings()
        fitted = copy.copy(self)
        fitted._warm_states = {} if self.warm_start else None
        return fitted

    def fit_information_plane_layers(
        self, x: Any, ts: dict[str, Any], y: Any, state: LayerStates | None = None
    ) -> tuple[dict[str, tuple[CriticFit, CriticFit]], LayerStates]:
        """The fits behind :meth:`information_plane_layers`: per layer, (X;T fit, T;Y fit).

        Raises:
            ValueError: ``x`` is None, no layers, or any input is invalid.
        """
        if x is None:
            raise ValueError(
                f"{self.name}: needs the inputs x to estimate I(X;T) (it trains a critic on (x, t) pairs); "
                f"record the probe inputs in the run"
            )
        if not ts:
            raise ValueError(f"{self.name}: no layers given (ts is empty)")
        settings = self.settings()
        x_arr = prepare_side(x, "x", self.preprocess)
        n = len(x_arr)
        y_arr = standardise(one_hot(as_class_labels(y, n, "y")))
        problems, keys = [], []
        for layer, t in ts.items():
            t_arr = prepare_side(as_samples(t, f"t ({layer})"), f"t ({layer})", self.preprocess, n=n)
            problems += [(x_arr, t_arr), (t_arr, y_arr)]
            keys += [(layer, "xt"), (layer, "ty")]
        previous = state if (state is not None and self.warm_start) else {}
        fits = train_critics(problems, settings, [previous.get(key) for key in keys])
        new_state = {key: fit.state for key, fit in zip(keys, fits)}
        return {layer: (fits[2 * i], fits[2 * i + 1]) for i, layer in enumerate(ts)}, new_state

    def information_plane_layers(
        self, x: Any, ts: dict[str, Any], y: Any, state: Any = None
    ) -> tuple[dict[str, tuple[float, float]], Any]:
        """(I(X;T), I(T;Y)) in bits for every layer of one epoch, fitted together, warm from ``state``.

        The trajectory-level hook of :func:`infoplane.analysis.mi_table.estimate`: all layers' critics
        (X;T and T;Y each) are trained as one stacked network, starting from the previous epoch's critics
        when ``state`` holds them (and ``warm_start``).

        Args:
            x: (N, …) probe inputs.
            ts: layer name → (N, width) activations at this epoch.
            y: (N,) integer class labels.
            state: what the previous epoch's call returned, or None (cold).

        Returns:
            (layer → (I(X;T), I(T;Y)) in bits, the state to pass to the next epoch's call).
        """
        fits, new_state = self.fit_information_plane_layers(x, ts, y, state)
        return {layer: (xt.mi_bits, ty.mi_bits) for layer, (xt, ty) in fits.items()}, new_state

    def fit_information_plane(self, x: Any, t: Any, y: Any) -> tuple[CriticFit, CriticFit]:
        """The two fits behind :meth:`information_plane` (X;T, T;Y), trained together.

        On a copy from :meth:`fit_trajectory`, each critic starts from the previous call's fit.
        """
        fits, state = self.fit_information_plane_layers(x, {"t": t}, y, self._warm_states)
        if self._warm_states is not None:
            self._warm_states = state  # a new dict: shallow copies never share state
        return fits["t"]

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits for one layer; ``aux`` is not used."""
        xt, ty = self.fit_information_plane(x, t, y)
        return xt.mi_bits, ty.mi_bits
