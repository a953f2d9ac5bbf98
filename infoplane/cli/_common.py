"""What several commands share: the help formatter, option helpers, number types and ``parse_params``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from infoplane.errors import UsageError


class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Help with each option's default, shown once: not for options without one (None, False) and not
    where the help text already says what the default is."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default" in text.lower()
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or default == []
            or not (action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE))
        ):
            return text
        return text + " (default: %(default)s)"


def _number(kind: type, name: str, ok: Callable[[Any], bool], requirement: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text!r}: must be {requirement}")
        return value

    parse.__name__ = name  # argparse names the type in "invalid NAME value"
    return parse


#: argparse types: an integer ≥ 1, an integer ≥ 0, a finite number > 0.
positive_int = _number(int, "positive_int", lambda v: v >= 1, "at least 1")
non_negative_int = _number(int, "non_negative_int", lambda v: v >= 0, "0 or more")
positive_float = _number(float, "positive_float", lambda v: 0 < v < float("inf"), "a finite number above 0")


def add_verbose(p: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` on a subcommand too (``infoplane report -v …``), without overriding the global one."""
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on failure, print the full traceback",
    )


def add_force(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files even if they are files of another kind (an output is never an input)",
    )


def add_quiet(p: argparse.ArgumentParser, what: str = "no progress bar") -> None:
    p.add_argument("-q", "--quiet", action="store_true", help=what)


def add_param_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a parameter of one estimator, e.g. kde.noise_variance=0.1 or mine.steps=2000 (repeatable)",
    )


def add_hidden_alias(p: argparse.ArgumentParser, old: str, dest: str, **kwargs: Any) -> None:
    """An old spelling of an option, still accepted but not shown in the help."""
    p.add_argument(old, dest=dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs)


def progress_of(args: argparse.Namespace) -> bool | None:
    """``False`` with ``--quiet``; else ``None`` (a progress bar only on a terminal)."""
    return False if getattr(args, "quiet", False) else None


def parse_params(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["kde.noise_variance=0.1", …]`` → ``{"kde": {"noise_variance": 0.1}}``; values are read as JSON
    where they parse (numbers, true/false, null, lists), else kept as strings.

    Raises:
        UsageError: an item is not ``NAME.KEY=VALUE``.
    """
    params: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        name, dot, field = key.partition(".")
        if not sep or not dot or not name or not field:
            raise UsageError(f"--param {item!r}: write NAME.KEY=VALUE, e.g. kde.noise_variance=0.1")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params.setdefault(name, {})[field] = tuple(value) if isinstance(value, list) else value
    return params
