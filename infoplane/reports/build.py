"""``build_report``: run files → estimates → the HTML report (what ``infoplane report`` does)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from infoplane import estimators
from infoplane.analysis import estimate
from infoplane.reports.page import write_report
from infoplane.run import Run, load_run


def build_report(
    run_paths: Sequence[str | Path],
    output: str | Path,
    estimator_names: Sequence[str] = ("binning",),
    params: dict[str, dict[str, Any]] | None = None,
    *,
    progress: bool | None = None,
    csv: str | Path | None = None,
) -> tuple[Path, pd.DataFrame, list[Run]]:
    """Load run files, estimate with the named estimators, write the HTML report.

    Runs captured with ``store="none"`` contribute their online estimates. Runs whose names collide are
    named after their files.

    Args:
        run_paths: run files.
        output: the HTML file to write.
        estimator_names: registry names.
        params: per estimator name, its parameters.
        progress: show a progress bar (``None``: only on a terminal).
        csv: also write the MI table there.

    Returns:
        (the report's path, the MI table, the runs).
    """
    runs = [load_run(p) for p in run_paths]
    names = [r.name for r in runs]
    if len(set(names)) < len(names):
        stems = [Path(p).stem for p in run_paths]
        labels = stems if len(set(stems)) == len(stems) else [f"{stem}-{i + 1}" for i, stem in enumerate(stems)]
        runs = [r.__class__(**{**r.__dict__, "metadata": {**r.metadata, "name": label}}) for r, label in zip(runs, labels)]
    chosen = [estimators.get(name, **(params or {}).get(name, {})) for name in estimator_names]
    stored = [r for r in runs if r.activations]
    online = [r.estimates_table() for r in runs if not r.activations]
    online = [t[t["estimator"].isin(estimator_names)] for t in online]
    if any(t.empty for t in online):
        raise ValueError(f"a run captured with store='none' has no online estimates by {list(estimator_names)}")
    tables = ([estimate(stored, chosen, progress=progress)] if stored else []) + online
    table = pd.concat(tables, ignore_index=True)
    if csv is not None:
        table.to_csv(csv, index=False)
    descriptions = {e.name: e.describe() for e in chosen}
    return write_report(output, table, runs, descriptions), table, runs
