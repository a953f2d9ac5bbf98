"""``infoplane export``: a run's MI table (the tidy table) as CSV or Parquet."""

from __future__ import annotations

import argparse
from typing import Any

from infoplane.cli._common import (
    Formatter,
    add_force,
    add_param_option,
    add_quiet,
    add_verbose,
    parse_params,
    progress_of,
)

EXAMPLES = (
    "examples:\n  infoplane export run.pt --format parquet\n"
    "  infoplane export run.pt --estimator binning kde -o run-mi.csv"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        help="write a run's MI table (the tidy table) as CSV or Parquet",
        description="Estimate a run with the named estimators (or take its online estimates) and write the "
        "tidy table: run, activation, seed, epoch, layer, layer_index, estimator, params, fitted, I_XT, I_TY.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("run", help="run file")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format")
    p.add_argument("--estimator", nargs="+", default=["binning"], help="estimators, by registry name")
    add_param_option(p)
    p.add_argument(
        "-o", "--output", default=None, help="output file (default: the run's name with the format's suffix)"
    )
    add_force(p)
    add_quiet(p)
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from infoplane import pipeline

    params = parse_params(args.param)
    pipeline.build_estimators(args.estimator, params)  # usage errors before any work
    output, table = pipeline.export_table(
        args.run, args.output, args.estimator, args.format, params, force=args.force, progress=progress_of(args)
    )
    print(f"wrote {output} ({len(table)} rows)")
    return 0
