"""Score estimators on the 40 bmi-suite tasks (Czyż et al. 2023) at N = 5000 and count the tasks each gets right.

Usage (from the repository root, with the package importable; run by hand, not by the tests)::

    python benchmarks/bench_bmi.py run --estimators ksg binning --seeds 2
    python benchmarks/bench_bmi.py run --estimators 'mine:{"steps": 2000}' --seeds 1
    python benchmarks/bench_bmi.py summary          # print the counts from the saved table
    python benchmarks/bench_bmi.py run --suite default --estimators binning kde ksg mine --seeds 2

An estimator is ``name`` or ``name:{json parameters}``. Each ``run`` replaces the rows of the same
(estimator, parameters) in ``docs/results/bench/results.csv`` (the bench's results table, one row per task and
seed) and records its wall time, seeds, n and the machine's load average in ``docs/results/bench/runs.json``;
``summary`` (and ``benchmarks/readme_bench.py``) read only those files. ``--suite default`` scores the bench's
own tasks instead (n = 4096) into ``docs/results/bench/default-results.csv``, for the README's error table. A task counts as right for an
estimator when the mean estimate over seeds is within max(10 %, 0.05 nats) of the truth
(``infoplane.groundtruth.bmi.within_tolerance``; the tables are in bits).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from infoplane import estimators as registry
from infoplane.groundtruth import runner
from infoplane.groundtruth.bmi import BMI_N
from infoplane.outputs import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results" / "bench"
TABLE = RESULTS / "results.csv"
TABLES = {"bmi": TABLE, "default": RESULTS / "default-results.csv"}
RUNS = RESULTS / "runs.json"


def parse_spec(text: str) -> runner.EstimatorSpec:
    """``ksg`` or ``mine:{"steps": 2000}`` → an EstimatorSpec."""
    name, _, params = text.partition(":")
    return runner.EstimatorSpec(name, json.loads(params) if params else {})


def setting(estimator: str, params: str) -> str:
    """A row's short name: the estimator's own label (``Estimator.label``): ``ksg k=3``, ``gaussian copula``."""
    p = json.loads(params) if isinstance(params, str) and params else {}
    return registry.get(estimator, **p).label


def load(suite: str = "bmi") -> pd.DataFrame:
    """The saved results table of ``suite`` with a ``setting`` column (empty when none is saved)."""
    path = TABLES[suite]
    if not path.is_file():
        return pd.DataFrame(columns=[*runner.RESULT_COLUMNS, "setting"])
    table = pd.read_csv(path, dtype={"params": str, "error": str})
    table["params"] = table["params"].fillna("{}")
    table["error"] = table["error"].fillna("")
    table["setting"] = [setting(e, p) for e, p in zip(table["estimator"], table["params"])]
    return table


def load_runs() -> list[dict]:
    """The saved runs' records: suite, setting, date, n, seeds, wall time, load average, machine."""
    runs = json.loads(RUNS.read_text()) if RUNS.is_file() else []
    return [{"suite": "bmi"} | r for r in runs]


def counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per setting (rows) and family: tasks right, then ``total`` and ``tasks``."""
    scored = table.drop(columns="estimator").rename(columns={"setting": "estimator"})
    return runner.accuracy_counts(scored)


def _save(suite: str, spec: runner.EstimatorSpec, results: pd.DataFrame) -> None:
    """Replace this setting's rows of the tasks in ``results`` in the saved table (re-read now: runs may overlap)."""
    params = json.dumps(spec.params, sort_keys=True, default=str)
    table = load(suite).drop(columns="setting")
    if len(table):
        same = (
            (table["estimator"] == spec.name)
            & (table["params"] == params)
            & table["task"].isin(results["task"])
        )
        table = pd.concat([table[~same], results], ignore_index=True)
    else:
        table = results
    atomic_write_text(TABLES[suite], table.to_csv(index=False, float_format="%.6g"))


def run(args: argparse.Namespace) -> None:
    """Score each setting task by task, saving after every task (a killed run keeps what it finished)."""
    specs = [parse_spec(s) for s in args.estimators]
    RESULTS.mkdir(parents=True, exist_ok=True)
    n = args.n or (BMI_N if args.suite == "bmi" else 4096)
    chosen = runner.select_tasks(args.tasks, args.suite)
    for spec in specs:
        load_before = os.getloadavg()
        started = time.perf_counter()
        parts = []
        for task in chosen:
            part = runner.run([spec], [task.id], n=n, seeds=args.seeds, workers=args.workers, progress=False)
            _save(args.suite, spec, part)
            parts.append(part)
            print(f"  {task.id}: {part['seconds'].sum():.1f} s", file=sys.stderr, flush=True)
        results = pd.concat(parts, ignore_index=True)
        wall = time.perf_counter() - started
        label = setting(spec.name, json.dumps(spec.params, sort_keys=True, default=str))
        runs = [r for r in load_runs() if (r["suite"], r["setting"]) != (args.suite, label)] + [
            {
                "suite": args.suite,
                "setting": label,
                "date": dt.date.today().isoformat(),
                "n": n,
                "seeds": args.seeds,
                "workers": args.workers,
                "tasks": int(results["task"].nunique()),
                "wall_s": round(wall, 1),
                "estimate_s": round(float(results["seconds"].sum()), 1),
                "loadavg_before": [round(v, 2) for v in load_before],
                "loadavg_after": [round(v, 2) for v in os.getloadavg()],
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        ]
        atomic_write_text(RUNS, json.dumps(runs, indent=1) + "\n")
        failed = results[results["status"] == "error"]
        print(f"{label}: {wall:.0f} s wall, {len(failed)} failed", file=sys.stderr)
        for _, row in failed.iterrows():
            print(f"  {row['task']} seed {row['seed']}: {row['error']}", file=sys.stderr)
    summary(args)


def summary(args: argparse.Namespace) -> None:
    """Print the bmi counts (and the default suite's median errors) from the saved tables."""
    table = load()
    if table.empty:
        sys.exit(f"bench_bmi: {TABLE} has no results; run `python benchmarks/bench_bmi.py run` first")
    print(f"tasks within max(10 %, 0.05 nats) of the truth, mean over seeds ({TABLE.relative_to(ROOT)}):")
    print(counts(table).sort_values("total", ascending=False).to_string())
    default = load("default")
    if not default.empty:
        print("\ndefault suite, median absolute error (bits):")
        print(
            runner.summary(default.drop(columns="estimator").rename(columns={"setting": "estimator"}))
            .round(3)
            .to_string()
        )
    for r in load_runs():
        print(
            f"{r['suite']} {r['setting']}: {r['wall_s']} s wall, n = {r['n']}, {r['seeds']} seeds, load {r['loadavg_before']}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="score estimators on the bmi suite and save the rows")
    p.add_argument("--estimators", nargs="+", required=True, help='name or name:{"json": "params"}')
    p.add_argument("--tasks", nargs="+", default=None, help="glob patterns of bmi task ids (default: all 40)")
    p.add_argument("--suite", choices=sorted(TABLES), default="bmi", help="task suite (default: bmi)")
    p.add_argument(
        "--n", type=int, default=None, help="samples per task and seed (default: 5000 for bmi, else 4096)"
    )
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=run)
    sub.add_parser("summary", help="print the counts of the saved table").set_defaults(func=summary)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
