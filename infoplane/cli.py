"""The ``infoplane`` command: argument parsing only; every command is a few library calls.

Exit codes: 0 success, 1 failure (bad file, bad data), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infoplane._version import __version__

EXAMPLES = {
    "train": "examples:\n  infoplane train --data szt12 --activation tanh --epochs 8000 --seed 0 -o tanh.pt\n"
    "  infoplane train --activation tanh --epochs 8000 -o tanh.pt --resume   # after an interruption",
    "report": "examples:\n  infoplane report tanh.pt relu.pt -o report.html\n"
    "  infoplane report relu.pt --bins 100 --strategy adaptive -o relu-adaptive.html\n"
    "  infoplane report tanh.pt --estimator binning kde ksg --param kde.noise_variance=0.1",
    "demo": "examples:\n  infoplane demo\n  infoplane demo --epochs 2000 -o demo-short",
    "study": "examples:\n  infoplane study -o study\n  infoplane study --seeds 3 --epochs 2000 -o quick\n"
    "  infoplane study --data mnist --data-dir ../shared/data/mnist --epochs 50 --seeds 2 -o mnist",
    "export": "examples:\n  infoplane export run.pt --format parquet\n"
    "  infoplane export run.pt --estimator binning kde -o run-mi.csv",
    "bench": "examples:\n  infoplane bench -o bench\n  infoplane bench --list\n"
    "  infoplane bench --estimators binning ksg --tasks 'gauss-*' --seeds 3 -o gauss",
}


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def _add_param_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a parameter of one estimator, e.g. kde.noise_variance=0.1 or mine.steps=2000 (repeatable)",
    )


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train the 12-bit (or digits) network and save a run file",
        description="Train a built-in MLP with a tracker capturing every activation layer at log-spaced epochs.",
        epilog=EXAMPLES["train"],
        formatter_class=_Formatter,
    )
    p.add_argument("--data", choices=["szt12", "digits"], default="szt12", help="built-in data set")
    p.add_argument("--activation", choices=["tanh", "relu"], default="tanh", help="hidden-unit activation")
    p.add_argument("--epochs", type=int, default=8000, help="training epochs")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, split and minibatch order")
    p.add_argument("--lr", type=float, default=4e-4, help="Adam learning rate")
    p.add_argument("--batch-size", type=int, default=256, help="minibatch size")
    p.add_argument("--log-points", type=int, default=274, help="points of the log-spaced capture schedule")
    p.add_argument("-o", "--output", default="run.pt", help="run file to write")
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its checkpoint (OUTPUT.ckpt)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train)


def _add_report(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="estimate the information plane of runs and write one HTML page",
        description="Estimate I(X;T) and I(T;Y) (bits) for every layer and logged epoch, and write a "
        "self-contained HTML report (opens offline).",
        epilog=EXAMPLES["report"],
        formatter_class=_Formatter,
    )
    p.add_argument("runs", nargs="+", help="run files (run.pt)")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    p.add_argument("--estimator", nargs="+", default=["binning"], help="estimators, by registry name")
    p.add_argument("--bins", type=int, default=30, help="binning: bins per unit")
    p.add_argument("--strategy", choices=["uniform", "adaptive"], default="uniform", help="binning: bin edges")
    p.add_argument(
        "--range",
        nargs=2,
        type=float,
        metavar=("LO", "HI"),
        default=None,
        help="binning: fixed range for every layer (default: each layer's range over all logged epochs)",
    )
    _add_param_option(p)
    p.add_argument("--csv", default=None, help="also write the MI table to this CSV file")
    p.add_argument("--png", action="store_true", help="also write each figure as PNG (needs kaleido and a Chromium)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_report)


def _add_demo(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="train tanh and ReLU on the 12-bit set and report their information planes",
        description="The canonical experiment (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018): the 12-10-7-5-4-3-2 "
        "network with tanh and with ReLU units, binned MI, one HTML report.",
        epilog=EXAMPLES["demo"],
        formatter_class=_Formatter,
    )
    p.add_argument("-o", "--output", default="infoplane-demo", help="folder for the runs and report.html")
    p.add_argument("--epochs", type=int, default=8000, help="training epochs of each network")
    p.add_argument("--seed", type=int, default=0, help="seed of both runs")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel training processes")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_demo)


def _add_export(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="write a run's MI table (the tidy table) as CSV or Parquet",
        description="Estimate a run with the named estimators (or take its online estimates) and write the "
        "tidy table: run, activation, seed, epoch, layer, layer_index, estimator, params, fitted, I_XT, I_TY.",
        epilog=EXAMPLES["export"],
        formatter_class=_Formatter,
    )
    p.add_argument("run", help="run file")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format")
    p.add_argument("--estimator", nargs="+", default=["binning"], help="estimators, by registry name")
    _add_param_option(p)
    p.add_argument("-o", "--output", default=None, help="output file (default: the run's name with the format's suffix)")
    p.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from infoplane import estimators
    from infoplane.run import load_run

    run = load_run(args.run)
    params = parse_params(args.param)
    table = run.to_pandas([estimators.get(name, **params.get(name, {})) for name in args.estimator])
    output = Path(args.output) if args.output else Path(args.run).with_suffix(f".{args.format}")
    if args.format == "csv":
        table.to_csv(output, index=False)
    else:
        table.to_parquet(output, index=False)
    print(f"wrote {output} ({len(table)} rows)")
    return 0


def _add_bench(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="score estimators against distributions whose MI is known",
        description="Run every applicable (estimator, task) pair over seeds; write results.csv and bench.html. "
        "Inapplicable pairs and failures are rows with their reason, not aborts.",
        epilog=EXAMPLES["bench"],
        formatter_class=_Formatter,
    )
    p.add_argument("--estimators", nargs="+", default=["binning", "kde", "ksg", "mine"], help="estimators")
    p.add_argument("--tasks", nargs="+", default=None, metavar="GLOB", help="task ids or glob patterns (default: all)")
    p.add_argument("--n", type=int, default=4096, help="samples per task and seed")
    p.add_argument("--seeds", type=int, default=5, help="seeds per pair")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    _add_param_option(p)
    p.add_argument("--list", action="store_true", help="list the tasks with their truth and exit")
    p.add_argument("-o", "--output", default="bench", help="folder for results.csv and bench.html")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from infoplane import bench
    from infoplane.reports.bench_page import write_bench_report

    if args.list:
        for task in bench.select_tasks(args.tasks):
            print(f"{task.id:<34} {task.family:<12} {task.dim_a:>3}×{task.dim_b:<3} {task.truth_bits:8.4f} bits  {task.note}")
        return 0
    params = parse_params(args.param)
    specs = [bench.EstimatorSpec(name, params.get(name, {})) for name in args.estimators]
    started = time.perf_counter()
    results = bench.run(specs, args.tasks, n=args.n, seeds=args.seeds, workers=args.workers, progress=False if args.quiet else None)
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    results.to_csv(folder / "results.csv", index=False)
    summary = bench.summary(results)
    page = write_bench_report(folder / "bench.html", results, summary)
    print(f"median absolute error (bits) per estimator and family, n = {args.n}, {args.seeds} seeds:")
    print(summary.round(3).to_string())
    failed = int((results["status"] == "error").sum())
    print(f"\nwrote {folder / 'results.csv'} and {page} in {time.perf_counter() - started:.0f} s"
          + (f"; {failed} pairs failed (see the error column)" if failed else ""))
    return 0


def _add_study(sub: Any) -> None:
    p = sub.add_parser(
        "study",
        help="tanh against ReLU over many seeds: trajectories, compression verdicts with intervals",
        description="Train every (activation, seed) in batches of seeds, estimate with binning (fixed, "
        "adaptive, several n_bins) and KDE, and write the MI table, the compression verdicts and study.html.",
        epilog=EXAMPLES["study"],
        formatter_class=_Formatter,
    )
    p.add_argument("--data", choices=["szt12", "digits", "mnist"], default="szt12", help="data set")
    p.add_argument("--data-dir", default=None, help="folder of the MNIST IDX files (for --data mnist)")
    p.add_argument("--activations", nargs="+", default=["tanh", "relu"], help="activations to compare")
    p.add_argument("--seeds", type=int, default=10, help="seeds per activation")
    p.add_argument("--epochs", type=int, default=8000, help="training epochs")
    p.add_argument("--log-points", type=int, default=120, help="log-spaced schedule points (120 → 98 of 8000 epochs)")
    p.add_argument("--bins", type=int, nargs="+", default=[30, 10, 100], help="uniform-binning n_bins (first: headline)")
    p.add_argument("--adaptive-bins", type=int, default=30, help="adaptive binning n_bins (0: none)")
    p.add_argument("--kde", type=float, nargs="*", default=[1e-3], metavar="SIGMA2", help="KDE noise variances")
    p.add_argument("--mine", action="store_true", help="also estimate with MINE (slow)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes (batches of seeds)")
    p.add_argument("--ray", default=None, metavar="ADDRESS", help="run the jobs on this Ray cluster ('local': start one here)")
    p.add_argument("--device", default="cpu", help="where networks train; 'cuda' makes each Ray job ask for a GPU")
    p.add_argument("--resume", action="store_true", help="reuse the runs an interrupted study already saved in OUTPUT/runs")
    p.add_argument("-o", "--output", default="study", help="output folder")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_study)


def _study(args: argparse.Namespace) -> int:
    from infoplane.experiments.study import StudyConfig, run_study
    from infoplane.reports.study_page import setting_label, write_study_report

    config = StudyConfig(
        data=args.data, activations=tuple(args.activations), seeds=args.seeds, epochs=args.epochs,
        log_points=args.log_points, bins=tuple(args.bins), adaptive_bins=args.adaptive_bins,
        kde_variances=tuple(args.kde), mine=args.mine, data_dir=args.data_dir, workers=args.workers,
        device=args.device,
    )  # fmt: skip
    started = time.perf_counter()
    folder = Path(args.output)
    table, verdicts = run_study(
        config, folder, progress=False if args.quiet else None, ray_address=args.ray, resume=args.resume
    )
    table.to_csv(folder / "mi_table.csv", index=False)
    table.to_parquet(folder / "mi_table.parquet", index=False)
    verdicts.to_csv(folder / "compression.csv", index=False)
    written = ["mi_table.csv", "mi_table.parquet", "compression.csv"]
    elapsed = time.perf_counter() - started
    summary = (
        f"{config.data}: {', '.join(config.activations)} × {config.seeds} seeds × {config.epochs} epochs, "
        f"{len(table['epoch'].unique())} logged epochs; {elapsed:.0f} s on {config.workers} workers."
    )
    write_study_report(folder / "study.html", table, verdicts, summary)
    shown = verdicts.assign(setting=[setting_label(e, p) for e, p in zip(verdicts["estimator"], verdicts["params"])])
    print(summary)
    print(shown[["activation", "setting", "layer", "delta_mean", "delta_low", "delta_high", "compresses"]].round(3).to_string(index=False))
    print(f"\nwrote {', '.join(written)} and study.html in {folder}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``infoplane`` argument parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="infoplane",
        description="Information-plane analysis of PyTorch networks: I(X;T) against I(T;Y), in bits.",
        epilog="Run 'infoplane COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"infoplane {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="on failure, print the full traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_train(sub)
    _add_report(sub)
    _add_demo(sub)
    _add_bench(sub)
    _add_study(sub)
    _add_export(sub)
    return parser


def _train(args: argparse.Namespace) -> int:
    from infoplane.experiments import Experiment, TrainConfig, run_experiment
    from infoplane.experiments.training import Checkpoint

    output = Path(args.output)
    checkpoint = Checkpoint(output.with_name(output.name + ".ckpt"), output)
    if checkpoint.path.exists() and not args.resume:
        raise ValueError(
            f"{checkpoint.path} holds an interrupted run: pass --resume to continue it, or delete it to start over"
        )
    if args.resume and not checkpoint.path.exists():
        raise ValueError(f"--resume: no checkpoint {checkpoint.path} to resume from")
    config = TrainConfig(
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed, log_points=args.log_points
    )
    experiment = Experiment(data=args.data, activation=args.activation, config=config)
    started = time.perf_counter()
    run = run_experiment(experiment, progress=False if args.quiet else None, checkpoint=checkpoint)
    path = run.save(output)
    checkpoint.path.unlink(missing_ok=True)  # finished: nothing left to resume
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): {len(run.epochs)} logged epochs, layers {run.layers}, "
        f"final test accuracy {run.metrics['test_accuracy'][-1]:.3f}, {time.perf_counter() - started:.1f} s"
    )
    return 0


def parse_params(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["kde.noise_variance=0.1", …]`` → ``{"kde": {"noise_variance": 0.1}}``; values are read as JSON
    where they parse (numbers, true/false, null, lists), else kept as strings."""
    import json

    params: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        name, dot, field = key.partition(".")
        if not sep or not dot or not name or not field:
            raise ValueError(f"--param {item!r}: write NAME.KEY=VALUE, e.g. kde.noise_variance=0.1")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params.setdefault(name, {})[field] = tuple(value) if isinstance(value, list) else value
    return params


