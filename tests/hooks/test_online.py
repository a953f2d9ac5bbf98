"""Online estimation at capture time, and what is stored."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from infoplane import Tracker, estimate, load_run
from infoplane.analysis.mi_table import MI_COLUMNS, setting_label
from infoplane.cli import main
from infoplane.estimators import Binning, Estimator
from infoplane.experiments import models


def tanh_net() -> torch.nn.Module:
    torch.manual_seed(0)
    return models.mlp([12, 6, 4, 2], "tanh")


def probe() -> tuple[torch.Tensor, torch.Tensor]:
    from infoplane.experiments.datasets import szt12

    x, y = szt12()
    return x[::4], y[::4]


def test_online_estimates_equal_offline_ones_on_the_same_activations() -> None:
    x, y = probe()
    net = tanh_net()
    fixed = Binning(n_bins=20, range=(-1.0, 1.0))
    with Tracker(net, x, y, estimators=[fixed, "ksg"]) as tracker:
        tracker.capture(0)
        with torch.no_grad():
            net[0].weight.mul_(3.0)  # a different epoch
        tracker.capture(1)
    online = tracker.estimates()
    run = tracker.to_run()
    offline = estimate(run, [fixed, "ksg"], progress=False)
    assert len(online) == len(offline) == 2 * 2 * 3
    keys = ["estimator", "layer", "epoch"]
    merged = online.merge(offline, on=keys, suffixes=("_online", "_offline"))
    assert merged["I_XT_online"].tolist() == pytest.approx(merged["I_XT_offline"].tolist(), abs=1e-9)
    assert merged["I_TY_online"].tolist() == pytest.approx(merged["I_TY_offline"].tolist(), abs=1e-9)
    assert list(online.columns) == list(offline.columns) == MI_COLUMNS
    # one row builder: the same params and setting label online and offline
    assert (merged["params_online"] == merged["params_offline"]).all()
    assert (merged["setting_online"] == merged["setting_offline"]).all()
    assert set(online["setting"]) == {setting_label(fixed), setting_label(tracker.estimators[1])}


def test_store_none_keeps_only_numbers_and_reports_from_them(tmp_path: Path) -> None:
    x, y = probe()
    with Tracker(tanh_net(), x, y, estimators=["binning"], store="none", metadata={"activation": "tanh"}) as tracker:
        tracker.capture(0)
        tracker.capture(1)
    run = tracker.to_run()
    assert run.activations == {} and len(run.estimates) == 2 * 3
    assert run.metadata["layer_widths"] == {"1": 6, "3": 4, "output": 2}
    path = run.save(tmp_path / "online.pt")
    loaded = load_run(path)
    assert loaded.estimates == run.estimates
    # infoplane.estimate returns a store="none" run's online estimates (what Run.to_pandas did)
    table = estimate(loaded, "binning", progress=False)
    assert list(table.columns) == MI_COLUMNS and len(table) == 2 * 3
    assert table["I_XT"].tolist() == tracker.estimates()["I_XT"].tolist()
    assert set(table["run"]) == {loaded.name} and set(table["activation"]) == {"tanh"}
    assert table["setting"].tolist() == tracker.estimates()["setting"].tolist()  # label recomputed from params
    assert estimate(loaded, progress=False).equals(table)  # no estimators named: every online estimate
    with pytest.raises(ValueError, match=r"store='none'.*activations were not kept.*it has \['binning .*not ksg"):
        estimate(loaded, ["ksg"], progress=False)
    report = tmp_path / "online.html"
    assert main(["report", str(path), "-o", str(report), "-q"]) == 0
    assert "information-plane" in report.read_text()
    assert main(["report", str(path), "-o", str(report), "-q", "--estimator", "ksg"]) == 1


def test_store_options() -> None:
    x, y = probe()
    assert Tracker(tanh_net(), x, y, store="float16").capture(0)["1"].dtype == torch.float16
    with pytest.raises(ValueError, match="store='none' would keep nothing"):
        Tracker(tanh_net(), x, y, store="none")
    with pytest.raises(ValueError, match="store must be"):
        Tracker(tanh_net(), x, y, store="int8")  # type: ignore[arg-type]


def test_an_estimate_that_fails_online_is_a_warned_gap_not_a_number() -> None:
    x, y = probe()
    net = tanh_net()
    with torch.no_grad():
        net[0].weight[0, 0] = float("nan")
    with Tracker(net, x, y, estimators=["binning"]) as tracker, pytest.warns(RuntimeWarning) as warned:
        tracker.capture(0)
    messages = sorted(str(w.message).split(",")[0].strip() for w in warned)
    assert messages == ["layer '1'", "layer '3'", "layer 'output'"]
    assert all("epoch 0, binning: NaN or infinite" in str(w.message) for w in warned)
    table = tracker.estimates()
    assert table["I_XT"].isna().all()  # every layer downstream of the NaN weight


def test_probe_size_takes_a_fixed_subset() -> None:
    x, y = probe()
    a = Tracker(tanh_net(), x, y, probe_size=100, probe_seed=3)
    b = Tracker(tanh_net(), x, y, probe_size=100, probe_seed=3)
    assert len(a.inputs) == 100 and torch.equal(a.inputs, b.inputs) and torch.equal(a.labels, b.labels)
    with pytest.raises(ValueError, match="probe_size must lie in"):
        Tracker(tanh_net(), x, y, probe_size=1)


def test_layer_memory_budget() -> None:
    x, y = probe()  # 1024 samples: layer "1" is 1024 × 6 × 4 B = 24 kB per capture
    over = Tracker(tanh_net(), x, y, layer_budget_mb=0.01)
    with pytest.raises(MemoryError, match=r"layer '1' would take 0.0234 MB per capture .* probe_size=.*store='float16'"):
        over.capture(0)
    assert over.epochs == [] and over.metrics == []  # a failed capture leaves nothing half-recorded
    over.layer_budget_mb = 1.0
    over.capture(0)
    assert over.to_run().epochs == [0]
    tracker = Tracker(tanh_net(), x, y, layer_budget_mb=0.05)
    tracker.capture(0)
    with pytest.warns(ResourceWarning, match="layer '1' now holds"):
        tracker.capture(1)
        tracker.capture(2)
    assert tracker.epochs == [0, 1, 2]  # nothing lost: captures go on after the warning


def test_numpy_float64_probe_sets_and_a_last_batch_of_one() -> None:
    import numpy as np

    x, y = probe()
    net = tanh_net()
    tracker = Tracker(net, x.numpy().astype(np.float64), y.numpy(), batch_size=1023)  # 1024 = 1023 + 1
    captured = tracker.capture(0)
    with torch.no_grad():
        expected = net(x)
    assert torch.allclose(captured["output"], expected, atol=1e-6)


def test_resume_from_refuses_another_probe_set() -> None:
    x, y = probe()
    run = Tracker(tanh_net(), x, y)
    run.capture(0)
    saved = run.to_run()
    other = Tracker(tanh_net(), x, 1 - y)
    with pytest.raises(ValueError, match="another probe set"):
        other.resume_from(saved)
    with pytest.raises(ValueError, match="another store= setting"):
        Tracker(tanh_net(), x, y, estimators=["binning"], store="none").resume_from(saved)


class Infinite(Estimator):
    """An estimator whose I(X;T) is infinite: the degenerate result a continuous layer can give."""

    name = "infinite"

    def __init__(self) -> None:
        pass

    def mutual_information(self, a: Any, b: Any) -> float:
        return math.inf

    def information_plane(self, x: Any, t: Any, y: Any) -> tuple[float, float]:
        return math.inf, 0.25


def test_an_infinite_online_estimate_is_a_warned_nan_never_an_inf() -> None:
    x, y = probe()
    tracker = Tracker(tanh_net(), x, y, estimators=[Infinite()], store="none")
    with pytest.warns(RuntimeWarning, match=r"epoch 3, infinite: .*\(inf, 0.25\).*not finite") as warned:
        tracker.capture(3)
    assert sorted(str(w.message).split(",")[0] for w in warned) == ["layer '1'", "layer '3'", "layer 'output'"]
    table = tracker.estimates()
    assert table["I_XT"].isna().all() and not np.isinf(table["I_XT"]).any()
    assert table["I_TY"].tolist() == [0.25, 0.25, 0.25]  # the finite half stays


def test_negative_epochs_are_refused() -> None:
    x, y = probe()
    tracker = Tracker(tanh_net(), x, y, estimators=["binning"])
    with pytest.raises(ValueError, match=r"epoch must be ≥ 0 .*got -5"):
        tracker.capture(-5)
    with pytest.raises(ValueError, match="integer epoch index, got 2.5"):
        tracker.capture(2.5)  # type: ignore[arg-type]
    assert tracker.epochs == [] and tracker.estimates().empty
    tracker.capture(np.int64(0))
    assert tracker.epochs == [0] and type(tracker.epochs[0]) is int


def test_a_stored_online_lower_bound_keeps_its_ceiling(tmp_path: Path) -> None:
    # The tracker's live table carries each critic estimate's ceiling (InfoNCE: log2 of the held-out count);
    # run files store only ESTIMATE_FIELDS, so loading recomputes it from estimator, params and N.
    from infoplane.estimators import InfoNCE

    x, y = probe()  # N = 1024
    critic = InfoNCE(hidden=8, n_layers=1, embed=4, steps=20, eval_every=10, holdout=0.25)
    with Tracker(tanh_net(), x, y, estimators=[critic, "binning"], store="none") as tracker:
        tracker.capture(0)
    live = tracker.estimates()
    tracker.save(str(tmp_path / "online.pt"))
    table = estimate(load_run(tmp_path / "online.pt"), progress=False)
    critic_rows = table[table["estimator"] == "infonce"]
    assert len(critic_rows) == 3 and np.allclose(critic_rows["ceiling_bits"], math.log2(256))  # 0.25 × 1024 held out
    assert table[table["estimator"] == "binning"]["ceiling_bits"].isna().all()
    assert np.allclose(table["ceiling_bits"].fillna(-1), live["ceiling_bits"].fillna(-1))
