"""Claim 4: task-irrelevant information is compressed even while the information about the input grows.

Saxe et al. (2018, §5 "simultaneous fitting and compression") split the input of a linear student-teacher
task into a task-relevant and a task-irrelevant part and report that hidden representations lose
information about the irrelevant part while I(T;X) (or I(T;X_rel)) keeps growing, concurrently with
fitting. This module runs their construction with exact information (no estimator):

- inputs X = (X_rel, X_irr) ~ N(0, I), ``n_relevant`` + ``n_irrelevant`` dimensions;
- a linear teacher per seed, y = w·X_rel + ε, w ~ N(0, I/n_relevant), ε ~ N(0, s²) with s = ``target_noise_sd``;
- a deep linear student (widths d → hidden … → 1, no biases: the data are centred) trained by minibatch
  SGD on the squared error over ``n_train`` samples, all seeds at once in numpy;
- each layer read as a noisy channel, T = M X + N(0, σ²I) with M the product of the weights up to it, so
  I(T;X), I(T;X_rel), I(T;X_irr) and I(T;Y) have closed forms (:mod:`infoplane.claims.linear_gaussian`,
  docs/science.md §6), evaluated under the population distribution of X at every logged epoch.

The statistic, per layer, σ² and training-set size, over seeds: the *fall* of I(T;X_irr) from its peak
(smoothed peak − smoothed final value, :func:`infoplane.analysis.compression.smooth`, the same smoother as
the compression verdicts), and the *change* of I(T;X_rel) (smoothed final − smoothed first), each mean
with an expanded-percentile bootstrap interval over seeds (95 %). See :func:`irrelevant_information` for
the verdict rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from infoplane.analysis.compression import SMOOTHING_WINDOW, bootstrap_mean_interval, smooth
from infoplane.claims.base import ClaimResult, ClaimsConfig, register_claim
from infoplane.claims.linear_gaussian import linear_target_mi_bits, relevant_irrelevant_mi_bits
from infoplane.hooks import log_spaced_epochs

CLAIM_ID = "irrelevant-information"
SOURCE = "Saxe et al. 2018"

#: Bits the interval of a fall (or rise) must clear (the compression verdicts' default threshold).
THRESHOLD_BITS = 0.05

#: A fall also counts when it is at least this share of the peak of I(T;X_irr) (for small curves: an output
#: unit's I(T;X_irr) peaks at ~0.1 bit, and halving it is compression though it is under ``THRESHOLD_BITS``).
RELATIVE_THRESHOLD = 0.1

#: σ² of the noisy-channel reading swept by default (squared units of T; unit-variance inputs).
NOISE_VARIANCES: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0)


@dataclass(frozen=True)
class LinearTeacher:
    """The linear student-teacher task (after Saxe et al. 2018, §5).

    Attributes:
        n_relevant: input dimensions the teacher reads (X_rel).
        n_irrelevant: input dimensions it ignores (X_irr).
        hidden: widths of the student's hidden layers (linear); its output is one unit.
        n_train: training samples per seed (a fixed set, drawn once).
        target_noise_sd: standard deviation of the teacher's output noise ε.
        init_scale: initial weights are N(0, init_scale²/fan_in).
        lr: SGD learning rate (squared error ½(ŷ − y)², mean over the minibatch).
        batch_size: minibatch size.
        epochs: passes over the training set.
    """

    n_relevant: int = 30
    n_irrelevant: int = 70
    hidden: tuple[int, ...] = (50, 50)
    n_train: int = 400
    target_noise_sd: float = 0.5
    init_scale: float = 0.1
    lr: float = 0.01
    batch_size: int = 20
    epochs: int = 300

    def __post_init__(self) -> None:
        if self.n_relevant < 1 or self.n_irrelevant < 1:
            raise ValueError(
                f"LinearTeacher: n_relevant and n_irrelevant must be ≥ 1, got {self.n_relevant}, {self.n_irrelevant}"
            )
        if self.n_train < 1 or self.batch_size < 1 or self.epochs < 1 or any(h < 1 for h in self.hidden):
            raise ValueError("LinearTeacher: n_train, batch_size, epochs and hidden widths must be ≥ 1")
        if not (self.lr > 0 and self.init_scale > 0 and self.target_noise_sd >= 0):
            raise ValueError("LinearTeacher: lr and init_scale must be > 0, target_noise_sd ≥ 0")

    @property
    def n_inputs(self) -> int:
        return self.n_relevant + self.n_irrelevant

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.n_inputs, *self.hidden, 1)


def train_linear_students(
    task: LinearTeacher,
    seeds: Sequence[int],
    noise_variances: Sequence[float],
    log_points: int = 100,
) -> pd.DataFrame:
    """Train one linear student per seed (all at once) and tabulate the exact information per logged epoch.

    Epoch 0 is the initial state; epoch e ≥ 1 is after e passes over the training set, logged on the
    log-spaced schedule (:func:`infoplane.hooks.log_spaced_epochs`) plus epoch 0.

    Returns:
        One row per seed, logged epoch, layer and σ²: seed, epoch, layer ("1", "2", …, the last is the
        output), layer_index, width, noise_variance, I_TX, I_TX_rel, I_TX_irr, I_TY (bits), train_loss
        (mean ½(ŷ − y)² on the training set) and test_loss (its population value, exact:
        ½(‖m − w‖² + σ_ε²) for the end-to-end map m).
    """
    if not seeds:
        raise ValueError("train_linear_students: seeds is empty; give at least one")
    n_seeds, d, p = len(seeds), task.n_inputs, task.n_train
    relevant = np.arange(task.n_relevant)
    teachers = np.zeros((n_seeds, d))
    inputs = np.empty((n_seeds, p, d))
    weights = [np.empty((n_seeds, out, inp)) for inp, out in zip(task.widths[:-1], task.widths[1:])]
    generators = []
    for k, seed in enumerate(seeds):
        rng = np.random.default_rng([int(seed), 4])
        teachers[k, relevant] = rng.standard_normal(task.n_relevant) / np.sqrt(task.n_relevant)
        inputs[k] = rng.standard_normal((p, d))
        for w in weights:
            w[k] = rng.standard_normal(w.shape[1:]) * task.init_scale / np.sqrt(w.shape[2])
        generators.append(rng)
    noise = np.stack([g.standard_normal(p) for g in generators]) * task.target_noise_sd
    targets = np.einsum("spd,sd->sp", inputs, teachers) + noise
    logged = {0, *(e + 1 for e in log_spaced_epochs(task.epochs, log_points))}
    records: list[dict[str, Any]] = []

    def record(epoch: int) -> None:
        product = weights[0]
        predictions = inputs @ np.swapaxes(weights[0], 1, 2)
        for w in weights[1:]:
            predictions = predictions @ np.swapaxes(w, 1, 2)
        train_loss = 0.5 * ((predictions[..., 0] - targets) ** 2).mean(axis=1)
        layers = []
        for index, w in enumerate(weights):
            if index:
                product = w @ product
            layers.append(product)
        end_to_end = layers[-1][:, 0, :]
        test_loss = 0.5 * (((end_to_end - teachers) ** 2).sum(axis=1) + task.target_noise_sd**2)
        for index, product in enumerate(layers):
            for variance in noise_variances:
                info = relevant_irrelevant_mi_bits(product, variance, relevant)
                i_ty = linear_target_mi_bits(product, variance, teachers, task.target_noise_sd**2)
                records.append({
                    "seed": np.asarray(seeds), "epoch": np.full(n_seeds, epoch), "layer": np.full(n_seeds, str(index + 1)),
                    "layer_index": np.full(n_seeds, index), "width": np.full(n_seeds, product.shape[1]),
                    "noise_variance": np.full(n_seeds, float(variance)),
                    "I_TX": info["I_TX"], "I_TX_rel": info["I_TX_rel"], "I_TX_irr": info["I_TX_irr"], "I_TY": i_ty,
                    "train_loss": train_loss, "test_loss": test_loss,
                })  # fmt: skip

    record(0)
    rows = np.arange(n_seeds)[:, None]
    for epoch in range(1, task.epochs + 1):
        order = np.argsort(np.stack([g.random(p) for g in generators]), axis=1)
        x_epoch, y_epoch = inputs[rows, order], targets[rows, order]
        for start in range(0, p, task.batch_size):
            xb, yb = x_epoch[:, start : start + task.batch_size], y_epoch[:, start : start + task.batch_size]
            hidden = [xb]
            for w in weights:
                hidden.append(hidden[-1] @ np.swapaxes(w, 1, 2))
            delta = (hidden[-1][..., 0] - yb)[..., None] / xb.shape[1]
            grads = []
            for index in range(len(weights) - 1, -1, -1):
                grads.append(np.swapaxes(delta, 1, 2) @ hidden[index])
                delta = delta @ weights[index]
            for index, grad in zip(range(len(weights) - 1, -1, -1), grads):
                weights[index] -= task.lr * grad
        if epoch in logged:
            record(epoch)
    return pd.DataFrame({key: np.concatenate([r[key] for r in records]) for key in records[0]})


def _trend(values: np.ndarray) -> np.ndarray:
    """The compression verdicts' smoother (local linear, ``SMOOTHING_WINDOW`` logged epochs) along the last axis."""
    return smooth(values, SMOOTHING_WINDOW)


