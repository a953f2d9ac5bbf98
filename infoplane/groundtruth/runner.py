"""The scorer behind ``infoplane bench``: every applicable (estimator, task) pair over seeds."""

from __future__ import annotations

import fnmatch
import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from infoplane import estimators as registry
from infoplane.estimators.base import Estimator
from infoplane.groundtruth.bmi import BMI_FAMILIES, BMI_N, within_tolerance
from infoplane.groundtruth.suites import suite_tasks
from infoplane.groundtruth.tasks import Task

#: Columns of the results table, in order.
RESULT_COLUMNS = [
    "task", "family", "estimator", "params", "seed", "n", "truth", "estimate", "seconds", "status", "error",
]  # fmt: skip


@dataclass(frozen=True)
class EstimatorSpec:
    """An estimator by registry name and parameters (what a worker process rebuilds)."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Estimator:
        return registry.get(self.name, **self.params)


def inapplicable_reason(estimator: Estimator, task: Task) -> str | None:
    """Why ``estimator`` cannot score ``task``, or None when it can."""
    if getattr(estimator, "requires_aux", ()):
        return f"{estimator.name} needs per-sample records of a tracked layer ({', '.join(estimator.requires_aux)}), not pairs"
    if not estimator.accepts_continuous and not task.discrete_a:
        return f"{estimator.name} needs a discrete side; both sides of this task are continuous"
    return None


def score_pair(estimator: Estimator, task: Task, a: np.ndarray, b: np.ndarray) -> float:
    """The estimator's I(A;B) in bits for one sample of the task.

    For discrete tasks (B a deterministic layer of a discrete A) an estimator that needs a discrete side
    measures I(X;T) through ``information_plane`` as it would on a network's layer.
    """
    if task.discrete_a and not estimator.accepts_continuous:
        return float(estimator.information_plane(a, b, np.zeros(len(a), dtype=np.int64))[0])
    return float(estimator.mutual_information(a, b))


@lru_cache(maxsize=1)
def _tasks_by_id() -> dict[str, Task]:
    return {task.id: task for task in suite_tasks("all")}


def select_tasks(patterns: Sequence[str] | None = None, suite: str | None = None) -> list[Task]:
    """Tasks whose id matches any of the glob ``patterns``.

    Args:
        patterns: glob patterns of task ids; None: every task of the suite.
        suite: ``"default"``, ``"bmi"`` or ``"all"`` (see ``suites.SUITES``); None: the default suite when
            no pattern is given, else every suite (``--tasks 'bmi-*'`` finds the bmi tasks).
    """
    tasks = suite_tasks(suite or ("all" if patterns else "default"))
    if not patterns:
        return tasks
    chosen = [t for t in tasks if any(fnmatch.fnmatchcase(t.id, p) for p in patterns)]
    if not chosen:
        raise ValueError(f"no task matches {list(patterns)}; see `infoplane bench --list`")
    return chosen


def default_n(tasks: Sequence[Task]) -> int:
    """Samples per task and seed when none is given: the paper's N = 5000 when every task is a bmi task,
    else 4096."""
    return BMI_N if tasks and all(t.id.startswith("bmi-") for t in tasks) else 4096


def _job(spec: EstimatorSpec, task_id: str, seed: int, n: int, threads: int | None) -> dict[str, Any]:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    task = _tasks_by_id()[task_id]
    return _run_one(spec, task, seed, n)


def _run_one(spec: EstimatorSpec, task: Task, seed: int, n: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task": task.id,
        "family": task.family,
        "estimator": spec.name,
        "params": json.dumps(spec.params, sort_keys=True, default=str),
        "seed": seed,
        "n": n,
        "truth": task.truth_bits,
        "estimate": np.nan,
        "seconds": np.nan,
        "status": "ok",
        "error": "",
    }
    try:
        estimator = spec.build()
        reason = inapplicable_reason(estimator, task)
        if reason is not None:
            return row | {"status": "skipped", "error": reason}
        a, b = task.sample(n, seed)
        start = time.perf_counter()
        value = score_pair(estimator, task, a, b)
        return row | {"estimate": value, "seconds": time.perf_counter() - start}
    except Exception as exc:  # noqa: BLE001 - one failing pair is a row, not an abort
        return row | {"status": "error", "error": f"{type(exc).__name__}: {exc}"}


def run(
    estimators: Sequence[str | EstimatorSpec] = ("binning", "kde", "ksg", "mine"),
    tasks: Sequence[str] | None = None,
    *,
    n: int | None = 4096,
    seeds: int = 5,
    workers: int | None = None,
    progress: bool | None = None,
    suite: str | None = None,
) -> pd.DataFrame:
    """Score estimators against the ground truth of the tasks.

    Args:
        estimators: registry names or :class:`EstimatorSpec` (name and parameters).
        tasks: glob patterns of task ids (``None``: every task of ``suite``).
        n: samples per task and seed; None: :func:`default_n` (5000 for bmi tasks, as in the paper).
        seeds: seeds 0 … seeds − 1 per pair.
        workers: processes (default: the number of cores); 1 runs in this process.
        progress: show a progress bar (``None``: only on a terminal).
        suite: the task suite (see :func:`select_tasks`).

    Returns:
        One row per (task, estimator, seed) with ``RESULT_COLUMNS``; skipped pairs and failures are
        rows with their reason in ``error``.
    """
    specs = [EstimatorSpec(s) if isinstance(s, str) else s for s in estimators]
    for spec in specs:
        spec.build()  # unknown names and parameters fail here, before any work
    chosen = select_tasks(tasks, suite)
    n = default_n(chosen) if n is None else n
    jobs = [(spec, task.id, seed) for spec in specs for task in chosen for seed in range(seeds)]
    workers = workers or os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    with tqdm(total=len(jobs), desc="bench", unit="pair", disable=None if progress is None else not progress) as bar:
        if workers == 1:
            for spec, task_id, seed in jobs:
                rows.append(_job(spec, task_id, seed, n, None))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_job, spec, task_id, seed, n, 1) for spec, task_id, seed in jobs]
                for future in as_completed(futures):
                    rows.append(future.result())
                    bar.update()
    order = {task.id: i for i, task in enumerate(chosen)}
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    table["_order"] = table["task"].map(order)
    return table.sort_values(["_order", "estimator", "seed"]).drop(columns="_order").reset_index(drop=True)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per estimator and family: median absolute error (bits) over tasks and seeds, and the count."""
    ok = results[results["status"] == "ok"].copy()
    ok["abs_error"] = (ok["estimate"] - ok["truth"]).abs()
    table = ok.pivot_table(index="estimator", columns="family", values="abs_error", aggfunc="median")
    return table.reindex(columns=[c for c in _FAMILY_ORDER if c in table] + [c for c in table if c not in _FAMILY_ORDER])


