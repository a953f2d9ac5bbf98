"""`infoplane claims --quick` end to end: the table's columns, the verdict vocabulary, the evidence and page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from infoplane.claims import ROW_COLUMNS, VERDICTS
from infoplane.claims.output import read_claims
from infoplane.cli import main


def test_quick_claims_run_writes_the_table_evidence_and_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "claims"
    assert main(["claims", "--quick", "-q", "-o", str(out)]) == 0
    table = pd.read_csv(out / "claims.csv")
    assert list(table.columns) == ROW_COLUMNS
    assert set(table["verdict"]) <= VERDICTS
    assert {"two-phases", "sgd-diffusion", "generalisation", "ib-bound"} <= set(table["claim"])
    # quick: tanh, 2 seeds; six recorded layers → one two-phases row per layer
    assert len(table[table["claim"] == "two-phases"]) == 6
    # the IB distance is never negative for plug-in binning (data processing), and is in bits
    bound = table[table["claim"] == "ib-bound"]
    assert (bound["value"] >= -1e-9).all() and (bound["value"] <= 1.0).all()
    # intervals contain their statistic where given
    given = table.dropna(subset=["low", "high"])
    assert ((given["low"] <= given["value"] + 1e-9) & (given["value"] <= given["high"] + 1e-9)).all()
    assert (out / "evidence" / "two-phases-verdicts.parquet").is_file()
    page = (out / "claims.html").read_text(encoding="utf-8")
    assert "sgd-diffusion" in page and "figure not drawn" not in page
    _, results, summary = read_claims(out)
    assert set(results) == set(table["claim"]) and "2 seeds × 30 epochs" in summary
    assert "snr" in results["sgd-diffusion"].evidence


def test_unknown_claim_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "--claims", "nope", "--quick", "-q", "-o", str(tmp_path / "x")]) == 2
    assert "unknown claim 'nope'" in capsys.readouterr().err
