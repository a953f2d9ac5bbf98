"""Claim 6: the MNIST setting of Saxe et al. (2018): 784-1024-20-20-20-10, tanh vs ReLU, KDE.

Saxe et al. train the network on MNIST and estimate each layer's information plane with the pairwise KDE
bound at σ² = 0.1 (Kolchinsky & Tracey 2017; docs/science.md §3). They report that the tanh network
compresses (I(X;T) rises, then falls) while the ReLU network does not. This claim repeats it on the 10k
MNIST test images (``t10k-*`` IDX files in ``config.data_dir``; 80 % train / 20 % test per seed): it is
opt-in, because the package never ships or fetches data.

Every (activation, seed) job is independent: it trains one network and, at each logged epoch, captures
its layers on a fixed probe subset (the same images for every job) and estimates the KDE plane there and
then, keeping only the MI rows (a 1024-wide layer on 10k images would be 40 MB per epoch). Each job
records its wall time spent training and spent capturing + estimating, so the cost of the analysis is
measured against plain training on the same machine. Verdicts use
:func:`infoplane.analysis.compression.compression` (the calibrated Δ = peak − final with its noise floor).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from infoplane.analysis.compression import compression
from infoplane.claims.base import ClaimResult, ClaimsConfig, register_claim
from infoplane.estimators.kde import kde_information_plane
from infoplane.experiments import datasets, models
from infoplane.experiments.training import make_adam, seeded_split
from infoplane.hooks import log_spaced_epochs

CLAIM_ID = "mnist"
SOURCE = "Saxe et al. 2018"

#: Saxe et al.'s MNIST network: hidden widths after the 784 inputs (10 logits follow).
HIDDEN: tuple[int, ...] = (1024, 20, 20, 20)

#: Saxe et al.'s kernel variance for MNIST (σ², squared activation units).
MNIST_NOISE_VARIANCE = 0.1

#: What Saxe et al. report per activation: True = the layers compress.
EXPECTED: dict[str, bool] = {"tanh": True, "relu": False}

#: Bits a Δ interval must clear (with the noise floor), as in :func:`compression`.
THRESHOLD_BITS = 0.05

#: A layer whose peak and final I(X;T) lie this close to log2(probe size) is saturated (no verdict).
SATURATION_BITS = 0.05


@dataclass(frozen=True)
class MnistSetting:
    """One job's training and analysis settings.

    Attributes:
        hidden: hidden widths (Saxe et al.: 1024-20-20-20).
        epochs: passes over the training split.
        log_points: points of the log-spaced schedule of logged epochs.
        lr: Adam's learning rate.
        batch_size: minibatch size.
        train_fraction: share of the images in each seed's training split (8k of 10k).
        probe: images the layers are captured on and the KDE is computed over (the same for every job).
        noise_variances: σ² of the KDE planes.
        threads: torch threads of a job (restored after it). One by default: jobs scale out across
            processes or machines, and on a loaded machine several threads per job oversubscribe the cores
            (measured here: a small job took 34 s with 2 threads on 2 busy cores, 0.4 s with 1).
    """

    hidden: tuple[int, ...] = HIDDEN
    epochs: int = 30
    log_points: int = 20
    lr: float = 1e-3
    batch_size: int = 128
    train_fraction: float = 0.8
    probe: int = 2000
    noise_variances: tuple[float, ...] = (MNIST_NOISE_VARIANCE,)
    threads: int = 1


def probe_indices(n_samples: int, size: int) -> np.ndarray:
    """The fixed probe subset: ``size`` indices of ``range(n_samples)`` from a seed-0 permutation, sorted."""
    order = np.random.default_rng(0).permutation(n_samples)
    return np.sort(order[: min(size, n_samples)])


def run_job(
    x: torch.Tensor, y: torch.Tensor, activation: str, seed: int, setting: MnistSetting
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train one network (``activation``, ``seed``) and estimate its KDE planes at the logged epochs.

    Returns:
        (MI rows, timing): the rows have the MI table's columns (``run``, ``activation``, ``seed``,
        ``epoch``, ``layer``, ``layer_index``, ``estimator``, ``params``, ``fitted``, ``I_XT``, ``I_TY``,
        ``setting``) plus ``train_accuracy``, ``test_accuracy``; timing has ``train_s`` (training steps
        only), ``capture_s`` (probe forward passes), ``estimate_s`` (KDE), ``metrics_s`` (accuracies),
        all wall seconds, and ``probe_size`` (images in the probe).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(setting.threads)
    try:
        return _run_job(x, y, activation, seed, setting)
    finally:
        torch.set_num_threads(previous)


def _run_job(
    x: torch.Tensor, y: torch.Tensor, activation: str, seed: int, setting: MnistSetting
) -> tuple[pd.DataFrame, dict[str, Any]]:
    torch.manual_seed(seed)
    widths = [x.shape[1], *setting.hidden, int(y.max()) + 1]
    model = models.mlp(widths, activation)
    split = seeded_split(len(x), setting.train_fraction, seed)
    x_train, y_train = x[split.train], y[split.train]
    probe = torch.from_numpy(probe_indices(len(x), setting.probe))
    x_probe, y_probe = x[probe], y[probe].numpy()
    generator = torch.Generator().manual_seed(seed + 1)
    optimizer = make_adam(model, setting.lr)
    logged = set(log_spaced_epochs(setting.epochs, setting.log_points))
    names = [str(i) for i, m in enumerate(model) if not isinstance(m, torch.nn.Linear)] + ["output"]
    timing = {"train_s": 0.0, "capture_s": 0.0, "estimate_s": 0.0, "metrics_s": 0.0, "probe_size": len(probe)}
    rows: list[dict[str, Any]] = []
    run = f"{activation}-seed{seed}"
    for epoch in range(setting.epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for begin in range(0, len(order), setting.batch_size):
            batch = order[begin : begin + setting.batch_size]
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        timing["train_s"] += time.perf_counter() - start
        if epoch not in logged:
            continue
        start = time.perf_counter()
        with torch.no_grad():
            captured, h = [], x_probe
            for module in model:
                h = module(h)
                if not isinstance(module, torch.nn.Linear):
                    captured.append(h.numpy().astype(np.float64))
            captured.append(h.numpy().astype(np.float64))
        timing["capture_s"] += time.perf_counter() - start
        start = time.perf_counter()
        planes = [kde_information_plane(t, y_probe, setting.noise_variances, ("upper",)) for t in captured]
        timing["estimate_s"] += time.perf_counter() - start
        start = time.perf_counter()
        with torch.no_grad():
            accuracy = {
                name: float((model(x[index]).argmax(dim=1) == y[index]).float().mean())
                if len(index)
                else math.nan
                for name, index in (("train_accuracy", split.train), ("test_accuracy", split.test))
            }
        timing["metrics_s"] += time.perf_counter() - start
        for index, (name, plane) in enumerate(zip(names, planes)):
            for k, variance in enumerate(setting.noise_variances):
                rows.append({
                    "run": run, "activation": activation, "seed": seed, "epoch": epoch, "layer": name,
                    "layer_index": index, "estimator": "kde", "params": f"noise_variance={variance:g}", "fitted": False,
                    "I_XT": float(plane[0, k, 0]), "I_TY": float(plane[0, k, 1]), "setting": f"kde σ²={variance:g}",
                    **accuracy,
                })  # fmt: skip
    return pd.DataFrame(rows), timing


def _job(args: tuple[str, str, int, MnistSetting]) -> tuple[pd.DataFrame, dict[str, Any]]:
    data_dir, activation, seed, setting = args
    x, y = datasets.load("mnist", data_dir)
    return run_job(x, y, activation, seed, setting)


def _observed(row: pd.Series, ceiling_bits: float = math.inf) -> str:
    """The layer's behaviour from a :func:`compression` row: "compresses", "does not compress", "saturated" (its
    peak and final I(X;T) both within ``SATURATION_BITS`` of the estimator's ceiling log2 N: every probe image is
    resolved, so the KDE cannot show a fall) or "undetermined"."""
    if min(float(row["peak_I_XT_mean"]), float(row["final_I_XT_mean"])) >= ceiling_bits - SATURATION_BITS:
        return "saturated"
    bar = max(THRESHOLD_BITS, float(row["noise_floor"]))
    if bool(row["compresses"]):
        return "compresses"
    if np.isfinite(row["delta_high"]) and row["delta_high"] < bar:
        return "does not compress"
    return "undetermined"


def verdict(activation: str, observed: str) -> str:
    """Saxe et al.'s prediction (``EXPECTED``: tanh compresses, ReLU does not) against what one layer shows.

    - "supports": the layer does what Saxe et al. report for its activation — for tanh, the interval of
      the mean Δ over seeds clears max(0.05 bits, noise floor) (:func:`compression`'s ``compresses``); for
      ReLU, the interval's upper end lies below that bar ("does not compress");
    - "contradicts": it does the opposite;
    - "inconclusive": the interval straddles the bar, or fewer than two seeds, or the layer is saturated at the
      KDE's ceiling log2 N all along (σ² too small for its spread: no fall could show), or an activation with
      no stated prediction.
    """
    if observed in ("undetermined", "saturated") or activation not in EXPECTED:
        return "inconclusive"
    return "supports" if (observed == "compresses") == EXPECTED[activation] else "contradicts"


def verdict_rows(
    table: pd.DataFrame, widths: dict[str, int], probe_size: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(claim rows, compression table) from the MI rows of every job: one row per activation, layer and σ².

    ``probe_size`` (N) sets the KDE's ceiling log2 N for the saturation test (``None``: no test).
    """
    ceiling = math.log2(probe_size) if probe_size else math.inf
    summary = compression(
        table.drop(columns=["train_accuracy", "test_accuracy"], errors="ignore"), threshold=THRESHOLD_BITS
    )
    summary["observed"] = [_observed(r, ceiling) for _, r in summary.iterrows()]
    summary["verdict"] = [verdict(a, o) for a, o in zip(summary["activation"], summary["observed"])]
    holds: dict[tuple[str, str], str] = {}
    for (activation, layer), part in summary.groupby(["activation", "layer"], sort=False):
        yes = [p.split("=", 1)[1] for p in part.loc[part["verdict"] == "supports", "params"]]
        no = [p.split("=", 1)[1] for p in part.loc[part["verdict"] != "supports", "params"]]
        text = "kde upper bound, probe of {n} images; " + (
            f"supported at σ² ∈ {{{', '.join(yes)}}}" if yes else "supported at no σ²"
        )
        holds[(activation, layer)] = text + (f"; not at σ² ∈ {{{', '.join(no)}}}" if no else "")
    rows = []
    for _, r in summary.iterrows():
        rows.append({
            "claim": CLAIM_ID, "source": SOURCE,
            "setting": f"{r['activation']}, layer {r['layer']} ({widths.get(r['layer'], '?')} units), kde σ²={r['params'].split('=', 1)[1]}",
            "statistic": "Δ I(X;T) = peak − final (bits)", "value": r["delta_mean"], "low": r["delta_low"], "high": r["delta_high"],
            "verdict": r["verdict"], "holds_under": holds[(r["activation"], r["layer"])],
        })  # fmt: skip
    return pd.DataFrame(rows), summary


def _notify(progress: Any, message: str) -> None:
    if callable(progress):
        progress(message)


def run_mnist(
    data_dir: str | Path,
    seeds: Sequence[int],
    setting: MnistSetting,
    activations: Sequence[str] = ("tanh", "relu"),
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All (activation, seed) jobs: (MI rows, per-job timing), sequential or in ``workers`` processes.

    Jobs are independent (``len(activations) × len(seeds)`` of them), so they can run anywhere; with
    ``workers`` > 1 each process reads the data itself and uses one thread.
    """
    jobs = [(str(data_dir), a, int(s), setting) for a in activations for s in seeds]
    results = []
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            results = list(pool.map(_job, jobs))
    else:
        x, y = datasets.load("mnist", data_dir)
        for _, activation, seed, _ in jobs:
            _notify(progress, f"{CLAIM_ID}: {activation} seed {seed}, {setting.epochs} epochs")
            results.append(run_job(x, y, activation, seed, setting))
    table = pd.concat([r[0] for r in results], ignore_index=True)
    timing = pd.DataFrame([{"activation": a, "seed": s, **r[1]} for (_, a, s, _), r in zip(jobs, results)])
    return table, timing


@register_claim(CLAIM_ID, "The MNIST setting: tanh compresses, ReLU does not (KDE)", SOURCE, default=False)
def mnist_claim(config: ClaimsConfig, progress: Callable[[str], None] | bool | None = None) -> ClaimResult:
    """Claim 6, opt-in: Saxe et al.'s 784-1024-20-20-20-10 network on MNIST, tanh vs ReLU, KDE planes.

    Needs ``config.data_dir``, a folder with MNIST's ``t10k-images-idx3-ubyte[.gz]`` and
    ``t10k-labels-idx1-ubyte[.gz]`` (the 10k test images; 8k train / 2k test per seed). ``config.epochs``
    (capped at 1000) and ``config.log_points`` set the schedule, the first three of ``config.seeds`` seeds, σ² is
    Saxe's 0.1 plus ``config.noise_variance``; the probe is 2000 images. ``config.quick`` (tests): 2 seeds,
    hidden widths 32-8-8-8, 4 epochs, a probe of at most 64 images.

    Rows: one per activation, layer and σ², statistic Δ = peak − final of I(X;T) with its 95 % bootstrap
    interval over seeds, verdict by :func:`verdict`. Evidence: ``mi`` (MI rows of every job and logged
    epoch, with accuracies), ``compression`` (:func:`compression`'s table) and ``timing`` (per job: wall
    seconds training, capturing, estimating, and the ratio (capture + estimate) / train).

    Raises:
        ValueError: no ``config.data_dir`` (the claim is opt-in), or the folder lacks the IDX files.
    """
    if not config.data_dir:
        raise ValueError(
            "claim 'mnist' reads MNIST's t10k IDX files: give data_dir (--data-dir FOLDER); it is opt-in"
        )
    start = time.perf_counter()
    variances = tuple(sorted({MNIST_NOISE_VARIANCE, *((float(config.noise_variance),) if config.noise_variance else ())}))
    if config.quick:
        seeds = tuple(range(config.seeds))[:2]
        setting = MnistSetting(
            hidden=(32, 8, 8, 8), epochs=4, log_points=4, probe=64, noise_variances=variances
        )
    else:
        seeds = tuple(range(config.seeds))[:3]
        setting = MnistSetting(
            epochs=min(config.epochs, 1000), log_points=config.log_points, noise_variances=variances
        )
    table, timing = run_mnist(
        config.data_dir,
        seeds,
        setting,
        workers=config.workers,
        progress=progress if callable(progress) else None,
    )
    timing["overhead_ratio"] = (timing["capture_s"] + timing["estimate_s"]) / timing["train_s"]
    widths = {
        name: w for name, w in zip([str(2 * i + 1) for i in range(len(setting.hidden))], setting.hidden)
    } | {"output": 10}
    rows, summary = verdict_rows(table, widths, int(timing["probe_size"].iloc[0]))
    rows["holds_under"] = rows["holds_under"].str.replace("{n}", str(setting.probe), regex=False)
    train_s, extra_s = (
        float(timing["train_s"].sum()),
        float((timing["capture_s"] + timing["estimate_s"]).sum()),
    )
    notes = [
        (
            f"MNIST t10k, 784-{'-'.join(map(str, setting.hidden))}-10, Adam lr {setting.lr}, batch {setting.batch_size}, "
            f"{setting.epochs} epochs, {len(seeds)} seeds × tanh, ReLU; KDE upper bound on a fixed probe of "
            f"{setting.probe} images (all, if fewer) at σ² ∈ {{{', '.join(f'{v:g}' for v in variances)}}}."
        ),
        (
            f"Wall time: training {train_s:.0f} s, capture + estimation {extra_s:.0f} s "
            f"(ratio {extra_s / train_s if train_s else math.nan:.2f}; the budget is ≤ 1, i.e. ≤ 2× plain training)."
        ),
        f"{len(timing)} independent jobs (activations × seeds): with --ray each runs on its own worker.",
    ]
    return ClaimResult(
        rows=rows,
        evidence={
            "mi": table,
            "compression": summary,
            "timing": timing,
            "setting": pd.DataFrame([asdict(setting)]),
        },
        notes=notes,
        seconds=time.perf_counter() - start,
    )
