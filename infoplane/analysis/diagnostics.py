"""What a number can and cannot mean: flags for layers whose estimate sits at its ceiling.

Two kinds of ceiling: log2 N, where binned and kernel estimates of I(X;T) saturate once every probe sample
is told apart (:func:`saturation`), and the ceiling a lower-bound estimator states itself in the MI table's
``ceiling_bits`` column (InfoNCE: log2 of its negatives + 1; DV, NWJ, SMILE: log2 of the held-out count,
McAllester & Stratos 2020), near which a bound says only "at least this much" (:func:`near_stated_ceiling`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: A layer whose I(X;T) is within this many bits of log2 N at an epoch counts as saturated there.
CEILING_TOLERANCE = 0.01
#: A lower bound within this many bits of its stated ceiling counts as "near" it: the bound approaches its
#: ceiling from below as the true MI grows past it (InfoNCE's terms are each ≤ log(K + 1)), so it is read as
#: "at least this much" there. 0.5 bits is a factor √2 in the count of samples the critic tells apart.
NEAR_CEILING_BITS = 0.5
#: A layer wider than this multiple of log2 N is flagged: binning it gives most samples a bin of their own.
WIDTH_FACTOR = 2.0


def saturation(
    table: pd.DataFrame, n_samples: Mapping[str, int], widths: Mapping[str, Mapping[str, int]]
) -> pd.DataFrame:
    """Flag layers whose I(X;T) sits at log2 N (every probe sample its own bin or kernel), is 0 at every
    epoch (a constant layer), or whose width is far above log2 N.

    Args:
        table: an MI table.
        n_samples: per run name, the number of probe samples N.
        widths: per run name, the width of each layer.

    Returns:
        One row per flagged (run, estimator, params, layer): epochs_at_ceiling, epochs, width, log2_n and a
        ``message`` saying what the number can and cannot mean.
    """
    rows = []
    for (run, estimator, params, layer), group in table.groupby(
        ["run", "estimator", "params", "layer"], sort=False
    ):
        ceiling = float(np.log2(n_samples[run]))
        at_ceiling = int((group["I_XT"] >= ceiling - CEILING_TOLERANCE).sum())
        width = int(widths.get(run, {}).get(layer, 0))
        reasons = []
        if at_ceiling:
            reasons.append(
                f"I(X;T) sits at log2 N = {ceiling:.2f} bits in {at_ceiling} of {len(group)} epochs: every probe sample "
                f"is distinguishable, so the value measures the estimator's resolution and the probe size, not "
                f"what the layer keeps about X, and cannot show compression or its absence there (try fewer bins, "
                f"a larger KDE σ², or more probe samples)"
            )
        finite = group["I_XT"].dropna()
        if len(finite) and (finite.abs() < 1e-12).all():
            reasons.append(
                "I(X;T) is 0 at every epoch: the layer is constant over the probe set (dead or saturated units), "
                "so it carries nothing this estimator can see"
            )
        if width > WIDTH_FACTOR * ceiling:
            reasons.append(
                f"width {width} is far above log2 N = {ceiling:.1f}: binned or kernel estimates of such a layer "
                f"saturate at log2 N for almost any weights"
            )
        if reasons:
            rows.append(
                {
                    "run": run, "estimator": estimator, "params": params, "layer": layer,
                    "epochs_at_ceiling": at_ceiling, "epochs": len(group), "width": width, "log2_n": ceiling,
                    "message": "; ".join(reasons) + ".",
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


FLAG_COLUMNS = [
    "run",
    "estimator",
    "params",
    "layer",
    "epochs_at_ceiling",
    "epochs",
    "width",
    "log2_n",
    "message",
]


def near_stated_ceiling(
    table: pd.DataFrame, n_samples: Mapping[str, int], widths: Mapping[str, Mapping[str, int]]
) -> pd.DataFrame:
    """Flag layers whose I(X;T) or I(T;Y) is within :data:`NEAR_CEILING_BITS` of the estimator's own ceiling.

    Only rows with a finite ``ceiling_bits`` (lower-bound estimators that state one) are checked.

    Args:
        table: an MI table (with ``ceiling_bits``; a table without the column gives no flags).
        n_samples: per run name, the number of probe samples N.
        widths: per run name, the width of each layer.

    Returns:
        Rows like :func:`saturation`'s (``epochs_at_ceiling`` counts epochs where either estimate is near).
    """
    if "ceiling_bits" not in table.columns:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    stated = table[np.isfinite(pd.to_numeric(table["ceiling_bits"], errors="coerce").astype(float))]
    rows = []
    for (run, estimator, params, layer), group in stated.groupby(
        ["run", "estimator", "params", "layer"], sort=False
    ):
        limit = group["ceiling_bits"].astype(float) - NEAR_CEILING_BITS
        near_xt, near_ty = group["I_XT"] >= limit, group["I_TY"] >= limit
        near = int((near_xt | near_ty).sum())
        if not near:
            continue
        which = " and ".join(
            name for name, hits in (("I(X;T)", near_xt), ("I(T;Y)", near_ty)) if bool(hits.any())
        )
        ceiling = float(group["ceiling_bits"].max())
        rows.append(
            {
                "run": run, "estimator": estimator, "params": params, "layer": layer,
                "epochs_at_ceiling": near, "epochs": len(group), "width": int(widths.get(run, {}).get(layer, 0)),
                "log2_n": float(np.log2(n_samples[run])),
                "message": (
                    f"{which} within {NEAR_CEILING_BITS} bits of the ceiling {estimator} states, {ceiling:.2f} bits, in "
                    f"{near} of {len(group)} epochs: a lower bound there says \"at least this much\" (the true value "
                    f"may be far higher), so a flat or falling curve there is not evidence of no change or of "
                    f"compression (more probe samples raise the ceiling)."
                ),
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)
