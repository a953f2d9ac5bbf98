"""``infoplane study`` end to end on a tiny budget, and the MNIST reader."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from infoplane import estimators
from infoplane.estimators import Estimator
from infoplane.estimators.base import _REGISTRY
from infoplane.experiments import datasets
from infoplane.experiments.study import StudyConfig, run_study, settings_for
from infoplane.reports.study_page import label_settings, write_study_report
from infoplane.run import Run


def test_study_writes_tables_verdicts_and_page(tmp_path: Path) -> None:
    out = tmp_path / "study"
    config = StudyConfig(seeds=2, epochs=4, workers=2, n_bins=(30, 10), noise_variance=(0.001,))
    table, verdicts = run_study(config, out, progress=False)
    assert set(table["activation"]) == {"tanh", "relu"} and set(table["seed"]) == {0, 1}
    # 2 uniform + 1 adaptive + 1 KDE settings, 6 layers, 2 activations
    assert len(verdicts) == 2 * 4 * 6 and (verdicts["n_seeds"] == 2).all()
    assert {"delta_mean", "delta_low", "delta_high", "compresses", "fits"} <= set(verdicts.columns)
    labelled = label_settings(verdicts, table)
    assert (labelled.groupby("activation")["setting"].nunique() == 4).all()  # four settings, four labels each
    page = write_study_report(out / "study.html", table, verdicts, "tiny").read_text()
    assert 'id="bands"' in page and 'id="sensitivity"' in page and "headline binning" in page
    assert len(list((out / "runs").glob("*.pt"))) == 4


def bare_run(activation: str) -> Run:
    labels = np.zeros(2, dtype=np.int64)
    return Run(epochs=[], layers=[], activations={}, labels=labels, metadata={"activation": activation})  # type: ignore[arg-type]


def test_tanh_is_binned_over_its_bounds_and_relu_over_its_range() -> None:
    config = StudyConfig(n_bins=(30,), adaptive_n_bins=0, noise_variance=())
    assert [e.range for e in settings_for(bare_run("tanh"), config)] == [(-1.0, 1.0)]
    assert [e.range for e in settings_for(bare_run("relu"), config)] == [None]


def test_default_settings_are_the_studys_sweep() -> None:
    chosen = settings_for(bare_run("tanh"), StudyConfig(mine=True))
    assert [e.name for e in chosen] == ["binning"] * 4 + ["kde", "mine"]
    assert [e.n_bins for e in chosen[:4]] == [30, 10, 100, 30] and chosen[3].strategy == "adaptive"
    assert chosen[4].noise_variance == 1e-3


class _Scaled(Estimator):
    """A plugin: I = scale · (number of distinct rows), in bits."""

    name = "study_toy"
    seen_bounds: ClassVar[list[object]] = []

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def mutual_information(self, a: object, b: object) -> float:
        return 0.0

    def information_plane(self, x: object, t: np.ndarray, y: object) -> tuple[float, float]:
        return self.scale * len(np.unique(t, axis=0)), 0.0


def test_a_plugin_is_studied_with_its_own_settings_or_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_REGISTRY, "study_toy", _Scaled)
    config = StudyConfig(estimators=("study_toy",))
    # no study settings of its own: studied once, with its defaults
    assert [e.get_params() for e in settings_for(bare_run("tanh"), config)] == [{"scale": 1.0}]

    def study_settings(cls: type, bounds: object, **overrides: object) -> list[dict[str, object]]:
        cls.seen_bounds.append(bounds)
        return [{"scale": s} for s in overrides.get("scales", (2.0, 3.0))]

    monkeypatch.setattr(_Scaled, "study_settings", classmethod(study_settings), raising=False)
    assert [e.scale for e in settings_for(bare_run("tanh"), config)] == [2.0, 3.0]
    config = StudyConfig(estimators=("study_toy",), params={"study_toy": {"scales": (5.0,)}})
    assert [e.scale for e in settings_for(bare_run("relu"), config)] == [5.0]
    assert _Scaled.seen_bounds == [(-1.0, 1.0), None]
    assert estimators.get("study_toy").scale == 1.0


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

    config = StudyConfig(seeds=2, epochs=3, n_bins=(30,), adaptive_n_bins=0, noise_variance=(), workers=1, activations=("tanh",))
    first, _ = study.run_study(config, tmp_path, progress=False)

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a resumed study must not train runs it already has")

    monkeypatch.setattr(study, "run_seeds", no_training)
    again, _ = study.run_study(config, tmp_path, progress=False, resume=True)
    pd.testing.assert_frame_equal(first, again)


def test_resume_retrains_runs_of_other_settings(tmp_path: Path) -> None:
    from infoplane.experiments import study

    small = StudyConfig(seeds=1, epochs=3, n_bins=(30,), adaptive_n_bins=0, noise_variance=(), workers=1, activations=("tanh",))
    study.run_study(small, tmp_path, progress=False)
    longer = StudyConfig(seeds=1, epochs=5, n_bins=(30,), adaptive_n_bins=0, noise_variance=(), workers=1, activations=("tanh",))
    with pytest.warns(RuntimeWarning, match="trained with other settings; training them again"):
        table, _ = study.run_study(longer, tmp_path, progress=False, resume=True)
    assert sorted(table["epoch"].unique()) == [0, 1, 2, 3, 4]
    from infoplane import load_run

    assert load_run(tmp_path / "runs" / "szt12-tanh-seed0.pt").metadata["training"]["epochs"] == 5
