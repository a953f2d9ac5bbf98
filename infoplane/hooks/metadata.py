"""What every run records about how it was captured: one home for the tracker and batched training."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from infoplane._version import __version__


def run_metadata(
    model: nn.Module | str,
    *,
    layer_widths: Mapping[str, int],
    layer_types: Mapping[str, str],
    probe_samples: int,
    dtype: torch.dtype | str,
    created: str | None = None,
) -> dict[str, Any]:
    """The capture metadata of a run: versions, time, model, layers, probe size and stored dtype.

    Args:
        model: the network (recorded as its ``repr``) or that text already.
        layer_widths: units per recorded layer (a sample's flattened output size).
        layer_types: module class name per recorded layer.
        probe_samples: number of probe samples the activations were captured on.
        dtype: the dtype the activations are stored in (``torch.float32`` or ``"float32"``).
        created: ISO 8601 time of creation (UTC, seconds); now if not given.

    Returns:
        The keys ``infoplane_version``, ``torch_version``, ``created``, ``model``, ``layer_widths``,
        ``layer_types``, ``probe_samples`` and ``dtype``, as plain data; callers add what describes the
        experiment (data set, seed, training settings).
    """
    return {
        "infoplane_version": __version__,
        "torch_version": str(torch.__version__),
        "created": created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model": model if isinstance(model, str) else repr(model),
        "layer_widths": {str(k): int(v) for k, v in layer_widths.items()},
        "layer_types": {str(k): str(v) for k, v in layer_types.items()},
        "probe_samples": int(probe_samples),
        "dtype": str(dtype).removeprefix("torch."),
    }
