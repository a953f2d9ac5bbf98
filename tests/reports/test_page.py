"""The report page from an MI table and run summaries: notes, axis ranges, settings' labels, atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.reports import RunSummary, render_report, write_report
from infoplane.reports.bench_page import write_bench_report
from infoplane.reports.figures import report_figures
from infoplane.reports.study_page import label_settings, write_study_report


def summary(name: str = "r", epochs: tuple[int, ...] = (0, 1, 2, 3), **kw: object) -> RunSummary:
    base: dict[str, object] = dict(
        name=name, n_samples=16, label_entropy_bits=1.0, epochs=epochs, layers=("1", "2"), widths={"1": 3, "2": 2},
        metrics={"loss": tuple(1.0 / (abs(e) + 1) for e in epochs), "test_accuracy": tuple(0.5 for _ in epochs)},
        metadata={"activation": "tanh", "seed": 0},
    )  # fmt: skip
    return RunSummary(**{**base, **kw})  # type: ignore[arg-type]


def table(run: str = "r", epochs: tuple[int, ...] = (0, 1, 2, 3), setting: str | None = None) -> pd.DataFrame:
    rows = [
        {"run": run, "activation": "tanh", "seed": 0, "epoch": e, "layer": layer, "layer_index": k,
         "estimator": "binning", "params": json.dumps({"n_bins": 30, "range": None, "strategy": "uniform"}),
         "fitted": "{}", "I_XT": 1.0 + 0.1 * e + k, "I_TY": 0.2 + 0.1 * e}
        for k, layer in enumerate(["1", "2"])
        for e in epochs
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    return frame if setting is None else frame.assign(setting=setting)


def layout_of(page: str, div_id: str) -> dict:
    """The plotly layout JSON of figure ``div_id`` in a page."""
    start = page.index(f'id="{div_id}"')
    script = page[start:]
    match = re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{\"displaylogo\"", script, re.S)
    assert match, f"no newPlot call for {div_id}"
    return json.loads(match.group(2))


def test_an_infinite_estimate_is_named_not_turned_into_an_axis_of_null() -> None:
    """Issue 9.8: an online estimate of inf gave the information plane the axis range [0, null]."""
    t = table()
    t.loc[(t["layer"] == "2") & (t["epoch"] == 3), "I_XT"] = np.inf
    t.loc[(t["layer"] == "2") & (t["epoch"] == 2), "I_XT"] = 4.5  # above log2 N = 4: the axis reaches it
    page = render_report(t, [summary()], {})
    layout = layout_of(page, "information-plane")
    assert layout["xaxis"]["range"] == [0, pytest.approx(1.02 * 4.5)]  # the largest finite estimate
    assert layout["yaxis"]["range"] == [0, pytest.approx(1.05 * 1.0)]
    assert "1 infinite estimates</b> are not drawn" in page and "layer 2: after 4 epochs trained" in page
    assert "null" not in json.dumps(layout["xaxis"]["range"])


def test_a_negative_epoch_is_refused_and_epoch_0_sits_at_1_on_the_log_axis() -> None:
    t = table()
    figures = report_figures(t, [summary()])
    mi = figures["mi-vs-epoch"]
    assert min(min(trace.x) for trace in mi.data) == 1  # epoch 0 → "1 epoch trained", finite on the log axis
    colours = [c for trace in figures["information-plane"].data if trace.marker.color is not None
               and not isinstance(trace.marker.color, str) for c in trace.marker.color]  # fmt: skip
    assert np.isfinite(colours).all() and min(colours) == 0.0
    with pytest.raises(ValueError, match="run 'r' has epoch -5; epochs count epochs trained from 0"):
        render_report(table(epochs=(-5, 0, 1)), [summary()], {})
    with pytest.raises(ValueError, match="run 'r' has logged epoch -1"):
        render_report(t, [summary(epochs=(-1, 0, 1, 2))], {})


def test_an_incomplete_run_is_named_in_the_report() -> None:
    """Issue 9.2: a partial run (interrupted train) was reported with no warning."""
    partial = summary(epochs=(0, 1, 2, 3), complete=False, expected_last_epoch=5999)
    page = render_report(table(), [partial], {})
    # epochs trained, as everywhere in the report: logged epoch 3 of a schedule ending at 5999 is 4 of 6000
    assert page.count("incomplete run: stopped after 4 of 6000 epochs trained") == 2  # top and its run table
    assert "Incomplete runs" in page
    assert "incomplete run" not in render_report(table(), [summary()], {})


def panel_titles(fig: object) -> list[str]:
    """The titles of the information plane's panels (the metric panels beneath come after them)."""
    n = fig.layout.meta["panels"]  # type: ignore[attr-defined]
    return [a.text for a in fig.layout.annotations[:n]]  # type: ignore[attr-defined]


