"""Run-file size and save/load time for the 12-bit run of 8000 epochs at the default schedule.

Run by hand: ``python benchmarks/bench_run_file.py [RUN.pt …]``. With no argument it trains the tanh
and ReLU runs first (about 70 s each on one core). Target (issue 2): under 100 MB per run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

from infoplane import load_run
from infoplane.experiments import Experiment, TrainConfig, run_experiment


def measure(path: Path) -> None:
    start = time.perf_counter()
    run = load_run(path)
    load_s = time.perf_counter() - start
    raw = sum(a.numel() * a.element_size() for a in run.activations.values())
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        copy = run.save(Path(folder) / "copy.pt")
        save_s = time.perf_counter() - start
        size = copy.stat().st_size
    print(
        f"{run.name}: {len(run.epochs)} epochs × {run.n_samples} samples × "
        f"{sum(a.shape[-1] for a in run.activations.values())} units: file {size / 1e6:.1f} MB "
        f"({size / 2**20:.1f} MiB), raw activations {raw / 1e6:.1f} MB, ratio {size / raw:.2f}; "
        f"save {save_s:.2f} s, load {load_s:.2f} s"
    )


def main(paths: list[str]) -> None:
    if not paths:
        torch.set_num_threads(1)
        folder = Path(tempfile.mkdtemp())
        for activation in ("tanh", "relu"):
            start = time.perf_counter()
            run = run_experiment(Experiment(activation=activation, config=TrainConfig(epochs=8000)), progress=False)
            print(f"trained {activation} for 8000 epochs in {time.perf_counter() - start:.0f} s")
            paths.append(str(run.save(folder / f"{activation}.pt")))
    for path in paths:
        measure(Path(path))


if __name__ == "__main__":
    main(sys.argv[1:])
