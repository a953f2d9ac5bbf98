"""Error classes shared across infoplane (this module imports nothing else from infoplane)."""

from __future__ import annotations


class UsageError(ValueError):
    """A call or command-line argument the user must change (an unknown estimator or parameter, an
    output that would overwrite an input, …). The command line reports it in one line with exit code 2."""


def one_line(text: object) -> str:
    """``text`` (a message or an exception) on one line: newlines and runs of white space collapsed."""
    return " ".join(str(text).split())
