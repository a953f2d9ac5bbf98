"""The ``infoplane`` command: argument parsing only; each command is a few calls into the pipeline
(:mod:`infoplane.pipeline`), the experiments and the ground truth.

One module per command (``train``, ``report``, ``demo``, ``bench``, ``study``, ``export``), each with a
``register(subparsers)`` that adds its parser. :func:`main` is the one error boundary:

* exit 2: bad usage: argparse's own errors, and :class:`~infoplane.errors.UsageError` (an unknown
  estimator or parameter, a value the estimator rejects, an output that is one of the inputs or a file
  of another kind) — found before any work;
* exit 1: a failure: ``OSError``, ``ValueError``, ``TypeError``, ``KeyError``, ``MemoryError`` and
  :class:`~infoplane.run.RunFileError` — one line naming the file or argument;
* exit 130: interrupted (Ctrl-C), at any point; files are written atomically, so nothing partial is left.

Tracebacks only with ``-v/--verbose`` (before or after the command).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from infoplane._version import __version__
from infoplane.cli import bench, claims, demo, export, report, study, train
from infoplane.cli._common import parse_params
from infoplane.errors import UsageError, one_line

COMMANDS = (train, report, demo, bench, study, export, claims)

#: What the boundary turns into one line and exit code 1 (UsageError, a ValueError, is caught first: exit 2).
FAILURES: tuple[type[BaseException], ...] = (OSError, ValueError, TypeError, KeyError, MemoryError)


def build_parser() -> argparse.ArgumentParser:
    """The ``infoplane`` argument parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="infoplane",
        description="Information-plane analysis of PyTorch networks: I(X;T) against I(T;Y), in bits.",
        epilog="Run 'infoplane COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"infoplane {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="on failure, print the full traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; an option the chosen command does not know is reported with that command's usage
    (argparse alone prints the top-level usage, which does not list the command's options)."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return f"missing key {exc.args[0]!r}"
    if isinstance(exc, MemoryError) and not str(exc):
        return "out of memory"
    text = one_line(exc)
    if not text:
        return type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``infoplane`` console script; returns the exit code."""
    parser = build_parser()
    args = _parse(parser, argv)
    name = f"infoplane {args.command}"
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if args.verbose:
            traceback.print_exc()
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except UsageError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"{name}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except FAILURES as exc:  # RunFileError is a ValueError
        if args.verbose:
            traceback.print_exc()
        print(f"{name}: error: {_message(exc)}", file=sys.stderr)
        return 1


__all__ = ["build_parser", "main", "parse_params"]
