"""The demo of ``infoplane demo``: the 12-bit network with tanh and with ReLU units, trained in parallel.

What the command line does is parse; the training (a process pool with a shared progress bar) and the
summary of the result live here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from infoplane.experiments.training import Experiment, TrainConfig, run_experiment

#: The activations the demo compares.
DEMO_ACTIVATIONS = ("tanh", "relu")


def demo_run_path(folder: str | os.PathLike[str], activation: str, seed: int) -> Path:
    """Where :func:`train_demo_runs` writes the run of ``activation``: ``FOLDER/szt12-ACTIVATION-seedSEED.pt``."""
    return Path(folder) / f"szt12-{activation}-seed{seed}.pt"


def _demo_job(activation: str, epochs: int, seed: int, folder: str, queue: Any) -> str:
    """One demo training, in a worker process; reports finished epochs through ``queue``."""
    import torch

    torch.set_num_threads(1)  # two small trainings in parallel beat one that uses both cores
    experiment = Experiment(data="szt12", activation=activation, config=TrainConfig(epochs=epochs, seed=seed))
    step = 50

    def tick(epoch: int) -> None:
        done = epoch + 1
        if queue is not None and (done % step == 0 or done == epochs):
            queue.put(step if done % step == 0 else done % step)

    run = run_experiment(experiment, progress=False, on_epoch=tick)
    return str(run.save(demo_run_path(folder, activation, seed)))


def train_demo_runs(
    folder: str | os.PathLike[str],
    epochs: int,
    seed: int,
    workers: int,
    progress: bool | None = None,
    activations: Sequence[str] = DEMO_ACTIVATIONS,
) -> list[Path]:
    """Train the 12-bit network once per activation, in parallel processes, and save each run.

    Args:
        folder: where the runs are written (:func:`demo_run_path`); created if missing.
        epochs: training epochs of each network.
        seed: the seed of every run.
        workers: parallel training processes (at least 1).
        progress: show one progress bar over all trainings (``None``: only on a terminal).
        activations: one run each.

    Returns:
        The run files, in the order of ``activations``.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, wait

    from tqdm.auto import tqdm

    Path(folder).mkdir(parents=True, exist_ok=True)
    manager = mp.Manager()
    queue = manager.Queue()
    try:
        with (
            ProcessPoolExecutor(max_workers=max(1, workers)) as pool,
            tqdm(
                total=epochs * len(activations),
                desc=f"training {' + '.join(activations)}",
                unit="epoch",
                disable=None if progress is None else not progress,
            ) as bar,
        ):
            futures = [pool.submit(_demo_job, a, epochs, seed, str(folder), queue) for a in activations]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.5)
                while not queue.empty():
                    bar.update(queue.get())
            while not queue.empty():
                bar.update(queue.get())
            return [Path(f.result()) for f in futures]
    finally:
        manager.shutdown()


def hidden_layer_drops(table: pd.DataFrame) -> pd.DataFrame:
    """Per run and hidden layer (the output layer left out), the I(X;T) peak, final value and drop (bits),
    runs in the table's order and layers in network order (:func:`infoplane.analysis.per_run_phases`)."""
    from infoplane.analysis import per_run_phases

    drops = per_run_phases(table)
    order = {name: i for i, name in enumerate(dict.fromkeys(table["run"]))}
    drops = drops.sort_values(["run", "layer_index"], key=lambda c: c.map(order) if c.name == "run" else c)
    return drops[drops["layer"] != "output"]


def drops_text(table: pd.DataFrame, epochs: int, seed: int) -> str:
    """What ``infoplane demo`` prints of its MI table: per activation and hidden layer, the I(X;T) peak,
    final value and drop (:func:`hidden_layer_drops`); ``benchmarks/readme_tables.py`` writes the same
    text into the README from the saved table."""
    lines = [
        f"I(X;T) of the hidden layers after its peak (binning, 30 bins over each layer's range over all "
        f"logged epochs; {epochs} epochs, seed {seed}):"
    ]
    for activation, group in hidden_layer_drops(table).groupby("activation", sort=False):
        lines.append(f"  {activation}:")
        lines += [
            f"    layer {row.layer:>3}: peak {row.peak_I_XT:6.3f} bits at epoch {row.peak_epoch:>5}, "
            f"final {row.final_I_XT:6.3f} bits, fell {row.delta_bits:6.3f} bits"
            for row in group.itertuples()
        ]
    return "\n".join(lines)


__all__ = ["DEMO_ACTIVATIONS", "demo_run_path", "drops_text", "hidden_layer_drops", "train_demo_runs"]
