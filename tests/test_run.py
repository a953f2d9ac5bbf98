"""Run files: round trip, safe loading, atomic saving, bounded inflation, clear one-line errors."""

from __future__ import annotations

import io
import math
import os
import pickle
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from infoplane import Run, RunFileError, load_run
from infoplane import run as run_module
from infoplane.run import ESTIMATE_FIELDS, REFUSED, byte_limit

#: Torch's advice for a refused file, which must never reach a user (it tells them to do the unsafe thing).
TORCH_ADVICE = ("weights_only", "Weights only", "set to False", "WeightsUnpickler")


def small_run(**metadata: object) -> Run:
    generator = torch.Generator().manual_seed(0)
    return Run(
        epochs=[0, 3, 9],
        layers=["1", "output"],
        activations={
            "1": torch.randn(3, 8, 4, generator=generator),
            "output": torch.randn(3, 8, 2, generator=generator).half(),
        },
        labels=torch.tensor([0, 1, 0, 1, 1, 0, 2, 2]),
        metrics={"loss": [0.9, 0.5, float("nan")]},
        metadata={"activation": "tanh", "seed": 3, "versions": ("a", 1), **metadata},
        inputs=torch.rand(8, 5, generator=generator),
    )


def online_run(**metadata: object) -> Run:
    """A run captured with ``store="none"``: online estimates only."""
    row = {"layer": "1", "layer_index": 0, "estimator": "binning", "params": '{"n_bins": 30}', "fitted": "{}"}
    rows = [{"epoch": e, **row, "I_XT": 1.5 + e, "I_TY": 0.5} for e in (0, 3)]
    rows.append(rows[-1] | {"epoch": 9, "I_XT": math.nan, "I_TY": math.nan})  # no estimate: NaN is kept
    return Run(
        epochs=[0, 3, 9],
        layers=["1"],
        activations={},
        labels=torch.tensor([0, 1, 0, 1]),
        metadata={"activation": "relu", "seed": 1, "layer_widths": {"1": 7}, **metadata},
        estimates=rows,
    )


def crafted(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], object], base: Run | None = None) -> Path:
    """A run file whose payload ``change`` altered (saved as a genuine torch archive of plain data)."""
    good = (base or small_run()).save(tmp_path / f"good-{name}.pt")
    payload = torch.load(good, weights_only=True)
    change(payload)
    path = tmp_path / f"{name}.pt"
    torch.save(payload, path)
    return path


