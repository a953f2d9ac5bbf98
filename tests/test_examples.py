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


def test_transformer_example_tracks_its_blocks_over_real_tokens(tmp_path: Path, one_thread: object) -> None:
    import torch

    example = load_example("transformer_mask")
    run, report, model = example.main(epochs=3, output=tmp_path / "tf", n_train=300, n_probe=120)  # type: ignore[attr-defined]
    assert run.layers == ["encoder.layers.0", "encoder.layers.1", "output"]
    assert run.inputs is None  # two inputs (tokens, padding mask): nothing flat to keep
    assert run.metadata["reduce"] == "mean" and run.metadata["reduce_mask"] == "src_key_padding_mask"
    assert run.activations["encoder.layers.1"].shape == (3, 120, 16)
    # the last capture of the first block equals the trained block's output averaged over real tokens only
    tokens, padding, _ = example.marker_sequences(420, 0)  # type: ignore[attr-defined]
    tokens, padding = tokens[300:], padding[300:]
    assert padding.any(dim=1).sum() > 60  # most probe sequences are padded
    with torch.no_grad():
        block = model.eval().encoder.layers[0](model.embed(tokens), src_key_padding_mask=padding)
    keep = (~padding).unsqueeze(-1).float()
    assert torch.allclose(run.activations["encoder.layers.0"][-1], (block * keep).sum(1) / keep.sum(1), atol=1e-5)
    assert not torch.allclose(run.activations["encoder.layers.0"][-1], block.mean(1), atol=1e-3)  # padding ignored
    assert "encoder.layers.0" in report.read_text()


def test_dataloader_example_probes_through_dict_batches(tmp_path: Path, one_thread: object) -> None:
    import torch

    from infoplane.experiments import datasets, seeded_split

    example = load_example("dataloader_probe")
    run, report, tracker = example.main(epochs=2, output=tmp_path / "dl")  # type: ignore[attr-defined]
    x, y = datasets.digits()
    test = seeded_split(len(x), 0.8, 0).test
    assert run.layers == ["act1", "act2", "output"]
    assert torch.equal(run.labels, y[test]) and torch.equal(run.inputs, x[test].float())
    assert run.metadata["probe_inputs"] == "DataLoader of 3 keyword batches"
    # the last capture equals the trained model's own pass on the probe images
    with torch.no_grad():
        logits = tracker.model.eval()(pixels=x[test])
    assert torch.allclose(run.activations["output"][-1], logits, atol=1e-5)
    assert len(run.estimates) == 2 * 3  # online binning: epochs × layers
    assert report.is_file()
