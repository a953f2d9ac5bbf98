"""STAND-IN (claims2 branch) for the framework built on the `claims` branch; drop this file at merge.

Only the interface the claim modules of this branch use: ClaimsConfig, ClaimResult, register_claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ROW_COLUMNS = ["claim", "source", "setting", "statistic", "value", "low", "high", "verdict", "holds_under"]
VERDICTS = ("supported", "not supported", "inconclusive")


@dataclass(frozen=True)
class ClaimsConfig:
    """Settings shared by every claim."""

    seeds: tuple[int, ...] = tuple(range(10))
    epochs: int = 8000
    log_points: int = 100
    workers: int = 1
    n_bins: tuple[int, ...] = (30,)
    noise_variance: tuple[float, ...] = (1e-3,)
    quick: bool = False
    data_dir: str | None = None


@dataclass
class ClaimResult:
    """One claim's rows, evidence tables, notes and wall time (s)."""

    rows: pd.DataFrame
    evidence: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


CLAIMS: dict[str, dict[str, Any]] = {}


def register_claim(
    id: str, title: str, source: str
) -> Callable[[Callable[..., ClaimResult]], Callable[..., ClaimResult]]:
    """Register ``fn(config, progress) -> ClaimResult`` under ``id``."""

    def decorate(fn: Callable[..., ClaimResult]) -> Callable[..., ClaimResult]:
        CLAIMS[id] = {"fn": fn, "title": title, "source": source}
        return fn

    return decorate