def summarise(table: pd.DataFrame, threshold: float = THRESHOLD_BITS) -> pd.DataFrame:
    """Per layer, σ² (and ``n_train`` when present): the fall of I(T;X_irr) and the changes of I(T;X_rel), I(T;X).

    Per seed, each curve is smoothed (``_trend``); fall = max − last of I(T;X_irr), rise = last − first
    of I(T;X_rel) and of I(T;X). Means over seeds with expanded-percentile bootstrap 95 % intervals, the
    median epoch of the I(T;X_irr) peak, the share of the I(T;X_rel) rise made after that peak
    (``rel_rise_after_peak``: near 1 means the irrelevant part was compressed while fitting went on) and
    the verdict (:func:`verdict`).
    """
    keys = [k for k in ("n_train", "layer", "layer_index", "width", "noise_variance") if k in table.columns]
    out = []
    for key, part in table.groupby(keys, sort=True):
        wide = {
            c: part.pivot(index="seed", columns="epoch", values=c).sort_index(axis=1)
            for c in ("I_TX", "I_TX_rel", "I_TX_irr")
        }
        epochs = wide["I_TX_irr"].columns.to_numpy()
        irr, rel, whole = (_trend(wide[c].to_numpy()) for c in ("I_TX_irr", "I_TX_rel", "I_TX"))
        fall = irr.max(axis=1) - irr[:, -1]
        at = irr.argmax(axis=1)
        rel_rise = rel[:, -1] - rel[:, 0]
        after = rel[:, -1] - rel[np.arange(len(at)), at]
        share = np.divide(after, rel_rise, out=np.full(len(at), np.nan), where=np.abs(rel_rise) > 1e-12)
        row: dict[str, Any] = dict(zip(keys, key)) | {"n_seeds": len(fall)}
        for name, values in (
            ("irr_fall", fall),
            ("rel_change", rel_rise),
            ("x_change", whole[:, -1] - whole[:, 0]),
        ):
            low, high = bootstrap_mean_interval(values)
            row |= {name: float(values.mean()), f"{name}_low": low, f"{name}_high": high}
        row |= {
            "irr_peak_epoch_median": float(np.median(epochs[at])),
            "irr_peak_mean": float(irr.max(axis=1).mean()),
            "rel_rise_after_peak": float(np.nanmedian(share)) if np.isfinite(share).any() else float("nan"),
        }
        row["fall_threshold"] = min(threshold, RELATIVE_THRESHOLD * row["irr_peak_mean"])
        row["verdict"] = verdict(row, threshold)
        out.append(row)
    return pd.DataFrame(out)