def test_panel_titles_come_from_the_setting_column_else_the_estimator_name() -> None:
    labelled = report_figures(table(setting="binning 30 (run range)"), [summary()])["information-plane"]
    assert panel_titles(labelled) == ["r"]  # one estimator: the run names the panel
    two = pd.concat([table(setting="binning 30 (run range)"), table(setting="kde σ²=0.001").assign(estimator="kde")])
    titles = panel_titles(report_figures(two, [summary()])["information-plane"])
    assert titles == ["binning 30 (run range)<br>r", "kde σ²=0.001<br>r"]
    two = two.drop(columns="setting")
    titles = panel_titles(report_figures(two, [summary()])["information-plane"])
    assert titles == ["binning<br>r", "kde<br>r"]


def test_a_run_without_a_summary_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"runs \['r'\] that no RunSummary describes"):
        render_report(table(), [summary(name="other")], {})


def test_report_uses_a_unique_temporary_name(tmp_path: Path) -> None:
    """Issue 9.11: the report went through a fixed ``.NAME.tmp``; two writers collided on it."""
    (tmp_path / ".report.html.tmp").mkdir()  # what a concurrent writer's fixed temp name would be
    path = write_report(tmp_path / "report.html", table(), [summary()], {"binning": "binning(n_bins=30)"})
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.html.tmp", "report.html"]


def bench_results(task: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"task": task, "family": "gaussian", "estimator": "kde", "seed": s, "n": 100, "truth": 1.0,
          "estimate": 0.9, "status": "ok", "error": ""} for s in range(2)]
    )  # fmt: skip


def test_bench_and_study_pages_are_written_atomically(tmp_path: Path) -> None:
    """Issue 9.11: the bench and study pages were written in place; a failed write left a truncated page."""
    bench = tmp_path / "bench.html"
    write_bench_report(bench, bench_results("g"), pd.DataFrame({"gaussian": [0.1]}, index=["kde"]))
    good = bench.read_bytes()
    with pytest.raises(UnicodeEncodeError):
        write_bench_report(bench, bench_results("bad \ud800 task"), pd.DataFrame({"gaussian": [0.1]}, index=["kde"]))
    assert bench.read_bytes() == good

    study = tmp_path / "study.html"
    mi = pd.concat([table(run=f"tanh-{s}").assign(seed=s) for s in range(2)], ignore_index=True)
    verdicts = pd.DataFrame(
        [{"activation": "tanh", "layer": "1", "layer_index": 0, "estimator": "binning", "params": mi["params"].iloc[0],
          "n_seeds": 2, "peak_epoch_median": 3.0, "delta_mean": 0.1, "delta_low": 0.0, "delta_high": 0.2,
          "noise_floor": 0.01, "compresses": False, "fits": True}]
    )  # fmt: skip
    write_study_report(study, mi, verdicts, "tiny")
    good = study.read_bytes()
    with pytest.raises(UnicodeEncodeError):
        write_study_report(study, mi, verdicts, "bad \ud800 summary")
    assert study.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.html", "study.html"]  # no temp left behind


def test_study_settings_are_labelled_from_the_tables_setting_column() -> None:
    p30, p10 = json.dumps({"n_bins": 30}), json.dumps({"n_bins": 10})
    verdicts = pd.DataFrame({"estimator": ["binning", "binning", "plugin"], "params": [p30, p10, "{}"]})
    mi = pd.DataFrame({"estimator": ["binning", "binning", "plugin"], "params": [p30, p10, "{}"],
                       "setting": ["binning 30 [-1,1]", "binning 10 [-1,1]", "plugin α=2"]})  # fmt: skip
    assert label_settings(verdicts, mi)["setting"].tolist() == ["binning 30 [-1,1]", "binning 10 [-1,1]", "plugin α=2"]
    # tables from before the column: the estimator's name, with its params where one estimator has several
    assert label_settings(verdicts)["setting"].tolist() == [f"binning {p30}", f"binning {p10}", "plugin"]