def _estimator_params(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    params = parse_params(args.param)
    binning: dict[str, Any] = {"n_bins": args.bins, "strategy": args.strategy}
    if args.range is not None:
        binning["range"] = tuple(args.range)
    params["binning"] = {**binning, **params.get("binning", {})}
    unused = sorted(set(params) - set(args.estimator) - {"binning"})
    if unused:
        raise ValueError(f"--param names estimators {unused} that are not in --estimator {args.estimator}")
    return params


def _report(args: argparse.Namespace) -> int:
    from infoplane.reports import build_report

    path, table, runs = build_report(
        args.runs,
        args.output,
        args.estimator,
        _estimator_params(args),
        progress=False if args.quiet else None,
        csv=args.csv,
    )
    print(f"wrote {path.resolve()} ({len(table)} estimates)")
    if args.png:
        from infoplane.reports.page import write_pngs

        try:
            pngs = write_pngs(path, table, runs)
        except RuntimeError as exc:
            print(f"infoplane report: {exc}; the HTML report was written", file=sys.stderr)
            return 1
        print("wrote " + ", ".join(str(p) for p in pngs))
    return 0


def _demo_job(activation: str, epochs: int, seed: int, folder: str, queue: Any) -> str:
    """One demo training, in a worker process; reports finished epochs through ``queue``."""
    import torch

    from infoplane.experiments import Experiment, TrainConfig, run_experiment

    torch.set_num_threads(1)  # two small trainings in parallel beat one that uses both cores
    experiment = Experiment(data="szt12", activation=activation, config=TrainConfig(epochs=epochs, seed=seed))
    step = 50

    def tick(epoch: int) -> None:
        done = epoch + 1
        if queue is not None and (done % step == 0 or done == epochs):
            queue.put(step if done % step == 0 else done % step)

    run = run_experiment(experiment, progress=False, on_epoch=tick)
    return str(run.save(Path(folder) / f"szt12-{activation}-seed{seed}.pt"))


def _train_demo_runs(folder: Path, epochs: int, seed: int, workers: int, progress: bool | None) -> list[Path]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, wait

    from tqdm.auto import tqdm

    activations = ["tanh", "relu"]
    manager = mp.Manager()
    queue = manager.Queue()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool, tqdm(
        total=epochs * len(activations), desc="training tanh + relu", unit="epoch", disable=None if progress is None else not progress
    ) as bar:
        futures = [pool.submit(_demo_job, a, epochs, seed, str(folder), queue) for a in activations]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.5)
            while not queue.empty():
                bar.update(queue.get())
        while not queue.empty():
            bar.update(queue.get())
        paths = [Path(f.result()) for f in futures]
    manager.shutdown()
    return paths


