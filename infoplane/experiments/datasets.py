"""Built-in data sets: the exact 12-bit set of Shwartz-Ziv & Tishby (2017) and scikit-learn's digits.

Nothing here reads a file: the 12-bit set is rebuilt from its generating rule (docs/science.md §2), and the
digits ship inside scikit-learn.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import torch

#: Edges of the icosahedron whose 12 vertices carry the 12 bits (docs/science.md §2).
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


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """An array from an IDX file (the MNIST format), gzipped or not, read with numpy.

    Raises:
        ValueError: the file is not IDX (bad magic number or size).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    n_dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    dtype = np.dtype(_IDX_TYPES[data[2]]).newbyteorder(">")
    body = np.frombuffer(data, dtype=dtype, offset=4 + 4 * n_dims)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: IDX header says {shape} but the file holds {body.size} values (truncated?)")
    return body.reshape(shape)


_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.int16, 0x0C: np.int32, 0x0D: np.float32, 0x0E: np.float64}


def mnist(data_dir: str | os.PathLike[str], split: str = "t10k") -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST from the standard IDX files in ``data_dir`` (``t10k-images-idx3-ubyte.gz`` etc.).

    Args:
        data_dir: folder holding ``{split}-images-idx3-ubyte[.gz]`` and ``{split}-labels-idx1-ubyte[.gz]``.
        split: ``"t10k"`` (10k test images) or ``"train"``.

    Returns:
        ``(X, y)``: float32 (n, 784) with pixels scaled to [0, 1] and int64 labels (n,).
    """
    folder = Path(data_dir)
    found = {}
    for kind in ("images-idx3", "labels-idx1"):
        candidates = [folder / f"{split}-{kind}-ubyte{ext}" for ext in (".gz", "")]
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            raise ValueError(f"no {candidates[0].name} (or {candidates[1].name}) in {folder}; pass --data-dir to the MNIST folder")
        found[kind] = read_idx(existing[0])
    images, labels = found["images-idx3"], found["labels-idx1"]
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels")
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    return x, torch.from_numpy(labels.astype(np.int64))


#: The data sets the CLI and the experiments know by name (MNIST also needs a folder).
DATASETS = {"szt12": szt12, "digits": digits, "mnist": mnist}


def load(name: str, data_dir: str | os.PathLike[str] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A data set by name: ``"szt12"``, ``"digits"``, or ``"mnist"`` (read from ``data_dir``)."""
    if name == "mnist":
        if data_dir is None:
            raise ValueError("the mnist data set is read from IDX files: give data_dir (--data-dir)")
        return mnist(data_dir)
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name]()  # type: ignore[operator]
