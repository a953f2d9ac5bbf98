"""Preprocessing of continuous samples before an estimator sees them: the Gaussian-copula map.

Mutual information is unchanged by any strictly monotone map of each coordinate (I(f(A);g(B)) = I(A;B)
for coordinate-wise monotone f, g). The copula map replaces each coordinate by its *normal scores*,

    z_ij = Φ⁻¹((r_ij − ½) / N),

where r_ij is the rank (1…N) of a_ij within column j and Φ⁻¹ the standard normal quantile function. Every
column then has the same, standard-normal-like marginal, so heavy tails, outliers and odd scales no longer
drive an estimator's kernel widths, neighbour distances or network inputs (Ince et al. 2017, "A statistical
framework for neuroimaging data analysis based on mutual information estimated via a Gaussian copula",
Human Brain Mapping 38:1541–1573; Czyż et al. 2023 recommend it for heavy-tailed tasks).

The map is fitted on the samples given (their own ranks): it is a property of one sample set, not a
transform learned once and applied to new data. Ties share their average rank, so equal values stay equal
(a ReLU's zeros map to one value), and a constant column maps to zeros. Without ties the scores are exactly
Φ⁻¹((r − ½)/N), r = 1…N.

Estimators take ``preprocess=None`` (the default: samples as given) or ``preprocess="copula"`` and call
:func:`apply_preprocess` on each continuous side; class labels are never mapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

#: The values ``preprocess`` may take besides ``None``.
PREPROCESS_OPTIONS: tuple[str, ...] = ("copula",)


def copula_normal_scores(values: Any) -> np.ndarray:
    """Each column replaced by its normal scores Φ⁻¹((rank − ½)/N) (ties: average ranks).

    Args:
        values: (N,) or (N, d) finite numbers (N ≥ 1).

    Returns:
        (N, d) float64 array (a 1-d input becomes one column); each column without ties is a permutation
        of Φ⁻¹((i − ½)/N), i = 1…N; a constant column is all zeros.

    Raises:
        ValueError: ``values`` is not 1-d or 2-d, is empty, or holds NaN or ±inf.
    """
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"copula_normal_scores: values must be (N,) or (N, d) with N ≥ 1, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("copula_normal_scores: values hold NaN or ±inf; remove or impute them first")
    n = a.shape[0]
    ranks = rankdata(a, method="average", axis=0)
    return np.asarray(ndtri((ranks - 0.5) / n), dtype=np.float64)


def apply_preprocess(preprocess: str | None, values: np.ndarray) -> np.ndarray:
    """``values`` (N, d) after the named preprocessing: unchanged for ``None``, normal scores for "copula".

    Raises:
        ValueError: an unknown ``preprocess`` (the message names the valid ones).
    """
    if preprocess is None:
        return values
    if preprocess == "copula":
        return copula_normal_scores(values)
    raise ValueError(f"preprocess={preprocess!r} is unknown; use None or one of {', '.join(PREPROCESS_OPTIONS)}")
