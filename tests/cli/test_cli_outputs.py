"""Issue 9.1 and 9.5: no command destroys an input or fails only after the work; one line, the right code."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from infoplane.cli import main
from infoplane.experiments import Experiment, TrainConfig, run_experiment


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("runs") / "a.pt"
    run_experiment(Experiment(config=TrainConfig(epochs=2, seed=1)), progress=False).save(path)
    return path


@pytest.fixture
def run_file(finished_run: Path, tmp_path: Path) -> Path:
    """A fresh copy of a finished 2-epoch run in this test's folder."""
    return Path(shutil.copy(finished_run, tmp_path / "a.pt"))


def one_error_line(err: str, command: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"infoplane {command}: error: ")
    return lines[0]


def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make estimation and training fail loudly: the command must refuse before either."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("work started before the outputs were checked")

    from infoplane import pipeline
    from infoplane.experiments import training
    from infoplane.groundtruth import runner

    monkeypatch.setattr(pipeline, "estimate_runs", forbidden)
    monkeypatch.setattr(pipeline, "load_runs", forbidden)
    monkeypatch.setattr(training, "run_experiment", forbidden)
    monkeypatch.setattr(runner, "run", forbidden)


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{a}", "-o", "{a}"],
        ["report", "{a}", "-o", "{dir}/r.html", "--csv", "{a}"],
        ["export", "{a}", "-o", "{a}"],
        ["report", "{a}", "-o", "{dir}/sub/../a.pt"],
        ["report", "{link}", "-o", "{a}"],
        ["export", "{link}", "-o", "{a}", "--force"],  # even --force never writes over an input
    ],
    ids=["report-o", "report-csv", "export-o", "dotdot", "symlink", "force"],
)
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
    argv: list[str],
    run_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.pt").symlink_to(run_file)
    before = run_file.read_bytes()
    no_work(monkeypatch)
    args = [a.format(a=run_file, dir=tmp_path, link=tmp_path / "link.pt") for a in argv]
    assert main([*args, "-q"] if args[0] == "report" else args) == 2
    line = one_error_line(capsys.readouterr().err, args[0])
    assert "would destroy the input" in line
    assert run_file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt", "link.pt", "sub"]  # nothing else written


def test_a_case_variant_of_an_input_is_refused_on_a_case_insensitive_file_system(
    run_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os.path, "normcase", lambda p: os.fspath(p).lower())  # as on macOS and Windows
    before = run_file.read_bytes()
    assert main(["report", str(run_file), "-q", "-o", str(run_file.with_name("A.PT"))]) == 2
    assert "would destroy the input" in capsys.readouterr().err
    assert run_file.read_bytes() == before


@pytest.mark.parametrize("suffix, fmt", [(".csv", "csv"), (".parquet", "parquet")])
def test_export_default_name_equal_to_the_input_is_refused(
    suffix: str, fmt: str, run_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = run_file.rename(run_file.with_suffix(suffix))  # a run file named run.csv / run.parquet
    before = source.read_bytes()
    assert main(["export", str(source), "--format", fmt]) == 2
    assert "is the input" in one_error_line(capsys.readouterr().err, "export")
    assert source.read_bytes() == before


def test_a_file_of_another_kind_is_replaced_only_with_force(
    run_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = Path(shutil.copy(run_file, tmp_path / "b.pt"))
    before = other.read_bytes()
    assert main(["report", str(run_file), "-q", "-o", str(other)]) == 2
    assert "pass --force" in one_error_line(capsys.readouterr().err, "report")
    assert other.read_bytes() == before
    assert main(["report", str(run_file), "-q", "-o", str(other), "--force"]) == 0
    assert other.read_text().lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize(
    "target, code, expected",
    [
        ("{dir}", 1, "is an existing folder"),
        ("{a}/r.html", 1, "is a file, not a folder"),
        ("", 2, "an empty path"),
    ],
    ids=["folder", "under-a-file", "empty"],
)
def test_unwritable_output_paths_are_one_line(
    target: str, code: int, expected: str, run_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = target.format(dir=tmp_path, a=run_file)
    for command in (["report", str(run_file), "-q", "-o", output], ["export", str(run_file), "-o", output]):
        assert main(command) == code
        assert expected in one_error_line(capsys.readouterr().err, command[0])
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no stray temporary file


@pytest.fixture
def read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder in which creating a file fails with EACCES (chmod does not stop root, so simulate it)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*args: object, dir: object = None, **kwargs: object) -> tuple[int, str]:
        if dir is not None and Path(str(dir)).resolve() == folder.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
        return real(*args, dir=dir, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return folder


def test_a_read_only_output_folder_fails_before_any_work(
    read_only: Path, run_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_work(monkeypatch)
    commands = [
        ["report", str(run_file), "-q", "-o", str(read_only / "r.html")],
        [
            "report",
            str(run_file),
            "-q",
            "-o",
            str(run_file.with_name("r.html")),
            "--csv",
            str(read_only / "x.csv"),
        ],
        ["export", str(run_file), "-o", str(read_only / "x.csv")],
        ["bench", "--estimators", "binning", "--tasks", "gauss-1v1-rho0.6", "-q", "-o", str(read_only)],
        ["train", "--epochs", "2", "-q", "-o", str(read_only / "t.pt")],
        ["demo", "--epochs", "2", "-q", "-o", str(read_only)],
        ["study", "--epochs", "2", "--seeds", "1", "-q", "-o", str(read_only)],
    ]
    for command in commands:
        assert main(command) == 1, command
        line = one_error_line(capsys.readouterr().err, command[0])
        assert "is not writable" in line and str(read_only) in line
    assert list(read_only.iterdir()) == []


def test_csv_in_a_missing_folder_is_created(run_file: Path, tmp_path: Path) -> None:
    csv = tmp_path / "missing" / "deeper" / "x.csv"
    assert main(["report", str(run_file), "-q", "-o", str(tmp_path / "r.html"), "--csv", str(csv)]) == 0
    table = pd.read_csv(csv)
    assert len(table) == 2 * 6 and set(table["estimator"]) == {"binning"}


def test_bench_and_study_refuse_to_replace_a_run_file_in_their_folder(
    run_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_work(monkeypatch)
    for command, name in (("bench", "results.csv"), ("study", "study.html")):
        folder = tmp_path / command
        folder.mkdir()
        shutil.copy(run_file, folder / name)
        args = [command, "-q", "-o", str(folder)] + (
            ["--estimators", "binning"] if command == "bench" else []
        )
        assert main(args) == 2
        assert "pass --force" in one_error_line(capsys.readouterr().err, command)
        assert (folder / name).read_bytes() == run_file.read_bytes()


def test_interrupted_report_leaves_no_file(
    run_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infoplane import pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "estimate_runs", interrupted)
    assert main(["report", str(run_file), "-q", "-o", str(tmp_path / "r.html")]) == 130
    assert capsys.readouterr().err.strip() == "infoplane report: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