def verdict(row: dict[str, Any], threshold: float = THRESHOLD_BITS) -> str:
    """The claim's verdict for one layer and setting, from :func:`summarise`'s intervals (bits).

    A fall is measured against ``fall_threshold`` = min(``threshold``, ``RELATIVE_THRESHOLD`` × the mean peak of
    I(T;X_irr)): at least 0.05 bits, or 10 % of what there was to lose, whichever is smaller.

    - "supports": the fall of I(T;X_irr) from its peak has its interval's lower end above ``fall_threshold``
      *and* the change of I(T;X_rel) has its lower end above ``threshold`` (irrelevant information falls
      while relevant information grows);
    - "contradicts": I(T;X_rel) grows (lower end above ``threshold``) but the fall of I(T;X_irr) has its
      upper end below ``fall_threshold`` (the irrelevant information is kept);
    - "inconclusive": anything else (fewer than two seeds, intervals straddling the threshold, or no
      growth of I(T;X_rel), where the claim's situation does not arise).
    """
    names = ("irr_fall_low", "irr_fall_high", "rel_change_low")
    low, high, rel_low = (float(row.get(name, float("nan"))) for name in names)
    floor = float(row.get("fall_threshold", threshold))
    if not np.isfinite([low, high, rel_low, floor]).all():
        return "inconclusive"
    if rel_low > threshold and low > floor:
        return "supports"
    if rel_low > threshold and high < floor:
        return "contradicts"
    return "inconclusive"


def _setting(row: pd.Series) -> str:
    kind = "output" if row["layer_index"] == row["_last"] else "hidden"
    return f"{kind} layer {row['layer']} ({int(row['width'])} units), σ²={row['noise_variance']:g}, n_train={int(row['n_train'])}"


