"""Which epochs to log."""

from __future__ import annotations

import numpy as np


def log_spaced_epochs(n_epochs: int, n_points: int = 274) -> list[int]:
    """Log-spaced, 0-based epoch indices: dense early, sparse late (docs/science.md §2).

    ``unique(logspace(0, log2(n_epochs), n_points, base=2).astype(int)) - 1``, as in the original
    12-bit experiments, plus the last epoch ``n_epochs - 1`` where floating point leaves it out
    (the formula gives 9998 as the last of 10000 epochs), so that a run always ends on its final
    state. Duplicates at small epochs collapse, so fewer than ``n_points`` epochs come back (199 for
    8000 epochs and 274 points).

    Args:
        n_epochs: number of training epochs, ≥ 1.
        n_points: number of log-spaced points before duplicates are removed, ≥ 1.

    Returns:
        Sorted list of distinct ints in ``[0, n_epochs - 1]``.
    """
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be at least 1, got {n_epochs}")
    if n_points < 1:
        raise ValueError(f"n_points must be at least 1, got {n_points}")
    points = np.logspace(0, np.log2(n_epochs), n_points, base=2)
    epochs = {int(e) for e in np.unique(points.astype(np.int64)) - 1}
    epochs.add(n_epochs - 1)
    return sorted(epochs)
