"""What a run file holds, and how it is written and read.

A run is plain data: the logged epochs, the recorded layers' activations on a fixed probe set, the
labels (and, by default, the probe inputs), per-epoch metrics and metadata. It is saved as a
``torch.save`` zip archive of builtin containers and tensors only. Activations are stored losslessly
with a byte shuffle and zlib (level 1), which shrinks float32 activations by a fifth or more (the
12-bit run of 8000 epochs: see ``benchmarks/RESULTS.md``).

Reading a file is guarded in layers, so that a damaged or crafted file gives one line naming it and
never a traceback, a huge allocation or executed code:

1. what the file is, from its first bytes: anything but a zip archive (text, HTML, an empty file, a
   bare or legacy pickle) is "not a run file" or refused, and never unpickled;
2. the archive's object table is read opcode by opcode (nothing executed) and refused if it names any
   object a run file never holds (``refused: this file holds code or objects …``); ``torch.load`` with
   ``weights_only=True`` then reads it as a second guard;
3. every declared array shape and dtype is checked, and the bytes the arrays will take are bounded
   (:func:`byte_limit`) *before* anything is decompressed;
4. labels, epochs, metrics, metadata and stored online estimates are checked for type and range.

This module imports only the low-level :mod:`infoplane.outputs` and :mod:`infoplane.samples`.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import operator
import os
import pickle
import pickletools
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from infoplane.outputs import atomic_write, sniff_kind
from infoplane.samples import as_class_labels, to_numpy

#: The record keys of a stored online estimate (``Run.estimates``), in order; I_XT and I_TY in bits.
ESTIMATE_FIELDS = ["epoch", "layer", "layer_index", "estimator", "params", "fitted", "I_XT", "I_TY"]

FORMAT = "infoplane.run"
SCHEMA_VERSION = 1
_CODEC = "shuffle-zlib"

#: Environment variable that replaces the default limit on what a run file may inflate to (bytes; a
#: suffix K, M, G or T means KiB, MiB, GiB or TiB: ``INFOPLANE_MAX_RUN_BYTES=64G``).
MAX_BYTES_ENV = "INFOPLANE_MAX_RUN_BYTES"
#: Absolute default limit on the bytes a run file's arrays may take once loaded.
DEFAULT_MAX_BYTES = 16 * 2**30
#: Relative default limit: a file may inflate to this many times its size. The writer compresses with
#: zlib level 1, which inflates at most ~229× (all-zero data; float activations ~1.2–1.6×), so no file
#: infoplane wrote exceeds it, while a crafted level-9 "bomb" (~1030×) does.
MAX_INFLATION = 256
#: Files this small may always inflate to this many bytes (tiny runs have little to dilute the ratio).
MIN_LIMIT_BYTES = 64 * 2**20
#: Largest class index a run file's labels may hold (downstream counts are sized by the largest label).
MAX_CLASS_INDEX = 2**24 - 1

#: The refusal of a file that holds anything but plain data and tensors.
REFUSED = "refused: this file holds code or objects a run file never has; it was not loaded"

#: dtypes an array in a run file may have (real numbers only: a complex activation is refused).
_ARRAY_DTYPES: dict[str, torch.dtype] = {
    name: getattr(torch, name)
    for name in ("float16", "bfloat16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64")
}
#: The only objects the object table of a ``torch.save`` archive of plain data and tensors names (complex
#: storages too, so that a complex array is refused by name, not as a foreign object).
_STORAGE_KINDS = (
    "Byte", "Char", "Short", "Int", "Long", "Half", "Float", "Double", "BFloat16", "Bool", "Untyped",
    "ComplexFloat", "ComplexDouble",
)  # fmt: skip
_ALLOWED_GLOBALS = {"collections OrderedDict", "torch._utils _rebuild_tensor_v2"} | {
    f"torch {kind}Storage" for kind in _STORAGE_KINDS
}
#: Pickle opcodes that build arbitrary objects; a run file never holds them.
_OBJECT_OPCODES = {"INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD", "EXT1", "EXT2", "EXT4", "PERSID"}
_STRING_OPCODES = {
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
}  # fmt: skip
#: The first object of a legacy (pre-zip) ``torch.save`` file.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_MAX_INT = 2**63 - 1
_METADATA_NODES = 1_000_000
_METADATA_DEPTH = 64


class RunFileError(ValueError):
    """A file that cannot be read as an infoplane run; the message (one line) names the file and the problem."""


class _Damaged(ValueError):
    """A problem inside a run file's payload; :func:`load_run` adds the file's name and "damaged"."""


class _AsIs(ValueError):
    """A refusal of a run file's payload given as is after the file's name (not a run, too large, …)."""


@dataclass(frozen=True, repr=False)
class Run:
    """Activations of a network's layers on a fixed probe set, at logged epochs.

    Attributes:
        epochs: logged epochs, strictly increasing ints ≥ 0.
        layers: recorded layer names, in forward order.
        activations: per layer, a real float tensor (n_epochs, n_samples, width), on the CPU.
        labels: int64 tensor (n_samples,), the probe set's class labels, in ``[0, MAX_CLASS_INDEX]``.
        metrics: per metric name, one float per logged epoch (NaN where not given).
        metadata: versions, time, model, layer shapes, data set, seed, hyper-parameters, ….
            ``metadata["training"]["epochs"]`` (as written by ``experiments.training``) is the schedule's
            length: a run whose last logged epoch is before it is incomplete (:attr:`complete`).
        inputs: the probe inputs flattened to (n_samples, n_features), or None if not stored.
        aux: per layer, extra per-sample records beside its output, each (n_epochs, n_samples, k):
            e.g. ``log2_scale`` of an EchoNoise layer.
        estimates: estimates made online at capture time, one dict per (epoch, layer, estimator) with
            the keys :data:`ESTIMATE_FIELDS`: epoch, layer, layer_index, estimator, params and fitted
            (JSON objects), I_XT and I_TY (bits; finite, or NaN where the estimator gave none).

    ``activations`` is empty for a run captured with ``store="none"`` (only online estimates kept).

    Raises:
        ValueError: epochs negative or not increasing, shapes that do not match, complex arrays, labels
            that are not a vector of class indices, or malformed estimate records.
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
        for epoch in self.epochs:
            if isinstance(epoch, bool) or not _is_index(epoch):
                raise ValueError(f"run epochs must be integers, got {_shown(epoch)}")
            if epoch < 0:
                raise ValueError(f"run epochs must be ≥ 0 (0 is the first epoch), got {epoch}")
        if any(b <= a for a, b in zip(self.epochs[:-1], self.epochs[1:])):
            raise ValueError(f"run epochs must be strictly increasing, got {self.epochs[:10]}…")
        if self.activations and list(self.activations) != list(self.layers):
            raise ValueError(f"activations are keyed {list(self.activations)} but layers are {self.layers}")
        if len(self.labels.shape) != 1:
            raise ValueError(f"labels must be a vector of class indices, got shape {tuple(self.labels.shape)}")
        _check_label_values(self.labels)
        n = int(self.labels.shape[0])
        for name, acts in self.activations.items():
            if acts.ndim != 3 or acts.shape[0] != n_epochs or acts.shape[1] != n:
                raise ValueError(
                    f"layer {name!r}: activations of shape {tuple(acts.shape)} do not match "
                    f"{n_epochs} epochs × {n} samples × width"
                )
            _check_real(acts, f"layer {name!r}: activations")
        for name, values in self.metrics.items():
            if len(values) != n_epochs:
                raise ValueError(f"metric {name!r} has {len(values)} values for {n_epochs} epochs")
        for name, records in self.aux.items():
            if name not in self.activations:
                raise ValueError(f"aux records for {name!r}, which is not a recorded layer")
            for key, record in records.items():
                if record.ndim != 3 or record.shape[:2] != (n_epochs, n):
                    raise ValueError(f"aux {name!r}/{key!r} of shape {tuple(record.shape)} does not match the run")
                _check_real(record, f"aux {name!r}/{key!r}")
        if self.inputs is not None:
            if self.inputs.shape[0] != n:
                raise ValueError(f"inputs have {self.inputs.shape[0]} rows for {n} labels")
            _check_real(self.inputs, "inputs")
        for i, row in enumerate(self.estimates):
            _check_estimate(row, f"estimates[{i}]")

    @property
    def name(self) -> str:
        """A short name for tables and legends: ``metadata["name"]``, else data set, activation and seed."""
        return run_name(self.metadata)

    @property
    def n_samples(self) -> int:
        """Number of probe samples."""
        return int(self.labels.shape[0])

    @property
    def expected_last_epoch(self) -> int | None:
        """The last epoch of the training schedule, ``metadata["training"]["epochs"] - 1`` (epochs are
        0-based), or None where the metadata does not give the schedule."""
        training = self.metadata.get("training")
        epochs = training.get("epochs") if isinstance(training, Mapping) else None
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            return None
        return epochs - 1

    @property
    def complete(self) -> bool:
        """False when the metadata gives a schedule and the last logged epoch is before its end (an
        interrupted run); True otherwise, including when the schedule is unknown."""
        last = self.expected_last_epoch
        return last is None or (bool(self.epochs) and int(self.epochs[-1]) >= last)

    def activation(self, layer: str, epoch: int) -> torch.Tensor:
        """One layer's activations (n_samples, width) at one logged epoch."""
        if layer not in self.activations:
            raise KeyError(f"no layer {layer!r} in this run; layers: {self.layers}")
        try:
            index = self.epochs.index(epoch)
        except ValueError:
            raise KeyError(f"epoch {epoch} was not logged; logged epochs run {self.epochs[:5]}…") from None
        return self.activations[layer][index]

    def __repr__(self) -> str:
        """A one-line summary: name, epochs, layers with widths, samples, what is stored, completeness."""
        if self.epochs:
            epochs = f"{len(self.epochs)} epochs {self.epochs[0]}–{self.epochs[-1]}"
        else:
            epochs = "0 epochs"
        declared = self.metadata.get("layer_widths")
        widths = declared if isinstance(declared, Mapping) else {}
        shown = []
        for layer in self.layers[:12]:
            width = self.activations[layer].shape[-1] if layer in self.activations else widths.get(layer)
            shown.append(f"{layer} ({width})" if width is not None else str(layer))
        if len(self.layers) > 12:
            shown.append(f"… {len(self.layers) - 12} more")
        stored = "activations stored" if self.activations else f"online estimates only ({len(self.estimates)} rows)"
        last = self.expected_last_epoch
        if last is None:
            state = "schedule unknown"
        elif self.complete:
            state = "complete"
        else:
            state = f"INCOMPLETE: schedule ends at epoch {last}"
        return (
            f"Run({self.name!r}: {epochs}; layers {', '.join(shown) or 'none'}; {self.n_samples} samples; "
            f"{stored}; {state})"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run atomically (:func:`infoplane.outputs.atomic_write`): a uniquely named temporary
        file beside ``path``, flushed to disk, then renamed over it.

        A crash, a full disk or Ctrl-C mid-write leaves any previous file at ``path`` byte-identical and
        no temporary file behind.

        Returns:
            The path written.

        Raises:
            TypeError: metadata or estimates hold something other than plain data.
        """
        payload = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "metadata": plain_data(dict(self.metadata), "metadata"),
            "epochs": [int(e) for e in self.epochs],
            "layers": list(self.layers),
            "activations": {k: _encode(v) for k, v in self.activations.items()},
            "labels": torch.as_tensor(self.labels).detach().cpu().to(torch.int64),
            "metrics": {k: [float(x) for x in v] for k, v in self.metrics.items()},
            "inputs": None if self.inputs is None else _encode(self.inputs),
            "aux": {layer: {k: _encode(v) for k, v in records.items()} for layer, records in self.aux.items()},
            "estimates": plain_data([{k: row[k] for k in ESTIMATE_FIELDS} for row in self.estimates], "estimates"),
        }

        def write(handle: IO[bytes]) -> None:
            torch.save(payload, handle)

        return atomic_write(path, write)


def run_name(metadata: Mapping[str, Any]) -> str:
    """``metadata["name"]``, else ``dataset-activation-seedN`` from what the metadata has, else "run"."""
    if "name" in metadata:
        return str(metadata["name"])
    parts = [str(metadata[k]) for k in ("dataset", "activation") if k in metadata]
    if "seed" in metadata:
        parts.append(f"seed{metadata['seed']}")
    return "-".join(parts) or "run"


def byte_limit(file_size: int, max_bytes: int | None = None) -> tuple[int, str]:
    """How many bytes a run file of ``file_size`` bytes may inflate to, and where that limit comes from.

    ``max_bytes`` if given, else the environment variable ``INFOPLANE_MAX_RUN_BYTES`` if set, else
    ``min(DEFAULT_MAX_BYTES, max(MIN_LIMIT_BYTES, MAX_INFLATION × file_size))``: 16 GiB, and 256 times
    the file's size (at least 64 MiB).

    Raises:
        ValueError: ``max_bytes`` or the environment variable is not a positive size.
    """
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
        return max_bytes, f"max_bytes={max_bytes}"
    setting = os.environ.get(MAX_BYTES_ENV, "").strip()
    if setting:
        return _parse_size(setting), f"{MAX_BYTES_ENV}={setting}"
    relative = max(MIN_LIMIT_BYTES, MAX_INFLATION * file_size)
    if relative < DEFAULT_MAX_BYTES:
        return relative, f"the default limit of {MAX_INFLATION}× the file's size"
    return DEFAULT_MAX_BYTES, "the default limit"


def load_run(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, warn_incomplete: bool = True
) -> Run:
    """Read a run file safely: nothing in it can run code, allocate more than the limit, or escape as
    anything but a one-line :class:`RunFileError`.

    Args:
        path: the run file.
        max_bytes: the most bytes its arrays may take once loaded; by default the environment variable
            ``INFOPLANE_MAX_RUN_BYTES`` or 256 × the file's size (at least 64 MiB, at most 16 GiB), see
            :func:`byte_limit`. Raise it for a file you trust that is refused as too large.
        warn_incomplete: warn (``UserWarning``) when the run stops before its schedule's end (an
            interrupted training); pass False where a partial run is expected (resuming a checkpoint).

    Returns:
        The run. Its metadata is the file's, except that a run nothing names (no ``name``, data set,
        activation or seed in its metadata) is named after the file's stem; loaders of several runs rename
        clashing names after the files.

    Raises:
        RunFileError: the file is missing, not a run file, truncated or damaged, of a newer schema,
            declares arrays over the limit, or holds objects other than plain data and tensors (a
            crafted pickle: refused, nothing executed); the message names file and problem.
    """
    path = Path(path)
    if not path.exists():
        raise RunFileError(f"{path}: no such run file")
    if path.is_dir():
        raise RunFileError(f"{path}: a folder, not a run file")
    if not path.is_file():
        raise RunFileError(f"{path}: not a regular file (a device, pipe or socket), so not a run file")
    try:
        size = path.stat().st_size
        limit, origin = byte_limit(size, max_bytes)
        kind = sniff_kind(path)
    except OSError as exc:
        raise RunFileError(f"{path}: cannot be read ({exc.strerror or _one_line(exc)})") from None
    if kind != "zip":
        raise RunFileError(f"{path}: {_not_an_archive(path, kind)}")
    payload = _read_archive(path, limit, origin)
    try:
        run = _payload_to_run(payload, size, limit, origin)
    except _AsIs as exc:
        raise RunFileError(f"{path}: {exc}") from None
    except _Damaged as exc:
        raise RunFileError(f"{path}: damaged infoplane run file ({_one_line(exc)})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError, OverflowError,
            RecursionError, MemoryError, zlib.error) as exc:  # fmt: skip
        raise RunFileError(f"{path}: damaged infoplane run file ({type(exc).__name__}: {_one_line(exc)})") from None
    if run_name(run.metadata) == "run":  # nothing names it: the file's stem does, as on the command line
        run = dataclasses.replace(run, metadata={**run.metadata, "name": path.stem})
    if warn_incomplete and not run.complete:
        last = f"last logged epoch {run.epochs[-1]}" if run.epochs else "no logged epoch"
        warnings.warn(
            f"{path} is an incomplete run: {last} of a schedule ending at {run.expected_last_epoch} "
            f"(training was interrupted; resume it or treat its last epochs as missing)",
            UserWarning,
            stacklevel=2,
        )
    return run


def _too_large(declared: int, limit: int, origin: str, what: str = "arrays") -> _AsIs:
    return _AsIs(
        f"declares {_format_bytes(declared)} of {what}, over {origin} ({_format_bytes(limit)}); refused before "
        f"decompressing anything. If you trust the file, raise the limit: load_run(path, max_bytes=...) or "
        f"the environment variable {MAX_BYTES_ENV} (e.g. {MAX_BYTES_ENV}=64G)"
    )


def _not_an_archive(path: Path, kind: str) -> str:
    """Why a file that is not a zip archive is not loaded (it is never unpickled)."""
    if kind == "pickle":
        verdict = _scan_pickle_stream(path)
        if verdict == "code":
            return REFUSED
        if verdict == "legacy":
            return "not a run file (a torch file in the legacy format; run files are zip archives written by Run.save)"
        return "not a run file (a bare pickle, not the zip archive Run.save writes)"
    described = {
        "empty": "an empty file",
        "html": "an HTML file, e.g. a report",
        "text": "a text file",
        "parquet": "a parquet table",
        "png": "a PNG image",
    }.get(kind, "not a torch zip archive")
    return f"not a run file ({described})"


def _read_archive(path: Path, limit: int, origin: str) -> Any:
    """The payload of a torch zip archive, after checking its entries' sizes and its object table."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            tables = [e for e in entries if e.filename == "data.pkl" or e.filename.endswith("/data.pkl")]
            if len(tables) != 1:
                raise RunFileError(f"{path}: not a run file (a zip archive, but not one torch.save wrote)")
            declared = sum(e.file_size for e in entries)
            if declared > limit:
                raise RunFileError(f"{path}: {_too_large(declared, limit, origin, 'archive entries')}")
            table = archive.read(tables[0])
    except RunFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged zip surfaces as many exception types
        raise RunFileError(
            f"{path}: not a complete infoplane run file (truncated or corrupt zip archive: "
            f"{type(exc).__name__}: {_one_line(exc)})"
        ) from None
    verdict = _scan_pickle(io.BytesIO(table))
    if verdict == "code":
        raise RunFileError(f"{path}: {REFUSED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # torch's own guard refused something the scan let through: ours is the only message given.
        raise RunFileError(f"{path}: {REFUSED}") from None
    except Exception as exc:  # noqa: BLE001 - a damaged archive surfaces as many exception types
        detail = _one_line(exc)
        if "weights_only" in detail or "pickle" in detail.lower():
            detail = "its object table cannot be read"
        raise RunFileError(
            f"{path}: not a complete infoplane run file (truncated or corrupt: {type(exc).__name__}: {detail})"
        ) from None


def _scan_pickle(stream: IO[bytes]) -> str:
    """Read one pickle opcode by opcode, executing nothing: ``"code"`` if it names any object a run file
    never holds, ``"plain"`` if it holds plain data and tensors only, ``"unreadable"`` if it is cut or
    not a pickle. The first object is also recorded as ``"legacy"`` when it is torch's legacy magic."""
    memo: dict[Any, Any] = {}
    recent: list[Any] = []  # the last values pushed, as far as strings and ints are concerned
    first: Any = None
    try:
        for opcode, arg, _ in pickletools.genops(stream):
            name = opcode.name
            if name in _OBJECT_OPCODES:
                return "code"
            if name == "GLOBAL":
                if str(arg) not in _ALLOWED_GLOBALS:
                    return "code"
                recent.append(None)
            elif name == "STACK_GLOBAL":
                module, qualname = (recent[-2:] + [None, None])[:2] if len(recent) >= 2 else (None, None)
                if not (isinstance(module, str) and isinstance(qualname, str)):
                    return "code"
                if f"{module} {qualname}" not in _ALLOWED_GLOBALS:
                    return "code"
                recent.append(None)
            elif name in _STRING_OPCODES or name.startswith(("LONG", "BININT", "INT")):
                recent.append(arg)
                if first is None:
                    first = arg
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = recent[-1] if recent else None
            elif name == "MEMOIZE":
                memo[len(memo)] = recent[-1] if recent else None
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                recent.append(memo.get(arg))
            elif name not in ("PROTO", "FRAME", "STOP", "MARK"):
                recent.append(None)
            del recent[:-4]
    except (ValueError, EOFError, IndexError, KeyError, UnicodeDecodeError):
        return "unreadable"
    return "legacy" if first == _LEGACY_MAGIC else "plain"


def _scan_pickle_stream(path: Path, window: int = 16 * 2**20) -> str:
    """:func:`_scan_pickle` over the pickles at the start of a non-zip file (a legacy torch file is
    several in a row): ``"code"``, ``"legacy"`` or ``"plain"``."""
    with open(path, "rb") as handle:
        stream = io.BytesIO(handle.read(window))
    verdicts = []
    for _ in range(4):  # legacy torch files: magic, protocol, system info, then the object table
        if stream.tell() >= len(stream.getbuffer()):
            break
        verdict = _scan_pickle(stream)
        if verdict == "code":
            return "code"
        if verdict == "unreadable":
            break
        verdicts.append(verdict)
        if verdicts[0] != "legacy":
            break
    return "legacy" if verdicts and verdicts[0] == "legacy" else "plain"


def _payload_to_run(payload: Any, file_size: int, limit: int, origin: str) -> Run:
    """Check a loaded payload's structure and declared sizes, then decompress and build the run."""
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise _AsIs(f"not a run file (no '{FORMAT}' marker: a torch archive of something else)")
    version = payload.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise _AsIs(
            f"run file schema version {_shown(version)} is not supported by this infoplane (reads versions 1 to "
            f"{SCHEMA_VERSION}); upgrade infoplane to read it"
        )
    missing = [k for k in ("epochs", "layers", "activations", "labels", "metrics", "metadata", "inputs") if k not in payload]
    if missing:
        raise _Damaged(f"no {', '.join(missing)}")
    activations = _mapping(payload["activations"], "activations")
    aux = {
        layer: _mapping(records, f"aux[{_shown(layer)}]")
        for layer, records in _mapping(payload.get("aux", {}), "aux").items()
    }
    blobs: list[tuple[str, Any]] = [(f"layer {_shown(k)}", v) for k, v in activations.items()]
    if payload["inputs"] is not None:
        blobs.append(("inputs", payload["inputs"]))
    blobs += [(f"aux {_shown(layer)}/{_shown(k)}", v) for layer, records in aux.items() for k, v in records.items()]
    # Everything the arrays will take, from the declarations alone, before decompressing anything.
    headers = {where: _blob_header(blob, where, file_size) for where, blob in blobs}
    labels = payload["labels"]
    _raw_tensor(labels, "labels", file_size)
    declared = sum(nbytes for _, _, nbytes in headers.values()) + labels.numel() * labels.element_size()
    if declared > limit:
        raise _too_large(declared, limit, origin)
    label_values = _labels(labels)
    metadata = _plain_metadata(payload["metadata"])
    estimates = payload.get("estimates", [])
    if not isinstance(estimates, list):
        raise _Damaged(f"estimates are a {type(estimates).__name__}, not a list of records")
    return Run(
        epochs=_epochs(payload["epochs"]),
        layers=_strings(payload["layers"], "layers"),
        activations={k: _decode(v, headers[f"layer {_shown(k)}"]) for k, v in activations.items()},
        labels=label_values,
        metrics={k: _floats(v, f"metric {_shown(k)}") for k, v in _mapping(payload["metrics"], "metrics").items()},
        metadata=metadata,
        inputs=None if payload["inputs"] is None else _decode(payload["inputs"], headers["inputs"]),
        aux={
            layer: {k: _decode(v, headers[f"aux {_shown(layer)}/{_shown(k)}"]) for k, v in records.items()}
            for layer, records in aux.items()
        },
        estimates=[_check_estimate(row, f"estimates[{i}]", file=True) for i, row in enumerate(estimates)],
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Damaged(f"{where} is a {type(value).__name__}, not a mapping")
    for key in value:
        if not isinstance(key, str):
            raise _Damaged(f"{where} has a key {_shown(key)} that is not a name")
    return value


def _shown(value: Any, width: int = 40) -> str:
    """A short, one-line, cheap description of a value read from a file, for a message."""
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).removeprefix('torch.')} tensor of shape {list(value.shape)}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"a {value.bit_length()}-bit integer"
    if isinstance(value, (list, tuple, dict)) and len(value) > 8:
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, str):
        text = repr(value[: width + 1])
    elif value is None or isinstance(value, (bool, int, float)):
        text = repr(value)
    elif isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        if all(v is None or isinstance(v, (bool, float, str)) or (isinstance(v, int) and abs(v) < 10**30) for _, v in items):
            text = repr(value)
        else:
            text = f"a {type(value).__name__} of {len(value)} items"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= width else text[: width - 3] + "..."


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Damaged(f"{where} must be a list of names")
    return list(value)


