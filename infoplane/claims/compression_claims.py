"""Claims 1, 2, 3 and 5 of issue 11, on the 12-bit set (``docs/science.md`` §5–§6).

- claim 1, ``two-phases``: per activation and layer, the calibrated compression verdict (:mod:`infoplane.analysis.compression`).
- claim 2, ``sgd-diffusion``: the same networks trained full-batch, verdicts beside minibatch training; and the
  gradients' drift → diffusion transition against the I(X;T) peak.
- claim 3, ``generalisation``: Spearman correlation of each layer's Δ with the generalisation gap across seeds and
  training-set fractions.
- claim 5, ``ib-bound``: each layer's final distance below the IB bound min(I(X;T), H(Y)).

All four read the trainings of :mod:`infoplane.claims.runs`, shared between them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from infoplane.analysis.compression import bootstrap_mean_interval, compression, per_run_phases
from infoplane.claims import stats
from infoplane.claims.base import ClaimResult, ClaimsConfig, register_claim
from infoplane.claims.runs import MAIN_FRACTION, Condition, headline, metrics_of, mi_of, train_conditions
from infoplane.infotheory import entropy_bits

SZT = "Shwartz-Ziv & Tishby 2017"
SAXE = "Saxe et al. 2018"


def _main(config: ClaimsConfig) -> list[Condition]:
    return [Condition(a) for a in config.activations]


def _full(config: ClaimsConfig) -> list[Condition]:
    return [Condition(a, full_batch=True) for a in config.activations]


def _fractions(config: ClaimsConfig) -> list[Condition]:
    return [Condition(a, f) for a in config.generalisation_activations for f in config.fractions]


def _verdicts(mi: pd.DataFrame, config: ClaimsConfig) -> pd.DataFrame:
    """``analysis.compression`` per activation, layer and setting, with the claims' ``setting`` labels."""
    labels = mi.drop_duplicates(["activation", "estimator", "params"]).set_index(
        ["activation", "estimator", "params"]
    )["setting"]
    result = compression(mi, threshold=config.threshold, group=("activation",))
    keys = pd.MultiIndex.from_frame(result[["activation", "estimator", "params"]])
    return result.assign(setting=labels.reindex(keys).to_numpy())


def _word(compresses: bool, n_seeds: int) -> str:
    if n_seeds < 2:
        return "too few runs"
    return "compresses" if compresses else "does not compress"


def _order(frame: pd.DataFrame, config: ClaimsConfig, column: str = "activation") -> pd.DataFrame:
    rank = {
        a: i for i, a in enumerate(dict.fromkeys([*config.activations, *config.generalisation_activations]))
    }
    return frame.sort_values(
        [column, "layer_index"], key=lambda c: c.map(rank) if c.name == column else c, kind="stable"
    )


def _trajectories(mi: pd.DataFrame, setting: str) -> pd.DataFrame:
    part = mi[mi["setting"] == setting]
    keys = ["activation", "layer", "layer_index", "epoch"]
    return part.groupby(keys, as_index=False).agg(
        I_XT=("I_XT", "mean"), I_TY=("I_TY", "mean"), I_XT_sd=("I_XT", "std")
    )


# ---- claim 1 -------------------------------------------------------------------------------------------


