"""Issue 9.5, 9.8 and the one error boundary: usage errors exit 2 before any work, failures exit 1 in one
line, tracebacks only with --verbose, numbers that make no sense are refused."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from infoplane.cli import build_parser, main
from infoplane.estimators import base
from infoplane.estimators.base import Estimator


class Strict(Estimator):
    """An estimator that validates its parameter when built, as every estimator does."""

    def __init__(self, level: float = 1.0) -> None:
        if not isinstance(level, (int, float)) or level <= 0:
            raise ValueError(f"level must be a number above 0, got {level!r}")
        self.level = level

    def mutual_information(self, a: object, b: object) -> float:
        return 0.0

    def information_plane(self, x: object, t: object, y: object) -> tuple[float, float]:  # type: ignore[override]
        return 0.0, 0.0


@pytest.fixture(autouse=True)
def strict_estimator() -> Iterator[None]:
    """``cli-test-strict`` in the registry for this module's tests only."""
    base.register("cli-test-strict", replace=True)(Strict)
    yield
    getattr(base, "_REGISTRY", {}).pop("cli-test-strict", None)


def error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--estimator", "nope"], "unknown estimator 'nope'"),
        (["--param", "binning.bins=3"], "has no parameters ['bins']"),
        (["--param", "noise_variance=0.1"], "write NAME.KEY=VALUE"),
        (["--param", "kde.noise_variance=0.1"], "not in --estimator"),
        (
            ["--estimator", "cli-test-strict", "--param", "cli-test-strict.level=abc"],
            "level must be a number",
        ),
    ],
    ids=["unknown-estimator", "unknown-parameter", "param-syntax", "param-of-unchosen", "rejected-value"],
)
@pytest.mark.parametrize("command", ["report", "export"])
def test_estimator_usage_errors_exit_2_before_the_runs_are_read(
    command: str, extra: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.pt"  # reading it would fail with exit 1: usage is checked first
    assert main([command, str(missing), "-o", str(tmp_path / "out.csv"), *extra]) == 2
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"infoplane {command}: error: ") and expected in line
    assert list(tmp_path.iterdir()) == []


def test_bench_estimator_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    assert main(["bench", "--estimators", "binnig", "-q", "-o", str(out)]) == 2
    assert "unknown estimator 'binnig'" in error_line(capsys.readouterr().err)
    assert (
        main(
            [
                "bench",
                "--estimators",
                "cli-test-strict",
                "--param",
                "cli-test-strict.level=-1",
                "-o",
                str(out),
            ]
        )
        == 2
    )
    assert "level must be a number" in error_line(capsys.readouterr().err)
    assert not out.exists()


def test_kde_noise_variance_that_is_not_a_number_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    args = ["report", str(tmp_path / "missing.pt"), "--estimator", "kde", "--param", "kde.noise_variance=abc"]
    assert main(args) == 2
    assert "noise_variance" in error_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv",
    [
        ["bench", "--n", "0"],
        ["bench", "--seeds", "0"],
        ["bench", "--workers", "-1"],
        ["train", "--epochs", "0"],
        ["train", "--epochs", "-5"],
        ["train", "--lr", "0"],
        ["train", "--lr", "nan"],
        ["train", "--batch-size", "0"],
        ["demo", "--epochs", "0"],
        ["study", "--seeds", "0"],
        ["study", "--n-bins", "30", "0"],
        ["study", "--noise-variance", "-0.1"],
        ["study", "--adaptive-n-bins", "-1"],
        ["report", "r.pt", "--n-bins", "0"],
        ["report", "r.pt", "--bins", "-3"],
    ],
)
def test_nonsensical_numbers_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert re.search(r"error: argument --[a-z-]+: '.*': must be", capsys.readouterr().err)


def test_tracebacks_only_with_verbose_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_text("not a run\n")
    report = ["report", str(bad), "-q", "-o", str(tmp_path / "r.html")]
    assert main(report) == 1
    assert str(bad) in error_line(capsys.readouterr().err)
    for argv in (["-v", *report], [*report, "--verbose"], ["--verbose", *report, "-v"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and err.strip().splitlines()[-1].startswith(
            "infoplane report: error:"
        )
    assert not (tmp_path / "r.html").exists()


def test_messages_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infoplane import pipeline

    def fails(*args: object, **kwargs: object) -> None:
        raise ValueError("first line\n  second line\n")

    monkeypatch.setattr(pipeline, "load_runs", fails)
    assert main(["report", "r.pt", "-o", str(tmp_path / "r.html")]) == 1
    assert error_line(capsys.readouterr().err) == "infoplane report: error: first line second line"

    def key(*args: object, **kwargs: object) -> None:
        raise KeyError("model")

    monkeypatch.setattr(pipeline, "load_runs", key)
    assert main(["report", "r.pt", "-o", str(tmp_path / "r.html")]) == 1
    assert error_line(capsys.readouterr().err) == "infoplane report: error: missing key 'model'"


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_help_says_each_default_once_and_hides_old_spellings() -> None:
    for name, sub in subparsers(build_parser()).items():
        text = sub.format_help()
        assert "(default: None)" not in text, name
        for option in re.split(r"\n  (?=-)", text):
            assert option.count("default") <= 1, (name, option)
        assert "--bins" not in text and "--kde" not in text and "--adaptive-bins" not in text, name
    assert "--noise-variance" in subparsers(build_parser())["study"].format_help()


def test_old_spellings_still_work() -> None:
    parser = build_parser()
    old = parser.parse_args(["study", "--bins", "30", "10", "--adaptive-bins", "0", "--kde", "0.01", "0.1"])
    new = parser.parse_args(
        ["study", "--n-bins", "30", "10", "--adaptive-n-bins", "0", "--noise-variance", "0.01", "0.1"]
    )
    assert (old.n_bins, old.adaptive_n_bins, old.noise_variance) == (
        new.n_bins,
        new.adaptive_n_bins,
        new.noise_variance,
    )
    assert new.n_bins == [30, 10] and new.adaptive_n_bins == 0 and new.noise_variance == [0.01, 0.1]
    assert parser.parse_args(["study", "--kde"]).noise_variance == []  # no KDE, as before
    assert parser.parse_args(["report", "r.pt", "--bins", "7"]).n_bins == 7
    assert parser.parse_args(["report", "r.pt"]).n_bins is None  # binning options only when given (issue 13.3)


def test_study_config_uses_one_name_per_concept() -> None:
    from infoplane.cli.study import study_config

    config = study_config(
        build_parser().parse_args(["study", "--n-bins", "20", "--kde", "0.5", "--adaptive-n-bins", "0"])
    )
    values = vars(config)
    if "n_bins" in values:
        assert (config.n_bins, config.adaptive_n_bins, config.noise_variance) == ((20,), 0, (0.5,))
    else:  # StudyConfig before issue 10 renamed its fields
        assert (config.bins, config.adaptive_bins, config.kde_variances) == ((20,), 0, (0.5,))


def test_a_binning_option_without_binning_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13.8: --n-bins with --estimator kde does not apply; it is named, not silently ignored."""
    run = tmp_path / "w.pt"
    assert main(["train", "--epochs", "2", "-q", "-o", str(run)]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--estimator", "kde", "--n-bins", "50", "-q", "-o", str(tmp_path / "w.html")]) == 0
    assert "--n-bins set binning's parameters, but binning is not in --estimator kde; ignored" in capsys.readouterr().err
