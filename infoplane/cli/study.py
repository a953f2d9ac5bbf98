"""``infoplane study``: tanh against ReLU over many seeds, with compression verdicts and intervals."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from infoplane.cli._common import (
    Formatter,
    add_force,
    add_hidden_alias,
    add_quiet,
    add_verbose,
    non_negative_int,
    positive_float,
    positive_int,
    progress_of,
)

EXAMPLES = (
    "examples:\n  infoplane study -o study\n  infoplane study --seeds 3 --epochs 2000 -o quick\n"
    "  infoplane study --data mnist --data-dir ../shared/data/mnist --epochs 50 --seeds 2 -o mnist"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "study",
        help="tanh against ReLU over many seeds: trajectories, compression verdicts with intervals",
        description="Train every (activation, seed) in batches of seeds, estimate with binning (fixed, "
        "adaptive, several n_bins) and KDE, and write the MI table, the compression verdicts and study.html.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("--data", choices=["szt12", "digits", "mnist"], default="szt12", help="data set")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST IDX files (for --data mnist)")
    p.add_argument("--activations", nargs="+", default=["tanh", "relu"], help="activations to compare")
    p.add_argument("--seeds", type=positive_int, default=10, help="seeds per activation")
    p.add_argument("--epochs", type=positive_int, default=8000, help="training epochs")
    p.add_argument(
        "--log-points",
        type=positive_int,
        default=120,
        help="log-spaced schedule points (120 → 98 of 8000 epochs)",
    )
    p.add_argument(
        "--n-bins",
        type=positive_int,
        nargs="+",
        default=[30, 10, 100],
        help="uniform-binning n_bins (first: headline)",
    )
    add_hidden_alias(p, "--bins", "n_bins", type=positive_int, nargs="+")
    p.add_argument(
        "--adaptive-n-bins", type=non_negative_int, default=30, help="adaptive binning n_bins (0: none)"
    )
    add_hidden_alias(p, "--adaptive-bins", "adaptive_n_bins", type=non_negative_int)
    p.add_argument(
        "--noise-variance",
        type=positive_float,
        nargs="*",
        default=[1e-3],
        metavar="SIGMA2",
        help="KDE noise variances σ² (none: no KDE)",
    )
    add_hidden_alias(p, "--kde", "noise_variance", type=positive_float, nargs="*")
    p.add_argument("--mine", action="store_true", help="also estimate with MINE (slow)")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="parallel processes (batches of seeds)",
    )
    p.add_argument(
        "--ray",
        default=None,
        metavar="ADDRESS",
        help="run the jobs on this Ray cluster ('local': start one here)",
    )
    p.add_argument(
        "--device", default="cpu", help="where networks train; 'cuda' makes each Ray job ask for a GPU"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="reuse the runs an interrupted study already saved in OUTPUT/runs",
    )
    p.add_argument("-o", "--output", default="study", help="output folder")
    add_force(p)
    add_quiet(p, "no progress bars")
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def study_config(args: argparse.Namespace) -> Any:
    """The :class:`~infoplane.experiments.study.StudyConfig` the arguments describe."""
    from infoplane.experiments.study import StudyConfig

    settings: dict[str, Any] = {
        "n_bins": tuple(args.n_bins),
        "adaptive_n_bins": args.adaptive_n_bins,
        "noise_variance": tuple(args.noise_variance),
    }
    return StudyConfig(
        data=args.data, activations=tuple(args.activations), seeds=args.seeds, epochs=args.epochs,
        log_points=args.log_points, mine=args.mine, data_dir=args.data_dir, workers=args.workers,
        device=args.device, **settings,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from infoplane import pipeline
    from infoplane.experiments.study import run_study
    from infoplane.outputs import check_output

    config = study_config(args)
    folder = Path(args.output)
    for path, kind in pipeline.study_outputs(folder).values():
        check_output(path, kind=kind, force=args.force, what="-o")  # type: ignore[arg-type]
    runs = folder / "runs"
    if runs.exists() and not runs.is_dir():
        raise NotADirectoryError(f"-o {folder}: {runs} is a file; the study keeps its runs in that folder")
    started = time.perf_counter()
    table, verdicts = run_study(
        config, folder, progress=progress_of(args), ray_address=args.ray, resume=args.resume
    )
    elapsed = time.perf_counter() - started
    summary = (
        f"{config.data}: {', '.join(config.activations)} × {config.seeds} seeds × {config.epochs} epochs, "
        f"{len(table['epoch'].unique())} logged epochs; {elapsed:.0f} s on {config.workers} workers."
    )
    written = pipeline.write_study(folder, table, verdicts, summary)
    shown = verdicts.assign(setting=pipeline.verdict_settings(verdicts, table))
    columns = ["activation", "setting", "layer", "delta_mean", "delta_low", "delta_high", "compresses"]
    print(summary)
    print(shown[columns].round(3).to_string(index=False))
    print(f"\nwrote {', '.join(p.name for p in written)} in {folder}")
    return 0
