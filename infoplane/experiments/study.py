"""The compression study: activations × seeds, trained in batches, estimated under several settings.

Answers, with intervals across seeds, whether each layer compresses (Shwartz-Ziv & Tishby 2017) and how
the verdict depends on the activation (Saxe et al. 2018) and on the estimator and its setting
(Chelombiev et al. 2019). Runs are independent jobs, executed by a local process pool.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


#: Bounds of an activation's outputs, for estimators that bin over a fixed range (tanh: (-1, 1), as in the
#: original analysis); an activation not listed is unbounded and gets ``None`` (the run's own range).
ACTIVATION_BOUNDS: dict[str, tuple[float, float]] = {"tanh": (-1.0, 1.0)}


@dataclass(frozen=True)
class StudyConfig:
    """What the study trains and how it estimates.

    Attributes:
        data: ``"szt12"``, ``"digits"`` or ``"mnist"`` (with ``data_dir``).
        activations: hidden-unit activations compared.
        seeds: runs per activation.
        epochs: training epochs; ``log_points`` of the log-spaced schedule (120 → 98 logged of 8000).
        estimators: registry names of the estimators studied, each with the settings its class's
            ``study_settings`` gives (a plugin with none is studied with its default parameters).
        n_bins: n_bins of the uniform-binning settings (the first is the headline, the rest the
            sensitivity panel); ``adaptive_n_bins`` for the adaptive setting (0: none).
        noise_variance: σ² of the KDE settings (empty: none).
        mine: also study MINE (adds ``"mine"`` to ``estimators``).
        params: per estimator name, more overrides passed to its ``study_settings``.
        workers: processes (local) or jobs per activation (Ray).
        device: where the networks train (``"cuda"`` makes each Ray job ask for a GPU).
    """

    data: str = "szt12"
    activations: tuple[str, ...] = ("tanh", "relu")
    seeds: int = 10
    epochs: int = 8000
    log_points: int = 120
    lr: float = 4e-4
    estimators: tuple[str, ...] = ("binning", "kde")
    n_bins: tuple[int, ...] = (30, 10, 100)
    adaptive_n_bins: int = 30
    noise_variance: tuple[float, ...] = (1e-3,)
    mine: bool = False
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_dir: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    device: str = "cpu"

    def experiment(self, activation: str) -> Experiment:
        return Experiment(
            data=self.data,
            activation=activation,
            hidden=HIDDEN[self.data],
            config=TrainConfig(epochs=self.epochs, lr=self.lr, log_points=self.log_points),
            data_dir=self.data_dir,
        )

    @property
    def estimator_names(self) -> tuple[str, ...]:
        """``estimators``, plus ``"mine"`` when ``mine`` is set, each once."""
        return tuple(dict.fromkeys([*self.estimators, *(["mine"] if self.mine else [])]))

    def overrides(self, name: str) -> dict[str, Any]:
        """The keyword overrides for estimator ``name``'s ``study_settings``: the config's own fields for
        the built-in ones (n_bins and adaptive_n_bins for binning, noise_variance for kde), then ``params``."""
        own: dict[str, dict[str, Any]] = {
            "binning": {"n_bins": tuple(self.n_bins), "adaptive_n_bins": int(self.adaptive_n_bins)},
            "kde": {"noise_variance": tuple(self.noise_variance)},
        }
        return {**own.get(name, {}), **self.params.get(name, {})}


def study_settings(name: str, bounds: tuple[float, float] | None, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """The parameter dicts the study sweeps for estimator ``name``: its class's ``study_settings(bounds,
    **overrides)``. An estimator named in the study that has none (the opt-in default ``[]``) and was given
    no overrides is studied once, with its default parameters."""
    settings = list(type(estimators.get(name)).study_settings(bounds, **overrides))
    if not settings and not overrides:
        return [{}]
    return settings


def settings_for(run: Any, config: StudyConfig) -> list[Estimator]:
    """The estimator settings of the study for one run, from each estimator class's ``study_settings``:
    bounded activations (tanh) are binned over their bounds (-1, 1) as in the original analysis, unbounded
    ones over the run's range across all logged epochs (Saxe et al.).

    Args:
        run: a run (anything with ``metadata``; its ``activation`` picks the bounds).
        config: the study's configuration.
    """
    activation = (getattr(run, "metadata", None) or {}).get("activation")
    bounds = ACTIVATION_BOUNDS.get(str(activation)) if activation is not None else None
    return [
        estimators.get(name, **params)
        for name in config.estimator_names
        for params in study_settings(name, bounds, config.overrides(name))
    ]


def _study_job(
    config: StudyConfig, activation: str, seeds: list[int], runs: list[Run] | None = None
) -> tuple[list[Run], pd.DataFrame]:
    """One job: train a batch of seeds of one activation (unless its ``runs`` are given, when resuming)
    and estimate every setting on each run."""
    import torch

    torch.set_num_threads(1)
    if runs is None:
        runs = run_seeds(config.experiment(activation), seeds, progress=False, device=config.device)
    tables = [estimate(run, settings_for(run, config), progress=False) for run in runs]
    return runs, pd.concat(tables, ignore_index=True)


def _trained_as(run: Run, config: StudyConfig, activation: str, seed: int) -> bool:
    """Whether a saved run is what this study would train for (activation, seed)."""
    experiment = config.experiment(activation)
    widths = list(run.metadata.get("widths", []))
    expected = experiment.run_metadata(seed, [*widths[:1], *experiment.hidden, *widths[-1:]])
    return all(run.metadata.get(key) == value for key, value in expected.items())


def _chunks(seeds: Sequence[int], parts: int) -> list[list[int]]:
    parts = max(1, min(parts, len(seeds)))
    return [list(seeds[i::parts]) for i in range(parts)]


Job = tuple[StudyConfig, str, list[int], "list[Run] | None"]
Result = tuple[list[Run], pd.DataFrame]


def _map_local(jobs: list[Job], workers: int, disable: bool | None, done: Callable[[Result], None]) -> list[Result]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_study_job, *job): i for i, job in enumerate(jobs)}
        results: dict[int, Result] = {}
        for future in tqdm(as_completed(futures), total=len(jobs), desc="train + estimate", unit="job", disable=disable):
            results[futures[future]] = future.result()
            done(results[futures[future]])  # saved as soon as a job ends: an interruption loses only running jobs
        return [results[i] for i in range(len(jobs))]


def _map_ray(
    jobs: list[Job], address: str, gpus: float, disable: bool | None, done: Callable[[Result], None]
) -> list[Result]:
    """The same jobs on a Ray cluster (``address``; ``"local"`` starts one here). Results come back to
    this process, so no shared file system is assumed."""
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs the optional dependency: pip install 'infoplane[ray]'") from None
    started = not ray.is_initialized()
    if started:
        ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1, num_gpus=gpus)(_study_job)
        refs = [remote.remote(*job) for job in jobs]
        results = []
        for ref in tqdm(refs, desc="train + estimate (ray)", unit="job", disable=disable):
            results.append(ray.get(ref))
            done(results[-1])
        return results
    finally:
        if started:
            ray.shutdown()


def run_study(
    config: StudyConfig,
    folder: str | Path,
    *,
    progress: bool | None = None,
    ray_address: str | None = None,
    resume: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train every (activation, seed), estimate every setting, and return (MI table, compression table).

    Jobs are batches of seeds of one activation (one batch per worker), so ten seeds cost about as much
    as two or three alone; they run in a local process pool, or on a Ray cluster at ``ray_address``
    (``"local"``: a Ray instance started here), each asking for a GPU when ``config.device`` is CUDA.
    The runs are saved under ``folder/runs`` as each job ends; with ``resume``, a job whose runs are all
    there is not trained again (its runs are loaded and estimated), so an interrupted study continues
    where it stopped.
    """
    folder = Path(folder)
    runs_dir = folder / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    seeds = list(range(config.seeds))
    disable = None if progress is None else not progress
    def path(activation: str, seed: int) -> Path:
        return runs_dir / f"{config.data}-{activation}-seed{seed}.pt"

    def save(result: Result) -> None:
        for run in result[0]:
            run.save(path(str(run.metadata["activation"]), int(run.metadata["seed"])))

    jobs: list[Job] = []
    for activation in config.activations:
        for chunk in _chunks(seeds, config.workers):
            saved = [path(activation, seed) for seed in chunk]
            reused = [load_run(p) for p in saved] if resume and all(p.is_file() for p in saved) else None
            if reused is not None and not all(_trained_as(r, config, activation, s) for r, s in zip(reused, chunk)):
                warnings.warn(
                    f"--resume: saved runs of {activation} seeds {chunk} were trained with other settings; training them again",
                    RuntimeWarning,
                    stacklevel=2,
                )
                reused = None
            jobs.append((config, activation, chunk, reused))
    if ray_address is None:
        results = _map_local(jobs, config.workers, disable, save)
    else:
        results = _map_ray(jobs, ray_address, 1.0 if config.device.startswith("cuda") else 0.0, disable, save)
    table = pd.concat([t for _, t in results], ignore_index=True)
    order = {a: i for i, a in enumerate(config.activations)}
    table = table.sort_values(["activation", "seed", "estimator", "params", "layer_index", "epoch"],
                              key=lambda c: c.map(order) if c.name == "activation" else c, ignore_index=True)  # fmt: skip
    return table, compression(table)


__all__ = ["ACTIVATION_BOUNDS", "HIDDEN", "StudyConfig", "run_study", "settings_for", "study_settings"]
