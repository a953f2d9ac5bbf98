"""MINE: the Donsker–Varadhan lower bound on MI, maximised over a small network (Belghazi et al. 2018).

Belghazi et al., "Mutual Information Neural Estimation", ICML 2018, Eq. (10):

    I(A;B) ≥ sup_θ  E_{P_AB}[T_θ(a, b)] − log E_{P_A ⊗ P_B}[e^{T_θ(a, b)}]          (nats)

``T_θ`` is an MLP on the concatenated, z-scored pair; samples of P_A ⊗ P_B are made by shuffling ``b``
within a batch (a cyclic shift of the randomly drawn rows, so no joint pair is counted as a marginal
one). The gradient of the log-denominator, E_Q[e^T ∇T] / E_Q[e^T], is biased on a minibatch; MINE (their
§3.2) replaces the denominator with an exponential moving average,

    ma ← (1 − α)·ma + α·mean_batch(e^T),   ∇ ≈ E_P[∇T] − E_Q[e^T ∇T] / ma,

with α = ``ema`` = 0.01, as in the common PyTorch port of MINE (ma is updated with the current batch
first, then used; it starts at the first batch's value). bmi (Czyż et al. 2023) instead smooths the
*log*-denominator with a factor 0.9; we keep the paper's form, in log space (``log ma`` updated with
``logaddexp``) so that large T cannot overflow.

Training uses a train/held-out split fixed by the seed. Every ``eval_every`` steps the bound of the
weight-averaged network (Polyak averaging, which removes most of the step-to-step jitter) is evaluated on
the held-out pairs, against ``n_marginal`` fixed derangements of them; the best network is kept, and
training stops after ``patience`` evaluations without an improvement of ``min_improvement`` standard
errors. The reported value is the bound of the best network on the held-out pairs, with fresh
derangements for the marginal term, and a delta-method standard error. Everything public is in bits;
nats are converted once, in :func:`fit_mine`.

Known biases: the DV bound is below the true MI for every T, but its estimate on finite data is not: it
is noisy (see the standard error), and picking the best of several held-out evaluations adds a small
upward selection bias, of the order of the standard error. The dominant error is downward: on N samples
the bound is capped by O(log N) (McAllester & Stratos 2020), and well before that cap it falls short at
high MI, because log E_Q[e^T] is dominated by rare marginal pairs that a smooth network under-weights.
Measured on N = 5000 Gaussians (benchmarks/bench_mine.py): about −2% at 1.2 bits, −3% at 5 bits.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from infoplane.estimators.base import Check, Estimator, Interval, register
from infoplane.infotheory import BITS_PER_NAT, standardise
from infoplane.samples import as_class_labels, as_samples, is_discrete_labels


@dataclass(frozen=True)
class MineSettings:
    """Training settings of one MINE fit: the parameters of :class:`Mine` (see there for their meaning)
    except ``warm_start``, which concerns a trajectory, not a fit. This is the one list of them;
    :meth:`Mine.settings` builds it from the estimator's parameters by these field names."""

    hidden: int = 64
    n_layers: int = 2
    steps: int = 4000
    batch_size: int = 1024
    lr: float = 1e-3
    ema: float = 0.01
    holdout: float = 0.3
    eval_every: int = 50
    patience: int = 6
    n_marginal: int = 32
    weight_average: float = 0.99
    min_improvement: float = 0.25
    seed: int = 0
    device: str | None = None


