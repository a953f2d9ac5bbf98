"""``infoplane bench``: score estimators against distributions whose MI is known."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from infoplane.cli._common import (
    Formatter,
    add_force,
    add_param_option,
    add_quiet,
    add_verbose,
    parse_params,
    positive_int,
    progress_of,
)

EXAMPLES = (
    "examples:\n  infoplane bench -o bench\n  infoplane bench --list\n"
    "  infoplane bench --estimators binning ksg --tasks 'gauss-*' --seeds 3 -o gauss\n"
    "  infoplane bench --suite bmi --estimators ksg mine --seeds 2 -o bmi"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "bench",
        help="score estimators against distributions whose MI is known",
        description="Run every applicable (estimator, task) pair over seeds; write results.csv and bench.html. "
        "Inapplicable pairs and failures are rows with their reason, not aborts.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("--estimators", nargs="+", default=["binning", "kde", "ksg", "mine"], help="estimators")
    p.add_argument(
        "--tasks", nargs="+", default=None, metavar="GLOB", help="task ids or glob patterns (default: all of the suite)"
    )
    p.add_argument(
        "--suite",
        choices=["default", "bmi", "all"],
        default=None,
        metavar="SUITE",
        help="task suite: 'default' (the bench's own tasks), 'bmi' (the 40 tasks of the bmi benchmark, Czyż et "
        "al. 2023) or 'all'; without it, the bench's own tasks, or every suite when --tasks is given",
    )
    p.add_argument(
        "--n", type=positive_int, default=None, help="samples per task and seed (default: 5000 for bmi tasks, as in the paper; else 4096)"
    )
    p.add_argument("--seeds", type=positive_int, default=5, help="seeds per pair")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1, help="parallel processes")
    add_param_option(p)
    p.add_argument("--list", action="store_true", help="list the tasks with their truth and exit")
    p.add_argument("-o", "--output", default="bench", help="folder for results.csv and bench.html")
    add_force(p)
    add_quiet(p)
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from infoplane import pipeline
    from infoplane.groundtruth import runner
    from infoplane.outputs import check_output

    if args.list:
        for task in runner.select_tasks(args.tasks, args.suite):
            print(
                f"{task.id:<34} {task.family:<16} {task.dim_a:>3}×{task.dim_b:<3} {task.truth_bits:8.4f} bits  {task.note}"
            )
        return 0
    params = parse_params(args.param)
    pipeline.build_estimators(args.estimators, params)  # usage errors before any work
    specs = [runner.EstimatorSpec(name, params.get(name, {})) for name in args.estimators]
    chosen = runner.select_tasks(args.tasks, args.suite)  # an unmatched pattern fails before any work
    n = args.n or runner.default_n(chosen)
    outputs = pipeline.bench_outputs(args.output)
    check_output(outputs["csv"], kind="csv", force=args.force, what="-o")
    check_output(outputs["html"], kind="html", force=args.force, what="-o")
    started = time.perf_counter()
    results = runner.run(
        specs, args.tasks, n=n, seeds=args.seeds, workers=args.workers, progress=progress_of(args), suite=args.suite
    )
    summary = runner.summary(results)
    csv, page = pipeline.write_bench(args.output, results, summary)
    print(f"median absolute error (bits) per estimator and family, n = {n}, {args.seeds} seeds:")
    print(summary.round(3).to_string())
    if any(task.id.startswith("bmi-") for task in chosen):
        bmi_results = results[results["task"].str.startswith("bmi-")]
        print("\nbmi tasks within max(10 %, 0.05 nats) of the truth (mean over seeds), per estimator and family:")
        print(runner.accuracy_counts(bmi_results).to_string())
    failed = int((results["status"] == "error").sum())
    print(
        f"\nwrote {csv} and {page} in {time.perf_counter() - started:.0f} s"
        + (f"; {failed} pairs failed (see the error column)" if failed else "")
    )
    return 0
