"""Fuzzing run files: whatever is done to a valid file, ``load_run`` returns a valid run or raises a
one-line ``RunFileError`` naming the file; never another exception, never memory beyond the cap, never
executed code.

Four families of damage, each a bounded number of examples (the file runs in a few seconds):
bytes (truncate, flip, overwrite, insert, delete), one archive entry so damaged inside a well-formed
zip (the object table, a tensor record), payload (declared shapes and dtypes changed, fields
swapped or deleted, values replaced by other types, tensors with stride tricks) and injected objects
(a crafted object that would run code if unpickled).

Checkpoints are fuzzed in ``tests/experiments/test_checkpoint_fuzz.py`` (they belong to
``infoplane.experiments.training``).
"""

from __future__ import annotations

import copy
import io
import os
import tempfile
import tracemalloc
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infoplane.run import Run, RunFileError, load_run

#: The memory cap given to every load: the base file's arrays take a few KiB.
MAX_BYTES = 2**20
#: What the Python side of a load may allocate at its peak (tracemalloc: numpy, zlib, pickle buffers).
PEAK_BYTES = 4 * MAX_BYTES + 8 * 2**20
#: Examples per test: 60 in the normal suite (deterministic); ``INFOPLANE_FUZZ_EXAMPLES=2000`` for a long,
#: random search.
EXAMPLES = int(os.environ.get("INFOPLANE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="INFOPLANE_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

_HOME = Path(tempfile.mkdtemp(prefix="infoplane-fuzz-"))
MARKER = _HOME / "pwned"


ESTIMATE = {"epoch": 0, "layer": "h", "layer_index": 0, "estimator": "binning", "params": '{"n_bins": 30}'}
ESTIMATE |= {"fitted": "{}", "I_XT": 1.25, "I_TY": 0.5}


def _base_run() -> Run:
    generator = torch.Generator().manual_seed(1)
    return Run(
        epochs=[0, 1, 4],
        layers=["h", "out"],
        activations={
            "h": torch.randn(3, 6, 3, generator=generator).tanh(),
            "out": torch.randn(3, 6, 2, generator=generator).half(),
        },
        labels=torch.tensor([0, 1, 1, 0, 2, 2]),
        metrics={"loss": [1.0, 0.5, 0.25]},
        metadata={"activation": "tanh", "seed": 1, "training": {"epochs": 5}, "widths": [4, 3, 2]},
        inputs=torch.rand(6, 4, generator=generator),
        aux={"h": {"log2_scale": torch.randn(3, 6, 1, generator=generator)}},
        estimates=[ESTIMATE],
    )


BASE_PATH = _base_run().save(_HOME / "base.pt")
BASE_BYTES = BASE_PATH.read_bytes()
BASE_PAYLOAD = torch.load(BASE_PATH, weights_only=True)


class Exploit:
    """Unpickling this would create the marker file."""

    def __reduce__(self) -> tuple:
        return (Path.touch, (MARKER,))


def check_load(path: Path) -> None:
    """The property every damaged file must satisfy."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an incomplete-run warning is a valid outcome
            try:
                run = load_run(path, max_bytes=MAX_BYTES)
            except RunFileError as exc:
                message = str(exc)
                assert message.startswith(f"{path}: "), message
                assert "\n" not in message and len(message) < 1000, message
                assert "weights_only" not in message and "set to False" not in message, message
            else:
                assert isinstance(run, Run)
                tensors = [*run.activations.values(), run.labels, *([run.inputs] if run.inputs is not None else [])]
                tensors += [t for records in run.aux.values() for t in records.values()]
                assert sum(t.numel() * t.element_size() for t in tensors) <= MAX_BYTES
                assert all(not t.is_complex() for t in tensors)
                assert all(e >= 0 for e in run.epochs) and int(run.labels.min()) >= 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= PEAK_BYTES, f"the load allocated {peak} bytes"
    assert not MARKER.exists(), "code from the file was executed"


# --- bytes ---------------------------------------------------------------------------------------------


@st.composite
def damaged_bytes(draw: st.DrawFn, base: bytes = BASE_BYTES) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "overwrite", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            if data:
                data[at] ^= draw(st.integers(1, 255))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(damaged_bytes())
def test_damaged_bytes_give_a_run_or_a_one_line_error(content: bytes) -> None:
    path = _HOME / "bytes.pt"
    path.write_bytes(content)
    check_load(path)


with zipfile.ZipFile(BASE_PATH) as _archive:
    ENTRIES = {info.filename: _archive.read(info) for info in _archive.infolist()}


@st.composite
def damaged_entry(draw: st.DrawFn) -> bytes:
    """A well-formed zip archive (valid CRCs) with one entry damaged: the object table or a record."""
    name = draw(st.sampled_from(sorted(ENTRIES)))
    entries = dict(ENTRIES)
    entries[name] = draw(damaged_bytes(ENTRIES[name]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)
    return buffer.getvalue()


@FUZZ
@given(damaged_entry())
def test_damaged_archive_entries_give_a_run_or_a_one_line_error(content: bytes) -> None:
    path = _HOME / "entry.pt"
    path.write_bytes(content)
    check_load(path)


# --- payload -------------------------------------------------------------------------------------------


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the payload's containers (not inside tensors)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _parent(payload: Any, path: tuple) -> Any:
    for key in path[:-1]:
        payload = payload[key]
    return payload


TENSORS = st.builds(
    lambda dtype, shape: torch.zeros(shape, dtype=dtype),
    st.sampled_from([torch.uint8, torch.int64, torch.float32, torch.float16, torch.bool, torch.complex64]),
    st.lists(st.integers(0, 5), max_size=3),
)
OTHER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-3, 10**13), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    TENSORS,
    st.just(torch.zeros(1, dtype=torch.long).expand(10**12)),  # stride 0: 8 TB declared over 8 bytes
    st.just(torch.zeros(1, dtype=torch.uint8).expand(2**40)),  # a byte vector declaring 1 TiB
)
SHAPES = st.one_of(
    st.lists(st.integers(-2, 2**40), max_size=4),
    st.lists(st.one_of(st.integers(0, 8), st.booleans(), st.floats(), st.text(max_size=2)), max_size=4),
    OTHER_VALUES,
)
DTYPE_NAMES = ["float32", "float16", "float64", "bfloat16", "int64", "uint8", "bool", "complex64", "complex128"]
DTYPE_NAMES += ["qint8", "float8_e4m3fn", "Tensor", "", "float"]
DTYPES = st.one_of(
    st.sampled_from(DTYPE_NAMES),
    OTHER_VALUES,
)


@st.composite
def mutated_payload(draw: st.DrawFn) -> Any:
    payload = copy.deepcopy(BASE_PAYLOAD)
    for _ in range(draw(st.integers(1, 3))):
        if not isinstance(payload, dict):
            break
        places = _paths(payload)
        kind = draw(st.sampled_from(["shape", "dtype", "swap", "replace", "delete", "replace", "codec"]))
        blobs = [p for p in places if p and p[-1] == "shape"]
        if kind in ("shape", "dtype", "codec") and blobs:
            blob = _parent(payload, draw(st.sampled_from(blobs)))
            strategy = {"shape": SHAPES, "dtype": DTYPES, "codec": OTHER_VALUES}[kind]
            blob[kind] = draw(strategy)
        elif kind == "swap":
            a, b = draw(st.sampled_from(sorted(payload))), draw(st.sampled_from(sorted(payload)))
            payload[a], payload[b] = payload[b], payload[a]
        elif kind == "delete" and places:
            place = draw(st.sampled_from(places))
            parent = _parent(payload, place)
            del parent[place[-1]]
        elif places:
            place = draw(st.sampled_from(places))
            _parent(payload, place)[place[-1]] = draw(OTHER_VALUES)
        else:
            payload = draw(OTHER_VALUES)
    return payload


@FUZZ
@given(mutated_payload())
def test_mutated_payloads_give_a_run_or_a_one_line_error(payload: Any) -> None:
    path = _HOME / "payload.pt"
    torch.save(payload, path)
    check_load(path)


# --- injected objects ----------------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_an_injected_object_is_refused_and_never_runs(data: st.DataObject) -> None:
    payload = copy.deepcopy(BASE_PAYLOAD)
    place = data.draw(st.sampled_from(_paths(payload)))
    _parent(payload, place)[place[-1]] = Exploit()
    path = _HOME / "injected.pt"
    protocol = data.draw(st.sampled_from([2, 4, 5]))
    legacy = data.draw(st.booleans())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(payload, path, pickle_protocol=protocol, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(RunFileError, match="refused: this file holds code or objects a run file never has"):
        load_run(path, max_bytes=MAX_BYTES)
    assert not MARKER.exists()
