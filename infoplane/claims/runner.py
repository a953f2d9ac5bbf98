"""Running claims: :func:`run_claims` trains what the asked claims need, once, then runs each claim."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from infoplane.claims import runs
from infoplane.claims.base import CLAIMS, ROW_COLUMNS, ClaimResult, ClaimsConfig, empty_rows
from infoplane.errors import UsageError


def default_ids() -> list[str]:
    """The claims run when none are named, in registration order."""
    _load_builtin()
    return [c.id for c in CLAIMS.values() if c.default]


def _load_builtin() -> None:
    """Import the modules that register the built-in claims (each registers itself on import)."""
    import importlib

    for module in (
        "infoplane.claims.compression_claims",
        "infoplane.claims.irrelevant",
        "infoplane.claims.mnist",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a claim module another part adds later
            if exc.name != module:
                raise


def run_claims(
    ids: Sequence[str] | None, config: ClaimsConfig, progress: bool | None = None
) -> tuple[pd.DataFrame, dict[str, ClaimResult]]:
    """Run the claims ``ids`` (the default set when None or empty) and return (claims table, results by id).

    The trainings every asked claim needs are trained first, in one pool of ``config.workers`` processes.

    Raises:
        UsageError: an unknown claim id.
    """
    _load_builtin()
    ids = list(ids) if ids else default_ids()
    unknown = [i for i in ids if i not in CLAIMS]
    if unknown:
        raise UsageError(
            f"--claims: unknown claim {', '.join(map(repr, unknown))}; choose from {', '.join(CLAIMS)}"
        )
    effective = config.effective()
    needed: list[Any] = []
    for i in ids:
        if CLAIMS[i].needs is not None:
            needed.extend(CLAIMS[i].needs(effective))  # type: ignore[misc]
    if needed:
        runs.train_conditions(effective, needed, progress=progress)
    results: dict[str, ClaimResult] = {}
    for i in ids:
        started = time.perf_counter()
        result = CLAIMS[i].fn(config, progress)
        result.seconds = result.seconds or time.perf_counter() - started
        missing = [c for c in ROW_COLUMNS if c not in result.rows.columns]
        if missing:
            raise ValueError(f"claim {i!r}: its rows lack the columns {missing}")
        results[i] = result
    frames = [r.rows[ROW_COLUMNS] for r in results.values() if len(r.rows)]
    table = pd.concat(frames, ignore_index=True) if frames else empty_rows()
    return table, results


__all__ = ["default_ids", "run_claims"]
