"""What a run file holds, and how it is written and read.

A run is plain data: the logged epochs, the recorded layers' activations on a fixed probe set, the
labels (and, by default, the probe inputs), per-epoch metrics and metadata. It is saved as a
``torch.save`` archive of builtin containers and tensors only, so that it loads with
``torch.load(..., weights_only=True)``: a crafted file cannot execute code. Activations are
stored losslessly with a byte shuffle and zlib, which shrinks float32 activations by a fifth or
more (the 12-bit run of 8000 epochs: see ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

#: Columns of an MI table (``infoplane.estimate``, ``Run.estimates_table``), in order.
MI_COLUMNS = [
    "run", "activation", "seed", "epoch", "layer", "layer_index", "estimator", "params", "fitted", "I_XT", "I_TY",
]  # fmt: skip
_ESTIMATE_FIELDS = MI_COLUMNS[3:]

FORMAT = "infoplane.run"


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import, so saving never touches the process umask (not thread-safe to do per save).
_UMASK = _read_umask()
SCHEMA_VERSION = 1
_CODEC = "shuffle-zlib"


class RunFileError(ValueError):
    """A file that cannot be read as an infoplane run; the message names the file and the problem."""


@dataclass(frozen=True)
class Run:
    """Activations of a network's layers on a fixed probe set, at logged epochs.

    Attributes:
        epochs: logged epochs, strictly increasing ints.
        layers: recorded layer names, in forward order.
        activations: per layer, a float tensor (n_epochs, n_samples, width), on the CPU.
        labels: int64 tensor (n_samples,), the probe set's class labels.
        metrics: per metric name, one float per logged epoch (NaN where not given).
        metadata: versions, time, model, layer shapes, data set, seed, hyper-parameters, ….
        inputs: the probe inputs flattened to (n_samples, n_features), or None if not stored.
        aux: per layer, extra per-sample records beside its output, each (n_epochs, n_samples, k):
            e.g. ``log2_scale`` of an :class:`~infoplane.layers.EchoNoise` layer.
        estimates: estimates made online at capture time, one dict per (epoch, layer, estimator) with
            the keys epoch, layer, layer_index, estimator, params, fitted, I_XT, I_TY (bits).

    ``activations`` is empty for a run captured with ``store="none"`` (only online estimates kept).
    """

    epochs: list[int]
    layers: list[str]
    activations: dict[str, torch.Tensor]
    labels: torch.Tensor
    metrics: dict[str, list[float]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    inputs: torch.Tensor | None = None
    aux: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    estimates: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n_epochs = len(self.epochs)
        if any(b <= a for a, b in zip(self.epochs[:-1], self.epochs[1:])):
            raise ValueError(f"run epochs must be strictly increasing, got {self.epochs[:10]}…")
        if self.activations and list(self.activations) != list(self.layers):
            raise ValueError(f"activations are keyed {list(self.activations)} but layers are {self.layers}")
        n = int(self.labels.shape[0])
        for name, acts in self.activations.items():
            if acts.ndim != 3 or acts.shape[0] != n_epochs or acts.shape[1] != n:
                raise ValueError(
                    f"layer {name!r}: activations of shape {tuple(acts.shape)} do not match "
                    f"{n_epochs} epochs × {n} samples × width"
                )
        for name, values in self.metrics.items():
            if len(values) != n_epochs:
                raise ValueError(f"metric {name!r} has {len(values)} values for {n_epochs} epochs")
        for name, records in self.aux.items():
            if name not in self.activations:
                raise ValueError(f"aux records for {name!r}, which is not a recorded layer")
            for key, values in records.items():
                if values.ndim != 3 or values.shape[:2] != (n_epochs, n):
                    raise ValueError(f"aux {name!r}/{key!r} of shape {tuple(values.shape)} does not match the run")
        if self.inputs is not None and self.inputs.shape[0] != n:
            raise ValueError(f"inputs have {self.inputs.shape[0]} rows for {n} labels")

    @property
    def name(self) -> str:
        """A short name for tables and legends: ``metadata["name"]``, else data set, activation and seed."""
        return run_name(self.metadata)

    @property
    def n_samples(self) -> int:
        """Number of probe samples."""
        return int(self.labels.shape[0])

    def to_pandas(self, estimators: Sequence[Any] = ("binning",)) -> pd.DataFrame:
        """The run's tidy MI table (the columns of :func:`infoplane.estimate`, bits).

        A run with activations is estimated with ``estimators`` (registry names or instances); a run
        captured with ``store="none"`` returns its online estimates.
        """
        if not self.activations:
            return self.estimates_table()
        from infoplane.analysis.mi_table import estimate  # the analysis layer builds on runs, not the reverse

        return estimate(self, estimators, progress=False)

    def estimates_table(self) -> pd.DataFrame:
        """The online estimates as an MI table (the columns of :func:`infoplane.estimate`)."""
        return estimates_frame(self.estimates, self.metadata)

    def activation(self, layer: str, epoch: int) -> torch.Tensor:
        """One layer's activations (n_samples, width) at one logged epoch."""
        if layer not in self.activations:
            raise KeyError(f"no layer {layer!r} in this run; layers: {self.layers}")
        try:
            index = self.epochs.index(epoch)
        except ValueError:
            raise KeyError(f"epoch {epoch} was not logged; logged epochs run {self.epochs[:5]}…") from None
        return self.activations[layer][index]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run atomically: a temporary file beside ``path``, then a rename.

        A crash mid-write leaves any previous file at ``path`` untouched.

        Returns:
            The path written.
        """
        path = Path(path)
        payload = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "metadata": plain_data(dict(self.metadata), "metadata"),
            "epochs": list(self.epochs),
            "layers": list(self.layers),
            "activations": {k: _encode(v) for k, v in self.activations.items()},
            "labels": self.labels.detach().cpu().to(torch.int64),
            "metrics": {k: [float(x) for x in v] for k, v in self.metrics.items()},
            "inputs": None if self.inputs is None else _encode(self.inputs),
            "aux": {layer: {k: _encode(v) for k, v in records.items()} for layer, records in self.aux.items()},
            "estimates": plain_data([{k: row[k] for k in _ESTIMATE_FIELDS} for row in self.estimates], "estimates"),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                torch.save(payload, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def run_name(metadata: Mapping[str, Any]) -> str:
    """``metadata["name"]``, else ``dataset-activation-seedN`` from what the metadata has, else "run"."""
    if "name" in metadata:
        return str(metadata["name"])
    parts = [str(metadata[k]) for k in ("dataset", "activation") if k in metadata]
    if "seed" in metadata:
        parts.append(f"seed{metadata['seed']}")
    return "-".join(parts) or "run"


def estimates_frame(rows: list[dict[str, Any]], metadata: Mapping[str, Any]) -> pd.DataFrame:
    """Online estimate records (epoch, layer, …, I_XT, I_TY) as an MI table of the run ``metadata`` describes."""
    run = {"run": run_name(metadata), "activation": metadata.get("activation"), "seed": metadata.get("seed")}
    return pd.DataFrame([run | row for row in rows], columns=MI_COLUMNS)


def load_run(path: str | os.PathLike[str]) -> Run:
    """Read a run file safely (``torch.load(..., weights_only=True)``: no code can run).

    Raises:
        RunFileError: the file is missing, truncated, not an infoplane run, of a newer schema, or
            holds objects other than plain data (a crafted pickle); the message names file and problem.
    """
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such run file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if "WeightsUnpickler error" in line]
        if lines:
            detail = lines[0].split("error:", 1)[-1].strip().split(". ")[0]
            raise RunFileError(
                f"{path}: refused to load: the file holds objects other than plain data, so it is not an "
                f"infoplane run file and may be crafted to run code ({detail})"
            ) from None
        raise RunFileError(f"{path}: not an infoplane run file (not a torch archive: {_one_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - a damaged zip surfaces as many exception types
        raise RunFileError(
            f"{path}: not a complete infoplane run file (truncated or corrupt: {type(exc).__name__}: {_one_line(exc)})"
        ) from None
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise RunFileError(f"{path}: not an infoplane run file (no '{FORMAT}' marker)")
    version = payload.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise RunFileError(
            f"{path}: run file schema version {version!r} is not supported by this infoplane "
            f"(reads versions 1 to {SCHEMA_VERSION}); upgrade infoplane to read it"
        )
    try:
        inputs = payload["inputs"]
        return Run(
            epochs=[int(e) for e in payload["epochs"]],
            layers=[str(name) for name in payload["layers"]],
            activations={str(k): _decode(v) for k, v in payload["activations"].items()},
            labels=payload["labels"],
            metrics={str(k): [float(x) for x in v] for k, v in payload["metrics"].items()},
            metadata=dict(payload["metadata"]),
            inputs=None if inputs is None else _decode(inputs),
            aux={
                str(layer): {str(k): _decode(v) for k, v in records.items()}
                for layer, records in payload.get("aux", {}).items()
            },
            estimates=[dict(row) for row in payload.get("estimates", [])],
        )
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, zlib.error) as exc:
        raise RunFileError(f"{path}: damaged infoplane run file ({type(exc).__name__}: {_one_line(exc)})") from None


def plain_data(value: Any, where: str) -> Any:
    """``value`` as builtin containers and scalars only (what a safe load accepts), or a TypeError.

    Tuples become lists, numpy scalars and paths their plain equivalents, str subclasses (such as
    ``torch.__version__``) plain strings.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    for plain in (bool, int, float, str):  # subclasses (IntEnum, TorchVersion) become their base type
        if isinstance(value, plain):
            return plain(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): plain_data(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(
        f"{where} holds a {type(value).__name__}; run files keep only plain data (str, numbers, lists, "
        f"dicts): convert it, e.g. with str()"
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _encode(tensor: torch.Tensor) -> dict[str, Any]:
    """Lossless compression of a tensor: bytes grouped by significance (shuffle), then zlib."""
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    item = flat.element_size()
    raw = flat.view(torch.uint8).numpy().reshape(-1, item)
    data = zlib.compress(np.ascontiguousarray(raw.T).tobytes(), level=1)
    return {
        "codec": _CODEC,
        "dtype": str(tensor.dtype).removeprefix("torch."),
        "shape": list(tensor.shape),
        "data": torch.frombuffer(bytearray(data), dtype=torch.uint8),
    }


def _decode(blob: Mapping[str, Any]) -> torch.Tensor:
    if not isinstance(blob, Mapping) or blob.get("codec") != _CODEC:
        raise ValueError("an array is not in the run-file codec")
    dtype = getattr(torch, str(blob["dtype"]), None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"unknown tensor dtype {blob['dtype']!r}")
    shape: Sequence[int] = [int(s) for s in blob["shape"]]
    if any(s < 0 for s in shape) or not isinstance(blob["data"], torch.Tensor):
        raise ValueError("an array has a negative dimension or no byte data")
    item = torch.empty((), dtype=dtype).element_size()
    expected = int(np.prod(shape, dtype=np.int64)) * item
    # Decompress no more than the header promises: a crafted file cannot inflate into gigabytes.
    inflater = zlib.decompressobj()
    raw_bytes = inflater.decompress(blob["data"].numpy().tobytes(), expected + 1)
    if len(raw_bytes) != expected or inflater.unconsumed_tail:
        raise ValueError(f"an array's data does not match its shape {list(shape)}")
    grouped = np.frombuffer(raw_bytes, dtype=np.uint8)
    raw = np.ascontiguousarray(grouped.reshape(item, -1).T)
    return torch.from_numpy(raw).reshape(-1).view(dtype).reshape(shape).clone()