@dataclass(frozen=True)
class MineFit:
    """The outcome of one MINE fit.

    Attributes:
        mi_bits: the reported estimate, ``max(raw_bits, 0)``, in bits.
        raw_bits: the held-out Donsker–Varadhan bound of the best network, in bits (may be < 0).
        stderr_bits: its delta-method standard error, in bits (see :func:`dv_bound_with_stderr`).
        steps: optimiser steps taken.
        best_step: the step whose network was kept (0: the initial network, e.g. a warm start).
        warm: True when the network started from a previous fit's weights.
        seconds: wall time of the fit.
        state: the best network's weights (for warm starts).
    """

    mi_bits: float
    raw_bits: float
    stderr_bits: float
    steps: int
    best_step: int
    warm: bool
    seconds: float
    state: dict[str, torch.Tensor] = field(repr=False, compare=False)


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(N,) integer labels → (N, n_classes) float one-hot, classes numbered densely in sorted order."""
    _, dense = np.unique(labels, return_inverse=True)
    dense = dense.reshape(-1)
    out = np.zeros((len(dense), int(dense.max()) + 1))
    out[np.arange(len(dense)), dense] = 1.0
    return out


def statistics_network(d_in: int, hidden: int, n_layers: int, generator: torch.Generator) -> nn.Sequential:
    """The MLP T(a, b): ``d_in`` → ``n_layers`` × (Linear(hidden) + ELU) → 1, seeded by ``generator``.

    Weights follow PyTorch's default uniform ±1/sqrt(fan_in) range, drawn from ``generator`` so that a
    seed fixes the network without touching torch's global random state.
    """
    widths = [d_in] + [hidden] * n_layers
    layers: list[nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(widths):
        layers += [nn.Linear(fan_in, fan_out), nn.ELU()]
    layers.append(nn.Linear(widths[-1], 1))
    with torch.no_grad():
        for module in layers:
            if isinstance(module, nn.Linear):
                bound = 1.0 / math.sqrt(module.in_features)
                module.weight.uniform_(-bound, bound, generator=generator)
                module.bias.uniform_(-bound, bound, generator=generator)
    return nn.Sequential(*layers)


def dv_bound(t_joint: torch.Tensor, t_marginal: torch.Tensor) -> torch.Tensor:
    """Donsker–Varadhan bound E_P[T] − log E_Q[e^T] in nats (Belghazi et al. 2018, Eq. 10).

    Args:
        t_joint: T on pairs of the joint, shape (n,) or (n, 1).
        t_marginal: T on pairs of the product of marginals, shape (m,) or (m, 1).
    """
    log_mean_exp = torch.logsumexp(t_marginal.reshape(-1), 0) - math.log(t_marginal.numel())
    return t_joint.mean() - log_mean_exp


def dv_bound_with_stderr(t_joint: np.ndarray, t_marginal: np.ndarray) -> tuple[float, float]:
    """The Donsker–Varadhan bound and its delta-method standard error, both in nats.

    SE² = Var_P(T)/n + Var_Q(e^T) / (m · E_Q[e^T]²), treating the n joint and m marginal values as
    independent samples. Marginal pairs made by shuffling reuse each sample, so this is approximate
    (slightly optimistic).

    Args:
        t_joint: (n,) values of T on joint pairs.
        t_marginal: (m,) values of T on shuffled pairs.
    """
    t_joint = np.asarray(t_joint, dtype=np.float64).reshape(-1)
    t_marginal = np.asarray(t_marginal, dtype=np.float64).reshape(-1)
    shift = float(t_marginal.max())
    weights = np.exp(t_marginal - shift)
    mean_weight = float(weights.mean())
    estimate = float(t_joint.mean()) - (shift + math.log(mean_weight))
    variance = t_joint.var(ddof=1) / t_joint.size + weights.var(ddof=1) / (weights.size * mean_weight**2)
    return estimate, float(math.sqrt(variance))


def _split(n: int, holdout: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_held = round(holdout * n)
    if n_held < 2 or n - n_held < 2:
        raise ValueError(
            f"mine: {n} samples leave {n - n_held} for training and {n_held} held out; "
            f"both need at least 2 (use more samples or another holdout fraction)"
        )
    order = rng.permutation(n)
    return order[n_held:], order[:n_held]


def _marginal_pairs(n: int, copies: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (into a, into b) of ``copies`` × n pairs drawn from the product of the marginals.

    Each copy is a random order σ paired with σ shifted by one: a derangement, so no pair of the joint
    slips into the marginal sample (with high MI one such pair can weigh as much as many others).
    """
    orders = np.stack([rng.permutation(n) for _ in range(copies)])
    return orders.reshape(-1), np.roll(orders, 1, axis=1).reshape(-1)