@register_claim(
    "two-phases", "Two phases, and compression in the deep layers", f"{SZT}; disputed by {SAXE}", needs=_main
)
def two_phases(config: ClaimsConfig, progress: bool | None = None) -> ClaimResult:
    """Per activation and layer: Δ = peak − final I(X;T) (bits, mean over seeds, bootstrap 95 % interval) and
    the calibrated verdict of :func:`infoplane.analysis.compression` under the headline binning; holds_under
    gives the verdict under the check settings (binning with more bins, KDE σ²)."""
    config = config.effective()
    results = train_conditions(config, _main(config), progress=progress)
    mi = mi_of(results)
    verdicts = _order(_verdicts(mi, config), config)
    head = headline(config)
    rows = []
    for (activation, layer), part in verdicts.groupby(["activation", "layer"], sort=False):
        by_setting = {
            s: _word(bool(r["compresses"]), int(r["n_seeds"]))
            for s, r in part.set_index("setting").iterrows()
        }
        row = part[part["setting"] == head].iloc[0]
        verdict = by_setting.pop(head)
        rows.append(
            {
                "claim": "two-phases", "source": SZT, "setting": f"{activation}, layer {layer}",
                "statistic": f"Δ = peak − final I(X;T), bits ({head}; floor {row['noise_floor']:.2f})",
                "value": row["delta_mean"], "low": row["delta_low"], "high": row["delta_high"],
                "verdict": verdict, "holds_under": stats.holds_under(verdict, by_setting),
            }
        )  # fmt: skip
    shown = verdicts[
        ["activation", "setting", "layer", "layer_index", "n_seeds", "peak_epoch_median", "delta_mean", "delta_low",
         "delta_high", "noise_floor", "compresses", "fit_rise_mean", "fits"]
    ]  # fmt: skip
    notes = [
        (
            f"Trained: {', '.join(config.activations)} × {config.seeds} seeds × {config.epochs} epochs (Adam, lr "
            f"{config.lr:g}, minibatches of {config.batch_size}, 80 % of the 4096 inputs)."
        ),
        (
            "A layer compresses when the lower end of the bootstrap interval of Δ over seeds clears 0.05 bits and the "
            "noise floor (the Δ flat curves with the runs' own correlated noise give): analysis.compression."
        ),
        (
            "Shwartz-Ziv & Tishby claim the deep layers of a saturating network compress after a fitting phase; "
            "Saxe et al. that single-sided (ReLU) and linear networks do not."
        ),
    ]
    return ClaimResult(
        rows=pd.DataFrame(rows),
        evidence={"verdicts": shown.reset_index(drop=True), "trajectories": _trajectories(mi, head)},
        notes=notes,
    )


# ---- claim 2 -------------------------------------------------------------------------------------------


def _claim2_word(full: str, minibatch: str) -> str:
    if "too few runs" in (full, minibatch):
        return "too few runs"
    if full == "compresses":
        return "contradicts"  # compression without minibatch noise
    if minibatch == "compresses":
        return "supports"  # compression only with minibatch noise
    return "inconclusive"  # neither compresses: nothing to attribute


