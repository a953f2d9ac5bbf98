"""MINE: the Donsker–Varadhan lower bound on MI (Belghazi et al. 2018), on the shared critic core.

Training, the held-out split, early stopping, warm starts and the bound itself are those of
:mod:`infoplane.estimators.critics` (``bound="dv"``); this module only sets MINE's defaults (a
concatenated critic, one in-batch negative per row, the moving-average correction ``ema``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from infoplane.estimators.base import Interval, register
from infoplane.estimators.critics import CriticEstimator, CriticFit

#: The result of one MINE fit: the core's :class:`~infoplane.estimators.critics.CriticFit` (its old name).
MineFit = CriticFit


@register("mine")
class Mine(CriticEstimator):
    """MINE: the Donsker–Varadhan lower bound on I(A;B), in bits (Belghazi et al. 2018, Eq. 10).

    I(A;B) ≥ E_P[T(a, b)] − log E_{P_A⊗P_B}[e^{T(a, b)}], maximised over a critic ``T`` (see
    :mod:`infoplane.estimators.critics`); by default MINE's own critic, one MLP on the concatenated pair,
    with each row's ``b`` shifted by one row of the batch as its negative. The minibatch gradient of the
    log-denominator is biased; MINE (§3.2) divides it by a moving average of E_Q[e^T] instead, of rate
    α = ``ema`` (kept in log space, so that large scores cannot overflow). The estimate and its standard
    error are those of the best weight-averaged network on the held-out pairs, against ``n_marginal``
    random derangements of them.

    Bias: a lower bound for every critic, but its estimate on finite data is noisy (see the standard error),
    and keeping the best of several held-out evaluations adds an upward selection bias of the order of the
    standard error. The dominant error is downward: on n held-out rows a DV estimate cannot in practice
    exceed O(log n) (McAllester & Stratos 2020), and well before that it falls short at high MI, because
    log E_Q[e^T] is dominated by rare marginal pairs that a smooth critic under-weights. :meth:`ceiling_bits`
    states the ceiling as log2 of the held-out count; an estimate near it means "at least this much". For a
    deterministic layer the true I(X;T) is infinite or H(X), so the I(X;T) reported is this capped bound.

    Reported value: the held-out bound within [0, ``ceiling_bits``]. Below zero it is noise (independent
    sides); above the ceiling it is DV's upward bias, no evidence of more information (on a 12-bit input
    the raw bound reached 17 bits). The raw bound is the fit's ``raw_bits``.

    Fit results are returned, never stored on the estimator: :meth:`fit` gives a :class:`MineFit` (estimate,
    raw bound, standard error, ceiling, steps), :meth:`fit_information_plane` two (X;T, T;Y), and
    :meth:`estimate` returns (bits, standard error). Along a trajectory, :meth:`information_plane_layers`
    fits all layers of an epoch in one stacked network, warm-started from the previous epoch's critics, and
    :meth:`fit_trajectory` returns a copy whose :meth:`information_plane` calls warm-start; since the
    starting network is the first early-stopping candidate, a warm fit of a slowly changing layer stops
    after about ``patience · eval_every`` steps. ``mutual_information`` is always a cold fit.

    Args:
        hidden: units per hidden layer of the critic network (ELU).
        n_layers: hidden layers.
        steps: the most optimiser steps per fit.
        batch_size: rows per step.
        lr: Adam learning rate.
        ema: moving-average rate α of the DV denominator in MINE's gradient correction, in (0, 1]
            (1: no averaging, the plain minibatch gradient).
        holdout: fraction of samples held out for early stopping and the reported bound.
        eval_every: steps between held-out evaluations.
        patience: evaluations without an improvement of ``min_improvement`` standard errors before stopping.
        n_marginal: held-out negatives per row of a concatenated critic (random derangements; more: less
            noise in the marginal term).
        weight_average: decay of the moving average of the weights that is evaluated and reported (Polyak;
            0: the raw network).
        min_improvement: see ``patience`` (the best network is kept regardless).
        critic: ``"concat"`` (T = f([a, b]), MINE's critic; the default) or ``"separable"``
            (T = g(a)·h(b), the whole score matrix of a batch in one product: every other row a negative).
        ensemble: critics per estimate, from different initial weights, trained side by side; the bound is
            that of their mean score (still a lower bound).
        negatives: training negatives per row of a concatenated critic (MINE: 1, the next row's ``b``).
        embed: output width of g and h (separable critic only).
        eval_size: held-out rows watched by early stopping (the reported bound uses all held-out rows).
        preprocess: ``"copula"`` (normal scores by rank per coordinate, then the critic; MI is unchanged, and
            heavy-tailed inputs no longer collapse the bound — Student-t: ~0.02 bits for 0.32 without it,
            issue 12) or None (z-scores only). Labels are one-hot either way.
        warm_start: let :meth:`fit_trajectory` / :meth:`information_plane_layers` start each epoch's critics
            from the previous epoch's.
        seed: seeds split, networks and batches; same inputs and seed give the same number on CPU.
        device: torch device (``None``: CPU).
    """

    _bound = "dv"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **CriticEstimator._parameter_constraints,
        "ema": [Interval(float, 0, 1, closed="right")],
    }
    quantity = (
        "Donsker–Varadhan lower bound on MI from a trained critic (MINE), capped in practice at O(log N) "
        "(McAllester & Stratos 2020)"
    )

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
        critic: str = "concat",
        ensemble: int = 1,
        negatives: int = 1,
        embed: int = 32,
        eval_size: int = 2048,
        preprocess: str | None = "copula",
        warm_start: bool = True,
        seed: int = 0,
        device: str | None = None,
    ) -> None:
        params = dict(locals())
        del params["self"], params["ema"], params["__class__"]
        super().__init__(**params)
        self.ema = ema