def fit_mine(
    a: np.ndarray,
    b: np.ndarray,
    settings: MineSettings,
    init_state: dict[str, torch.Tensor] | None = None,
) -> MineFit:
    """Fit one statistics network on (a, b) and return its held-out DV bound in bits.

    The network trained by Adam is ``trained``; what is evaluated, kept and reported is ``averaged``, an
    exponential moving average of its weights (Polyak averaging, decay ``weight_average``), which removes
    most of the step-to-step jitter of the bound. The held-out split and the shuffles are fixed by the seed.

    Args:
        a: (N, d_a) float samples, already standardised.
        b: (N, d_b) float samples paired with ``a``, already standardised.
        settings: training settings.
        init_state: weights of a network of the same shape to start from (warm start), or None.

    Returns:
        A :class:`MineFit`. With a warm start, the starting network is the first candidate (step 0); when
        training cannot improve it by more than ``min_improvement`` standard errors, early stopping ends
        the fit after ``patience`` evaluations.
    """
    start = time.perf_counter()
    device = torch.device(settings.device or "cpu")
    rng = np.random.default_rng(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    train, held = _split(len(a), settings.holdout, rng)
    held_a, held_b = a[held], b[held]
    eval_rows = _marginal_pairs(len(held), settings.n_marginal, rng)
    final_rows = _marginal_pairs(len(held), settings.n_marginal, rng)

    def tensor(values: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(values), dtype=torch.float32, device=device)

    def pairs(rows_a: np.ndarray, rows_b: np.ndarray) -> torch.Tensor:
        return tensor(np.concatenate([held_a[rows_a], held_b[rows_b]], axis=1))

    a_train, b_train = tensor(a[train]), tensor(b[train])
    held_joint = tensor(np.concatenate([held_a, held_b], axis=1))
    held_eval, held_final = pairs(*eval_rows), pairs(*final_rows)

    trained = statistics_network(a.shape[1] + b.shape[1], settings.hidden, settings.n_layers, generator)
    if init_state is not None:
        trained.load_state_dict(init_state)
    trained = trained.to(device)
    averaged = copy.deepcopy(trained)
    optimiser = torch.optim.Adam(trained.parameters(), lr=settings.lr)

    def held_out_bound(marginal: torch.Tensor) -> tuple[float, float]:
        with torch.no_grad():
            return dv_bound_with_stderr(averaged(held_joint).cpu().numpy(), averaged(marginal).cpu().numpy())

    n_train, batch = len(train), min(settings.batch_size, len(train))
    log_keep, log_rate = math.log1p(-settings.ema), math.log(settings.ema)
    log_ma: torch.Tensor | None = None
    best_value, stderr = held_out_bound(held_eval)
    best_step, best_state, reference = 0, copy.deepcopy(averaged.state_dict()), best_value
    stale, step = 0, 0
    while step < settings.steps and stale < settings.patience:
        step += 1
        rows = torch.randint(n_train, (batch,), generator=generator).to(device)
        a_batch, b_batch = a_train[rows], b_train[rows]
        # Rows are independent draws, so pairing each a with the next row's b samples P_A ⊗ P_B.
        both = torch.cat([torch.cat([a_batch, b_batch], 1), torch.cat([a_batch, b_batch.roll(1, 0)], 1)])
        t = trained(both).reshape(-1)
        t_joint, t_marginal = t[:batch], t[batch:]
        log_mean_exp = torch.logsumexp(t_marginal, 0) - math.log(batch)
        current = log_mean_exp.detach()
        log_ma = current if log_ma is None else torch.logaddexp(log_keep + log_ma, log_rate + current)
        # d/dθ exp(log_mean_exp − log ma) = mean(e^T ∇T) / ma: the bias-corrected gradient of MINE §3.2.
        loss = -(t_joint.mean() - torch.exp(log_mean_exp - log_ma))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        with torch.no_grad():
            for kept, new in zip(averaged.parameters(), trained.parameters()):
                kept.lerp_(new, 1.0 - settings.weight_average)
        if step % settings.eval_every == 0:
            value, stderr = held_out_bound(held_eval)
            if value > best_value:
                best_value, best_step, best_state = value, step, copy.deepcopy(averaged.state_dict())
            # Patience restarts only on an improvement that stands out of the evaluation's noise.
            if value > reference + settings.min_improvement * stderr:
                reference, stale = value, 0
            else:
                stale += 1

    averaged.load_state_dict(best_state)
    raw_nats, stderr_nats = held_out_bound(held_final)
    raw_bits = raw_nats * BITS_PER_NAT
    return MineFit(
        mi_bits=max(raw_bits, 0.0),
        raw_bits=raw_bits,
        stderr_bits=stderr_nats * BITS_PER_NAT,
        steps=step,
        best_step=best_step,
        warm=init_state is not None,
        seconds=time.perf_counter() - start,
        state=best_state,
    )


def _is_torch_device(value: Any) -> bool:
    torch.device(value)
    return True


@register("mine")
class Mine(Estimator):
    """MINE: the Donsker–Varadhan lower bound on I(A;B), in bits (Belghazi et al. 2018, Eq. 10).

    I(A;B) ≥ E_P[T(a,b)] − log E_{P_A⊗P_B}[e^{T(a,b)}], maximised over an MLP ``T`` on the z-scored,
    concatenated pair; marginal pairs by shuffling ``b`` within the batch; the gradient's bias corrected
    with a moving average of the denominator (α = ``ema``; bmi smooths the log-denominator with 0.9
    instead); early stopping on a held-out split; the estimate and its standard error from the best
    (weight-averaged) network on the held-out pairs. See the module docstring for details.

    Bias: a lower bound, and on N samples it cannot exceed O(log N) (McAllester & Stratos 2020). In
    practice it underestimates high MI: on N = 5000 it is within 10% of 1.2 and 5 bits for Gaussians
    (−2% and −3% on average), and falls further behind as MI nears log2 of the held-out size. For a deterministic layer the true
    I(X;T) is infinite or H(X), so the I(X;T) reported is this capped bound, not the true MI.

    Negative values: the held-out bound can fall below zero by noise when A and B are independent. The
    reported value is ``max(bound, 0)`` (the contract wants I ≥ 0); the raw bound is in the fit's result.

    Fit results are returned, never stored on the estimator: :meth:`fit` gives one :class:`MineFit`
    (estimate, raw bound, standard error, steps), :meth:`fit_information_plane` two (X;T then T;Y), and
    :meth:`estimate` returns (bits, standard error).

    Scale: both sides are standardised with :func:`infoplane.infotheory.standardise`, safe at any scale, so
    x and t scaled together by 1e-200 or 1e154 give the same estimate as at scale 1.

    Warm start: :meth:`fit_trajectory` returns a fresh copy that remembers the fitted networks (the
    trajectory's state, on that copy only), so each :meth:`information_plane` call on it starts the X;T and T;Y networks from the previous call's best
    weights. Since the starting network is the first early-stopping candidate, a warm fit of a slowly
    changing layer stops after about ``patience · eval_every`` steps. ``mutual_information`` is always a
    cold fit.

    Args:
        hidden: units per hidden layer of the statistics network.
        n_layers: hidden layers (ELU).
        steps: the most optimiser steps per fit.
        batch_size: pairs per step (and as many shuffled pairs).
        lr: Adam learning rate.
        ema: moving-average rate α of the denominator, in (0, 1].
        holdout: fraction of samples held out for early stopping and the final estimate.
        eval_every: steps between held-out evaluations.
        patience: evaluations without a significant improvement before stopping.
        n_marginal: shuffles of the held-out set used for its marginal term (more: less noise).
        weight_average: decay of the moving average of the network's weights that is evaluated and
            reported (Polyak averaging; 0: the raw network).
        min_improvement: an evaluation restarts the patience count only when it beats the last such
            evaluation by this many held-out standard errors (the best network is kept regardless).
        warm_start: let :meth:`fit_trajectory` return a copy that warm-starts successive epochs.
        seed: seeds the split, the network and the batches; same inputs and seed give the same number
            on CPU.
        device: torch device for training (``None``: CPU; ``"cuda"`` when available).
    """

    needs_training = True
    accepts_continuous = True
    invariant_under_invertible_maps = False
    _computational_params: ClassVar[tuple[str, ...]] = ("device",)
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **{
            name: [Interval(Integral, 1, None)]
            for name in ("hidden", "n_layers", "steps", "batch_size", "eval_every", "patience", "n_marginal")
        },
        "lr": [Interval(float, 0, None, closed="neither")],
        "ema": [Interval(float, 0, 1, closed="right")],
        "holdout": [Interval(float, 0, 1, closed="neither")],
        "weight_average": [Interval(float, 0, 1, closed="left")],
        "min_improvement": [Interval(float, 0, None)],
        "warm_start": [bool],
        "seed": [Interval(Integral, 0, None)],
        "device": [Check(_is_torch_device, "a torch device such as 'cpu' or 'cuda'"), None],
    }
    quantity = (
        "Donsker–Varadhan lower bound on MI from a trained statistics network (MINE), capped in practice "
        "at O(log N) (McAllester & Stratos 2020)"
    )

    # Warm-start state of a trajectory copy, a class-level default so that __init__ stores parameters only.
    #: Per network ("xt", "ty"): (input width, hidden, n_layers) and the last fit's weights; None: cold.
    _warm_states: dict[str, tuple[tuple[int, int, int], dict[str, torch.Tensor]]] | None = None

    def __init__(
        self,
        hidden: int = 64,
        n_layers: int = 2,
        steps: int = 4000,
        batch_size: int = 1024,
        lr: float = 1e-3,
        ema: float = 0.01,
        holdout: float = 0.3,
        eval_every: int = 50,
        patience: int = 6,
        n_marginal: int = 32,
        weight_average: float = 0.99,
        min_improvement: float = 0.25,
        warm_start: bool = True,
        seed: int = 0,
        device: str | None = None,
    ) -> None:
        self.hidden = hidden
        self.n_layers = n_layers
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.ema = ema
        self.holdout = holdout
        self.eval_every = eval_every
        self.patience = patience
        self.n_marginal = n_marginal
        self.weight_average = weight_average
        self.min_improvement = min_improvement
        self.warm_start = warm_start
        self.seed = seed
        self.device = device

    @property
    def is_lower_bound(self) -> bool:
        """True: the Donsker–Varadhan bound is a lower bound on MI."""
        return True

    def _validate_together(self) -> None:
        if self.device is not None and torch.device(self.device).type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"mine: device {self.device!r} asked for, but CUDA is not available")

    def settings(self) -> MineSettings:
        """The validated training settings.

        Raises:
            ValueError: a parameter is out of range, or ``device`` names CUDA where none is available.
        """
        self.validate_params()
        values = {f.name: getattr(self, f.name) for f in fields(MineSettings)}
        values = {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}
        values["device"] = None if self.device is None else str(self.device)
        return MineSettings(**values)

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> Mine:
        """A fresh copy whose successive :meth:`information_plane` calls warm-start (if ``warm_start``)."""
        self.settings()
        fitted = copy.copy(self)
        fitted._warm_states = {} if self.warm_start else None
        return fitted

    def estimate(self, a: Any, b: Any) -> tuple[float, float]:
        """(I(A;B), standard error), both in bits; see :meth:`mutual_information`."""
        fit = self.fit(a, b)
        return fit.mi_bits, fit.stderr_bits

    def fit(self, a: Any, b: Any) -> MineFit:
        """One cold fit on (a, b): the estimate, raw bound, standard error and steps (bits).

        Args:
            a: (N, d_a) samples (trailing dimensions are flattened; 1-d is one column).
            b: (N, d_b) samples, or (N,) integer labels, which are one-hot encoded.

        Raises:
            ValueError: NaN/inf, fewer than 2 samples, unpaired rows, non-integer labels, bad parameters.
        """
        settings = self.settings()
        a_arr, b_arr = self._prepare(a, b, "a", "b")
        return fit_mine(a_arr, b_arr, settings)

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits (a cold fit; :meth:`fit` gives the whole result).

        Raises:
            ValueError: as :meth:`fit`.
        """
        return self.fit(a, b).mi_bits

    def fit_information_plane(self, x: Any, t: Any, y: Any) -> tuple[MineFit, MineFit]:
        """The two fits behind :meth:`information_plane`: MINE on (x flattened, t), then on (t, one-hot y).

        On a copy from :meth:`fit_trajectory`, each network starts from the previous call's fit.

        Args:
            x: (N, …) probe inputs; required.
            t: (N, width) activations of one layer.
            y: (N,) integer class labels.

        Raises:
            ValueError: ``x`` is None, or any input is invalid (see :meth:`fit`).
        """
        if x is None:
            raise ValueError(
                "mine: MINE needs the inputs x to estimate I(X;T) (it trains on (x, t) pairs); "
                "record the probe inputs in the run"
            )
        settings = self.settings()
        t_arr = as_samples(t, "t")
        labels = as_class_labels(y, len(t_arr), "y")
        x_arr, t_std = self._prepare(x, t_arr, "x", "t")
        fits = []
        for key, a_arr, b_arr in (("xt", x_arr, t_std), ("ty", t_std, standardise(one_hot(labels)))):
            shape = (a_arr.shape[1] + b_arr.shape[1], settings.hidden, settings.n_layers)
            previous = None if self._warm_states is None else self._warm_states.get(key)
            init = previous[1] if previous is not None and previous[0] == shape else None
            fit = fit_mine(a_arr, b_arr, settings, init)
            fits.append(fit)
            if self._warm_states is not None:
                # A new dict, not an update: shallow copies never share state.
                self._warm_states = {**self._warm_states, key: (shape, fit.state)}
        return fits[0], fits[1]

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits: MINE on (x flattened, t) and on (t, one-hot y); ``aux`` is not used.

        Raises:
            ValueError: as :meth:`fit_information_plane`.
        """
        xt, ty = self.fit_information_plane(x, t, y)
        return xt.mi_bits, ty.mi_bits

    @staticmethod
    def _prepare(a: Any, b: Any, name_a: str, name_b: str) -> tuple[np.ndarray, np.ndarray]:
        """Both sides as standardised float arrays (N, d); integer-label ``b`` becomes one-hot."""
        a_arr = as_samples(a, name_a)
        if is_discrete_labels(b):
            b_arr = one_hot(as_class_labels(b, len(a_arr), name_b))
        else:
            b_arr = as_samples(b, name_b)
        if len(a_arr) != len(b_arr):
            raise ValueError(
                f"{name_a} and {name_b} must pair samples: {len(a_arr)} rows against {len(b_arr)}"
            )
        return standardise(a_arr), standardise(b_arr)
