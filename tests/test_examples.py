"""The examples run, and say what they claim."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_echo_ib_example_reports_the_exact_rate_of_its_layer() -> None:
    example = load_example("echo_ib_digits")
    table = example.main(epochs=3, beta=0.05, quiet=True)  # type: ignore[attr-defined]
    assert table["epoch"].tolist() == [0, 1, 2]
    assert (table["I_XT"] > 0).all()
    # A stronger bottleneck buys a lower rate.
    strong = example.main(epochs=3, beta=5.0, quiet=True)  # type: ignore[attr-defined]
    assert strong["I_XT"].iloc[-1] < table["I_XT"].iloc[-1]


def test_echo_ib_example_rate_equals_the_layers_own_rate() -> None:
    import torch

    import infoplane
    from infoplane.experiments import datasets

    example = load_example("echo_ib_digits")
    torch.manual_seed(0)
    model = example.EchoClassifier()  # type: ignore[attr-defined]
    x, y = datasets.digits()
    with infoplane.Tracker(model, x, y, layers=["echo"], batch_size=len(x)) as tracker:
        tracker.capture(0)
    layer_rate = model.echo.last_rate_bits  # the layer's own report for the whole probe batch
    table = infoplane.estimate(tracker.to_run(), ["echo"], progress=False)
    assert table["I_XT"].iloc[0] == pytest.approx(layer_rate, rel=1e-6)


def test_cnn_example_tracks_online_and_flags_its_wide_layers(tmp_path: Path) -> None:
    example = load_example("cnn_digits")
    run, report, _ = example.main(epochs=4, output=tmp_path / "cnn")  # type: ignore[attr-defined]
    assert run.activations == {}  # store="none": only numbers were kept
    assert run.layers == ["act1", "act2", "act3", "output"]
    assert len(run.estimates) == len(run.epochs) * 4 * 2  # layers × (binning, kde)
    assert run.metadata["layer_widths"]["act1"] == 8 * 8 * 8
    page = report.read_text()
    assert "width 512 is far above log2 N" in page and "cannot show compression" in page
    assert (tmp_path / "cnn" / "cnn.pt").stat().st_size < 1_000_000


def test_lightning_example_writes_a_run(tmp_path: Path) -> None:
    pytest.importorskip("lightning.pytorch", reason="the optional 'lightning' extra is not installed")
    example = load_example("lightning_szt12")
    run = example.main(epochs=3, output=tmp_path / "run.pt")  # type: ignore[attr-defined]
    assert run.epochs == [0, 1, 2]
    assert run.layers == ["net.1", "net.3", "net.5", "net.7", "net.9", "output"]
    assert run.activations["net.1"].shape == (3, 4096, 10)
    assert "loss" in run.metrics and (tmp_path / "run.pt").is_file()
