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
    "  infoplane bench --estimators binning ksg --tasks 'gauss-*' --seeds 3 -o gauss"
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
        "--tasks", nargs="+", default=None, metavar="GLOB", help="task ids or glob patterns (default: all)"
    )
    p.add_argument("--n", type=positive_int, default=4096, help="samples per task and seed")
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
        for task in runner.select_tasks(args.tasks):
            print(
                f"{task.id:<34} {task.family:<12} {task.dim_a:>3}×{task.dim_b:<3} {task.truth_bits:8.4f} bits  {task.note}"
            )
        return 0
    params = parse_params(args.param)
    pipeline.build_estimators(args.estimators, params)  # usage errors before any work
    specs = [runner.EstimatorSpec(name, params.get(name, {})) for name in args.estimators]
    runner.select_tasks(args.tasks)  # an unmatched pattern fails before any work
    outputs = pipeline.bench_outputs(args.output)
    check_output(outputs["csv"], kind="csv", force=args.force, what="-o")
    check_output(outputs["html"], kind="html", force=args.force, what="-o")
    started = time.perf_counter()
    results = runner.run(
        specs, args.tasks, n=args.n, seeds=args.seeds, workers=args.workers, progress=progress_of(args)
    )
    summary = runner.summary(results)
    csv, page = pipeline.write_bench(args.output, results, summary)
    print(f"median absolute error (bits) per estimator and family, n = {args.n}, {args.seeds} seeds:")
    print(summary.round(3).to_string())
    failed = int((results["status"] == "error").sum())
    print(
        f"\nwrote {csv} and {page} in {time.perf_counter() - started:.0f} s"
        + (f"; {failed} pairs failed (see the error column)" if failed else "")
    )
    return 0
