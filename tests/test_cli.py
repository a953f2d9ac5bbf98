"""The command line, end to end on a few epochs."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoplane import load_run
from infoplane.cli import main


def _decode(value: object) -> object:
    # plotly ≥ 6 writes numeric arrays as {"dtype": "f8", "bdata": base64}.
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):  # a 2-D array's shape is written as "rows, cols"
            shape = tuple(int(n) for n in shape.split(","))
        return array.reshape(shape) if shape is not None else array
    return value


def figure_traces(page: str, div_id: str) -> list[dict]:
    """The data traces plotly will draw in the div ``div_id`` of a report page, arrays decoded: in the
    information plane, the layers' trajectories (not the bounds, the slider's markers, the metrics beneath)."""
    match = re.search(rf'Plotly\.newPlot\(\s*"{div_id}",\s*(\[.*?\])\s*,\s*\{{', page, re.DOTALL)
    assert match, f"no figure {div_id} in the page"
    traces = [{k: _decode(v) for k, v in trace.items()} for trace in json.loads(match.group(1))]
    traces = [t for t in traces if t.get("x") is not None and list(t["x"]) != [None]]  # legend-only entries out
    return [t for t in traces if t.get("mode") == "lines+markers"] if div_id == "information-plane" else traces


def test_train_then_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = []
    for activation in ("tanh", "relu"):
        out = tmp_path / f"{activation}.pt"
        assert main(["train", "--activation", activation, "--epochs", "6", "--seed", "1", "-q", "-o", str(out)]) == 0
        runs.append(out)
    run = load_run(runs[0])
    assert run.epochs == [0, 1, 2, 3, 4, 5]
    assert run.layers == ["1", "3", "5", "7", "9", "output"]
    assert run.metadata["activation"] == "tanh" and run.metadata["training"]["epochs"] == 6
    assert set(run.metrics) == {"loss", "train_accuracy", "test_loss", "test_accuracy"}

    report = tmp_path / "report.html"
    csv = tmp_path / "mi.csv"
    assert main(["report", *map(str, runs), "-o", str(report), "--csv", str(csv), "-q"]) == 0
    page = report.read_text()
    assert "<script type='text/javascript'>" in page and "plotly.js" in page.lower()  # embedded, offline
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no script is fetched from anywhere
    traces = figure_traces(page, "information-plane")
    # one trace per layer per run, each with one point per logged epoch
    assert len(traces) == 2 * 6
    assert sorted({t["name"] for t in traces}) == sorted(run.layers)
    assert all(len(t["x"]) == 6 for t in traces)
    assert max(max(t["x"]) for t in traces) <= 12.0 + 1e-9
    assert max(max(t["y"]) for t in traces) <= 0.9992 + 1e-4
    first_layer = next(t for t in traces if t["name"] == "1")
    assert first_layer["x"][0] == pytest.approx(12.0)  # 4096 distinct inputs, 10 tanh units, 30 bins
    assert "szt12-tanh-seed1" in page and "szt12-relu-seed1" in page
    assert len(figure_traces(page, "mi-vs-epoch")) == 2 * 2 * 6
    assert csv.read_text().count("\n") == 1 + 2 * 6 * 6
    assert "wrote" in capsys.readouterr().out


def test_bad_usage_and_bad_files_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", "--activation", "swish"])
    assert info.value.code == 2
    assert "invalid choice: 'swish'" in capsys.readouterr().err
    bad = tmp_path / "bad.pt"
    bad.write_text("not a run")
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "bad.pt" in err and err.count("\n") == 1


@pytest.mark.parametrize("module", ["infoplane.cli", "infoplane"])
def test_console_script_version(module: str) -> None:
    out = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("infoplane 0.")


@pytest.mark.parametrize("command", ["", "train", "report", "demo", "bench", "study", "export", "claims"])
def test_every_help_page_prints(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``infoplane --help`` once died with a traceback: a bare "%" in a command's help (argparse formats it)."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"] if command else ["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert out.startswith("usage: infoplane" + (f" {command}" if command else ""))
    if not command:
        assert "95 % interval" in " ".join(out.split())  # the claims line, rendered


def test_estimator_parameters_from_the_command_line() -> None:
    from infoplane.cli import parse_params

    assert parse_params(["kde.noise_variance=0.1", "kde.bound=lower", "binning.range=[-1, 1]"]) == {
        "kde": {"noise_variance": 0.1, "bound": "lower"},
        "binning": {"range": (-1, 1)},
    }
    with pytest.raises(ValueError, match="NAME.KEY=VALUE"):
        parse_params(["noise_variance=0.1"])


def test_report_with_two_estimators_and_a_bad_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.pt"
    assert main(["train", "--epochs", "3", "-q", "-o", str(out)]) == 0
    report = tmp_path / "two.html"
    args = ["report", str(out), "-o", str(report), "-q", "--estimator", "binning", "ksg", "--param", "ksg.k=4"]
    assert main(args) == 0
    traces = figure_traces(report.read_text(), "information-plane")
    assert len(traces) == 2 * 6  # one row per estimator, a trace per layer
    assert "ksg k=4" in report.read_text()
    assert main(["report", str(out), "-o", str(report), "--param", "binning.bins=3"]) == 2  # a usage error
    assert "has no parameters ['bins']" in capsys.readouterr().err


def test_export_writes_the_tidy_table(tmp_path: Path) -> None:
    import pandas as pd

    from infoplane import estimate, load_run

    run_path = tmp_path / "run.pt"
    assert main(["train", "--epochs", "3", "-q", "-o", str(run_path)]) == 0
    assert main(["export", str(run_path), "--format", "parquet"]) == 0
    table = pd.read_parquet(tmp_path / "run.parquet")
    expected = estimate(load_run(run_path), ["binning"], progress=False)
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert len(table) == 3 * 6 and list(table.columns)[-4:] == ["I_XT", "I_TY", "ceiling_bits", "setting"]
    csv = tmp_path / "mi.csv"
    assert main(["export", str(run_path), "--estimator", "binning", "kde", "-o", str(csv)]) == 0
    assert set(pd.read_csv(csv)["estimator"]) == {"binning", "kde"}


def test_png_without_a_browser_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import plotly.graph_objects as go

    def no_browser(self: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError("Kaleido requires Google Chrome to be installed.")

    monkeypatch.setattr(go.Figure, "to_image", no_browser)
    run = tmp_path / "run.pt"
    assert main(["train", "--epochs", "2", "-q", "-o", str(run)]) == 0
    assert main(["report", str(run), "-q", "--png", "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "--png needs kaleido and a Chrome or Chromium" in err and "the HTML report was written" in err
    assert (tmp_path / "r.html").is_file()


def test_report_of_runs_with_the_same_file_name(tmp_path: Path) -> None:
    paths = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        paths.append(tmp_path / folder / "run.pt")
        assert main(["train", "--epochs", "2", "--seed", "3", "-q", "-o", str(paths[-1])]) == 0
    report = tmp_path / "r.html"
    assert main(["report", *map(str, paths), "-q", "-o", str(report)]) == 0
    traces = figure_traces(report.read_text(), "information-plane")
    assert len(traces) == 2 * 6  # two runs kept apart, not merged into one


def test_an_unknown_option_prints_the_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13.8: a typo in a command's option shows that command's usage, not the top-level one."""
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "run.pt", "--estimatr", "kde"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("usage: infoplane export") and "unrecognized arguments: --estimatr kde" in err


def test_export_is_quiet_with_q(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_path = tmp_path / "q.pt"
    assert main(["train", "--epochs", "2", "-q", "-o", str(run_path)]) == 0
    capsys.readouterr()
    assert main(["export", str(run_path), "-q", "-o", str(tmp_path / "q.csv")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("wrote ")
