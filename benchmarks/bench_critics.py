"""Critic estimators (infonce, nwj, smile): speed and accuracy against today's `mine`, and a neural plane.

Run by hand: ``PYTHONPATH=$PWD python benchmarks/bench_critics.py [gaussian] [demo RUN.pt] [--threads T]
[--params JSON]``. Results go into ``benchmarks/RESULTS.md``. ``--threads`` torch threads (default 1: small
networks, fair on a shared machine; the machine's cores on an idle one).

1. ``gaussian``: the bench's Gaussian tasks (``infoplane.groundtruth`` family "gaussian": bivariate ρ 0.3 …
   0.99, dense and sparse 2v2 … 25v25), N = 5000, seed 0. ``mine`` (defaults, ``preprocess=None``: z-scores, as
   before issue 12; on the critic core since then — the old implementation's figures are in RESULTS.md) fits each
   task alone; each critic bound fits all 12 tasks in one stacked network (cold: no warm start). Reported:
   seconds per task (for the stack: its wall time / 12) and the relative error against the analytic truth.
2. ``demo RUN.pt``: a neural information plane of a saved demo run (the 12-bit network, 6 layers, N = 4096)
   on every ``--stride``-th logged epoch with ``infoplane.estimate(run, InfoNCE())``: all layers of an epoch
   fitted together (I(X;T) and I(T;Y), 12 critics in one network), warm-started from the previous epoch,
   at most ``--steps`` (200) steps per epoch: at I(X;T) ≈ 10 bits the bound creeps up for thousands of steps,
   so along a trajectory the training is spread over the epochs (each starts where the last stopped).
   ``--estimator mine --steps 0 --epochs 3``: the same for another estimator at its own step limit.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time

import numpy as np
import torch

from infoplane import estimate, load_run
from infoplane.estimators import get
from infoplane.estimators.critics import CriticSettings, prepare_pair, train_critics
from infoplane.groundtruth.tasks import default_tasks
from infoplane.infotheory import entropy_bits
from infoplane.outputs import atomic_write_text, check_output


def gaussian(n: int, seed: int, mine: bool, params: dict | None = None) -> None:
    tasks = [t for t in default_tasks() if t.family == "gaussian"]
    samples = [t.sample(n, seed) for t in tasks]
    rows: dict[str, list[float]] = {}
    times: dict[str, float] = {}
    if mine:
        est, seconds, errors = get("mine", seed=seed, preprocess=None), 0.0, []  # z-scores, as before issue 12
        for task, (a, b) in zip(tasks, samples):
            start = time.perf_counter()
            value = est.mutual_information(a, b)
            seconds += time.perf_counter() - start
            errors.append((value - task.truth_bits) / task.truth_bits)
        rows["mine (alone per task)"], times["mine (alone per task)"] = errors, seconds / len(tasks)
    for bound in ("infonce", "smile", "nwj"):
        settings = CriticSettings(bound=bound, seed=seed, **(params or {}))
        problems = [prepare_pair(a, b, "copula") for a, b in samples]
        start = time.perf_counter()
        fits = train_critics(problems, settings)
        seconds = time.perf_counter() - start
        key = f"{bound} (12 tasks stacked)"
        rows[key] = [(f.mi_bits - t.truth_bits) / t.truth_bits for t, f in zip(tasks, fits)]
        times[key] = seconds / len(tasks)
    print(f"Gaussian tasks, N = {n}, seed {seed}: relative error per task")
    print("| task | truth (bits) | " + " | ".join(rows) + " |")
    print("|---|---:|" + "---:|" * len(rows))
    for i, task in enumerate(tasks):
        print(f"| {task.id} | {task.truth_bits:.3f} | " + " | ".join(f"{rows[k][i]:+.1%}" for k in rows) + " |")
    print("| mean abs. error | | " + " | ".join(f"{np.mean(np.abs(rows[k])):.1%}" for k in rows) + " |")
    print("| seconds per task | | " + " | ".join(f"{times[k]:.2f}" for k in rows) + " |")


def demo(
    path: str, stride: int, epochs: int | None, steps: int, params: dict, csv: str | None = None, name: str = "infonce"
) -> None:
    if csv:  # refused before the work if it is the run itself or a file of another kind
        check_output(csv, [path], kind="csv", what="--csv")
    run = load_run(path)
    keep = list(range(0, len(run.epochs), stride))[:epochs]
    run = dataclasses.replace(
        run,
        epochs=[run.epochs[i] for i in keep],
        activations={layer: run.activations[layer][keep] for layer in run.layers},
        metrics={metric: [values[i] for i in keep] for metric, values in run.metrics.items()},
    )
    est = get(name, **({"steps": steps} if steps else {}), **params)
    start = time.perf_counter()
    table = estimate(run, est, progress=False)
    seconds = time.perf_counter() - start
    n_cells = len(run.layers) * len(run.epochs)
    print(
        f"\nneural information plane of {path}: {len(run.layers)} layers × {len(run.epochs)} epochs "
        f"(every {stride}th logged), N = {len(run.labels)}, {name} steps={steps or 'default'}: {seconds:.1f} s in all, "
        f"{seconds / n_cells:.2f} s per layer-epoch (both I(X;T) and I(T;Y)); {seconds / len(run.epochs):.2f} s "
        f"per epoch; estimator {est!r}"
    )
    last = table[table["epoch"] == table["epoch"].max()]
    first = table[table["epoch"] == table["epoch"].min()]
    # I(T;Y) ≤ H(Y) for every valid estimate (the labels are discrete): the check that found the float32 fault.
    h_y = entropy_bits(np.unique(np.asarray(run.labels), return_counts=True)[1])
    print(f"H(Y) of the probe labels: {h_y:.4f} bits")
    print("| layer | I(X;T) first | I(X;T) last | I(T;Y) first | I(T;Y) last | I(T;Y) max (epoch) | ceiling |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for layer in run.layers:
        rows = table[table["layer"] == layer]
        f, l_ = first[first["layer"] == layer].iloc[0], last[last["layer"] == layer].iloc[0]
        top = rows.loc[rows["I_TY"].idxmax()]
        print(
            f"| {layer} | {f.I_XT:.2f} | {l_.I_XT:.2f} | {f.I_TY:.3f} | {l_.I_TY:.3f} | {top.I_TY:.3f} ({top.epoch}) "
            f"| {l_.ceiling_bits:.2f} |"
        )
    above = int((table["I_TY"] > h_y + 0.01).sum())
    print(f"estimates of I(T;Y) above H(Y) + 0.01 bits: {above} of {len(table)}")
    if csv:
        atomic_write_text(csv, table.to_csv(index=False))
        print(f"table written to {csv}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["gaussian"])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--no-mine", action="store_true", help="skip today's mine (slow)")
    parser.add_argument("--stride", type=int, default=2, help="every stride-th logged epoch of the demo run")
    parser.add_argument("--epochs", type=int, default=None, help="at most this many epochs of the demo run")
    parser.add_argument(
        "--steps", type=int, default=200, help="most steps per epoch's fit (warm starts carry on); 0: the estimator's default"
    )
    parser.add_argument("--estimator", default="infonce", help="the demo's estimator (a critic bound or mine)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--params", type=json.loads, default={}, help="the critics' parameters (JSON; gaussian: the stacked bounds', demo: the estimator's)")
    parser.add_argument("--csv", default=None, help="also write the demo's MI table to this CSV")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), "
        f"load average {os.getloadavg()}"
    )
    parts = list(args.parts)
    if "gaussian" in parts:
        gaussian(args.n, 0, not args.no_mine, args.params)
    if "demo" in parts:
        demo(parts[parts.index("demo") + 1], args.stride, args.epochs, args.steps, args.params, args.csv, args.estimator)


if __name__ == "__main__":
    main()
