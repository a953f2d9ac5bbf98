"""``infoplane demo``: tanh against ReLU on the 12-bit set, trained and reported."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from infoplane.cli._common import Formatter, add_force, add_quiet, add_verbose, positive_int, progress_of

EXAMPLES = "examples:\n  infoplane demo\n  infoplane demo --epochs 2000 -o demo-short"


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo",
        help="train tanh and ReLU on the 12-bit set and report their information planes",
        description="The canonical experiment (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018): the 12-10-7-5-4-3-2 "
        "network with tanh and with ReLU units, binned MI, one HTML report.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument(
        "-o", "--output", default="infoplane-demo", help="folder for the runs, report.html and mi.csv"
    )
    p.add_argument("--epochs", type=positive_int, default=8000, help="training epochs of each network")
    p.add_argument("--seed", type=int, default=0, help="seed of both runs")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=min(2, os.cpu_count() or 1),
        help="parallel training processes",
    )
    add_force(p)
    add_quiet(p)
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from infoplane import pipeline
    from infoplane.experiments.demo import (
        DEMO_ACTIVATIONS,
        demo_run_path,
        drops_text,
        train_demo_runs,
    )
    from infoplane.outputs import check_output

    started = time.perf_counter()
    folder = Path(args.output)
    runs = [demo_run_path(folder, a, args.seed) for a in DEMO_ACTIVATIONS]
    for path in runs:
        check_output(path, kind="run", force=args.force, what="-o")
    report, csv = folder / "report.html", folder / "mi.csv"
    check_output(report, runs, kind="html", force=args.force, what="-o")
    check_output(csv, runs, kind="csv", force=args.force, what="-o")
    progress = progress_of(args)
    paths = train_demo_runs(folder, args.epochs, args.seed, args.workers, progress)
    report, table, _ = pipeline.build_report(paths, report, progress=progress, csv=csv, force=args.force)
    print(f"\nreport: {report.resolve()}")
    print(f"runs:   {', '.join(str(p) for p in paths)}")
    print("\n" + drops_text(table, args.epochs, args.seed))
    print(
        f"\ndone in {time.perf_counter() - started:.0f} s; open the report in a browser (it works offline)."
    )
    return 0
