"""The README's claims block is generated from a claims table (benchmarks/readme_tables.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "benchmarks" / "readme_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_claims_block_groups_layers_by_verdict_and_names_disagreeing_settings() -> None:
    table = pd.DataFrame(
        {
            "claim": ["two-phases"] * 3 + ["sgd-diffusion"],
            "source": ["SZT"] * 4,
            "setting": ["tanh, layer 1", "tanh, layer 9", "tanh, layer output", "relu, layer 9, full-batch"],
            "statistic": ["Δ"] * 4,
            "value": [0.0, 4.0, 3.0, 0.1],
            "low": [0.0, 3.0, 2.0, 0.0],
            "high": [0.0, 5.0, 4.0, 0.2],
            "verdict": ["does not compress", "compresses", "compresses", "inconclusive"],
            "holds_under": ["same under binning 100", "not under kde σ²=0.001 (does not compress)", "", ""],
        }
    )
    block = _module().claims_markdown(table)
    assert (
        "| two-phases | tanh | **does not compress**: 1; **compresses**: 9, output | 9 (kde σ²=0.001 (does not compress)) |"
        in block
    )
    assert "| sgd-diffusion | relu, full-batch | **inconclusive**: 9 | — |" in block


def test_readme_is_up_to_date() -> None:
    assert _module().main(["--check"]) == 0
