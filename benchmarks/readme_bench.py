"""Write the README's estimator guide and bench tables from the saved bench results.

Usage (from the repository root, with the package importable)::

    python benchmarks/readme_bench.py            # rewrite the two README blocks
    python benchmarks/readme_bench.py --check    # exit 1 if the README differs from what the tables give

Reads only ``docs/results/bench/results.csv`` (the bmi suite, written by ``benchmarks/bench_bmi.py run``),
``docs/results/bench/default-results.csv`` (the bench's own tasks, ``run --suite default``) and
``docs/results/bench/runs.json`` (wall times, seeds, load). It writes the blocks between
``<!-- BEGIN estimator-guide -->`` / ``<!-- END estimator-guide -->`` and ``<!-- BEGIN bench-table -->`` /
``<!-- END bench-table -->``. A bmi task counts as right for an estimator when its mean estimate over seeds
is within max(10 %, 0.05 nats) of the truth (``infoplane.groundtruth.bmi.within_tolerance``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from infoplane.groundtruth import get_task, runner
from infoplane.groundtruth.bmi import ABS_TOLERANCE_NATS, BMI_FAMILIES
from infoplane.outputs import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCKS = {
    "guide": ("<!-- BEGIN estimator-guide -->", "<!-- END estimator-guide -->"),
    "table": ("<!-- BEGIN bench-table -->", "<!-- END bench-table -->"),
}
_spec = importlib.util.spec_from_file_location("bench_bmi", Path(__file__).with_name("bench_bmi.py"))
assert _spec is not None and _spec.loader is not None
bench_bmi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_bmi)

#: The guide's kinds of continuous pair, each a test on a bmi task (and what the README calls it).
KINDS: dict[str, tuple[str, Callable[[pd.Series], bool]]] = {
    "low": (
        "a low-dimensional continuous pair (≤ 2 dimensions a side)",
        lambda t: max(t.dim_a, t.dim_b) <= 2,
    ),
    "wide": ("a wide pair (25–50 dimensions a side)", lambda t: min(t.dim_a, t.dim_b) >= 25),
    "heavy": ("heavy-tailed data (Student-t, ν ≤ 3, no asinh)", lambda t: t.family == "student"),
}


def task_table() -> pd.DataFrame:
    """Per (setting, bmi task): truth, mean estimate (bits), correct, seeds, dimensions."""
    table = bench_bmi.load()
    if table.empty:
        sys.exit(
            f"readme_bench: {bench_bmi.TABLE} has no results; run `python benchmarks/bench_bmi.py run` first"
        )
    scored = runner.task_accuracy(table.drop(columns="estimator").rename(columns={"setting": "estimator"}))
    dims = {tid: get_task(tid) for tid in scored["task"].unique()}
    scored["dim_a"] = scored["task"].map(lambda t: dims[t].dim_a)
    scored["dim_b"] = scored["task"].map(lambda t: dims[t].dim_b)
    return scored


def _ranking(scored: pd.DataFrame) -> pd.DataFrame:
    """Settings by tasks right (desc), then median relative error (asc), then name."""
    rel = (scored["estimate"] - scored["truth"]).abs() / scored["truth"]
    ranked = (
        scored.assign(rel=rel)
        .groupby("estimator")
        .agg(right=("correct", "sum"), tasks=("task", "nunique"), rel=("rel", "median"))
    )
    return ranked.reset_index().sort_values(["right", "rel", "estimator"], ascending=[False, True, True])


def _counts(ranked: pd.DataFrame) -> str:
    return ", ".join(f"`{r.estimator}` {r.right}/{r.tasks}" for r in ranked.itertuples())


def guide(scored: pd.DataFrame, default: pd.DataFrame) -> str:
    """The estimator guide, in Markdown, from the settings scored on every bmi task."""
    complete = scored.groupby("estimator")["task"].transform("nunique") == scored["task"].nunique()
    scored = scored[complete]
    lines = []
    if not default.empty and (default["family"] == "discrete").any():
        errors = runner.summary(default.drop(columns="estimator").rename(columns={"setting": "estimator"}))
        discrete = errors["discrete"].dropna().sort_values()
        best = discrete.index[0]
        others = ", ".join(f"`{e}` {v:.2f}" for e, v in discrete.items())
        lines.append(
            f"- **A discrete layer** (I(X;T) with X the finite input set, as in the 12-bit networks): `{best}` — "
            f"median error {discrete.iloc[0]:.3f} bits on the bench's discrete layers (truth H(T) by enumeration; "
            f"median errors in bits: {others})."
        )
    for text, test in KINDS.values():
        chosen = scored[scored.apply(test, axis=1)]
        ranked = _ranking(chosen)
        top = ranked.iloc[0]
        title = text[0].upper() + text[1:]
        if top.right == 0:
            lines.append(
                f"- **{title}**: no measured setting is right on any of the {top.tasks} bmi tasks of this kind; "
                f"`{top.estimator}` comes closest (median relative error {top.rel:.0%})."
            )
            continue
        lines.append(
            f"- **{title}**: `{top.estimator}` — right on {top.right} of {top.tasks} bmi tasks of this kind "
            f"({_counts(ranked)})."
        )
    ranked = _ranking(scored)
    n_tasks = int(scored["task"].nunique())
    top = ranked.iloc[0]
    verdict = "met" if top.right >= 30 else "not met"
    lines.append(
        f"- **The default for continuous pairs**: `{top.estimator}`, right on {top.right} of {n_tasks} bmi tasks "
        f"(all settings: {_counts(ranked)}). The goal of one estimator right on ≥ 30 of the 40 is {verdict}."
    )
    return (
        "Which estimator to use, by what the bench measured (counts from the bmi table below; “right” means the "
        f"mean estimate within max(10 %, {ABS_TOLERANCE_NATS} nats) of the truth):\n\n"
        + "\n".join(lines)
        + "\n"
    )


def _runs_note(suite: str) -> str:
    runs = [r for r in bench_bmi.load_runs() if r["suite"] == suite]
    if not runs:
        return ""
    return "; ".join(
        f"`{r['setting']}` {r['wall_s']:.0f} s ({r['seeds']} seed{'s' if r['seeds'] != 1 else ''})"
        for r in runs
    )


def bmi_table(scored: pd.DataFrame) -> str:
    """Tasks right per setting and family, then each task's mean estimate per setting."""
    counts = runner.accuracy_counts(scored)
    order = _ranking(scored)["estimator"].tolist()
    counts = counts.reindex(order)
    sizes = scored.drop_duplicates("task")["family"].value_counts()
    families = [f for f in BMI_FAMILIES if f in counts]
    header = "| estimator | " + " | ".join(f"{f} ({sizes[f]})" for f in families) + " | total |"
    rows = [header, "|---|" + "---:|" * (len(families) + 1)]
    n_tasks = int(scored["task"].nunique())
    for name, row in counts.iterrows():
        scored_note = "" if row["tasks"] == n_tasks else f" ({row['tasks']} scored)"
        cells = " | ".join(str(row[f]) for f in families)
        rows.append(f"| {name} | {cells} | **{row['total']}**/{n_tasks}{scored_note} |")
    seeds = scored.groupby("estimator")["seeds"].max()
    n = sorted(set(bench_bmi.load()["n"]))
    intro = (
        f"**bmi suite** (`infoplane bench --suite bmi`, Czyż et al. 2023's 40 tasks, n = {', '.join(map(str, n))}): "
        f"tasks whose mean estimate over seeds is within max(10 %, {ABS_TOLERANCE_NATS} nats) of the truth, per family "
        f"(number of tasks in brackets). Seeds: {', '.join(f'`{e}` {s}' for e, s in seeds.items())}. "
        f"Wall time for the 40 tasks: {_runs_note('bmi')}.\n\n"
    )
    per_task = scored.pivot_table(
        index="task", columns="estimator", values="estimate", aggfunc="first", sort=False
    )
    right = scored.pivot_table(
        index="task", columns="estimator", values="correct", aggfunc="first", sort=False
    )
    tasks = scored.drop_duplicates("task").set_index("task")
    detail = ["| task | truth | " + " | ".join(order) + " |", "|---|---:|" + "---:|" * len(order)]
    for task in tasks.index:
        cells = []
        for e in order:
            value = per_task.at[task, e] if e in per_task and task in per_task.index else np.nan
            mark = " ✓" if e in right and bool(right.at[task, e]) else ""
            cells.append("—" if pd.isna(value) else f"{value:.3f}{mark}")
        detail.append(f"| {task} | {tasks.at[task, 'truth']:.3f} | " + " | ".join(cells) + " |")
    details = (
        "\n<details><summary>Every bmi task: truth and mean estimate in bits, ✓ = right</summary>\n\n"
        + "\n".join(detail)
        + "\n\n</details>\n"
    )
    return intro + "\n".join(rows) + "\n" + details


