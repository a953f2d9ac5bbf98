"""What a number can and cannot mean: flags for layers whose estimate sits at its ceiling."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: A layer whose I(X;T) is within this many bits of log2 N at an epoch counts as saturated there.
CEILING_TOLERANCE = 0.01
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
    for (run, estimator, params, layer), group in table.groupby(["run", "estimator", "params", "layer"], sort=False):
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
    columns = ["run", "estimator", "params", "layer", "epochs_at_ceiling", "epochs", "width", "log2_n", "message"]
    return pd.DataFrame(rows, columns=columns)
