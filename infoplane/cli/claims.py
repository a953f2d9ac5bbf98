"""``infoplane claims``: each claim of the compression debate as an experiment with a statistic, an interval
and a verdict, in one table (``claims.csv``), its evidence (``evidence/*.parquet``) and a page (``claims.html``)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from infoplane.cli._common import Formatter, add_force, add_quiet, add_verbose, positive_int, progress_of

EXAMPLES = (
    "examples:\n  infoplane claims -o claims\n  infoplane claims --claims two-phases ib-bound --seeds 5 -o some\n"
    "  infoplane claims --quick -o quick\n  infoplane claims --claims mnist --data-dir ../shared/data/mnist -o mnist"
)


def register(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "claims",
        help="test the claims of the compression debate: statistic, 95 %% interval and verdict per claim",
        description="Train the 12-bit networks the asked claims need (shared between claims, seeds batched), "
        "compute each claim's statistic with its interval and verdict, and write claims.csv, evidence/*.parquet "
        "and claims.html.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    p.add_argument("--claims", nargs="+", default=None, metavar="ID",
                   help="claim ids (default: all but the opt-in 'mnist')")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=None, help="seeds per condition (default 10)")
    p.add_argument("--epochs", type=positive_int, default=None, help="training epochs (default 4000)")
    p.add_argument(
        "--workers", type=positive_int, default=min(2, os.cpu_count() or 1), help="parallel processes"
    )
    p.add_argument(
        "--quick", action="store_true", help="a tiny run (≤ 2 seeds, ≤ 30 epochs, tanh) to try the command"
    )
    p.add_argument("--data-dir", default=None, help="folder of the MNIST IDX files (claim mnist)")
    p.add_argument("-o", "--output", default="claims", help="output folder")
    add_force(p)
    add_quiet(p, "no progress bars")
    add_verbose(p)
    p.set_defaults(func=run)
    return p


def outputs(folder: Path) -> dict[str, tuple[Path, str]]:
    """The files the command writes directly in ``folder``, each with its kind."""
    return {"claims.csv": (folder / "claims.csv", "csv"), "claims.html": (folder / "claims.html", "html")}


def run(args: argparse.Namespace) -> int:
    from infoplane.claims import ClaimsConfig
    from infoplane.claims.output import write_claims
    from infoplane.claims.runner import run_claims
    from infoplane.outputs import check_output

    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"-o {folder}: is a file; give a folder for claims.csv, evidence/ and claims.html"
        )
    for path, kind in outputs(folder).values():
        check_output(path, kind=kind, force=args.force, what="-o")  # type: ignore[arg-type]
    evidence = folder / "evidence"
    if evidence.exists() and not evidence.is_dir():
        raise NotADirectoryError(
            f"-o {folder}: {evidence} is a file; the claims keep their evidence in that folder"
        )
    fields: dict[str, Any] = {"workers": args.workers, "quick": args.quick, "data_dir": args.data_dir}
    if args.seeds is not None:
        fields["seeds"] = args.seeds
    if args.epochs is not None:
        fields["epochs"] = args.epochs
    config = ClaimsConfig(**fields)
    started = time.perf_counter()
    table, results = run_claims(args.claims, config, progress=progress_of(args))
    elapsed = time.perf_counter() - started
    effective = config.effective()
    summary = (
        f"{', '.join(results)}: {effective.seeds} seeds × {effective.epochs} epochs; {elapsed:.0f} s on "
        f"{effective.workers} workers."
    )
    written = write_claims(folder, table, results, summary, force=args.force)
    print(summary)
    shown = table[["claim", "setting", "value", "low", "high", "verdict"]]
    print(shown.round(3).to_string(index=False))
    print(f"\nwrote {len(written)} files in {folder}")
    return 0
