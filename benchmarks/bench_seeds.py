"""Many seeds at the price of few: 10 seeds trained batched against one seed alone, same epochs.

Run by hand: ``python benchmarks/bench_seeds.py [EPOCHS] [SEEDS]`` (defaults 2000 and 10). One seed runs
alone on one thread (``run_experiment``); the S seeds run as ``infoplane study`` runs them: one batch of
seeds per core (two processes of S/2 batched seeds here), each capturing every layer at the same
schedule. Target (issue 5): 10 seeds ≤ 3× one seed's wall time on the 2-core CPU.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import torch

from infoplane.experiments import Experiment, TrainConfig, run_experiment
from infoplane.experiments.batched import run_seeds


def batch(epochs: int, seeds: list[int]) -> int:
    torch.set_num_threads(1)
    return len(run_seeds(Experiment(activation="tanh", config=TrainConfig(epochs=epochs)), seeds, progress=False))


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n_seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    torch.set_num_threads(1)
    start = time.perf_counter()
    run_experiment(Experiment(activation="tanh", config=TrainConfig(epochs=epochs)), progress=False)
    one = time.perf_counter() - start
    halves = [list(range(n_seeds))[0::2], list(range(n_seeds))[1::2]]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        trained = sum(pool.map(batch, [epochs, epochs], halves))
    many = time.perf_counter() - start
    print(f"{epochs} epochs: one seed {one:.1f} s; {trained} seeds batched on 2 processes {many:.1f} s; ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
