"""Information-theoretic helpers shared by estimators, ground truth and reports: one home each for the
entropy of a discrete distribution in bits, the nats → bits conversion and safe standardisation.

This module imports nothing else from infoplane.
"""

from __future__ import annotations

import math

import numpy as np

#: Multiply nats by this to get bits (1 / ln 2).
BITS_PER_NAT = 1.0 / math.log(2.0)


def nats_to_bits(value: float | np.ndarray) -> float | np.ndarray:
    """A quantity in nats, in bits."""
    return value * BITS_PER_NAT


def entropy_bits(counts: np.ndarray | list[float]) -> float:
    """Shannon entropy, in bits, of the distribution proportional to ``counts`` (zeros ignored).

    ``counts`` may be integer counts or probabilities; they are normalised here.
    """
    c = np.asarray(counts, dtype=np.float64).ravel()
    c = c[c > 0]
    if c.size == 0:
        return 0.0
    p = c / c.sum()
    return float(-(p * np.log2(p)).sum())


def standardise(values: np.ndarray) -> np.ndarray:
    """Each column shifted to mean 0 and scaled to standard deviation 1 (constant columns to 0), safely
    at any scale: values are first divided by the largest magnitude of their column, so 1e154 or 1e-200
    neither overflow nor underflow in the variance.

    Args:
        values: (N, d) finite floats.

    Returns:
        (N, d) float64.
    """
    a = np.asarray(values, dtype=np.float64)
    peak = np.max(np.abs(a), axis=0, keepdims=True)
    a = a / np.where(peak > 0, peak, 1.0)
    centred = a - a.mean(axis=0, keepdims=True)
    std = centred.std(axis=0, keepdims=True)
    return centred / np.where(std > 0, std, 1.0)
