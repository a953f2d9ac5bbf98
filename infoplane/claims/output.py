"""Writing and reading a claims folder: ``claims.csv``, ``evidence/<claim>-<name>.parquet``,
``evidence/notes.parquet`` (each claim's notes, title, source and seconds) and ``claims.html``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from infoplane.claims.base import CLAIMS, ClaimResult


def write_claims(
    folder: str | os.PathLike[str], table: pd.DataFrame, results: dict[str, ClaimResult], summary: str, *,
    force: bool = False,
) -> list[Path]:  # fmt: skip
    """Write the claims table, the evidence tables and the page into ``folder`` (every file atomically);
    returns the paths written."""
    from infoplane.outputs import check_output
    from infoplane.pipeline import write_table
    from infoplane.reports.claims_page import write_claims_page

    folder = Path(folder)
    evidence = folder / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    written = [write_table(table, folder / "claims.csv", "csv")]
    notes = []
    for claim, result in results.items():
        for name, frame in result.evidence.items():
            path = check_output(evidence / f"{claim}-{name}.parquet", kind="parquet", force=force, what="-o")
            written.append(write_table(frame, path, "parquet"))
        meta = CLAIMS.get(claim)
        notes.append({"claim": claim, "kind": "title", "text": meta.title if meta else claim})
        notes.append({"claim": claim, "kind": "source", "text": meta.source if meta else ""})
        notes.append({"claim": claim, "kind": "seconds", "text": f"{result.seconds:.1f}"})
        notes += [{"claim": claim, "kind": "note", "text": n} for n in result.notes]
    notes.append({"claim": "", "kind": "summary", "text": summary})
    path = check_output(evidence / "notes.parquet", kind="parquet", force=force, what="-o")
    written.append(write_table(pd.DataFrame(notes), path, "parquet"))
    written.append(write_claims_page(folder / "claims.html", table, results, summary))
    return written


def read_claims(folder: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, ClaimResult], str]:
    """The (table, results by claim, summary) a claims folder holds, as :func:`write_claims` wrote them."""
    folder = Path(folder)
    table = pd.read_csv(folder / "claims.csv")
    notes = pd.read_parquet(folder / "evidence" / "notes.parquet")
    results: dict[str, ClaimResult] = {}
    for claim in dict.fromkeys(table["claim"]):
        own = notes[notes["claim"] == claim]
        evidence = {
            p.stem[len(claim) + 1 :]: pd.read_parquet(p)
            for p in sorted((folder / "evidence").glob(f"{claim}-*.parquet"))
        }
        seconds = own[own["kind"] == "seconds"]["text"]
        results[claim] = ClaimResult(
            rows=table[table["claim"] == claim].reset_index(drop=True),
            evidence=evidence,
            notes=list(own[own["kind"] == "note"]["text"]),
            seconds=float(seconds.iloc[0]) if len(seconds) else 0.0,
        )
    summary = notes[notes["kind"] == "summary"]["text"]
    return table, results, str(summary.iloc[0]) if len(summary) else ""


__all__ = ["read_claims", "write_claims"]
