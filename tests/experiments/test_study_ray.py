"""The study's jobs on a local Ray instance give the local executor's results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from infoplane.experiments.study import StudyConfig, run_study

ray = pytest.importorskip("ray", reason="the optional 'ray' extra is not installed (pip install 'infoplane[ray]')")


def test_ray_executor_equals_local_executor(tmp_path: Path) -> None:
    config = StudyConfig(seeds=2, epochs=3, n_bins=(30,), adaptive_n_bins=0, noise_variance=(), workers=2)
    local_table, local_verdicts = run_study(config, tmp_path / "local", progress=False)
    ray_table, ray_verdicts = run_study(config, tmp_path / "ray", progress=False, ray_address="local")
    pd.testing.assert_frame_equal(local_table, ray_table)
    pd.testing.assert_frame_equal(local_verdicts, ray_verdicts)
    assert sorted(p.name for p in (tmp_path / "ray" / "runs").iterdir()) == sorted(
        p.name for p in (tmp_path / "local" / "runs").iterdir()
    )
