"""The claims framework: a configuration, one result type, a registry of claims and the runner.

Each claim of the compression debate (issue 11, ``docs/science.md`` §5–§6) is a function
``fn(config, progress) -> ClaimResult`` registered with :func:`register_claim`. Its result holds rows of
the one claims table — ``claim | source | setting | statistic | value [low, high] | verdict | holds_under`` —
and the evidence tables its page figure is drawn from. :func:`run_claims` first trains, in one process pool,
every network the asked claims declare they need (``needs``), so that claims share trainings (claim 1's
minibatch runs are claim 2's minibatch side, claim 3's 80 % split and claim 5's runs), then runs each claim.
:func:`run_claims` lives in :mod:`infoplane.claims.runner` (it imports the claim modules, which import this
one); import it from :mod:`infoplane.claims`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

#: Columns of the claims table, in order. ``value``, ``low`` and ``high`` are the statistic and its 95 %
#: interval (units in ``statistic``); ``holds_under`` says under which other estimator settings the
#: verdict is the same and under which it is not.
ROW_COLUMNS = ["claim", "source", "setting", "statistic", "value", "low", "high", "verdict", "holds_under"]

#: Every word a row's ``verdict`` may be. A claim function picks from these (the tests check it).
VERDICTS: frozenset[str] = frozenset(
    {
        # a layer's compression Δ (claims 1, 2; analysis.compression)
        "compresses", "does not compress",
        # the claim as stated by its source, judged by the row's statistic
        "supports", "contradicts", "inconclusive",
        # a rank correlation's interval (claim 3): above 0, below 0, covering 0
        "positive", "negative", "no evidence",
        # the drift → diffusion transition against the I(X;T) peak (claim 2)
        "before peak", "at peak", "after peak", "no transition",
        # distance to the information-bottleneck bound (claim 5)
        "near bound", "off bound",
        # too few runs for an interval
        "too few runs",
    }
)  # fmt: skip

#: Activations of the claims' networks, in the order the tables show them: double-sided saturation (tanh,
#: hard-tanh, sigmoid), single-sided (ReLU, leaky ReLU, ELU) and none (linear, Saxe et al. 2018).
ACTIVATIONS: tuple[str, ...] = ("tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "elu", "linear")


@dataclass(frozen=True)
class ClaimsConfig:
    """What the claims train and how they estimate; the defaults are the full run on the 12-bit set.

    Attributes:
        seeds: independent trainings per condition (seeds 0 … seeds−1).
        epochs: training epochs (4000: the I(X;T) peaks of the 12-bit network come well before, and the
            budget of claims 1–5 in 20 minutes on two cores needs it).
        log_points: points of the log-spaced schedule (``hooks.log_spaced_epochs``).
        workers: processes training conditions in parallel.
        n_bins: bins of the headline binning setting (uniform; over (−1, 1) for tanh and hard-tanh, (0, 1)
            for sigmoid, the run's range otherwise).
        check_n_bins: bins of the second binning setting, the "holds under" check (0: none).
        noise_variance: σ² of the KDE check setting (0: none).
        kde_activations: activations whose claim-1 runs get the KDE check (it costs ~30 s per run).
        activations: of claims 1 and 2.
        fractions: training-set fractions of claim 3.
        generalisation_activations: activations of claim 3.
        threshold: bits a compression interval must clear (``analysis.compression``).
        bound_tolerance: bits within which a layer is "near" the IB bound (claim 5).
        lr: Adam's learning rate; batch_size: minibatch size of the minibatch trainings.
        quick: a tiny run for tests and trying the command (≤ 2 seeds, ≤ 30 epochs, tanh only, no KDE,
            fractions 5 % and 80 %): the numbers mean nothing.
        data_dir: folder of the MNIST IDX files (claim ``mnist`` only).
    """

    seeds: int = 10
    epochs: int = 4000
    log_points: int = 120
    workers: int = 2
    n_bins: int = 30
    check_n_bins: int = 100
    noise_variance: float = 1e-3
    kde_activations: tuple[str, ...] = ("tanh", "relu")
    activations: tuple[str, ...] = ACTIVATIONS
    fractions: tuple[float, ...] = (0.05, 0.2, 0.5, 0.8)
    generalisation_activations: tuple[str, ...] = ("tanh", "relu")
    threshold: float = 0.05
    bound_tolerance: float = 0.1
    lr: float = 4e-4
    batch_size: int = 256
    quick: bool = False
    data_dir: str | None = None

    def __post_init__(self) -> None:
        if self.seeds < 1 or self.epochs < 1 or self.log_points < 1 or self.workers < 1:
            raise ValueError("ClaimsConfig: seeds, epochs, log_points and workers must be at least 1")
        if not self.fractions or not all(0.0 < f <= 1.0 for f in self.fractions):
            raise ValueError(f"ClaimsConfig: fractions must lie in (0, 1], got {self.fractions}")

    def effective(self) -> ClaimsConfig:
        """The configuration actually run: itself, or with ``quick`` the tiny version for tests."""
        if not self.quick:
            return self
        return replace(
            self,
            seeds=min(self.seeds, 2),
            epochs=min(self.epochs, 30),
            log_points=min(self.log_points, 20),
            workers=1,
            kde_activations=(),
            activations=("tanh",),
            fractions=(0.05, 0.8),
            generalisation_activations=("tanh",),
            quick=False,
        )


@dataclass
class ClaimResult:
    """What one claim found.

    Attributes:
        rows: rows of the claims table (``ROW_COLUMNS``).
        evidence: named tables the page's figures are drawn from (written as ``evidence/<claim>-<name>.parquet``).
        notes: sentences for the page (definitions, caveats).
        seconds: wall time of the claim itself (trainings shared with other claims are counted once, by
            :func:`run_claims`, not here).
    """

    rows: pd.DataFrame
    evidence: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


ClaimFn = Callable[[ClaimsConfig, "bool | None"], ClaimResult]


@dataclass(frozen=True)
class Claim:
    """A registered claim: its id, title, source and function; ``needs`` lists the trainings it uses
    (each an ``infoplane.claims.runs.Condition``, from the effective config), trained up front by :func:`run_claims`."""

    id: str
    title: str
    source: str
    fn: ClaimFn
    needs: Callable[[ClaimsConfig], Sequence[Any]] | None = None
    default: bool = True


CLAIMS: dict[str, Claim] = {}


def register_claim(
    id: str,
    title: str,
    source: str,
    *,
    needs: Callable[[ClaimsConfig], Sequence[Any]] | None = None,
    default: bool = True,
) -> Callable[[ClaimFn], ClaimFn]:
    """Register ``fn(config, progress) -> ClaimResult`` as claim ``id``.

    Args:
        id: the claim's id (``two-phases``, ``sgd-diffusion``, …).
        title: one line for the page.
        source: who claims it (and who disputes it).
        needs: the trainings (``runs.Condition``) it uses, trained before any claim runs so that
            claims share them; optional.
        default: run when no ids are asked (``mnist`` is opt-in).
    """

    def decorate(fn: ClaimFn) -> ClaimFn:
        if id in CLAIMS and CLAIMS[id].fn is not fn:
            raise ValueError(f"claim {id!r} is registered twice")
        CLAIMS[id] = Claim(id, title, source, fn, needs, default)
        return fn

    return decorate


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=ROW_COLUMNS)


__all__ = [
    "ACTIVATIONS", "CLAIMS", "ROW_COLUMNS", "VERDICTS", "Claim", "ClaimResult", "ClaimsConfig", "empty_rows",
    "register_claim",
]  # fmt: skip
