"""Built-in data sets: the exact 12-bit set of Shwartz-Ziv & Tishby (2017) and scikit-learn's digits.

Nothing here reads a file: the 12-bit set is rebuilt from its generating rule (SCIENCE.md §2), and the
digits ship inside scikit-learn.
"""

from __future__ import annotations

import numpy as np
import torch

#: Edges of the icosahedron whose 12 vertices carry the 12 bits (SCIENCE.md §2).
ICOSAHEDRON_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 3), (0, 5), (0, 10), (0, 11), (1, 2), (1, 3), (1, 4), (1, 11), (2, 3),
    (2, 4), (2, 8), (2, 9), (3, 8), (3, 10), (4, 6), (4, 9), (4, 11), (5, 6), (5, 7),
    (5, 10), (5, 11), (6, 7), (6, 9), (6, 11), (7, 8), (7, 9), (7, 10), (8, 9), (8, 10),
)  # fmt: skip

#: Antipodal vertex pairs of the same icosahedron.
ANTIPODAL_PAIRS: tuple[tuple[int, int], ...] = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))

#: The rule behind the original ``var_u.mat``: every (ones, adjacent pairs of ones, antipodal pairs of
#: ones) triple that occurs among the 4096 patterns whose label is 1. Every other triple is labelled 0.
POSITIVE_COUNTS: frozenset[tuple[int, int, int]] = frozenset({
    (5, 7, 0), (6, 6, 0), (6, 7, 1), (6, 7, 2), (6, 8, 1), (6, 9, 0), (6, 9, 1), (6, 10, 0),
    (7, 8, 1), (7, 9, 2), (7, 9, 3), (7, 10, 1), (7, 10, 2), (7, 11, 2), (7, 12, 1),
    (8, 11, 2), (8, 12, 2), (8, 12, 3), (8, 12, 4), (8, 13, 2), (8, 13, 3), (8, 14, 2), (8, 15, 2),
    (9, 15, 3), (9, 16, 3), (9, 16, 4), (9, 17, 3), (9, 18, 3),
    (10, 20, 4), (10, 20, 5), (10, 21, 4), (11, 25, 5), (12, 30, 6),
})  # fmt: skip

N_BITS = 12


def szt12_patterns() -> np.ndarray:
    """All 4096 patterns of 12 bits, row ``i`` the big-endian binary of ``i``.

    Returns:
        ``uint8`` array of shape (4096, 12).
    """
    index = np.arange(2**N_BITS)
    shifts = np.arange(N_BITS - 1, -1, -1)
    return ((index[:, None] >> shifts[None, :]) & 1).astype(np.uint8)


def szt12_counts(patterns: np.ndarray) -> np.ndarray:
    """The three rotation-invariant counts of each pattern on the icosahedron.

    Args:
        patterns: (N, 12) array of 0/1.

    Returns:
        int array (N, 3): ones, adjacent pairs of ones, antipodal pairs of ones.
    """
    bits = patterns.astype(np.int64)
    edges = np.asarray(ICOSAHEDRON_EDGES)
    antipodes = np.asarray(ANTIPODAL_PAIRS)
    ones = bits.sum(axis=1)
    adjacent = (bits[:, edges[:, 0]] & bits[:, edges[:, 1]]).sum(axis=1)
    antipodal = (bits[:, antipodes[:, 0]] & bits[:, antipodes[:, 1]]).sum(axis=1)
    return np.stack([ones, adjacent, antipodal], axis=1)


def szt12() -> tuple[torch.Tensor, torch.Tensor]:
    """The 12-bit data set of Shwartz-Ziv & Tishby (2017), exactly as their ``var_u.mat``.

    Returns:
        ``(X, y)``: float32 tensor (4096, 12) of 0/1 and int64 tensor (4096,) of labels
        (2118 positives, H(Y) = 0.9992 bits).
    """
    patterns = szt12_patterns()
    counts = szt12_counts(patterns)
    labels = np.fromiter((tuple(row) in POSITIVE_COUNTS for row in counts.tolist()), dtype=np.int64)
    return torch.from_numpy(patterns.astype(np.float32)), torch.from_numpy(labels)


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's built-in 8×8 handwritten digits (1797 real images, 10 classes).

    Returns:
        ``(X, y)``: float32 tensor (1797, 64) with pixel values scaled to [0, 1] and int64 labels (1797,).
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.from_numpy((bunch.data / 16.0).astype(np.float32))
    y = torch.from_numpy(bunch.target.astype(np.int64))
    return x, y


#: The data sets the CLI and the experiments know by name.
DATASETS = {"szt12": szt12, "digits": digits}


def load(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A built-in data set by name (``"szt12"`` or ``"digits"``)."""
    try:
        return DATASETS[name]()
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}") from None
