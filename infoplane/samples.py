"""Validation of the arrays every part of infoplane takes: paired samples and class labels (one home;
this module imports nothing else from infoplane)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_samples(values: Any, what: str = "samples") -> np.ndarray:
    """Paired samples as a float64 array (N, d): 1-d input becomes one column.

    Raises:
        ValueError: a scalar, 0 samples, no units (features), fewer than 2 samples, complex or
            non-numeric values, or NaN/inf.
    """
    array = to_numpy(values)
    if array.ndim == 0:
        raise ValueError(f"{what} must be an array of samples, got a scalar")
    if array.shape[0] == 0:
        raise ValueError(f"{what} has 0 samples (shape {array.shape}); mutual information needs at least 2")
    if array.ndim > 1 and math.prod(array.shape[1:]) == 0:
        raise ValueError(f"{what} has no units (shape {array.shape}): a layer of width 0 carries no information")
    if array.dtype.kind == "c":
        raise ValueError(
            f"{what} holds complex values (dtype {array.dtype}); estimators take real numbers: pass the real "
            f"and imaginary parts as separate units (e.g. numpy.concatenate([a.real, a.imag], axis=1))"
        )
    if array.dtype.kind not in "biufO":
        raise ValueError(f"{what} must hold numbers, got dtype {array.dtype}")
    array = array.reshape(len(array), -1) if array.ndim != 1 else array[:, None]
    if array.shape[0] < 2:
        raise ValueError(f"{what}: mutual information needs at least 2 samples, got {array.shape[0]}")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must hold real numbers ({exc})") from None
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"{what} holds {bad} NaN or infinite values; estimators need finite numbers")
    return array


def as_class_labels(
    values: Any, n: int | None = None, what: str = "labels", *, indices: bool = False
) -> np.ndarray:
    """Class labels as an int64 vector.

    Args:
        values: the labels, (N,) or (N, 1).
        n: the number of samples they label, if known.
        what: how messages name them.
        indices: require class indices (every label ≥ 0), as a tracker or run file stores them.

    Raises:
        ValueError: not 1-d, wrong length, strings, non-integer values, NaN, values outside int64, or
            (``indices``) negative.
    """
    array = to_numpy(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{what} must be a vector of class indices, got shape {array.shape}")
    if n is not None and len(array) != n:
        raise ValueError(f"{what} have {len(array)} entries for {n} samples; pass one label per sample")
    if len(array) < 2:
        raise ValueError(f"{what}: mutual information needs at least 2 samples, got {len(array)}")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"{what} must be integer class indices; got non-integer or NaN values")
        if np.any(np.abs(array) >= 2.0**63):
            raise ValueError(f"{what} hold values beyond the int64 range (largest {np.abs(array).max():g}); use class indices")
    elif array.dtype.kind in "US":
        raise ValueError(
            f"{what} must be integer class indices, got strings (dtype {array.dtype}); map each class to an index, "
            f"e.g. numpy.unique(labels, return_inverse=True)[1]"
        )
    elif array.dtype.kind == "u" and array.dtype.itemsize == 8 and np.any(array > np.iinfo(np.int64).max):
        raise ValueError(f"{what} hold values beyond the int64 range (largest {array.max()}); use class indices")
    elif array.dtype.kind not in "iub":
        raise ValueError(f"{what} must be integer class indices, got dtype {array.dtype}")
    array = array.astype(np.int64)
    if indices and array.min() < 0:
        raise ValueError(f"{what} must be class indices ≥ 0, got minimum {int(array.min())}")
    return array


def is_discrete_labels(values: Any) -> bool:
    """True for a 1-d integer (or boolean) array: a discrete side such as class labels."""
    array = to_numpy(values)
    squeezed = array[:, 0] if array.ndim == 2 and array.shape[1] == 1 else array
    return squeezed.ndim == 1 and squeezed.dtype.kind in "iub"


def to_numpy(values: Any) -> np.ndarray:
    """A tensor (detached, on the CPU; bfloat16 as float32) or array-like as a numpy array."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        values = values.detach().cpu()
        if str(values.dtype) == "torch.bfloat16":
            values = values.float()
        return values.numpy()
    return np.asarray(values)


def as_plane_samples(x: Any, t: Any, y: Any, who: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One layer's information-plane inputs checked together: inputs ``x`` (N, d_x), activations ``t``
    (N, width) and class labels ``y`` (N,), for an estimator (``who``) that needs the inputs.

    Raises:
        ValueError: ``x`` is None (the estimator has no shortcut for I(X;T)), the sample counts differ, or
            any part is invalid as in :func:`as_samples` and :func:`as_class_labels`.
    """
    if x is None:
        raise ValueError(f"{who} needs the inputs x to estimate I(X;T); pass x")
    activations = as_samples(t, "t")
    n = activations.shape[0]
    inputs = as_samples(x, "x")
    if inputs.shape[0] != n:
        raise ValueError(f"{who}: x has {inputs.shape[0]} samples but t has {n}")
    return inputs, activations, as_class_labels(y, n, "y")
