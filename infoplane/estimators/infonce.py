"""InfoNCE: the contrastive lower bound on MI (van den Oord et al. 2018), on the shared critic core."""

from __future__ import annotations

from infoplane.estimators.base import register
from infoplane.estimators.critics import CriticEstimator


@register("infonce")
class InfoNCE(CriticEstimator):
    """InfoNCE lower bound on I(A;B), in bits (van den Oord et al. 2018; Poole et al. 2019, Eq. 12).

    I(A;B) ≥ E_i[T(a_i, b_i) − log((1/(K+1)) Σ_k e^{T(a_i, b_k)})] over K negatives per row, maximised over
    a critic ``T`` (see :mod:`infoplane.estimators.critics`). Low variance, but **it cannot exceed
    log(K + 1)**: log2 of the held-out count with the default separable critic (every other held-out row is
    a negative), log2(1 + n_marginal) with ``critic="concat"``. :meth:`ceiling_bits` gives it; estimates
    near it mean "at least this much".

    Args:
        critic: ``"separable"`` (T = g(a)·h(b), the whole score matrix of a batch in one product; fast) or
            ``"concat"`` (T = f([a, b]), MINE's critic).
        hidden: units per hidden layer of each critic network (ELU).
        n_layers: hidden layers.
        embed: output width of g and h (separable critic).
        steps: the most optimiser steps per fit.
        batch_size: rows per step (all other rows of the batch are the separable critic's negatives).
        lr: Adam learning rate.
        holdout: fraction of samples held out for early stopping and the reported bound.
        eval_every: steps between held-out evaluations.
        patience: evaluations without an improvement of ``min_improvement`` standard errors before stopping.
        min_improvement: see ``patience`` (the best network is kept regardless).
        weight_average: decay of the moving average of the weights that is evaluated (Polyak; 0: none).
        negatives: training negatives per row of a concatenated critic.
        n_marginal: held-out negatives per row of a concatenated critic (random derangements).
        eval_size: held-out rows watched by early stopping (the reported bound uses all held-out rows).
        ensemble: critics per estimate, from different initial weights, trained side by side; the bound is
            that of their mean score (still a lower bound; less fitting noise, a higher held-out bound).
        preprocess: ``"copula"`` (normal scores by rank per coordinate; robust to heavy tails) or
            None (z-scores only). Labels are one-hot either way.
        warm_start: let :meth:`fit_trajectory` / :meth:`information_plane_layers` start each epoch's critics
            from the previous epoch's.
        seed: seeds split, networks and batches; same inputs and seed give the same number on CPU.
        device: torch device (``None``: CPU).
    """

    _bound = "infonce"
    quantity = (
        "InfoNCE contrastive lower bound on MI from a trained critic; cannot exceed log2 of the negatives + 1 "
        "(the held-out count)"
    )