def _snr_tables(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per activation, seed, layer and logged epoch: ‖mean gradient‖, ‖std‖ and their ratio (the SNR)."""
    means = [c for c in metrics.columns if c.startswith("grad_mean:")]
    frames = []
    for column in means:
        layer = column.split(":", 1)[1]
        part = metrics[["activation", "seed", "epoch", column, f"grad_std:{layer}"]].dropna()
        frames.append(
            pd.DataFrame(
                {
                    "activation": part["activation"], "seed": part["seed"], "epoch": part["epoch"], "layer": layer,
                    "grad_mean": part[column], "grad_std": part[f"grad_std:{layer}"],
                    "snr": stats.gradient_snr(part[column].to_numpy(), part[f"grad_std:{layer}"].to_numpy()),
                }
            )
        )  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["activation", "seed", "epoch", "layer", "grad_mean", "grad_std", "snr"])
    )


@register_claim(
    "sgd-diffusion",
    "Compression is caused by SGD noise (the diffusion phase)",
    f"{SZT}; disputed by {SAXE} (full-batch training)",
    needs=lambda c: [*_main(c), *_full(c)],
)
def sgd_diffusion(config: ClaimsConfig, progress: bool | None = None) -> ClaimResult:
    """Full-batch against minibatch verdicts per activation and layer, and the gradient phases.

    Rows ``…, full-batch``: Δ of full-batch training; verdict ``contradicts`` when a layer compresses without
    minibatch noise, ``supports`` when it compresses with minibatches only, ``inconclusive`` when neither.
    Rows ``…, gradient phases``: log10(transition epoch / I(X;T) peak epoch), mean over seeds with a
    bootstrap interval, where the transition is :func:`stats.transition_epoch` of the layer's weight-gradient
    SNR; verdict from :func:`stats.timing_verdict`.
    """
    config = config.effective()
    mains = train_conditions(config, _main(config), progress=progress)
    fulls = train_conditions(config, _full(config), progress=progress)
    head = headline(config)
    mb = _order(_verdicts(mi_of(mains), config), config)
    fb = _order(_verdicts(mi_of(fulls), config), config)
    key = ["activation", "layer", "layer_index", "setting"]
    both = mb.merge(fb, on=key, suffixes=("_minibatch", "_full"))
    rows = []
    for (activation, layer), part in both.groupby(["activation", "layer"], sort=False):
        words = {}
        for setting, r in part.set_index("setting").iterrows():
            words[setting] = _claim2_word(
                _word(bool(r["compresses_full"]), int(r["n_seeds_full"])),
                _word(bool(r["compresses_minibatch"]), int(r["n_seeds_minibatch"])),
            )
        r = part[part["setting"] == head].iloc[0]
        verdict = words.pop(head)
        mb_word = _word(bool(r["compresses_minibatch"]), int(r["n_seeds_minibatch"]))
        fb_word = _word(bool(r["compresses_full"]), int(r["n_seeds_full"]))
        rows.append(
            {
                "claim": "sgd-diffusion", "source": SZT, "setting": f"{activation}, layer {layer}, full-batch",
                "statistic": f"Δ full-batch, bits ({head}): {fb_word}; minibatch Δ {r['delta_mean_minibatch']:.2f} "
                f"[{r['delta_low_minibatch']:.2f}, {r['delta_high_minibatch']:.2f}]: {mb_word}",
                "value": r["delta_mean_full"], "low": r["delta_low_full"], "high": r["delta_high_full"],
                "verdict": verdict, "holds_under": stats.holds_under(verdict, words),
            }
        )  # fmt: skip
    # gradient phases, on the minibatch trainings
    snr = _snr_tables(metrics_of(mains))
    phases = per_run_phases(mi_of(mains))
    timing = []
    for (activation, seed, layer), part in snr.groupby(["activation", "seed", "layer"], sort=False):
        part = part.sort_values("epoch")
        transition = stats.transition_epoch(part["epoch"].to_numpy(), part["snr"].to_numpy())
        for setting, peak in phases[
            (phases["activation"] == activation) & (phases["seed"] == seed) & (phases["layer"] == layer)
        ][["setting" if "setting" in phases else "params", "peak_epoch"]].itertuples(index=False):
            timing.append({"activation": activation, "seed": seed, "layer": layer, "params": setting,
                           "transition_epoch": transition, "peak_epoch": peak})  # fmt: skip
    timing_frame = pd.DataFrame(timing)
    if len(timing_frame):
        labels = (
            mi_of(mains)
            .drop_duplicates(["activation", "params"])
            .set_index(["activation", "params"])["setting"]
        )
        keys = pd.MultiIndex.from_frame(timing_frame[["activation", "params"]])
        timing_frame = timing_frame.assign(setting=labels.reindex(keys).to_numpy()).drop(columns="params")
        # +1: epochs are 0-based; a peak at epoch 0 is one pass
        timing_frame["log_ratio"] = np.log10(
            (timing_frame["transition_epoch"] + 1) / (timing_frame["peak_epoch"] + 1)
        )
        layer_index = mi_of(mains).drop_duplicates(["layer"]).set_index("layer")["layer_index"]
        timing_frame["layer_index"] = timing_frame["layer"].map(layer_index)
        timing_frame = _order(timing_frame, config)
        for (activation, layer), part in timing_frame.groupby(["activation", "layer"], sort=False):
            found: dict[str, tuple[str, np.ndarray, float, float]] = {}
            for setting, sub in part.groupby("setting", sort=False):
                values = sub["log_ratio"].to_numpy(dtype=np.float64)
                low, high = bootstrap_mean_interval(values)
                found[setting] = (
                    stats.timing_verdict(low, high, int(np.isfinite(values).sum()), len(values)),
                    values,
                    low,
                    high,
                )
            verdict, values, low, high = found.pop(head)
            finite = values[np.isfinite(values)]
            transitions = part[part["setting"] == head]["transition_epoch"]
            rows.append(
                {
                    "claim": "sgd-diffusion", "source": SZT, "setting": f"{activation}, layer {layer}, gradient phases",
                    "statistic": f"log10(transition / I(X;T) peak epoch) ({head}); median transition epoch "
                    f"{transitions.median():.0f}, {int(transitions.notna().sum())}/{len(transitions)} seeds with one",
                    "value": float(finite.mean()) if finite.size else float("nan"), "low": low, "high": high,
                    "verdict": verdict, "holds_under": stats.holds_under(verdict, {s: w[0] for s, w in found.items()}),
                }
            )  # fmt: skip
    snr_summary = (
        snr.assign(log_snr=np.log10(snr["snr"].clip(lower=1e-12)))
        .groupby(["activation", "layer", "epoch"], as_index=False)
        .agg(snr_median=("snr", "median"), log_snr_mean=("log_snr", "mean"), grad_mean=("grad_mean", "median"),
             grad_std=("grad_std", "median"))
    )  # fmt: skip
    side = both[
        ["activation", "setting", "layer", "layer_index", "delta_mean_minibatch", "delta_low_minibatch",
         "delta_high_minibatch", "compresses_minibatch", "delta_mean_full", "delta_low_full", "delta_high_full",
         "compresses_full"]
    ]  # fmt: skip
    notes = [
        (
            "Full-batch: one gradient step per epoch on the whole training split (Adam, same learning rate and epochs), "
            f"so {-(-round(MAIN_FRACTION * 4096) // config.batch_size)}× fewer steps than minibatch training: a layer "
            "that does not compress full-batch may simply have trained less."
        ),
        (
            "Gradient phases (SZT): per layer and logged epoch, ‖ḡ‖_F of the mean weight gradient over the epoch's "
            "minibatches and ‖s‖_F of their elementwise standard deviation; SNR = ‖ḡ‖/‖s‖. The transition epoch is the "
            "first logged epoch after the SNR's maximum (at initialisation the SNR can start near or below 1, before "
            f"the drift phase) from which it stays below 1 for {stats.PERSIST} consecutive logged epochs "
            "(none: the run stays in the drift phase). SZT place compression in the diffusion phase, so the "
            "transition should come at or before the I(X;T) peak; 'at peak' means within a factor of 2 in epochs. "
            "A layer whose I(X;T) never falls has its peak at its last epochs."
        ),
    ]
    return ClaimResult(
        rows=pd.DataFrame(rows),
        evidence={"side_by_side": side.reset_index(drop=True), "snr": snr_summary, "timing": timing_frame},
        notes=notes,
    )


# ---- claim 3 -------------------------------------------------------------------------------------------


def _within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each value's rank within its group, scaled to (0, 1): removes what differs between groups."""
    out = np.full(values.shape, np.nan)
    for g in np.unique(groups):
        rows = (groups == g) & np.isfinite(values)
        if rows.sum() > 1:
            from scipy.stats import rankdata

            out[rows] = (rankdata(values[rows]) - 0.5) / rows.sum()
    return out


@register_claim(
    "generalisation",
    "Compression causes generalisation",
    f"{SZT}; disputed by {SAXE}",
    needs=_fractions,
)
def generalisation(config: ClaimsConfig, progress: bool | None = None) -> ClaimResult:
    """Per activation, layer and gap (test − train loss; train − test accuracy): Spearman ρ between the
    run's Δ (headline binning) and its final gap, over seeds × training-set fractions, with a percentile
    bootstrap interval over runs. ``negative`` (more compression, smaller gap) is what SZT predict,
    ``no evidence`` when the interval covers 0. holds_under: the same within fractions (ranks taken inside
    each fraction, so that the split size, which moves both, cannot make the correlation)."""
    config = config.effective()
    results = train_conditions(config, _fractions(config), progress=progress)
    head = headline(config)
    frames = []
    for condition, trained in results.items():
        phases = per_run_phases(trained.mi[trained.mi["setting"] == head])
        last = trained.metrics.sort_values("epoch").groupby("seed").tail(1).set_index("seed")
        gaps = pd.DataFrame(
            {
                "gap_loss": last["test_loss"] - last["loss"],
                "gap_accuracy": last["train_accuracy"] - last["test_accuracy"],
                "test_accuracy": last["test_accuracy"],
            }
        )
        frames.append(
            phases[["activation", "seed", "layer", "layer_index", "delta_bits", "peak_at_end"]]
            .join(gaps, on="seed")
            .assign(train_fraction=condition.train_fraction)
        )
    runs = _order(pd.concat(frames, ignore_index=True), config)
    rows = []
    gaps = {"gap_loss": "test − train loss", "gap_accuracy": "train − test accuracy"}
    for (activation, layer), part in runs.groupby(["activation", "layer"], sort=False):
        for column, words in gaps.items():
            rho, low, high = stats.spearman_interval(part["delta_bits"].to_numpy(), part[column].to_numpy())
            verdict = stats.correlation_verdict(low, high)
            fractions = part["train_fraction"].to_numpy()
            _, wlow, whigh = stats.spearman_interval(
                _within(part["delta_bits"].to_numpy(dtype=np.float64), fractions),
                _within(part[column].to_numpy(dtype=np.float64), fractions),
            )
            rows.append(
                {
                    "claim": "generalisation", "source": SZT,
                    "setting": f"{activation}, layer {layer}, {column.split('_')[1]} gap",
                    "statistic": f"Spearman ρ(Δ, {words}) over {len(part)} runs, seeds × fractions ({head})",
                    "value": rho, "low": low, "high": high, "verdict": verdict,
                    "holds_under": stats.holds_under(verdict, {"within fractions": stats.correlation_verdict(wlow, whigh)}),
                }
            )  # fmt: skip
    notes = [
        (
            f"Runs: {', '.join(config.generalisation_activations)} × {config.seeds} seeds × training fractions "
            f"{', '.join(f'{f:.0%}' for f in config.fractions)} of the 4096 inputs; gap at the last logged epoch."
        ),
        (
            "If compression caused generalisation, layers that compress more would generalise better: a negative ρ. "
            "'no evidence' (the interval covers 0) is no evidence that compression causes generalisation; a "
            "correlation, either way, would not show causation (the split size moves both), hence the check within "
            "fractions."
        ),
    ]
    return ClaimResult(rows=pd.DataFrame(rows), evidence={"runs": runs.reset_index(drop=True)}, notes=notes)


# ---- claim 5 -------------------------------------------------------------------------------------------


def label_entropy() -> float:
    """H(Y) of the 12-bit set's labels, bits (0.9992)."""
    from infoplane.experiments import datasets

    _, y = datasets.szt12()
    return entropy_bits(np.bincount(y.numpy()))


@register_claim(
    "ib-bound",
    "Converged layers sit near the information-bottleneck bound",
    f"{SZT}; bound of Kolchinsky, Tracey & Van Kuyk 2019",
    needs=_main,
)
def ib_bound(config: ClaimsConfig, progress: bool | None = None) -> ClaimResult:
    """Per activation and layer: the final (last logged epoch) distance min(I(X;T), H(Y)) − I(T;Y) in bits,
    mean over seeds with a bootstrap interval; ``near bound`` when the interval lies under
    ``config.bound_tolerance`` bits, ``off bound`` when above it (:func:`stats.bound_verdict`)."""
    config = config.effective()
    results = train_conditions(config, _main(config), progress=progress)
    mi = mi_of(results)
    h_y = label_entropy()
    last = mi[mi["epoch"] == mi.groupby(["activation", "seed", "setting"])["epoch"].transform("max")]
    points = last[["activation", "setting", "seed", "layer", "layer_index", "epoch", "I_XT", "I_TY"]].copy()
    points["distance"] = stats.bound_distance(points["I_XT"].to_numpy(), points["I_TY"].to_numpy(), h_y)
    points = _order(points, config)
    head = headline(config)
    rows = []
    for (activation, layer), part in points.groupby(["activation", "layer"], sort=False):
        words, numbers = {}, {}
        for setting, sub in part.groupby("setting", sort=False):
            low, high = bootstrap_mean_interval(sub["distance"].to_numpy())
            words[setting] = stats.bound_verdict(low, high, config.bound_tolerance)
            numbers[setting] = (float(sub["distance"].mean()), low, high)
        verdict = words.pop(head)
        value, low, high = numbers[head]
        rows.append(
            {
                "claim": "ib-bound", "source": SZT, "setting": f"{activation}, layer {layer}",
                "statistic": f"final min(I(X;T), H(Y)) − I(T;Y), bits ({head}; near: < {config.bound_tolerance:g})",
                "value": value, "low": low, "high": high, "verdict": verdict,
                "holds_under": stats.holds_under(verdict, words),
            }
        )  # fmt: skip
    notes = [
        (
            f"The 12-bit labels are a function of the inputs, so the IB bound is I(T;Y) ≤ min(I(X;T), H(Y)) with "
            f"H(Y) = {h_y:.4f} bits (Kolchinsky, Tracey & Van Kuyk 2019); the distance is the vertical gap below it at "
            "the last logged epoch. Plug-in binning of a deterministic layer can never cross the bound; KDE's "
            "upper bounds can."
        ),
    ]
    return ClaimResult(
        rows=pd.DataFrame(rows),
        evidence={"points": points.reset_index(drop=True), "bound": pd.DataFrame({"H_Y": [h_y]})},
        notes=notes,
    )


__all__ = ["generalisation", "ib_bound", "label_entropy", "sgd_diffusion", "two_phases"]
