"""The compression study: activations × seeds, trained in batches, estimated under several settings.

Answers, with intervals across seeds, whether each layer compresses (Shwartz-Ziv & Tishby 2017) and how
the verdict depends on the activation (Saxe et al. 2018) and on the estimator and its setting
(Chelombiev et al. 2019). Runs are independent jobs, executed by a local process pool.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from infoplane import estimators
from infoplane.analysis import compression, estimate
from infoplane.estimators import Estimator
from infoplane.experiments.batched import run_seeds
from infoplane.experiments.training import Experiment, TrainConfig
from infoplane.run import Run, load_run

#: Hidden widths per data set (the 12-bit network; Saxe et al.'s MNIST network; a small one for digits).
HIDDEN = {"szt12": (10, 7, 5, 4, 3), "mnist": (1024, 20, 20, 20), "digits": (32, 16, 8, 4)}


@dataclass(frozen=True)
class StudyConfig:
    """What the study trains and how it estimates.

    Attributes:
        data: ``"szt12"``, ``"digits"`` or ``"mnist"`` (with ``data_dir``).
        activations: hidden-unit activations compared.
        seeds: runs per activation.
        epochs: training epochs; ``log_points`` of the log-spaced schedule (120 → 98 logged of 8000).
        bins: n_bins of the uniform-binning settings (the first is the headline, the rest the
            sensitivity panel); ``adaptive_bins`` for the adaptive estimator (0: none).
        kde_variances: σ² of the KDE settings (empty: none); ``mine``: add MINE.
        workers: processes.
    """

    data: str = "szt12"
    activations: tuple[str, ...] = ("tanh", "relu")
    seeds: int = 10
    epochs: int = 8000
    log_points: int = 120
    lr: float = 4e-4
    bins: tuple[int, ...] = (30, 10, 100)
    adaptive_bins: int = 30
    kde_variances: tuple[float, ...] = (1e-3,)
    mine: bool = False
    data_dir: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def experiment(self, activation: str) -> Experiment:
        return Experiment(
            data=self.data,
            activation=activation,
            hidden=HIDDEN[self.data],
            config=TrainConfig(epochs=self.epochs, lr=self.lr, log_points=self.log_points),
            data_dir=self.data_dir,
        )


def settings_for(run: Run, config: StudyConfig) -> list[Estimator]:
    """The estimator settings of the study for one run: tanh layers are binned over [-1, 1] as in the
    original analysis, unbounded units over the run's range across all logged epochs (Saxe et al.)."""
    bounded = (-1.0, 1.0) if run.metadata.get("activation") == "tanh" else None
    chosen: list[Estimator] = [estimators.get("binning", n_bins=b, range=bounded) for b in config.bins]
    if config.adaptive_bins:
        chosen.append(estimators.get("binning", n_bins=config.adaptive_bins, strategy="adaptive"))
    chosen += [estimators.get("kde", noise_variance=v) for v in config.kde_variances]
    if config.mine:
        chosen.append(estimators.get("mine"))
    return chosen


def _train_job(config: StudyConfig, activation: str, seeds: list[int], folder: str) -> list[str]:
    import torch

    torch.set_num_threads(1)
    paths = []
    for run in run_seeds(config.experiment(activation), seeds, progress=False):
        name = f"{config.data}-{activation}-seed{run.metadata['seed']}"
        paths.append(str(run.save(Path(folder) / f"{name}.pt")))
    return paths


def _estimate_job(config: StudyConfig, path: str) -> pd.DataFrame:
    import torch

    torch.set_num_threads(1)
    run = load_run(path)
    table = estimate(run, settings_for(run, config), progress=False)
    return table


def _chunks(seeds: Sequence[int], parts: int) -> list[list[int]]:
    parts = max(1, min(parts, len(seeds)))
    return [list(seeds[i::parts]) for i in range(parts)]


def run_study(config: StudyConfig, folder: str | Path, *, progress: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train every (activation, seed), estimate every setting, and return (MI table, compression table).

    Runs are saved under ``folder/runs``. Seeds of one activation train in batches (one batch per
    worker), so ten seeds cost about as much as two or three alone.
    """
    folder = Path(folder)
    runs_dir = folder / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    seeds = list(range(config.seeds))
    disable = None if progress is None else not progress
    train_jobs = [(a, chunk) for a in config.activations for chunk in _chunks(seeds, config.workers)]
    paths: list[str] = []
    with ProcessPoolExecutor(max_workers=config.workers) as pool:
        futures = [pool.submit(_train_job, config, a, chunk, str(runs_dir)) for a, chunk in train_jobs]
        for future in tqdm(futures, desc="training (batched seeds)", unit="job", disable=disable):
            paths += future.result()
        futures = [pool.submit(_estimate_job, config, p) for p in paths]
        tables = [f.result() for f in tqdm(futures, desc="estimating", unit="run", disable=disable)]
    table = pd.concat(tables, ignore_index=True)
    return table, compression(table)


def headline(verdicts: pd.DataFrame, config: StudyConfig) -> pd.DataFrame:
    """The compression table of the README: per activation, estimator setting and layer."""
    columns = ["activation", "estimator", "params", "layer", "n_seeds", "peak_epoch_median", "delta_mean", "delta_low", "delta_high", "compresses"]
    return verdicts[columns]


__all__ = ["HIDDEN", "StudyConfig", "headline", "run_study", "settings_for"]