def _holds_under(summary: pd.DataFrame) -> dict[tuple[str, int], str]:
    """Per (layer, n_train): the σ² under which the verdict is "supports" and those under which it is not."""
    text = {}
    for (layer, n_train), part in summary.groupby(["layer", "n_train"], sort=False):
        yes = [f"{v:g}" for v in part.loc[part["verdict"] == "supports", "noise_variance"]]
        no = [f"{v:g}" for v in part.loc[part["verdict"] != "supports", "noise_variance"]]
        text[(layer, n_train)] = (
            f"exact noisy-channel MI; supported at σ² ∈ {{{', '.join(yes)}}}"
            if yes
            else "exact noisy-channel MI; supported at no σ²"
        ) + (f"; not at σ² ∈ {{{', '.join(no)}}}" if no else "")
    return text


def _notify(progress: Any, message: str) -> None:
    if callable(progress):
        progress(message)


@register_claim(CLAIM_ID, "Task-irrelevant information is compressed even when I(X;T) grows", SOURCE)
def irrelevant_information(
    config: ClaimsConfig, progress: Callable[[str], None] | bool | None = None
) -> ClaimResult:
    """Claim 4 on the linear student-teacher task, with exact noisy-channel information (bits).

    Runs :class:`LinearTeacher` at two training-set sizes (4× and 1× the input dimension: well-determined and
    at the interpolation threshold) for ``config.seeds``, reads each layer at σ² ∈ ``NOISE_VARIANCES`` ∪
    ``config.noise_variance``, and returns two rows per layer, size and σ²: the fall of I(T;X_irr) from its
    peak and the change of I(T;X_rel) (bits, mean over seeds with a 95 % bootstrap interval), both carrying
    that setting's :func:`verdict`. ``config.quick`` trains 2 seeds for 60 epochs (for tests). The task has
    its own epoch count (``LinearTeacher.epochs``); ``config.log_points`` sets the logged epochs.

    Evidence: ``per_epoch`` (the information of every seed, layer, σ² and logged epoch) and ``summary``
    (:func:`summarise`).
    """
    start = time.perf_counter()
    seeds = tuple(range(config.seeds))[:2] if config.quick else tuple(range(config.seeds))
    variances = tuple(sorted({*NOISE_VARIANCES, *((float(config.noise_variance),) if config.noise_variance else ())}))
    base = LinearTeacher(epochs=60) if config.quick else LinearTeacher()
    tables = []
    for n_train in (4 * base.n_inputs, base.n_inputs):
        _notify(progress, f"{CLAIM_ID}: linear students, n_train={n_train}, {len(seeds)} seeds")
        table = train_linear_students(replace(base, n_train=n_train), seeds, variances, config.log_points)
        tables.append(table.assign(n_train=n_train))
    per_epoch = pd.concat(tables, ignore_index=True)
    summary = summarise(per_epoch)
    summary["_last"] = summary["layer_index"].max()
    holds = _holds_under(summary)
    rows = []
    for _, row in summary.iterrows():
        setting = _setting(row)
        for statistic, column in (
            ("fall of I(T;X_irr) from its peak (bits)", "irr_fall"),
            ("change of I(T;X_rel) (bits)", "rel_change"),
        ):
            rows.append({
                "claim": CLAIM_ID, "source": SOURCE, "setting": setting, "statistic": statistic,
                "value": row[column], "low": row[f"{column}_low"], "high": row[f"{column}_high"],
                "verdict": row["verdict"], "holds_under": holds[(row["layer"], row["n_train"])],
            })  # fmt: skip
    summary = summary.drop(columns="_last")
    counts = summary["verdict"].value_counts().to_dict()
    notes = [
        (
            f"Linear student {'-'.join(map(str, base.widths))} on y = w·X_rel + ε ({base.n_relevant} relevant, "
            f"{base.n_irrelevant} irrelevant Gaussian inputs, σ_ε = {base.target_noise_sd}), SGD lr {base.lr}, batch "
            f"{base.batch_size}, {base.epochs} epochs, {len(seeds)} seeds; exact MI of T + N(0, σ²I) under the population X."
        ),
        f"Verdicts over {len(summary)} layer × σ² × n_train settings: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + ".",
        (
            "The first hidden layer keeps its random initial weights outside the output's row space (gradient descent "
            "on a linear network never changes them), so its I(T;X_irr) can only fall by dilution: the growing "
            "relevant signal masks the fixed irrelevant one."
        ),
    ]
    return ClaimResult(
        rows=pd.DataFrame(rows),
        evidence={"per_epoch": per_epoch, "summary": summary},
        notes=notes,
        seconds=time.perf_counter() - start,
    )
