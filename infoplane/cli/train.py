"""``infoplane train``: train a built-in network and save its run file."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from infoplane.cli._common import (
    Formatter,
    add_force,
    add_quiet,
    add_verbose,
    positive_float,
    positive_int,
    progress_of,
)

EXAMPLES = (
    "examples:\n  infoplane train --data szt12 --activation tanh --epochs 8000 --seed 0 -o tanh.pt\n"
    "  infoplane train --activation tanh --epochs 8000 -o tanh.pt --resume   # after an interruption"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train",
        help="train the 12-bit (or digits) network and save a run file",
        description="Train a built-in MLP with a tracker capturing every activation layer at log-spaced epochs. "
        "While it trains, a checkpoint is kept beside the output (OUTPUT.ckpt and OUTPUT.partial); the run "
        "file is written once, at the end, so an existing OUTPUT stays as it was until the new run is complete.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("--data", choices=["szt12", "digits"], default="szt12", help="built-in data set")
    p.add_argument("--activation", choices=["tanh", "relu"], default="tanh", help="hidden-unit activation")
    p.add_argument("--epochs", type=positive_int, default=8000, help="training epochs")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, split and minibatch order")
    p.add_argument("--lr", type=positive_float, default=4e-4, help="Adam learning rate")
    p.add_argument("--batch-size", type=positive_int, default=256, help="minibatch size")
    p.add_argument(
        "--log-points", type=positive_int, default=274, help="points of the log-spaced capture schedule"
    )
    p.add_argument("-o", "--output", default="run.pt", help="run file to write")
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its checkpoint (OUTPUT.ckpt)"
    )
    add_force(p)
    add_quiet(p)
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from infoplane.experiments import Experiment, TrainConfig
    from infoplane.experiments.training import train_to_file

    config = TrainConfig(
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed, log_points=args.log_points
    )
    experiment = Experiment(data=args.data, activation=args.activation, config=config)
    started = time.perf_counter()
    result = train_to_file(
        experiment, args.output, resume=args.resume, progress=progress_of(args), force=args.force
    )
    size = os.path.getsize(args.output)
    print(
        f"wrote {args.output} ({size / 1e6:.1f} MB): {len(result.epochs)} logged epochs, layers {result.layers}, "
        f"final test accuracy {result.metrics['test_accuracy'][-1]:.3f}, {time.perf_counter() - started:.1f} s"
    )
    return 0