def default_table(default: pd.DataFrame) -> str:
    """Median absolute error (bits) per setting and family on the bench's own tasks."""
    if default.empty:
        return ""
    errors = runner.summary(default.drop(columns="estimator").rename(columns={"setting": "estimator"}))
    families = list(errors.columns)
    rows = ["| estimator | " + " | ".join(families) + " |", "|---|" + "---:|" * len(families)]
    for name, row in errors.iterrows():
        rows.append(
            f"| {name} | " + " | ".join("—" if pd.isna(row[f]) else f"{row[f]:.3f}" for f in families) + " |"
        )
    seeds = sorted(set(default["seed"].groupby(default["setting"]).nunique()))
    n = sorted(set(default["n"]))
    intro = (
        f"\n**The bench's own tasks** (`infoplane bench`, {default['task'].nunique()} tasks, n = "
        f"{', '.join(map(str, n))}, {'/'.join(map(str, seeds))} seeds): median absolute error in bits over each "
        f"family's tasks and seeds. Wall time: {_runs_note('default')}.\n\n"
    )
    return intro + "\n".join(rows) + "\n"


def render(readme: str, name: str, block: str) -> str:
    """``readme`` with the text between the ``name`` markers replaced by ``block``."""
    begin, end = BLOCKS[name]
    start, stop = readme.find(begin), readme.find(end)
    if start < 0 or stop < start:
        raise SystemExit(
            f"readme_bench: {README} lacks the markers {begin} … {end}; add them in the bench section"
        )
    return readme[: start + len(begin)] + "\n" + block + readme[stop:]


def blocks() -> dict[str, str]:
    """The two generated blocks, from the saved tables."""
    scored, default = task_table(), bench_bmi.load("default")
    source = (
        "Generated by `python benchmarks/readme_bench.py` from `docs/results/bench/` (`results.csv`: bmi suite; "
        "`default-results.csv`: the bench's own tasks; `runs.json`: wall times), written by "
        "`python benchmarks/bench_bmi.py run`.\n\n"
    )
    return {"guide": guide(scored, default), "table": source + bmi_table(scored) + default_table(default)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the README differs from the saved tables"
    )
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    new = readme
    for name, block in blocks().items():
        new = render(new, name, block)
    if args.check:
        if new != readme:
            print(
                "readme_bench: README.md out of date; run python benchmarks/readme_bench.py", file=sys.stderr
            )
            return 1
        return 0
    atomic_write_text(README, new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
