"""Tracker overhead: training the 12-bit network with and without capture at the default schedule.

Run by hand: ``python benchmarks/bench_tracker.py [EPOCHS]`` (default 2000; the issue's figure is for
8000). Target (issue 4): with capture ≤ 1.2× the plain training time. Both runs use one thread and the
same seed; the script also checks that the trained parameters are identical.
"""

from __future__ import annotations

import sys
import time

import torch

from infoplane import Tracker, log_spaced_epochs
from infoplane.experiments import TrainConfig, datasets, models, train


def timed(epochs: int, capture: bool) -> tuple[float, list[torch.Tensor], int]:
    x, y = datasets.szt12()
    config = TrainConfig(epochs=epochs, seed=0)
    torch.manual_seed(config.seed)
    model = models.mlp(models.SZT12_WIDTHS, "tanh")
    start = time.perf_counter()
    if capture:
        with Tracker(model, x, y) as tracker:
            train(model, x, y, config, tracker=tracker, progress=False)
            run = tracker.to_run()
        n_captures = len(run.epochs)
    else:
        train(model, x, y, config, progress=False)
        n_captures = 0
    return time.perf_counter() - start, [p.detach().clone() for p in model.parameters()], n_captures


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    torch.set_num_threads(1)
    plain_s, plain_params, _ = timed(epochs, capture=False)
    tracked_s, tracked_params, captures = timed(epochs, capture=True)
    same = all(torch.equal(a, b) for a, b in zip(plain_params, tracked_params))
    print(
        f"{epochs} epochs: plain {plain_s:.1f} s, with {captures} captures "
        f"({len(log_spaced_epochs(epochs))} scheduled) {tracked_s:.1f} s: ratio {tracked_s / plain_s:.2f}; "
        f"parameters identical: {same}"
    )


if __name__ == "__main__":
    main()
