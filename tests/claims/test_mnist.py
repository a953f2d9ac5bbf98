"""Claim 6 (mnist) on generated IDX files in quick mode: it never needs the real data set."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.claims.base import ClaimsConfig
from infoplane.claims.mnist import MnistSetting, mnist_claim, probe_indices, run_job, verdict, verdict_rows
from infoplane.experiments import datasets


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())


@pytest.fixture
def tiny_mnist(tmp_path: Path) -> Path:
    """80 images of 28×28: class k lights a 3-pixel-wide band at row 2k, with noise."""
    rng = np.random.default_rng(0)
    labels = np.arange(80, dtype=np.uint8) % 10
    images = rng.integers(0, 40, size=(80, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        images[i, 2 * k + 2 : 2 * k + 5, :] = 250
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    return tmp_path


def test_claim_quick_on_generated_files(tiny_mnist: Path) -> None:
    result = mnist_claim(
        ClaimsConfig(seeds=3, quick=True, data_dir=str(tiny_mnist), noise_variance=0.1)
    )
    rows = result.rows
    assert list(rows.columns) == [
        "claim",
        "source",
        "setting",
        "statistic",
        "value",
        "low",
        "high",
        "verdict",
        "holds_under",
    ]
    # 2 activations × 5 recorded layers × one σ² (0.1)
    assert len(rows) == 10 and set(rows["verdict"]) <= {"supports", "contradicts", "inconclusive"}
    assert rows["setting"].str.match(r"(tanh|relu), layer (1|3|5|7|output) \(\d+ units\), kde σ²=0.1").all()
    mi = result.evidence["mi"]
    assert set(mi["seed"]) == {0, 1} and set(mi["activation"]) == {"tanh", "relu"}
    # the KDE bound on 64 probe images lies in [0, log2 64]; the label term in [0, H(Y)] ≤ log2 10
    assert mi["I_XT"].between(0, 6 + 1e-9).all() and mi["I_TY"].between(0, np.log2(10) + 1e-9).all()
    timing = result.evidence["timing"]
    assert len(timing) == 4 and (timing[["train_s", "capture_s", "estimate_s"]] > 0).all().all()
    assert np.isfinite(timing["overhead_ratio"]).all()
    assert any("Wall time" in note for note in result.notes)


def test_job_learns_the_bands(tiny_mnist: Path) -> None:
    x, y = datasets.load("mnist", tiny_mnist)
    table, timing = run_job(
        x,
        y,
        "tanh",
        0,
        MnistSetting(hidden=(16, 8), epochs=30, log_points=3, probe=80, lr=1e-2, batch_size=16),
    )
    last = table[table["epoch"] == table["epoch"].max()]
    assert last["train_accuracy"].iloc[0] > 0.9
    assert set(table["layer"]) == {"1", "3", "output"} and set(timing) == {
        "probe_size",
        "train_s",
        "capture_s",
        "estimate_s",
        "metrics_s",
    }


def test_opt_in_and_probe() -> None:
    with pytest.raises(ValueError, match="data_dir"):
        mnist_claim(ClaimsConfig(quick=True, data_dir=None))
    probe = probe_indices(100, 10)
    assert len(probe) == 10 and (np.diff(probe) > 0).all() and (probe == probe_indices(100, 10)).all()
    assert len(probe_indices(5, 10)) == 5


def test_verdict_rule() -> None:
    assert verdict("tanh", "compresses") == "supports"
    assert verdict("tanh", "does not compress") == "contradicts"
    assert verdict("relu", "does not compress") == "supports"
    assert verdict("relu", "compresses") == "contradicts"
    assert verdict("relu", "undetermined") == "inconclusive"
    assert verdict("elu", "compresses") == "inconclusive"
    assert verdict("relu", "saturated") == "inconclusive"


def test_saturated_layers_get_no_verdict() -> None:
    # a layer pinned at the KDE ceiling log2(64) = 6 bits in every seed and epoch "does not compress" only
    # because the estimator cannot resolve it: inconclusive, while a flat layer below the ceiling is read
    rows = []
    for seed in range(3):
        for epoch in range(30):
            for layer, value in (("1", 6.0), ("3", 4.0 + 0.001 * seed)):
                rows.append({"run": f"relu-{seed}", "activation": "relu", "seed": seed, "epoch": epoch, "layer": layer,
                             "layer_index": int(layer), "estimator": "kde", "params": "noise_variance=0.1",
                             "I_XT": value, "I_TY": 1.0})  # fmt: skip
    rows_out, summary = verdict_rows(pd.DataFrame(rows), {"1": 1024, "3": 20}, probe_size=64)
    assert summary.set_index("layer")["observed"].to_dict() == {"1": "saturated", "3": "does not compress"}
    assert rows_out["verdict"].tolist() == ["inconclusive", "supports"]