def refusal(path: Path, **kwargs: Any) -> str:
    """The one-line RunFileError ``load_run`` gives, checked to name the file and to carry no torch advice."""
    with pytest.raises(RunFileError) as info:
        load_run(path, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    assert not any(text in message for text in TORCH_ADVICE), message
    return message


def test_round_trip_is_exact(tmp_path: Path) -> None:
    run = small_run(torch_version=torch.__version__)
    loaded = load_run(run.save(tmp_path / "run.pt"))
    assert loaded.epochs == run.epochs and loaded.layers == run.layers
    for name in run.layers:
        assert loaded.activations[name].dtype == run.activations[name].dtype
        assert torch.equal(loaded.activations[name], run.activations[name])
    assert torch.equal(loaded.labels, run.labels)
    assert torch.equal(loaded.inputs, run.inputs)
    assert loaded.metrics["loss"][:2] == [0.9, 0.5] and torch.isnan(torch.tensor(loaded.metrics["loss"][2]))
    assert loaded.metadata["versions"] == ["a", 1]  # tuples are stored as lists
    assert loaded.metadata["torch_version"] == str(torch.__version__)
    assert loaded.name == "tanh-seed3"
    assert "name" not in loaded.metadata  # not named after the file: that is for loaders of several runs
    assert torch.equal(loaded.activation("1", 3), run.activations["1"][1])


def test_online_estimates_round_trip_with_nan_for_no_estimate(tmp_path: Path) -> None:
    run = online_run()
    loaded = load_run(run.save(tmp_path / "online.pt"))
    assert [list(row) for row in loaded.estimates] == [ESTIMATE_FIELDS] * 3
    assert [row["I_XT"] for row in loaded.estimates[:2]] == [1.5, 4.5]
    assert math.isnan(loaded.estimates[2]["I_XT"])


def test_estimate_fields_are_the_stored_record_keys() -> None:
    assert ESTIMATE_FIELDS == ["epoch", "layer", "layer_index", "estimator", "params", "fitted", "I_XT", "I_TY"]
    assert not hasattr(Run, "to_pandas") and not hasattr(Run, "estimates_table")
    assert not hasattr(run_module, "MI_COLUMNS") and not hasattr(run_module, "estimates_frame")


class Exploit:
    """Unpickling this would create a marker file: the loader must never do it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def _crafted_pickles(tmp_path: Path, marker: Path) -> dict[str, Path]:
    payload = {"format": "infoplane.run", "schema_version": 1, "payload": Exploit(marker)}
    files = {
        "zip": lambda p: torch.save(payload, p),
        "zip-protocol-5": lambda p: torch.save(payload, p, pickle_protocol=5),
        "legacy": lambda p: torch.save(payload, p, _use_new_zipfile_serialization=False),
        "raw-protocol-2": lambda p: p.write_bytes(pickle.dumps(payload, protocol=2)),
        "raw-protocol-5": lambda p: p.write_bytes(pickle.dumps(payload, protocol=5)),
    }
    paths = {}
    for name, write in files.items():
        path = tmp_path / f"evil-{name}.pt"
        write(path)
        paths[name] = path
    return paths


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("kind", ["zip", "zip-protocol-5", "legacy", "raw-protocol-2", "raw-protocol-5"])
def test_a_crafted_pickle_gets_our_refusal_only_and_nothing_runs(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "pwned"
    path = _crafted_pickles(tmp_path, marker)[kind]
    assert refusal(path) == f"{path}: {REFUSED}"
    assert not marker.exists()


def test_torchs_own_refusal_is_replaced_by_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the opcode scan ever let a crafted table through, torch's guard refuses it, in our words."""
    marker = tmp_path / "pwned"
    path = _crafted_pickles(tmp_path, marker)["zip"]
    monkeypatch.setattr(run_module, "_scan_pickle", lambda stream: "plain")
    assert refusal(path) == f"{path}: {REFUSED}"
    assert not marker.exists()


def test_files_that_are_not_run_files_say_so(tmp_path: Path) -> None:
    files = {
        "empty.pt": (b"", "an empty file"),
        "notes.pt": (b"hello, these are notes\n", "a text file"),
        "report.pt": (b"<!DOCTYPE html>\n<html><body>report</body></html>", "an HTML file"),
        "table.pt": (b"PAR1" + bytes(20), "a parquet table"),
        "plain.pt": (pickle.dumps({"format": "infoplane.run"}, protocol=5), "a bare pickle"),
    }
    for name, (content, described) in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert refusal(path) == f"{path}: not a run file ({described})" or described in refusal(path)
        assert refusal(path).startswith(f"{path}: not a run file (")
    legacy = tmp_path / "legacy.pt"
    torch.save({"weight": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    assert "not a run file (a torch file in the legacy format" in refusal(legacy)
    assert "a folder, not a run file" in refusal(tmp_path)


def test_truncated_foreign_and_future_files_give_one_line_errors(tmp_path: Path) -> None:
    good = small_run().save(tmp_path / "good.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    future = crafted(tmp_path, "future", lambda p: p.__setitem__("schema_version", 99))
    cases = {
        truncated: "truncated or corrupt",
        foreign: "not a run file \\(no 'infoplane.run' marker",
        future: "schema version 99 is not supported",
        tmp_path / "missing.pt": "no such run file",
    }
    for path, message in cases.items():
        assert __import__("re").search(message, refusal(path)), path


def test_save_is_atomic_under_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.pt"
    small_run(version="first").save(path)
    before = path.read_bytes()

    def dies_midway(obj: object, handle: io.BufferedWriter) -> None:
        handle.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt  # the process is stopped in the middle of the write

    monkeypatch.setattr(run_module.torch, "save", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        small_run(version="second").save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temporary file left behind
    monkeypatch.undo()
    assert load_run(path).metadata["version"] == "first"


def test_save_goes_through_the_one_atomic_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = run_module.atomic_write
    monkeypatch.setattr(run_module, "atomic_write", lambda path, write: calls.append(path) or real(path, write))
    small_run().save(tmp_path / "run.pt")
    assert calls == [tmp_path / "run.pt"]
    assert not any(name in run_module.__dict__ for name in ("tempfile", "_UMASK", "_read_umask"))


def test_saved_file_is_a_torch_zip_of_plain_data(tmp_path: Path) -> None:
    path = small_run().save(tmp_path / "run.pt")
    assert zipfile.is_zipfile(path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_metadata_that_is_not_plain_data_is_refused_at_save(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"metadata\['model'\] holds a Linear"):
        small_run(model=torch.nn.Linear(1, 1)).save(tmp_path / "run.pt")


def test_inconsistent_runs_are_rejected() -> None:
    labels = torch.zeros(3, dtype=torch.long)
    with pytest.raises(ValueError, match="strictly increasing"):
        Run(epochs=[2, 1], layers=[], activations={}, labels=torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="do not match"):
        Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(2, 3, 1)}, labels=labels)
    with pytest.raises(ValueError, match=r"epochs must be ≥ 0 .*got -5"):
        Run(epochs=[-5, 0], layers=[], activations={}, labels=labels)
    with pytest.raises(ValueError, match=r"layer 'a': activations are complex \(torch.complex64\)"):
        Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(1, 3, 2, dtype=torch.complex64)}, labels=labels)
    with pytest.raises(ValueError, match="inputs are complex"):
        Run(epochs=[], layers=[], activations={}, labels=labels, inputs=torch.zeros(3, 2, dtype=torch.complex128))
    with pytest.raises(ValueError, match="labels must be a vector"):
        Run(epochs=[], layers=[], activations={}, labels=torch.zeros(3, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"class indices in \[0, 16777215\], got values from -1"):
        Run(epochs=[], layers=[], activations={}, labels=torch.tensor([-1, 0, 1]))
    with pytest.raises(ValueError, match=r"estimates\[0\]: I_XT is inf"):
        Run(**{**online_run().__dict__, "estimates": [online_run().estimates[0] | {"I_XT": math.inf}]})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _set_blob(layer: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["activations"][layer].__setitem__(key, value)


def test_malformed_payloads_give_run_file_errors(tmp_path: Path) -> None:
    cases = {
        "bad_shape": (_set_blob("1", "shape", [1, 4, 4]), "does not match its shape"),
        "bad_data": (_set_blob("1", "data", [1, 2, 3]), "data is a list, not a tensor"),
        "bad_blob": (lambda p: p["activations"].__setitem__("1", [1, 2]), "not in the run-file codec"),
        "bad_labels": (lambda p: p.__setitem__("labels", [0, 1]), "labels is a list, not a tensor"),
        "complex": (_set_blob("1", "dtype", "complex64"), "dtype 'complex64' is not a real number type"),
        "unknown_dtype": (_set_blob("1", "dtype", "Tensor"), "dtype 'Tensor' is not a real number type"),
        "negative_epoch": (lambda p: p.__setitem__("epochs", [-5, 3, 9]), "epoch -5 is not an integer ≥ 0"),
        "string_epoch": (lambda p: p.__setitem__("epochs", ["0", 3, 9]), "epoch '0' is not an integer"),
        "string_metric": (lambda p: p["metrics"].__setitem__("loss", ["a", 1.0, 2.0]), "holds a str, not a number"),
        "bomb": (
            _set_blob("1", "data", torch.frombuffer(bytearray(zlib.compress(bytes(2_000_000), 9)), dtype=torch.uint8)),
            "does not match its shape",
        ),
    }
    for name, (corrupt, message) in cases.items():
        got = refusal(crafted(tmp_path, name, corrupt))
        assert "damaged infoplane run file" in got and message in got, got


@pytest.mark.parametrize(
    ("name", "labels", "message"),
    [
        ("negative", torch.tensor([0, -1, 0, 1, 1, 0, 2, 2]), "got values from -1 to 2"),
        ("two_d", torch.zeros(8, 2, dtype=torch.long), "labels must be a vector of class indices, got shape (8, 2)"),
        ("huge", torch.tensor([0, 10**12, 0, 1, 1, 0, 2, 2]), "got values from 0 to 1000000000000"),
        ("float", torch.full((8,), 0.5), "non-integer"),
        ("complex", torch.zeros(8, dtype=torch.complex64), "dtype torch.complex64"),
        ("stride_trick", torch.zeros(1, dtype=torch.long).expand(10**12), "declares 7.28 TiB over a stored"),
    ],
)
def test_bad_labels_in_a_file_name_the_file_and_allocate_nothing(
    tmp_path: Path, name: str, labels: torch.Tensor, message: str
) -> None:
    path = crafted(tmp_path, name, lambda p: p.__setitem__("labels", labels))
    tracemalloc.start()
    try:
        got = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "labels" in got and message in got, got
    assert "too deep" not in got and "allocate" not in got
    assert peak < 20 * 2**20


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("string", {"I_XT": "1.5"}, "estimates[0]: I_XT is a str ('1.5'), not a number of bits"),
        ("inf", {"I_TY": math.inf}, "estimates[0]: I_TY is inf; an estimate is finite bits, or NaN"),
        ("bad_params_json", {"params": "{n_bins: 30"}, "estimates[0]: params '{n_bins: 30' is not a JSON object"),
        ("params_not_object", {"params": "[1, 2]"}, "params '[1, 2]' is not a JSON object"),
        ("negative_epoch", {"epoch": -5}, "estimates[0]: epoch -5 is not an integer ≥ 0"),
        ("layer_number", {"layer": 3}, "estimates[0]: layer is a int, not a name"),
    ],
)
def test_bad_online_estimates_in_a_file_are_refused(tmp_path: Path, name: str, change: dict, message: str) -> None:
    path = crafted(tmp_path, name, lambda p: p["estimates"][0].update(change), base=online_run())
    got = refusal(path)
    assert "damaged infoplane run file" in got and message in got, got


def test_estimates_that_are_not_records_are_refused(tmp_path: Path) -> None:
    path = crafted(tmp_path, "string_rows", lambda p: p.__setitem__("estimates", ["1.5"]), base=online_run())
    assert "estimates[0] is a str, not an estimate record" in refusal(path)
    path = crafted(tmp_path, "missing_key", lambda p: p["estimates"][1].pop("fitted"), base=online_run())
    assert "estimates[1] lacks fitted" in refusal(path)


def test_metadata_that_shares_itself_exponentially_is_refused_fast(tmp_path: Path) -> None:
    nested: list = []
    for _ in range(60):  # 2**60 leaves once expanded, a few hundred bytes as a pickle
        nested = [nested, nested]
    path = crafted(tmp_path, "dag", lambda p: p["metadata"].__setitem__("nested", nested))
    assert path.stat().st_size < 20_000
    start = time.perf_counter()
    assert "metadata is too large or too deeply nested" in refusal(path)
    assert time.perf_counter() - start < 5


def _bomb(tmp_path: Path) -> Path:
    """A small file declaring [3, 200, 500000] float32 (1.12 GiB) of zeros (the data is a few KiB)."""
    data = torch.frombuffer(bytearray(zlib.compress(bytes(4_000_000), 9)), dtype=torch.uint8)
    return crafted(
        tmp_path,
        "bomb",
        lambda p: p["activations"].__setitem__(
            "1", {"codec": "shuffle-zlib", "dtype": "float32", "shape": [3, 200, 500_000], "data": data}
        ),
    )


def test_a_decompression_bomb_is_refused_fast_before_allocating(tmp_path: Path) -> None:
    path = _bomb(tmp_path)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    start = time.perf_counter()
    try:
        got = refusal(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "declares 1.12 GiB of arrays, over the default limit of 256× the file's size (64 MiB)" in got
    assert "load_run(path, max_bytes=...)" in got and "INFOPLANE_MAX_RUN_BYTES" in got
    assert elapsed < 1.0
    assert peak < 20 * 2**20  # nothing near the declared 1.2 GB was allocated


def test_the_limit_can_be_raised_or_lowered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _bomb(tmp_path)
    # Raised: the declaration is allowed, and the data (4 MB of zeros, not 1.2 GB) is found not to match.
    assert "does not match its shape" in refusal(bomb, max_bytes=2**31)
    monkeypatch.setenv("INFOPLANE_MAX_RUN_BYTES", "2G")
    assert "does not match its shape" in refusal(bomb)
    good = small_run().save(tmp_path / "good.pt")
    monkeypatch.setenv("INFOPLANE_MAX_RUN_BYTES", "1K")
    assert "over INFOPLANE_MAX_RUN_BYTES=1K (1 KiB)" in refusal(good)
    monkeypatch.delenv("INFOPLANE_MAX_RUN_BYTES")
    assert "over max_bytes=500 (500 bytes)" in refusal(good, max_bytes=500)
    assert load_run(good, max_bytes=100_000).epochs == [0, 3, 9]
    monkeypatch.setenv("INFOPLANE_MAX_RUN_BYTES", "lots")
    with pytest.raises(ValueError, match="INFOPLANE_MAX_RUN_BYTES='lots' is not a size"):
        load_run(good)


def test_byte_limit_defaults() -> None:
    assert byte_limit(1000) == (64 * 2**20, "the default limit of 256× the file's size")
    assert byte_limit(2**20)[0] == 256 * 2**20
    assert byte_limit(2**30) == (16 * 2**30, "the default limit")
    assert byte_limit(1000, max_bytes=5) == (5, "max_bytes=5")
    with pytest.raises(ValueError, match="max_bytes must be a positive number"):
        byte_limit(1000, max_bytes=0)


def test_an_honest_all_zero_run_inflating_200_fold_still_loads(tmp_path: Path) -> None:
    """zlib level 1 inflates at most ~229×: an all-zero (dead) layer of 72 MB is within 256× its file."""
    dead = {"dead": torch.zeros(3, 200, 30_000)}
    zeros = Run(epochs=[0, 1, 2], layers=["dead"], activations=dead, labels=torch.zeros(200, dtype=torch.long))
    path = zeros.save(tmp_path / "dead.pt")
    declared = 3 * 200 * 30_000 * 4
    assert declared > 64 * 2**20 and declared / path.stat().st_size > 200
    assert torch.count_nonzero(load_run(path).activations["dead"]) == 0


def test_an_incomplete_run_is_flagged_and_warned_about(tmp_path: Path) -> None:
    partial = small_run(training={"epochs": 6000, "lr": 4e-4})
    assert partial.expected_last_epoch == 5999 and not partial.complete
    path = partial.save(tmp_path / "t.pt")
    with pytest.warns(UserWarning) as record:
        loaded = load_run(path)
    assert [str(w.message).split(" (")[0] for w in record] == [
        f"{path} is an incomplete run: last logged epoch 9 of a schedule ending at 5999"
    ]
    assert not loaded.complete
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_run(path, warn_incomplete=False)
        finished = small_run(training={"epochs": 10})
        assert finished.complete and finished.expected_last_epoch == 9
        load_run(finished.save(tmp_path / "done.pt"))
        unknown = small_run()
        assert unknown.complete and unknown.expected_last_epoch is None
        load_run(unknown.save(tmp_path / "unknown.pt"))
        assert small_run(training={"epochs": "many"}).complete  # an unreadable schedule is unknown
    empty = Run(epochs=[], layers=[], activations={}, labels=torch.tensor([0, 1]), metadata={"training": {"epochs": 5}})
    assert not empty.complete


def test_repr_is_a_short_summary() -> None:
    run = small_run(training={"epochs": 6000})
    text = repr(run)
    assert text == (
        "Run('tanh-seed3': 3 epochs 0–9; layers 1 (4), output (2); 8 samples; activations stored; "
        "INCOMPLETE: schedule ends at epoch 5999)"
    )
    assert str(run) == text and "tensor" not in text
    assert repr(online_run(name="probe")) == (
        "Run('probe': 3 epochs 0–9; layers 1 (7); 4 samples; online estimates only (3 rows); schedule unknown)"
    )
    assert repr(small_run(training={"epochs": 10})).endswith("; complete)")


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pt"
    os.mkfifo(fifo)
    assert "not a regular file" in refusal(fifo)


def test_a_run_nothing_names_takes_its_files_stem(tmp_path: Path) -> None:
    """Issue 13.7: as on the command line, a user's run without a name is called after its file."""
    plain = Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(1, 3, 2)}, labels=torch.tensor([0, 1, 0]))
    assert plain.name == "run"
    assert load_run(plain.save(tmp_path / "my-model.pt")).name == "my-model"
    named = Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(1, 3, 2)}, labels=torch.tensor([0, 1, 0]),
                metadata={"activation": "tanh", "seed": 4})  # fmt: skip
    assert load_run(named.save(tmp_path / "other.pt")).name == "tanh-seed4"
