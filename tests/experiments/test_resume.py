"""An interrupted training resumes from its checkpoint and ends exactly as an uninterrupted one."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from infoplane import load_run
from infoplane.cli import main
from infoplane.experiments import Experiment, TrainConfig, run_experiment
from infoplane.experiments.training import Checkpoint


class Interrupt(Exception):
    pass


def test_resumed_run_equals_the_uninterrupted_one(tmp_path: Path) -> None:
    experiment = Experiment(activation="relu", config=TrainConfig(epochs=12, seed=2, lr=3e-3))
    whole = run_experiment(experiment, progress=False)

    checkpoint = Checkpoint.beside(tmp_path / "run.pt", every_s=0.0)
    assert checkpoint.path.name == "run.pt.ckpt" and checkpoint.run_path.name == "run.pt.partial"

    def stop_at_eight(epoch: int) -> None:
        if epoch == 8:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_experiment(experiment, progress=False, on_epoch=stop_at_eight, checkpoint=checkpoint)
    assert not (tmp_path / "run.pt").exists()  # the checkpoint never writes the output
    partial = load_run(tmp_path / "run.pt.partial", warn_incomplete=False)
    assert partial.epochs == list(range(9))  # saved at every logged epoch up to the interruption
    resumed = run_experiment(experiment, progress=False, checkpoint=Checkpoint(checkpoint.path, checkpoint.run_path, 0.0))
    assert resumed.epochs == whole.epochs
    for layer in whole.layers:
        assert torch.equal(resumed.activations[layer], whole.activations[layer]), layer
    assert resumed.metrics == whole.metrics


def test_cli_refuses_to_overwrite_an_interrupted_run_and_resumes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.pt"
    (tmp_path / "run.pt.ckpt").write_bytes(b"stale")
    assert main(["train", "--epochs", "3", "-q", "-o", str(out)]) == 1
    assert "pass --resume" in capsys.readouterr().err
    assert main(["train", "--epochs", "3", "-q", "-o", str(out), "--resume"]) == 1
    assert "unreadable checkpoint" in capsys.readouterr().err
    (tmp_path / "run.pt.ckpt").unlink()
    assert main(["train", "--epochs", "3", "-q", "-o", str(out), "--resume"]) == 1
    assert "no checkpoint" in capsys.readouterr().err
    assert main(["train", "--epochs", "3", "-q", "-o", str(out)]) == 0
    assert not (tmp_path / "run.pt.ckpt").exists() and not (tmp_path / "run.pt.partial").exists()
    assert load_run(out).epochs == [0, 1, 2]


def test_a_checkpoint_of_other_settings_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.pt"
    experiment = Experiment(activation="tanh", config=TrainConfig(epochs=10, seed=0))

    def stop(epoch: int) -> None:
        if epoch == 4:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_experiment(experiment, progress=False, on_epoch=stop, checkpoint=Checkpoint.beside(out, 0.0))
    code = main(["train", "--activation", "relu", "--epochs", "10", "--seed", "5", "-q", "-o", str(out), "--resume"])
    assert code == 1
    err = capsys.readouterr().err
    assert "belongs to a run with other settings" in err and "activation" in err and "training" in err
    assert main(["train", "--activation", "tanh", "--epochs", "10", "--seed", "0", "-q", "-o", str(out), "--resume"]) == 0
    assert load_run(out).epochs == list(range(10))