_FAMILY_ORDER = ("gaussian", "transformed", "student-t", "discrete", "echo", *BMI_FAMILIES)


def task_accuracy(results: pd.DataFrame) -> pd.DataFrame:
    """Per (estimator, task): the mean estimate over seeds (bits) and whether it is within
    max(10 %, 0.05 nats) of the truth (the bmi benchmark's criterion, ``bmi.within_tolerance``).

    Returns:
        Columns ``estimator, params, task, family, truth, estimate, seeds, correct``; pairs with no ``ok``
        row (skipped or failed) are left out.
    """
    ok = results[results["status"] == "ok"]
    keys = ["estimator", "params", "task", "family"]
    table = ok.groupby(keys, sort=False).agg(truth=("truth", "first"), estimate=("estimate", "mean"), seeds=("seed", "count"))
    table = table.reset_index()
    table["correct"] = within_tolerance(table["estimate"].to_numpy(), table["truth"].to_numpy())
    return table


def accuracy_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Per estimator (rows) and family (columns): how many tasks are right by :func:`task_accuracy`, with a
    ``total`` column; ``tasks`` counts the tasks scored. ``results`` may also be :func:`task_accuracy`'s table."""
    table = results if "correct" in results else task_accuracy(results)
    counts = table.pivot_table(index="estimator", columns="family", values="correct", aggfunc="sum", fill_value=0)
    counts = counts.reindex(columns=[c for c in _FAMILY_ORDER if c in counts] + [c for c in counts if c not in _FAMILY_ORDER])
    counts["total"] = counts.sum(axis=1)
    counts["tasks"] = table.groupby("estimator")["task"].nunique()
    return counts.astype(int)
