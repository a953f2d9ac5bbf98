"""``infoplane report`` end to end on tiny runs: online runs shown as stored (issue 13.3, the report half),
``--plotlyjs``, and settings described from the parameters stored in the MI table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from infoplane import Tracker
from infoplane.cli import main
from infoplane.estimators import Binning
from infoplane.pipeline import build_report, setting_descriptions
from infoplane.run import Run


def online_run(path: Path) -> Path:
    """A run captured with ``store="none"``: binning over a fixed range [0, 5] and KDE, 4 epochs, 3 layers."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.ReLU(),
                              torch.nn.Linear(3, 2))  # fmt: skip
    x, y = torch.randn(64, 4), torch.arange(64) % 2
    estimators = [Binning(n_bins=30, range=(0.0, 5.0)), "kde"]
    with Tracker(net, x, y, estimators=estimators, store="none", metadata={"name": "online"}) as tracker:
        for epoch in range(4):
            with torch.no_grad():
                net[0].weight.mul_(1.3)
            tracker.capture(epoch, loss=1.0 / (epoch + 1), accuracy=0.5 + 0.1 * epoch)
    return tracker.to_run().save(path)


def stored_run(path: Path, name: str = "r") -> Path:
    torch.manual_seed(1)
    return Run(
        epochs=[0, 1, 2], layers=["1", "2"],
        activations={"1": torch.randn(3, 32, 3), "2": torch.randn(3, 32, 2)},
        labels=torch.arange(32) % 2, metrics={"loss": [1.0, 0.8, 0.6], "lr": [0.1, 0.05, 0.01]},
        metadata={"name": name},
    ).save(path)  # fmt: skip


def test_an_online_run_shows_every_stored_estimate_with_its_own_parameters(tmp_path: Path) -> None:
    """Issue 13.3: the report showed 20 of 40 online estimates (KDE dropped without a word) and described
    binning as "over each layer's [min, max]" though the stored estimate used the range [0, 5]."""
    run = online_run(tmp_path / "online.pt")
    out, csv = tmp_path / "online.html", tmp_path / "online.csv"
    assert main(["report", str(run), "-o", str(out), "--csv", str(csv), "-q", "--plotlyjs", "cdn"]) == 0
    table = pd.read_csv(csv)
    assert len(table) == 2 * 4 * 3 and set(table["estimator"]) == {"binning", "kde"}
    assert {json.dumps(json.loads(p)["range"]) for p in table[table["estimator"] == "binning"]["params"]} == {
        "[0.0, 5.0]"
    }
    page = out.read_text(encoding="utf-8")
    assert "30 equal-width bins per unit over [0, 5]" in page and "[min, max]" not in page
    assert (
        "Estimated online while training" in page and "kde: upper (KL) pairwise bound at σ² = 0.001" in page
    )
    # a name asks for every stored setting of it; explicit parameters for that setting only
    assert main(["report", str(run), "-o", str(out), "--csv", str(csv), "-q", "--estimator", "binning"]) == 0
    assert set(pd.read_csv(csv)["estimator"]) == {"binning"}
    out.unlink()
    assert main(["report", str(run), "-o", str(out), "-q", "--estimator", "binning", "--n-bins", "10"]) != 0
    assert not out.exists()


def test_plotlyjs_directory_writes_one_copy_beside_the_page_and_checks_it_first(tmp_path: Path) -> None:
    run = stored_run(tmp_path / "r.pt")
    js = tmp_path / "plotly.min.js"
    js.write_bytes(b"\x89PNG\r\n\x1a\n not a script")  # a file of another kind where plotly.js would go
    assert main(["report", str(run), "-o", str(tmp_path / "r.html"), "-q", "--plotlyjs", "directory"]) == 2
    assert not (tmp_path / "r.html").exists()
    js.unlink()
    assert main(["report", str(run), "-o", str(tmp_path / "r.html"), "-q", "--plotlyjs", "directory"]) == 0
    assert js.stat().st_size > 3_000_000 and (tmp_path / "r.html").stat().st_size < 1_000_000
    assert "<script src='plotly.min.js'" in (tmp_path / "r.html").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["report", str(run), "--plotlyjs", "web"])


def test_report_sizes_inline_against_cdn(tmp_path: Path) -> None:
    run = stored_run(tmp_path / "r.pt")
    page, table, _ = build_report([run], tmp_path / "inline.html", progress=False)
    small, _, _ = build_report([run], tmp_path / "cdn.html", progress=False, plotlyjs="cdn")
    assert page.stat().st_size - small.stat().st_size > 3_000_000  # plotly.js is the page's bulk
    text = small.read_text(encoding="utf-8")
    assert "binning: 30 equal-width bins per unit over each layer&#x27;s [min, max]" in text
    assert len(table) == 2 * 3


def test_settings_are_described_from_the_stored_parameters() -> None:
    table = pd.DataFrame(
        {"estimator": ["binning", "binning", "kde", "plugin"],
         "params": [json.dumps({"n_bins": 10, "range": [0, 5]}), json.dumps({"n_bins": 30}),
                    json.dumps({"noise_variance": 0.1}), "{}"],
         "setting": ["binning 10 [0,5]", "binning 30 (run range)", "kde σ²=0.1", "plugin"]}
    )  # fmt: skip
    described = setting_descriptions(table)
    assert described["binning 10 [0,5]"].startswith("binning: 10 equal-width bins per unit over [0, 5]")
    assert "each layer's [min, max]" in described["binning 30 (run range)"]
    assert "σ² = 0.1" in described["kde σ²=0.1"]
    assert "plugin" not in described  # not registered: the page shows its stored parameters instead