def _epochs(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise _Damaged(f"epochs are a {type(value).__name__}, not a list")
    for epoch in value:
        if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= _MAX_INT:
            raise _Damaged(f"epoch {_shown(epoch)} is not an integer ≥ 0 (epochs count from 0)")
    return list(value)


def _floats(value: Any, where: str) -> list[float]:
    if not isinstance(value, list):
        raise _Damaged(f"{where} is a {type(value).__name__}, not a list of numbers")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Damaged(f"{where} holds a {type(v).__name__}, not a number")
        out.append(float(v))
    return out


def _raw_tensor(value: Any, where: str, file_size: int) -> torch.Tensor:
    """A tensor stored as is: contiguous, and no larger than the file (no stride-0 views of a byte)."""
    if not isinstance(value, torch.Tensor):
        raise _Damaged(f"{where} is a {type(value).__name__}, not a tensor")
    nbytes = value.numel() * value.element_size()
    if not value.is_contiguous() or nbytes > file_size or nbytes > value.untyped_storage().nbytes():
        raise _Damaged(f"{where} declares {_format_bytes(nbytes)} over a stored {_format_bytes(file_size)}")
    return value


def _labels(value: torch.Tensor) -> torch.Tensor:
    if value.ndim != 1:
        raise _Damaged(f"labels must be a vector of class indices, got shape {tuple(value.shape)}")
    if value.is_complex() or value.dtype == torch.bool:
        raise _Damaged(f"labels must be integer class indices, got dtype {value.dtype}")
    try:
        labels = as_class_labels(value, what="labels")
    except ValueError as exc:
        raise _Damaged(str(exc)) from None
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high > MAX_CLASS_INDEX:
        raise _Damaged(f"labels must be class indices in [0, {MAX_CLASS_INDEX}], got values from {low} to {high}")
    return torch.from_numpy(labels.copy())


def _plain_metadata(value: Any) -> dict[str, Any]:
    """The metadata, checked to be plain data (str keys; None, bool, int, float, str, lists) of bounded
    size and depth: shared sub-objects cannot make it exponentially large."""
    if not isinstance(value, dict):
        raise _Damaged(f"metadata is a {type(value).__name__}, not a mapping")
    budget = _METADATA_NODES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > _METADATA_DEPTH:
            raise _Damaged(f"metadata is too large or too deeply nested (over {_METADATA_NODES} items or {_METADATA_DEPTH} levels)")
        if item is None or isinstance(item, (bool, float, str)):
            continue
        if isinstance(item, int):
            if abs(item) > _MAX_INT:
                raise _Damaged("metadata holds an integer beyond 64 bits")
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise _Damaged("metadata holds a mapping whose keys are not strings")
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        else:
            raise _Damaged(f"metadata holds a {type(item).__name__}; run files keep only plain data")
    return dict(value)


def _check_estimate(row: Any, where: str, file: bool = False) -> dict[str, Any]:
    """A stored online estimate, checked: the :data:`ESTIMATE_FIELDS` with their types; I_XT and I_TY
    finite bits or NaN (no estimate); an infinite estimate is refused (it is no number of bits)."""
    error = _Damaged if file else ValueError
    if not isinstance(row, Mapping):
        raise error(f"{where} is a {type(row).__name__}, not an estimate record")
    missing = [k for k in ESTIMATE_FIELDS if k not in row]
    if missing:
        raise error(f"{where} lacks {', '.join(missing)}")
    for key in ("epoch", "layer_index"):
        value = row[key]
        if isinstance(value, bool) or not _is_index(value) or not 0 <= value <= _MAX_INT:
            raise error(f"{where}: {key} {_shown(value)} is not an integer ≥ 0")
    for key in ("layer", "estimator"):
        if not isinstance(row[key], str):
            raise error(f"{where}: {key} is a {type(row[key]).__name__}, not a name")
    for key in ("params", "fitted"):
        text = row[key]
        try:
            parsed = json.loads(text) if isinstance(text, str) else None
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            raise error(f"{where}: {key} {_shown(text)} is not a JSON object of parameters")
    for key in ("I_XT", "I_TY"):
        value = row[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise error(f"{where}: {key} is a {type(value).__name__} ({_shown(value)}), not a number of bits")
        if math.isinf(float(value)):
            raise error(f"{where}: {key} is {float(value)}; an estimate is finite bits, or NaN where none was made")
    return {k: row[k] for k in ESTIMATE_FIELDS}


def _check_real(tensor: Any, where: str) -> None:
    if getattr(tensor, "is_complex", lambda: False)():
        raise ValueError(f"{where} are complex ({tensor.dtype}); run files keep real numbers only (take .real or .abs())")


def _check_label_values(labels: Any) -> None:
    """Labels are class indices ≥ 0 (where they are integers; the tracker guarantees it)."""
    if len(labels) == 0:
        return
    array = to_numpy(labels)
    if array.dtype.kind in "iu" and (int(array.min()) < 0 or int(array.max()) > MAX_CLASS_INDEX):
        raise ValueError(
            f"labels must be class indices in [0, {MAX_CLASS_INDEX}], got values from {int(array.min())} to {int(array.max())}"
        )


def _is_index(value: Any) -> bool:
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


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
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _format_bytes(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def _parse_size(text: str) -> int:
    """``"17179869184"``, ``"16G"``, ``"512MiB"`` → bytes (binary units)."""
    units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    cleaned = text.strip().upper().removesuffix("B").removesuffix("I")
    suffix = cleaned[-1:] if cleaned[-1:] in units and cleaned[-1:] else ""
    number = cleaned[: len(cleaned) - len(suffix)].strip()
    try:
        value = float(number) * units[suffix]
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 1:
        raise ValueError(f"{MAX_BYTES_ENV}={text!r} is not a size; give bytes, e.g. 17179869184 or 16G")
    return int(value)


def _encode(tensor: torch.Tensor) -> dict[str, Any]:
    """Lossless compression of a tensor: bytes grouped by significance (shuffle), then zlib level 1."""
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


def _blob_header(blob: Any, where: str, file_size: int) -> tuple[torch.dtype, list[int], int]:
    """An encoded array's dtype, shape and decompressed size, checked without decompressing."""
    if not isinstance(blob, Mapping) or blob.get("codec") != _CODEC:
        raise _Damaged(f"{where}: an array not in the run-file codec")
    name = blob.get("dtype")
    if not isinstance(name, str) or name not in _ARRAY_DTYPES:
        hint = " (complex numbers are refused)" if isinstance(name, str) and "complex" in name else ""
        raise _Damaged(f"{where}: dtype {_shown(name)} is not a real number type{hint}")
    shape = blob.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= _MAX_INT for s in shape)
    ):
        raise _Damaged(f"{where}: shape {_shown(shape)} is not a list of at most 8 sizes ≥ 0")
    data = _raw_tensor(blob.get("data"), f"{where}: data", file_size)
    if data.dtype != torch.uint8 or data.ndim != 1:
        raise _Damaged(f"{where}: data is not a byte vector")
    dtype = _ARRAY_DTYPES[name]
    nbytes = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
    return dtype, shape, nbytes


def _decode(blob: Mapping[str, Any], header: tuple[torch.dtype, list[int], int]) -> torch.Tensor:
    """Inflate an encoded array in 8 MiB pieces straight into its final buffer: the peak memory is the
    array plus a piece, never more than the header promised (checked against the limit beforehand)."""
    dtype, shape, expected = header
    item = torch.empty((), dtype=dtype).element_size()
    count = expected // item
    out = np.empty((count, item), dtype=np.uint8)
    inflater = zlib.decompressobj()
    pending: Any = np.ascontiguousarray(blob["data"].numpy())  # zlib reads the array's buffer: no copy
    step = 8 * 2**20
    for plane in range(item):
        for start in range(0, count, step):
            wanted = min(step, count - start)
            chunk = inflater.decompress(pending, wanted)
            pending = inflater.unconsumed_tail
            if len(chunk) != wanted:
                raise _Damaged(f"an array's data does not match its shape {list(shape)}")
            out[start : start + wanted, plane] = np.frombuffer(chunk, dtype=np.uint8)
    if inflater.decompress(pending, 1) or inflater.unconsumed_tail:
        raise _Damaged(f"an array's data does not match its shape {list(shape)}")
    return torch.from_numpy(out).reshape(-1).view(dtype).reshape(shape)


__all__ = [
    "DEFAULT_MAX_BYTES", "ESTIMATE_FIELDS", "FORMAT", "MAX_BYTES_ENV", "MAX_CLASS_INDEX", "MAX_INFLATION",
    "MIN_LIMIT_BYTES", "REFUSED", "SCHEMA_VERSION", "Run", "RunFileError", "byte_limit", "load_run",
    "plain_data", "run_name",
]  # fmt: skip

