"""``infoplane study`` end to end on a tiny budget, and the MNIST reader."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.cli import main
from infoplane.experiments import datasets
from infoplane.experiments.study import StudyConfig, settings_for
from infoplane.run import Run


def test_study_writes_tables_verdicts_and_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "study"
    code = main(["study", "--seeds", "2", "--epochs", "4", "--workers", "2", "--bins", "30", "10",
                 "--kde", "0.001", "-q", "-o", str(out)])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "mi_table.csv")
    assert set(table["activation"]) == {"tanh", "relu"} and set(table["seed"]) == {0, 1}
    parquet = pd.read_parquet(out / "mi_table.parquet")
    pd.testing.assert_frame_equal(parquet, table, check_dtype=False)
    # 2 uniform + 1 adaptive + 1 KDE settings, 6 layers, 2 activations
    verdicts = pd.read_csv(out / "compression.csv")
    assert len(verdicts) == 2 * 4 * 6 and (verdicts["n_seeds"] == 2).all()
    assert {"delta_mean", "delta_low", "delta_high", "compresses", "fits"} <= set(verdicts.columns)
    page = (out / "study.html").read_text()
    assert 'id="bands"' in page and 'id="sensitivity"' in page
    assert len(list((out / "runs").glob("*.pt"))) == 4
    assert "compresses" in capsys.readouterr().out


def test_tanh_is_binned_over_its_bounds_and_relu_over_its_range() -> None:
    config = StudyConfig(bins=(30,), adaptive_bins=0, kde_variances=())
    tanh = Run(epochs=[], layers=[], activations={}, labels=np.zeros(2, dtype=np.int64), metadata={"activation": "tanh"})  # type: ignore[arg-type]
    relu = Run(epochs=[], layers=[], activations={}, labels=np.zeros(2, dtype=np.int64), metadata={"activation": "relu"})  # type: ignore[arg-type]
    assert settings_for(tanh, config)[0].range == (-1.0, 1.0)
    assert settings_for(relu, config)[0].range is None


def write_idx(path: Path, array: np.ndarray) -> None:
    code = {np.uint8: 0x08}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())


def test_mnist_reader_on_idx_files(tmp_path: Path) -> None:
    images = np.arange(3 * 28 * 28, dtype=np.uint64).astype(np.uint8).reshape(3, 28, 28)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2, 1], dtype=np.uint8))
    x, y = datasets.load("mnist", tmp_path)
    assert x.shape == (3, 784) and y.tolist() == [7, 2, 1]
    assert np.allclose(x.numpy(), images.reshape(3, -1) / 255.0)
    with pytest.raises(ValueError, match="give data_dir"):
        datasets.load("mnist")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="no t10k-labels-idx1-ubyte.gz"):
        datasets.mnist(tmp_path)


def test_the_shared_mnist_test_set(shared_data: Path) -> None:
    x, y = datasets.mnist(shared_data / "mnist")
    assert x.shape == (10_000, 784) and y[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y.numpy()).tolist()[:3] == [980, 1135, 1032]


def test_resumed_study_reuses_saved_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infoplane.experiments import study

    config = StudyConfig(seeds=2, epochs=3, bins=(30,), adaptive_bins=0, kde_variances=(), workers=1, activations=("tanh",))
    first, _ = study.run_study(config, tmp_path, progress=False)

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a resumed study must not train runs it already has")

    monkeypatch.setattr(study, "run_seeds", no_training)
    again, _ = study.run_study(config, tmp_path, progress=False, resume=True)
    pd.testing.assert_frame_equal(first, again)


def test_resume_retrains_runs_of_other_settings(tmp_path: Path) -> None:
    from infoplane.experiments import study

    small = StudyConfig(seeds=1, epochs=3, bins=(30,), adaptive_bins=0, kde_variances=(), workers=1, activations=("tanh",))
    study.run_study(small, tmp_path, progress=False)
    longer = StudyConfig(seeds=1, epochs=5, bins=(30,), adaptive_bins=0, kde_variances=(), workers=1, activations=("tanh",))
    with pytest.warns(RuntimeWarning, match="trained with other settings; training them again"):
        table, _ = study.run_study(longer, tmp_path, progress=False, resume=True)
    assert sorted(table["epoch"].unique()) == [0, 1, 2, 3, 4]
    from infoplane import load_run

    assert load_run(tmp_path / "runs" / "szt12-tanh-seed0.pt").metadata["training"]["epochs"] == 5
