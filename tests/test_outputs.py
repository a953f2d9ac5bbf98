"""Output paths: checked before any work (never an input, never a folder or under a file, never another
kind of file without force), then written atomically (old file intact after a failure or Ctrl-C)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from infoplane import outputs
from infoplane.errors import UsageError
from infoplane.outputs import (
    OutputConflictError,
    OutputPathError,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    check_output,
    same_file,
    sniff_kind,
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_output_that_is_an_input_is_refused_through_links_and_dots(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "a.pt"
    run.parent.mkdir()
    run.write_bytes(b"PK\x03\x04run")
    (tmp_path / "link.pt").symlink_to(run)
    os.link(run, tmp_path / "hard.pt")
    (tmp_path / "other").mkdir()
    aliases = [run, tmp_path / "link.pt", tmp_path / "other" / ".." / "runs" / "a.pt", tmp_path / "hard.pt"]
    for alias in aliases:
        assert same_file(alias, run)
        for force in (False, True):  # not even with force
            with pytest.raises(OutputConflictError, match=r"-o .* is the input .*a\.pt: writing it would destroy") as info:
                check_output(alias, [run], kind="html", force=force, what="-o")
            assert isinstance(info.value, UsageError) and "\n" not in str(info.value)
    assert run.read_bytes() == b"PK\x03\x04run"
    assert not same_file(tmp_path / "runs" / "b.pt", run)
    assert same_file(tmp_path / "new.html", tmp_path / "other" / ".." / "new.html")  # neither exists yet


def test_a_folder_or_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match=r"is an existing folder; give a file name inside it"):
        check_output(tmp_path, kind="html")
    (tmp_path / "a.pt").write_bytes(b"PK\x03\x04")
    for under in (tmp_path / "a.pt" / "r.html", tmp_path / "a.pt" / "deeper" / "r.html"):
        with pytest.raises(OutputPathError, match=r"a\.pt is a file, not a folder"):
            check_output(under, kind="html")
    assert isinstance(OutputPathError("x"), OSError)


def test_missing_folders_are_fine_and_nothing_is_left_behind(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "report.html"
    assert check_output(target, kind="html") == target
    assert list(tmp_path.iterdir()) == []  # the writability probe cleaned up, no folder created yet
    atomic_write_text(target, "<!DOCTYPE html>")
    assert target.read_text() == "<!DOCTYPE html>"


def test_an_empty_path_is_a_usage_error() -> None:
    for empty in ("", "  "):
        with pytest.raises(OutputConflictError, match="--csv: an empty path; name the file to write"):
            check_output(empty, kind="csv", what="--csv")


def test_an_unwritable_folder_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated (we may run as root, whom chmod does not stop): creating the probe file is refused."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputPathError, match=r"-o .*out\.html: the folder .* is not writable \(Permission denied\)"):
        check_output(tmp_path / "out.html", kind="html", what="-o")
    with pytest.raises(PermissionError):
        atomic_write_text(tmp_path / "out.html", "x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputPathError, match="is not writable"):
            check_output(folder / "out.html", kind="html")
    finally:
        folder.chmod(0o755)


def test_an_existing_file_of_another_kind_needs_force(tmp_path: Path) -> None:
    run = tmp_path / "a.pt"
    torch.save({"x": torch.zeros(2)}, run)
    with pytest.raises(OutputConflictError, match=r"exists and is a torch archive .* not a html file: .*--force"):
        check_output(run, kind="html")
    assert check_output(run, kind="html", force=True) == run
    assert check_output(run, kind="run") == run  # a run file may replace a run file
    page = tmp_path / "r.html"
    page.write_text("<!doctype html><html></html>")
    assert check_output(page, kind="html") == page
    with pytest.raises(OutputConflictError, match="is a html file, not a run file"):
        check_output(page, kind="run")
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    assert check_output(table, kind="csv") == table
    with pytest.raises(OutputConflictError, match="is a text file, not a parquet file"):
        check_output(table, kind="parquet")
    empty = tmp_path / "empty"
    empty.touch()
    for kind in ("run", "html", "csv", "parquet", "png", "json"):
        assert check_output(empty, kind=kind) == empty  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest", "zip"),
        (b"PK\x05\x06" + bytes(18), "zip"),
        (b"\x80\x02}q\x00.", "pickle"),
        (b"PAR1\x15\x04", "parquet"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"<!DOCTYPE html><html>", "html"),
        (b"\xef\xbb\xbf  \n<HTML lang='en'>", "html"),
        (b"epoch,layer\n0,1\n", "text"),
        (b"caf\xc3\xa9 " * 102 + b"\xc3", "text"),  # a multi-byte character cut at the 512-byte sample's end
        (b"\x00\x01\x02\xff\xfe", "binary"),
        (b"text\x00with nul", "binary"),
    ],
)
def test_kind_sniffing(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    assert sniff_kind(path) == kind


def test_sniffing_a_real_run_file(tmp_path: Path) -> None:
    path = tmp_path / "run.pt"
    torch.save({"format": "infoplane.run"}, path)
    assert sniff_kind(path) == "zip"


def test_atomic_write_leaves_the_old_file_on_ctrl_c_or_error(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    atomic_write_text(path, "old report")
    before = path.read_bytes()
    for failure in (KeyboardInterrupt, OSError(28, "No space left on device")):

        def dies(handle: object, failure: BaseException | type[BaseException] = failure) -> None:
            handle.write(b"half a new rep")  # type: ignore[attr-defined]
            raise failure

        with pytest.raises(type(failure) if isinstance(failure, BaseException) else failure):
            atomic_write(path, dies)
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_atomic_write_permissions_and_content(tmp_path: Path) -> None:
    path = atomic_write_bytes(tmp_path / "sub" / "x.bin", b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    atomic_write_text(path, "é")
    assert path.read_bytes() == "é".encode()


def test_two_threads_writing_one_path_never_collide(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    errors: list[BaseException] = []
    contents = {f"writer {w}, write {i}: ".encode() + bytes(20_000) for w in range(2) for i in range(30)}

    def writer(w: int) -> None:
        for i in range(30):
            try:
                atomic_write_bytes(path, f"writer {w}, write {i}: ".encode() + bytes(20_000))
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert path.read_bytes() in contents  # one whole write, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_two_processes_writing_one_path_never_collide(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    package = Path(outputs.__file__).parent
    script = (  # the outputs module alone (it imports only infoplane.errors), without torch: a fast start
        "import sys, types\npackage = types.ModuleType('infoplane')\npackage.__path__ = [sys.argv[3]]\n"
        "sys.modules['infoplane'] = package\nfrom infoplane.outputs import atomic_write_text\n"
        "for i in range(30):\n    atomic_write_text(sys.argv[1], f'{sys.argv[2]} {i} ' + 'x' * 20000)\n"
    )
    command = [sys.executable, "-c", script, str(path)]
    procs = [subprocess.Popen([*command, f"p{k}", str(package)]) for k in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    text = path.read_text()
    assert text.split(" ")[0] in ("p0", "p1") and text.endswith("x" * 20000) and len(text) < 20010
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
