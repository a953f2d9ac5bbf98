"""The trainings the claims share: conditions, one process pool, and an in-process cache.

A :class:`Condition` is one network setting (activation, training-set fraction, minibatch or full-batch);
it is trained for every seed at once (:func:`infoplane.experiments.batched.run_seeds`, the study's batched
trainer) and estimated under the claims' settings, and the result — its MI table and per-epoch metrics,
never the activations — is cached for the process, so that every claim asking for it gets the same runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from infoplane.claims.base import ClaimsConfig

#: Fixed binning range per activation whose outputs are bounded (as the original tanh analysis bins over
#: (−1, 1)); the others are binned over each run's own range across its logged epochs (Saxe et al. 2018).
BOUNDS: dict[str, tuple[float, float]] = {"tanh": (-1.0, 1.0), "hardtanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}

#: The training-set fraction of the main trainings (claims 1, 2, 5), as in the study.
MAIN_FRACTION = 0.8


@dataclass(frozen=True, order=True)
class Condition:
    """One network setting, trained for ``config.seeds`` seeds.

    Attributes:
        activation: hidden-unit activation (``experiments.models.ACTIVATIONS``).
        train_fraction: share of the 4096 inputs in each seed's training split.
        full_batch: one batch of the whole training split per epoch (gradient descent without minibatch
            noise), instead of minibatches of ``config.batch_size``.
    """

    activation: str
    train_fraction: float = MAIN_FRACTION
    full_batch: bool = False

    @property
    def label(self) -> str:
        batch = "full-batch" if self.full_batch else "minibatch"
        return f"{self.activation}, {batch}, {self.train_fraction:.0%} train"


@dataclass(frozen=True)
class Trained:
    """A condition's results: its MI table (``setting`` is the claims' short label, e.g. ``binning 30``) and
    its metrics per seed and logged epoch (loss, train_accuracy, test_loss, test_accuracy and, for minibatch
    trainings of the main fraction, ``grad_mean:L`` / ``grad_std:L`` per layer L), plus the training seconds."""

    mi: pd.DataFrame
    metrics: pd.DataFrame
    seconds: float


def settings(config: ClaimsConfig, condition: Condition) -> list[tuple[str, str, dict[str, object]]]:
    """The (label, estimator name, params) a condition is estimated under: the headline binning always; the
    check binning and KDE (for ``config.kde_activations``) on the main minibatch and full-batch trainings."""
    bounds = BOUNDS.get(condition.activation)
    out: list[tuple[str, str, dict[str, object]]] = [
        (f"binning {config.n_bins}", "binning", {"n_bins": config.n_bins, "range": bounds})
    ]
    main = condition.train_fraction == MAIN_FRACTION
    if main and config.check_n_bins:
        out.append(
            (f"binning {config.check_n_bins}", "binning", {"n_bins": config.check_n_bins, "range": bounds})
        )
    if (
        main
        and config.noise_variance
        and not condition.full_batch
        and condition.activation in config.kde_activations
    ):
        out.append((f"kde σ²={config.noise_variance:g}", "kde", {"noise_variance": config.noise_variance}))
    return out


def headline(config: ClaimsConfig) -> str:
    """The label of the headline setting (``binning 30``)."""
    return f"binning {config.n_bins}"


def _job(config: ClaimsConfig, condition: Condition) -> Trained:
    import time

    import torch

    from infoplane import estimators
    from infoplane.analysis import estimate
    from infoplane.experiments.batched import run_seeds
    from infoplane.experiments.training import Experiment, TrainConfig

    torch.set_num_threads(1)
    started = time.perf_counter()
    n_train = max(1, round(condition.train_fraction * 4096))
    train_config = TrainConfig(
        epochs=config.epochs,
        lr=config.lr,
        batch_size=n_train if condition.full_batch else config.batch_size,
        train_fraction=condition.train_fraction,
        log_points=config.log_points,
    )
    experiment = Experiment(data="szt12", activation=condition.activation, config=train_config)
    gradient_stats = not condition.full_batch and condition.train_fraction == MAIN_FRACTION
    trained = run_seeds(experiment, list(range(config.seeds)), progress=False, gradient_stats=gradient_stats)
    tables, metrics = [], []
    for run in trained:
        for label, name, params in settings(config, condition):
            table = estimate(run, [estimators.get(name, **params)], progress=False)
            tables.append(table.assign(setting=label))
        frame = pd.DataFrame(run.metrics).assign(seed=int(run.metadata["seed"]), epoch=list(run.epochs))
        metrics.append(frame)
    extra = {"train_fraction": condition.train_fraction, "full_batch": condition.full_batch}
    mi = pd.concat(tables, ignore_index=True).assign(**extra)
    return Trained(
        mi=mi,
        metrics=pd.concat(metrics, ignore_index=True).assign(**extra),
        seconds=time.perf_counter() - started,
    )


_CACHE: dict[tuple[ClaimsConfig, Condition], Trained] = {}


def _key(config: ClaimsConfig, condition: Condition) -> tuple[ClaimsConfig, Condition]:
    return replace(config, workers=1, data_dir=None), condition


def _cost(config: ClaimsConfig, condition: Condition) -> float:
    """A rough relative cost, to start the longest jobs first."""
    n_train = round(condition.train_fraction * 4096)
    steps = 1 if condition.full_batch else -(-n_train // config.batch_size)
    kde = sum(1 for label, *_ in settings(config, condition) if label.startswith("kde"))
    return steps + 2 + 6 * kde


def train_conditions(
    config: ClaimsConfig, conditions: Sequence[Condition], *, progress: bool | None = None
) -> dict[Condition, Trained]:
    """Train and estimate every condition not yet cached (``config.workers`` processes; inline for one) and
    return the results of all of ``conditions``. ``config`` is the effective one (``ClaimsConfig.effective``)."""
    wanted = list(dict.fromkeys(conditions))
    todo = sorted((c for c in wanted if _key(config, c) not in _CACHE), key=lambda c: -_cost(config, c))
    disable = None if progress is None else not progress
    if todo and (config.workers == 1 or len(todo) == 1):
        for condition in tqdm(todo, desc="claims: train + estimate", unit="condition", disable=disable):
            _CACHE[_key(config, condition)] = _job(config, condition)
    elif todo:
        with ProcessPoolExecutor(max_workers=min(config.workers, len(todo))) as pool:
            futures = {pool.submit(_job, config, c): c for c in todo}
            bar = tqdm(
                as_completed(futures),
                total=len(todo),
                desc="claims: train + estimate",
                unit="condition",
                disable=disable,
            )
            for future in bar:
                _CACHE[_key(config, futures[future])] = future.result()
    return {c: _CACHE[_key(config, c)] for c in wanted}


def clear_cache() -> None:
    """Forget every cached training (tests; a new configuration never hits an old entry anyway)."""
    _CACHE.clear()


def training_seconds() -> float:
    """Seconds spent training and estimating the cached conditions (summed over processes: CPU-ish time)."""
    return float(sum(t.seconds for t in _CACHE.values()))


def params_json(params: dict[str, object]) -> str:
    return json.dumps(params, sort_keys=True)


def mi_of(results: dict[Condition, Trained]) -> pd.DataFrame:
    """The conditions' MI tables in one."""
    return pd.concat([t.mi for t in results.values()], ignore_index=True)


def metrics_of(results: dict[Condition, Trained]) -> pd.DataFrame:
    """The conditions' metrics in one, with an ``activation`` column."""
    return pd.concat(
        [t.metrics.assign(activation=c.activation) for c, t in results.items()], ignore_index=True
    )


def finite(values: pd.Series) -> np.ndarray:
    array = values.to_numpy(dtype=np.float64)
    return array[np.isfinite(array)]


__all__ = [
    "BOUNDS",
    "MAIN_FRACTION",
    "Condition",
    "Trained",
    "clear_cache",
    "headline",
    "metrics_of",
    "mi_of",
    "settings",
    "train_conditions",
    "training_seconds",
]  # fmt: skip
