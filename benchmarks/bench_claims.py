"""Time one ``infoplane claims`` run: the budget of issue 11 is claims 1–5 on the 12-bit set, 10 seeds, in
≤ 20 minutes on the 2-core CPU.

Usage (repository root, package importable)::

    python benchmarks/bench_claims.py -o claims-run                       # the default (full) run
    python benchmarks/bench_claims.py -o claims-run --seeds 5 --epochs 2000  # a reduced one

Prints wall and CPU seconds and the training/estimation seconds per condition (summed over processes), so
that a run measured on a loaded machine can be told apart from the budget (CPU seconds / cores is what an
idle machine would take at best). The outputs are those of ``infoplane claims -o``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--claims", nargs="+", default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from infoplane.claims import runs
    from infoplane.cli import main as cli

    command = ["claims", "-q", "--force", "-o", str(args.output), "--workers", str(args.workers)]
    command += ["--seeds", str(args.seeds)] if args.seeds else []
    command += ["--epochs", str(args.epochs)] if args.epochs else []
    command += ["--claims", *args.claims] if args.claims else []
    started = time.perf_counter()
    code = cli(command)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    load = os.getloadavg()[0]
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s ({cpu / max(wall, 1e-9):.2f} cores), load average {load:.1f}; "
          f"conditions (train + estimate, summed) {runs.training_seconds():.0f} s")  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main())
