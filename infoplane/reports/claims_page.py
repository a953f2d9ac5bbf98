"""The ``infoplane claims`` page: the claims table, then per claim its rows, notes and evidence figure.

Figures come from :mod:`infoplane.reports.figures` (the claims block); a claim without an entry in
:data:`FIGURES` shows its evidence tables' first rows instead.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from infoplane.reports import figures
from infoplane.reports.html import figure_html, table_html, write_page


def _headline(evidence: Mapping[str, pd.DataFrame], table: str) -> str:
    frame = evidence.get(table)
    if frame is None or "setting" not in frame.columns or not len(frame):
        return ""
    settings = [s for s in dict.fromkeys(frame["setting"]) if str(s).startswith("binning")]
    return str(settings[0]) if settings else str(frame["setting"].iloc[0])


def _two_phases(e: Mapping[str, pd.DataFrame]) -> list[Any]:
    return [figures.claims_trajectories_figure(e["trajectories"])]


def _sgd(e: Mapping[str, pd.DataFrame]) -> list[Any]:
    return [figures.claims_side_by_side_figure(e["side_by_side"], _headline(e, "side_by_side")),
            figures.claims_snr_figure(e["snr"], e.get("timing", pd.DataFrame()))]  # fmt: skip


def _generalisation(e: Mapping[str, pd.DataFrame]) -> list[Any]:
    return [figures.claims_generalisation_figure(e["runs"])]


def _bound(e: Mapping[str, pd.DataFrame]) -> list[Any]:
    return [
        figures.claims_bound_figure(e["points"], float(e["bound"]["H_Y"].iloc[0]), _headline(e, "points"))
    ]


#: Per claim id, the function from its evidence tables to its figures (another claim module may add one).
FIGURES: dict[str, Callable[[Mapping[str, pd.DataFrame]], list[Any]]] = {
    "two-phases": _two_phases,
    "sgd-diffusion": _sgd,
    "generalisation": _generalisation,
    "ib-bound": _bound,
}


def write_claims_page(
    path: str | os.PathLike[str], table: pd.DataFrame, results: Mapping[str, Any], summary: str
) -> Path:
    """Write the self-contained claims page atomically and return its path.

    Args:
        path: the page.
        table: the claims table (``infoplane.claims.ROW_COLUMNS``).
        results: per claim id, its ``ClaimResult`` (rows, evidence, notes, seconds).
        summary: one line on what was trained.
    """
    from infoplane.claims.base import CLAIMS

    counts = table.groupby(["claim", "verdict"], sort=False).size().rename("rows").reset_index()
    parts = [
        "<h1>infoplane claims</h1>",
        f"<p class='note'>{html.escape(summary)}</p>",
        "<h2>Verdicts at a glance</h2>",
        table_html(counts, "{:.0f}"),
    ]
    for claim, result in results.items():
        meta = CLAIMS.get(claim)
        title = meta.title if meta else claim
        source = meta.source if meta else ""
        parts.append(f"<h2 id='{html.escape(claim)}'>{html.escape(claim)}: {html.escape(title)}</h2>")
        parts.append(f"<p class='note'>{html.escape(source)}; {result.seconds:.0f} s.</p>")
        parts += [f"<p class='note'>{html.escape(n)}</p>" for n in result.notes]
        maker = FIGURES.get(claim)
        if maker is not None:
            try:
                figs = maker(result.evidence)
            except (KeyError, ValueError, IndexError) as exc:  # a figure must not cost the page
                parts.append(
                    f"<p class='warning'>figure not drawn: {html.escape(type(exc).__name__)} {html.escape(str(exc))}</p>"
                )
                figs = []
            parts += [figure_html(f, f"{claim}-{i}") for i, f in enumerate(figs)]
        else:
            for name, frame in result.evidence.items():
                parts += [f"<h3>{html.escape(name)}</h3>", table_html(frame.head(30))]
        rows = result.rows.drop(columns=["claim", "source"], errors="ignore")
        parts.append(table_html(rows))
    return write_page(path, "infoplane claims", "\n".join(parts))


__all__ = ["FIGURES", "write_claims_page"]
