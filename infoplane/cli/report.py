"""``infoplane report``: estimate runs' information planes and write one HTML page."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from infoplane.cli._common import (
    Formatter,
    add_force,
    add_hidden_alias,
    add_param_option,
    add_quiet,
    add_verbose,
    parse_params,
    positive_int,
    progress_of,
)

EXAMPLES = (
    "examples:\n  infoplane report tanh.pt relu.pt -o report.html\n"
    "  infoplane report relu.pt --n-bins 100 --strategy adaptive -o relu-adaptive.html\n"
    "  infoplane report tanh.pt --estimator binning kde ksg --param kde.noise_variance=0.1\n"
    "  infoplane report runs/*.pt --plotlyjs directory -o reports/seeds.html   # seeds drawn as mean ± sd"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "report",
        help="estimate the information plane of runs and write one HTML page",
        description="Estimate I(X;T) and I(T;Y) (bits) for every layer and logged epoch, and write a "
        "HTML report (self-contained by default: it opens offline).",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("runs", nargs="+", help="run files (run.pt)")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    p.add_argument(
        "--estimator",
        nargs="+",
        default=None,
        help="estimators, by registry name (default: binning; a run saved with store='none' shows every "
        "online estimate it stored, with the parameters it was computed with)",
    )
    p.add_argument("--n-bins", type=positive_int, default=None, help="binning: bins per unit (default: 30)")
    add_hidden_alias(p, "--bins", "n_bins", type=positive_int)
    p.add_argument(
        "--strategy", choices=["uniform", "adaptive"], default=None, help="binning: bin edges (default: uniform)"
    )
    p.add_argument(
        "--range",
        nargs=2,
        type=float,
        metavar=("LO", "HI"),
        default=None,
        help="binning: fixed range for every layer (default: each layer's range over all logged epochs)",
    )
    add_param_option(p)
    p.add_argument(
        "--plotlyjs",
        choices=["inline", "cdn", "directory"],
        default="inline",
        help="where the page gets plotly.js: inline (one self-contained page that opens offline, ~5 MB), cdn "
        "(a small page that loads it from cdn.plot.ly) or directory (a small page and plotly.min.js written "
        "once beside it)",
    )
    p.add_argument("--csv", default=None, help="also write the MI table to this CSV file")
    p.add_argument(
        "--png", action="store_true", help="also write each figure as PNG (needs kaleido and a Chromium)"
    )
    add_force(p)
    add_quiet(p)
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def estimator_params(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The ``--param`` values, with the binning options given (``--n-bins``, ``--strategy``, ``--range``)
    under ``binning`` when binning is chosen (``--param binning.…`` wins over them). Options not given are
    left out: the estimator's defaults apply, and a ``store="none"`` run shows every binning setting it
    stored rather than only one matching the defaults."""
    params = parse_params(args.param)
    given = [flag for flag, value in (("--n-bins", args.n_bins), ("--strategy", args.strategy), ("--range", args.range))
             if value is not None]  # fmt: skip
    if given and "binning" not in (args.estimator or ["binning"]):
        print(
            f"infoplane report: warning: {', '.join(given)} set binning's parameters, but binning is not in "
            f"--estimator {' '.join(args.estimator)}; ignored",
            file=sys.stderr,
        )
    if "binning" in (args.estimator or ["binning"]):
        binning: dict[str, Any] = {}
        if args.n_bins is not None:
            binning["n_bins"] = args.n_bins
        if args.strategy is not None:
            binning["strategy"] = args.strategy
        if args.range is not None:
            binning["range"] = tuple(args.range)
        if binning or "binning" in params:
            params["binning"] = {**binning, **params.get("binning", {})}
    return params


def run(args: argparse.Namespace) -> int:
    from infoplane import pipeline
    from infoplane.outputs import check_output

    params = estimator_params(args)
    pipeline.build_estimators(args.estimator or ["binning"], params)  # usage errors before any work
    if args.png:
        for png in pipeline.png_paths(args.output):
            check_output(png, [*args.runs, args.output], kind="png", force=args.force, what="--png")
    path, table, runs = pipeline.build_report(
        args.runs,
        args.output,
        args.estimator,
        params,
        progress=progress_of(args),
        csv=args.csv,
        force=args.force,
        plotlyjs=args.plotlyjs,
    )
    print(f"wrote {path.resolve()} ({len(table)} estimates)")
    if args.plotlyjs == "directory":
        from infoplane.reports.html import plotlyjs_path

        print(f"  with {plotlyjs_path(path).resolve()} beside it (keep them together)")
    if args.png:
        try:
            pngs = pipeline.write_report_pngs(path, table, runs)
        except RuntimeError as exc:
            print(f"infoplane report: {exc}; the HTML report was written", file=sys.stderr)
            return 1
        print("wrote " + ", ".join(str(p) for p in pngs))
    return 0


__all__ = ["estimator_params", "register", "run"]