def _demo(args: argparse.Namespace) -> int:
    from infoplane.analysis import per_run_phases
    from infoplane.reports import build_report

    started = time.perf_counter()
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    progress = False if args.quiet else None
    paths = _train_demo_runs(folder, args.epochs, args.seed, args.workers, progress)
    report, table, _ = build_report(paths, folder / "report.html", progress=progress, csv=folder / "mi.csv")
    drops = per_run_phases(table)
    print(f"\nreport: {report.resolve()}")
    print(f"runs:   {', '.join(str(p) for p in paths)}")
    print(
        f"\nI(X;T) of the hidden layers after its peak (binning, 30 bins over each layer's range over all "
        f"logged epochs; {args.epochs} epochs, seed {args.seed}):"
    )
    order = {name: i for i, name in enumerate(dict.fromkeys(table["run"]))}
    drops = drops.sort_values(["run", "layer_index"], key=lambda c: c.map(order) if c.name == "run" else c)
    for activation, group in drops.groupby("activation", sort=False):
        hidden = group[group["layer"] != "output"]
        print(f"  {activation}:")
        for row in hidden.itertuples():
            print(
                f"    layer {row.layer:>3}: peak {row.peak_I_XT:6.3f} bits at epoch {row.peak_epoch:>5}, "
                f"final {row.final_I_XT:6.3f} bits, fell {row.delta_bits:6.3f} bits"
            )
    print(f"\ndone in {time.perf_counter() - started:.0f} s; open the report in a browser (it works offline).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``infoplane`` console script."""
    from infoplane.run import RunFileError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (RunFileError, ValueError, FileNotFoundError, MemoryError) as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"infoplane {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"infoplane {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
