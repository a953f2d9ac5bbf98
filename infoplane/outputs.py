"""Every file infoplane writes goes through here: checked first, then written atomically.

Two guards make data loss impossible rather than unlikely:

* :func:`check_output` refuses, before any work is done, an output that resolves (through symlinks,
  ``..`` and, on case-insensitive file systems, case) to one of the command's inputs, an output that is
  an existing folder or lies in a missing or read-only one, and an existing file of another kind than the
  one being written (an HTML report never replaces a run file) unless ``force`` is given.
* :func:`atomic_write` writes to a uniquely named temporary file beside the target, flushes it to disk
  and renames it over the target, so a crash, a full disk or Ctrl-C leaves either the old file or the
  new one, never a partial one, and two processes writing one path never collide on a temporary name.

Missing folders on the way to an output are created when it is written.
This module imports only :mod:`infoplane.errors`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Literal

from infoplane.errors import UsageError

FileKind = Literal["run", "checkpoint", "html", "csv", "parquet", "png", "json", "text"]

#: Leading bytes that identify a kind of file; ``None`` for kinds recognised another way.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),  # torch.save archives: run files and checkpoints
    "pickle": (b"\x80",),  # legacy torch.save / raw pickles
    "parquet": (b"PAR1",),
    "png": (b"\x89PNG",),
}
#: Which sniffed kinds a writer of a kind may replace without ``force``.
_REPLACEABLE: dict[str, set[str]] = {
    "run": {"zip", "pickle", "empty"},
    "checkpoint": {"zip", "pickle", "empty"},
    "html": {"html", "empty"},
    "csv": {"text", "empty"},
    "json": {"text", "empty"},
    "text": {"text", "empty"},
    "parquet": {"parquet", "empty"},
    "png": {"png", "empty"},
}


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import, so writing never touches the process umask (changing it per write is not thread-safe).
_UMASK = _read_umask()


class OutputPathError(OSError):
    """An output path that cannot be written (a folder, under a file, read-only); the command line
    reports it in one line with exit code 1."""


class OutputConflictError(UsageError):
    """An output path that must not be written: it is one of the inputs, or an existing file of another
    kind. The command line reports it as a usage error (exit 2): the fix is a different argument."""


def sniff_kind(path: str | os.PathLike[str]) -> str:
    """What an existing file looks like: ``zip``, ``pickle``, ``parquet``, ``png``, ``html``, ``text``,
    ``empty`` or ``binary`` (from its first bytes)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        return "empty"
    for kind, magics in _MAGIC.items():
        if head.startswith(magics):
            return kind
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut multi-byte character at the end of the sample is still text.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "binary"
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "html"
    return "text" if "\x00" not in text else "binary"


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: resolved through symlinks and ``..``, and by device and inode
    where both exist (which also catches case-insensitive file systems and hard links)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return os.path.normcase(pa.resolve()) == os.path.normcase(pb.resolve())


def check_output(
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    *,
    kind: FileKind,
    force: bool = False,
    what: str = "output",
) -> Path:
    """Refuse an output path that would destroy data or fail only after the work is done.

    Call it before any long work (training, estimation), for every file a command will write.

    Args:
        output: the file to be written.
        inputs: the files the command reads; the output may not be any of them, even with ``force``.
        kind: what will be written there; an existing file that does not look like that kind is refused
            unless ``force``.
        force: allow replacing an existing file of another kind.
        what: how the message names the argument (``-o``, ``--csv``, …).

    Returns:
        ``output`` as a :class:`~pathlib.Path`.

    Raises:
        OutputConflictError: the path is empty, one of the inputs, or an existing file of another kind
            (without ``force``).
        OutputPathError: the path is an existing folder, lies under a file, or in a read-only folder.
    """
    if str(output).strip() == "":
        raise OutputConflictError(f"{what}: an empty path; name the file to write")
    path = Path(output)
    for source in inputs:
        if same_file(path, source):
            raise OutputConflictError(
                f"{what} {path} is the input {source}: writing it would destroy the input; choose another name"
            )
    if path.is_dir():
        raise OutputPathError(f"{what} {path} is an existing folder; give a file name inside it, e.g. {path / ('x.' + kind)}")
    parent = path.parent if str(path.parent) else Path(".")
    ancestor = parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputPathError(f"{what} {path}: {ancestor} is a file, not a folder")
    _probe_writable(ancestor, f"{what} {path}")
    if path.exists() and not force:
        found = sniff_kind(path)
        if found not in _REPLACEABLE[kind]:
            described = {"zip": "a torch archive (a run file or checkpoint)", "pickle": "a pickle"}.get(found, f"a {found} file")
            raise OutputConflictError(
                f"{what} {path} exists and is {described}, not a {kind} file: refusing to replace it "
                f"(pass --force to replace it anyway, or choose another name)"
            )
    return path


def _probe_writable(folder: Path, what: str) -> None:
    """Create and remove a file in ``folder``: the only test that is right for root, read-only mounts
    and ACLs alike (``os.access`` says yes to root on a read-only folder that root can in fact write)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".infoplane-probe.", dir=folder)
    except OSError as exc:
        raise OutputPathError(f"{what}: the folder {folder} is not writable ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file atomically: ``write(handle)`` fills a uniquely named temporary file beside ``path``,
    which is flushed to disk and then renamed over ``path``.

    A failure or interruption (``KeyboardInterrupt`` included) at any point removes the temporary file
    and leaves whatever was at ``path`` untouched. The file gets the usual permissions (0666 less the
    umask), not ``mkstemp``'s 0600.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """:func:`atomic_write` of ``data``."""
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """:func:`atomic_write` of ``text`` as UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"))
