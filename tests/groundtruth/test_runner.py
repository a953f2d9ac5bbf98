"""``infoplane bench``: the runner and its outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.groundtruth import runner as bench
from infoplane.cli import main
from infoplane.estimators import Estimator, base, register


def test_results_table_scores_applicable_pairs_and_records_skips() -> None:
    results = bench.run(["binning", "ksg", "echo"], ["gauss-1v1-rho0.9", "discrete-12bit-relu2*"], n=800, seeds=2, workers=1, progress=False)
    assert list(results.columns) == bench.RESULT_COLUMNS
    assert len(results) == 3 * 2 * 2
    ok = results[results["status"] == "ok"]
    assert set(ok["estimator"]) == {"binning", "ksg"}
    ksg = ok[(ok["estimator"] == "ksg") & (ok["task"] == "gauss-1v1-rho0.9")]
    assert ksg["estimate"].to_numpy() == pytest.approx(ksg["truth"].to_numpy(), abs=0.15)
    binned = ok[(ok["estimator"] == "binning") & (ok["family"] == "discrete")]
    assert binned["estimate"].to_numpy() == pytest.approx(binned["truth"].to_numpy(), abs=0.3)  # plug-in, n = 800
    skipped = results[results["estimator"] == "echo"]
    assert (skipped["status"] == "skipped").all() and skipped["error"].str.contains("not pairs").all()
    assert (ok["seconds"] >= 0).all()


def test_processes_give_the_same_numbers_as_one_process() -> None:
    kwargs = dict(tasks=["gauss-2v2-*", "student-1v1-nu1"], n=500, seeds=2, progress=False)
    one = bench.run(["binning", "ksg"], workers=1, **kwargs)
    two = bench.run(["binning", "ksg"], workers=2, **kwargs)
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))


def test_a_failing_pair_is_a_row_not_an_abort(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    @register("explodes")
    class Explodes(Estimator):
        quantity = "nothing"

        def mutual_information(self, a: object, b: object) -> float:
            raise RuntimeError("out of memory")

        def information_plane(self, x: object, t: object, y: object) -> tuple[float, float]:
            raise RuntimeError("out of memory")

    results = bench.run(["explodes", "binning"], ["gauss-1v1-rho0.3"], n=100, seeds=1, workers=1, progress=False)
    failed = results[results["estimator"] == "explodes"].iloc[0]
    assert failed["status"] == "error" and failed["error"] == "RuntimeError: out of memory"
    assert np.isnan(failed["estimate"])
    assert results[results["estimator"] == "binning"]["status"].tolist() == ["ok"]


def test_unknown_tasks_and_estimators_fail_before_any_work() -> None:
    with pytest.raises(ValueError, match="no task matches"):
        bench.run(["binning"], ["nope*"], progress=False)
    with pytest.raises(ValueError, match="unknown estimator"):
        bench.run(["binnig"], progress=False)


def test_cli_writes_csv_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    code = main(["bench", "--estimators", "binning", "ksg", "--tasks", "gauss-1v1-rho0.6", "echo-tanh*",
                 "--n", "600", "--seeds", "2", "--workers", "1", "-q", "-o", str(out)])  # fmt: skip
    assert code == 0
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 2 * 2 * 2 and set(results["status"]) == {"ok"}
    page = (out / "bench.html").read_text()
    assert 'id="truth-scatter"' in page and 'id="relative-error"' in page
    printed = capsys.readouterr().out
    assert "median absolute error" in printed and "ksg" in printed
    assert main(["bench", "--list", "--tasks", "student*"]) == 0
    assert capsys.readouterr().out.count("student-t ") == 4
