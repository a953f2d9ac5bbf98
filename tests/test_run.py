"""Run files: round trip, safe loading, atomic saving, clear errors."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from infoplane import Run, RunFileError, load_run
from infoplane import run as run_module


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
    assert torch.equal(loaded.activation("1", 3), run.activations["1"][1])


class Exploit:
    """Unpickling this would create a marker file: the loader must never do it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_crafted_pickle_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": "infoplane.run", "payload": Exploit(marker)}, path)
    with pytest.raises(RunFileError, match=r"evil\.pt: refused to load.*may be crafted to run code"):
        load_run(path)
    assert not marker.exists()
    # The same with a bare (legacy, non-zip) pickle stream.
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps(Exploit(marker)))
    with pytest.raises(RunFileError, match="legacy.pt"):
        load_run(legacy)
    assert not marker.exists()


def test_truncated_foreign_and_future_files_give_one_line_errors(tmp_path: Path) -> None:
    good = small_run().save(tmp_path / "good.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    future = tmp_path / "future.pt"
    payload = torch.load(good, weights_only=True)
    payload["schema_version"] = 99
    torch.save(payload, future)
    cases = {
        truncated: "truncated or corrupt",
        foreign: "not an infoplane run file",
        text: "truncated or corrupt|not an infoplane run file|refused",
        future: "schema version 99 is not supported",
        tmp_path / "missing.pt": "no such run file",
    }
    for path, message in cases.items():
        with pytest.raises(RunFileError, match=message) as info:
            load_run(path)
        assert str(path) in str(info.value)
        assert "\n" not in str(info.value)


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.pt"
    small_run(version="first").save(path)
    before = path.read_bytes()

    def dies_midway(obj: object, handle: object) -> None:
        handle.write(b"PK\x03\x04 half a file")  # type: ignore[attr-defined]
        raise KeyboardInterrupt  # the process is stopped in the middle of the write

    monkeypatch.setattr(run_module.torch, "save", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        small_run(version="second").save(path)
    assert path.read_bytes() == before
    assert load_run(path).metadata["version"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temporary file left behind


def test_saved_file_is_a_torch_zip_of_plain_data(tmp_path: Path) -> None:
    path = small_run().save(tmp_path / "run.pt")
    assert zipfile.is_zipfile(path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_metadata_that_is_not_plain_data_is_refused_at_save(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"metadata\['model'\] holds a Linear"):
        small_run(model=torch.nn.Linear(1, 1)).save(tmp_path / "run.pt")


def test_inconsistent_runs_are_rejected() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        Run(epochs=[2, 1], layers=[], activations={}, labels=torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="do not match"):
        Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(2, 3, 1)}, labels=torch.zeros(3, dtype=torch.long))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_malformed_payloads_give_run_file_errors_and_no_bombs(tmp_path: Path) -> None:
    import zlib

    good = small_run().save(tmp_path / "good.pt")
    cases = {
        "bad_shape": lambda p: p["activations"]["1"].__setitem__("shape", [1, 4, 4]),
        "bad_data": lambda p: p["activations"]["1"].__setitem__("data", [1, 2, 3]),
        "bad_blob": lambda p: p["activations"].__setitem__("1", [1, 2]),
        "bad_labels": lambda p: p.__setitem__("labels", [0, 1]),
        "bomb": lambda p: p["activations"]["1"].__setitem__(
            "data", torch.frombuffer(bytearray(zlib.compress(bytes(200_000_000), 9)), dtype=torch.uint8)
        ),
    }
    for name, corrupt in cases.items():
        payload = torch.load(good, weights_only=True)
        corrupt(payload)
        path = tmp_path / f"{name}.pt"
        torch.save(payload, path)
        with pytest.raises(RunFileError, match=f"{name}.pt: damaged infoplane run file"):
            load_run(path)
