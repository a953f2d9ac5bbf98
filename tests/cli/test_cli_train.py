"""Issue 9.2 and 9.5: ``train`` never writes its checkpoint to OUTPUT, an interruption (during training
or during the final save) leaves an existing OUTPUT byte-identical, and damaged checkpoints are one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from infoplane import load_run
from infoplane.cli import main
from infoplane.experiments import Experiment, TrainConfig
from infoplane.experiments.training import Checkpoint, train_to_file

ARGS = ["train", "--epochs", "6", "--seed", "3", "-q"]


def interrupt_at(epoch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C right after the capture of ``epoch`` (as a user pressing it mid-training)."""
    from infoplane.hooks import Tracker

    capture = Tracker.capture

    def capture_then_stop(self: Tracker, at: int, **metrics: float) -> object:
        result = capture(self, at, **metrics)
        if at == epoch:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(Tracker, "capture", capture_then_stop)


def test_interrupted_train_over_a_finished_run_leaves_it_byte_identical_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.pt"
    assert main([*ARGS[:2], "2", *ARGS[3:], "-o", str(out)]) == 0  # a finished 2-epoch run
    before = out.read_bytes()
    monkeypatch.setitem(train_to_file.__kwdefaults__, "every_s", 0.0)  # checkpoint at every logged epoch
    with monkeypatch.context() as patch:
        interrupt_at(3, patch)
        assert main([*ARGS, "-o", str(out)]) == 130
    assert capsys.readouterr().err.strip() == "infoplane train: interrupted"
    assert out.read_bytes() == before  # the old run is intact
    assert (tmp_path / "t.pt.ckpt").is_file() and load_run(tmp_path / "t.pt.partial").epochs == [0, 1, 2]
    assert main([*ARGS, "-o", str(out), "--resume"]) == 0
    resumed = load_run(out)
    assert main([*ARGS, "-o", str(tmp_path / "whole.pt")]) == 0
    whole = load_run(tmp_path / "whole.pt")
    assert resumed.epochs == whole.epochs == list(range(6))
    for layer in whole.layers:
        assert torch.equal(resumed.activations[layer], whole.activations[layer]), layer
    assert resumed.metrics == whole.metrics
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.pt", "whole.pt"]  # checkpoint gone once done


def test_interrupt_from_the_progress_callback_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "t.pt"
    out.write_bytes(b"PK\x03\x04 an older run file")
    before = out.read_bytes()

    def stop(epoch: int) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    experiment = Experiment(config=TrainConfig(epochs=5, seed=0))
    with pytest.raises(KeyboardInterrupt):
        train_to_file(experiment, out, progress=False, on_epoch=stop, every_s=0.0)
    assert out.read_bytes() == before
    assert Checkpoint.beside(out).exists()


def test_sigint_during_the_final_save_exits_130_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("names the file being saved through /proc")
    out = tmp_path / "t.pt"
    real_save = torch.save

    def save(obj: object, f: object, *args: object, **kwargs: object) -> None:
        real_save(obj, f, *args, **kwargs)
        name = getattr(f, "name", f)
        name = Path(os.readlink(f"/proc/self/fd/{name}") if isinstance(name, int) else str(name)).name
        if name.startswith(".t.pt.") and not name.startswith((".t.pt.ckpt", ".t.pt.partial")):
            raise KeyboardInterrupt  # the bytes are written, the rename has not happened

    monkeypatch.setattr(torch, "save", save)
    assert main([*ARGS, "-o", str(out)]) == 130
    assert capsys.readouterr().err.strip() == "infoplane train: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "t.pt.ckpt",
        "t.pt.partial",
    ]  # no t.pt, no temp file
    monkeypatch.setattr(torch, "save", real_save)
    assert main([*ARGS, "-o", str(out), "--resume"]) == 0  # the checkpoint of the last epoch finishes it
    assert load_run(out).epochs == list(range(6))


@pytest.mark.parametrize(
    "state, expected",
    [
        ([1, 2, 3], "holds a list, not a mapping"),
        ({"epoch": 1, "optimizer": {}, "generator": torch.zeros(1)}, "no model"),
        ({"epoch": 1, "model": {}, "optimizer": {}, "generator": torch.zeros(1)}, "the model state is empty"),
        (
            {"epoch": 1, "model": {"w": torch.zeros(2)}, "optimizer": {}, "generator": torch.zeros(1)},
            "another network",
        ),
    ],
    ids=["list", "no-model", "empty-state", "wrong-model"],
)
def test_a_damaged_checkpoint_is_one_line_naming_it(
    state: object, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.pt"
    checkpoint = Checkpoint.beside(out)
    if isinstance(state, dict):  # of the same settings, so only its damage is at fault
        from infoplane.experiments import run_experiment

        probe = Checkpoint.beside(tmp_path / "probe.pt", every_s=0.0)

        def stop(epoch: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_experiment(
                Experiment(config=TrainConfig(epochs=6, seed=3)),
                progress=False,
                on_epoch=stop,
                checkpoint=probe,
            )
        state = {**state, "settings": torch.load(probe.path, weights_only=True)["settings"]}
        probe.run_path.rename(checkpoint.run_path)
    torch.save(state, checkpoint.path)
    assert main([*ARGS, "-o", str(out), "--resume"]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(checkpoint.path) in lines[0] and expected in lines[0] and "delete it to start over" in lines[0]
    assert not out.exists()


def test_train_checks_its_output_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.pt").write_text("<!DOCTYPE html><p>a report</p>")
    assert main([*ARGS, "-o", str(tmp_path / "t.pt")]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main([*ARGS, "-o", str(tmp_path)]) == 1
    assert "is an existing folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.pt"]
