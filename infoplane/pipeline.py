"""The load-and-estimate pipeline: run files → estimators → the MI table → reports and tables on disk.

This is what ``infoplane report``, ``export``, ``demo``, ``bench`` and ``study`` call once they have
parsed their arguments: reports read only MI tables and per-run summaries, so loading runs and
building estimators happens here, in one place.

Every function that writes checks its outputs first (:func:`infoplane.outputs.check_output`: an output
may never be one of the inputs, nor replace a file of another kind without ``force``) and writes
through :func:`infoplane.outputs.atomic_write` (never a partial file).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from infoplane import estimators as registry
from infoplane.analysis import estimate
from infoplane.errors import UsageError, one_line
from infoplane.estimators.base import Estimator
from infoplane.outputs import atomic_write_bytes, check_output
from infoplane.reports.summary import RunSummary, summarise
from infoplane.run import Run, load_run

PathLike = str | os.PathLike[str]
TableFormat = Literal["csv", "parquet"]

#: The figures of a report, each written as ``{stem}-{figure}.png`` by ``--png``.
REPORT_FIGURES = ("information-plane", "mi-vs-epoch", "training")


def build_estimators(
    names: Sequence[str | Estimator], params: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Estimator]:
    """Estimators by registry name, each built with its parameters (instances are taken as they are).

    Building validates the parameters, so call this before any work: a bad name or value fails at once.

    Args:
        names: registry names (or configured instances).
        params: per registry name, its parameters; every name must be among ``names``.

    Raises:
        UsageError: an unknown estimator or parameter, a value the estimator rejects, or parameters for
            an estimator that is not chosen.
    """
    params = dict(params or {})
    chosen_names = [n if isinstance(n, str) else n.name for n in names]
    if not chosen_names:
        raise UsageError("no estimator chosen: name at least one, e.g. --estimator binning")
    unused = sorted(set(params) - set(chosen_names))
    if unused:
        raise UsageError(f"--param names estimators {unused} that are not in --estimator {chosen_names}")
    chosen: list[Estimator] = []
    for spec in names:
        if isinstance(spec, Estimator):
            chosen.append(spec)
            continue
        try:
            chosen.append(registry.get(spec, **dict(params.get(spec, {}))))
        except UsageError:
            raise
        except (ValueError, TypeError) as exc:
            raise UsageError(one_line(exc) or type(exc).__name__) from None
    return chosen


def load_runs(paths: Sequence[PathLike]) -> list[Run]:
    """Load run files; runs that share a name are renamed after their files (``stem``, or ``stem-i``
    when the stems collide too), so their rows never mix in one table.

    Raises:
        infoplane.run.RunFileError: a file is missing, damaged or not a run file (the message names it).
    """
    runs = [load_run(p) for p in paths]
    names = [r.name for r in runs]
    if len(set(names)) < len(names):
        stems = [Path(p).stem for p in paths]
        labels = (
            stems if len(set(stems)) == len(stems) else [f"{stem}-{i + 1}" for i, stem in enumerate(stems)]
        )
        runs = [
            dataclasses.replace(r, metadata={**r.metadata, "name": label}) for r, label in zip(runs, labels)
        ]
    return runs


def estimate_runs(
    runs: Sequence[Run], chosen: Sequence[Estimator], *, progress: bool | None = None
) -> pd.DataFrame:
    """The MI table (bits) of ``runs`` by the ``chosen`` estimators: estimated from the stored
    activations, or, for runs captured with ``store="none"``, their online estimates by those estimators,
    whatever parameters they were computed with (each row keeps its own ``params`` and ``setting``);
    :func:`infoplane.analysis.estimate` raises naming a run that lacks one."""
    stored = [r for r in runs if r.activations]
    online = [r for r in runs if not r.activations]
    tables = [estimate(stored, list(chosen), progress=progress)] if stored else []
    if online:
        tables.append(estimate(online, list(dict.fromkeys(e.name for e in chosen)), progress=False))
    return pd.concat(tables, ignore_index=True)


def table_bytes(table: pd.DataFrame, fmt: TableFormat) -> bytes:
    """The table as CSV (UTF-8, no index) or Parquet bytes."""
    if fmt == "csv":
        return table.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ValueError(f"table format {fmt!r}: use 'csv' or 'parquet'")


def write_table(table: pd.DataFrame, path: PathLike, fmt: TableFormat = "csv") -> Path:
    """Write ``table`` atomically as CSV or Parquet; returns the path."""
    return atomic_write_bytes(path, table_bytes(table, fmt))


def png_paths(output: PathLike) -> list[Path]:
    """The files ``report --png`` writes beside the HTML report ``output``."""
    output = Path(output)
    return [output.with_name(f"{output.stem}-{name}.png") for name in REPORT_FIGURES]


def _summaries(runs: Sequence[Run]) -> list[RunSummary]:
    """What the report pages get per run: small :class:`~infoplane.reports.RunSummary` objects."""
    return [summarise(r) for r in runs]


def setting_descriptions(table: pd.DataFrame) -> dict[str, str]:
    """Per setting label in the MI table (its ``setting`` column, else the estimator's name), the
    ``describe()`` line of the estimator rebuilt from the parameters *stored in the table* — for an online
    run, those it was computed with, never a fresh default estimator. A setting whose estimator is not
    registered or whose stored parameters do not rebuild it is left out (the page shows its parameters)."""
    labels = table["setting"] if "setting" in table.columns else table["estimator"]
    out: dict[str, str] = {}
    for name, params, label in dict.fromkeys(zip(table["estimator"], table["params"], labels)):
        if str(label) in out:
            continue
        try:
            out[str(label)] = registry.get(str(name), **json.loads(str(params))).describe()
        except Exception:  # noqa: BLE001 - a caption only: the page still shows the stored parameters
            continue
    return out


def _report_table(
    runs: Sequence[Run],
    chosen: Sequence[Estimator],
    asked: Sequence[str | Estimator] | None,
    explicit: set[str],
    progress: bool | None,
) -> pd.DataFrame:
    """The MI table of the report: runs with activations are estimated by ``chosen``; runs captured with
    ``store="none"`` give their stored online estimates as they were computed — every one of them when no
    estimator was asked for, else every stored setting of the asked estimators (an estimator given with
    ``explicit`` parameters asks for that setting only). Rows keep the runs' order."""
    if asked is None and explicit:  # parameters given for the default estimator ask for that setting
        asked = [e.name for e in chosen]
    offline = [r for r in runs if r.activations]
    online = [r for r in runs if not r.activations]
    tables = []
    if offline:
        tables.append(estimate_runs(offline, chosen, progress=progress))
    if online:
        specs: list[str | Estimator] | None = (
            None
            if asked is None
            else [e if isinstance(spec, Estimator) or e.name in explicit else e.name for spec, e in zip(asked, chosen)]
        )
        tables.append(estimate(list(online), specs, progress=progress))
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    order = {r.name: i for i, r in enumerate(runs)}
    return table.iloc[table["run"].map(order).argsort(kind="stable")].reset_index(drop=True)


def build_report(
    run_paths: Sequence[PathLike],
    output: PathLike,
    estimators: Sequence[str | Estimator] | None = ("binning",),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    progress: bool | None = None,
    csv: PathLike | None = None,
    force: bool = False,
    plotlyjs: str = "inline",
) -> tuple[Path, pd.DataFrame, list[Run]]:
    """Load run files, estimate with the chosen estimators, write the HTML report (and the MI table).

    Outputs are checked and estimators built before any run is loaded: an output that is one of the runs,
    a bad parameter or an unwritable folder fails at once and writes nothing.

    Runs captured with ``store="none"`` show their stored online estimates with the parameters they were
    computed with (see ``_report_table``); every setting in the page is described from the parameters
    stored in the MI table (:func:`setting_descriptions`).

    Args:
        run_paths: run files.
        output: the HTML file to write.
        estimators: registry names (or configured instances); ``None``: binning for runs with
            activations, and every stored online estimate of ``store="none"`` runs.
        params: per registry name, its parameters (given explicitly: an online run must have that setting).
        progress: show a progress bar (``None``: only on a terminal).
        csv: also write the MI table there.
        force: replace existing outputs even if they are files of another kind.
        plotlyjs: ``inline`` (default: the page opens offline), ``cdn`` (a small page loading plotly.js
            from cdn.plot.ly) or ``directory`` (a small page and ``plotly.min.js`` written once beside it).

    Returns:
        (the report's path, the MI table, the runs).
    """
    from infoplane.reports.html import check_plotlyjs, plotlyjs_path

    check_plotlyjs(plotlyjs)
    output = check_output(output, run_paths, kind="html", force=force, what="-o")
    if csv is not None:
        csv = check_output(csv, [*run_paths, output], kind="csv", force=force, what="--csv")
    if plotlyjs == "directory":
        check_output(
            plotlyjs_path(output), [*run_paths, output, *([csv] if csv else [])], kind="text", force=force,
            what="--plotlyjs directory",
        )  # fmt: skip
    chosen = build_estimators(["binning"] if estimators is None else estimators, params)
    runs = load_runs(run_paths)
    table = _report_table(runs, chosen, estimators, set(params or {}), progress)
    if csv is not None:
        write_table(table, csv, "csv")
    from infoplane.reports import write_report

    page = write_report(output, table, _summaries(runs), setting_descriptions(table), plotlyjs=plotlyjs)  # type: ignore[arg-type]
    return page, table, runs


def write_report_pngs(output: PathLike, table: pd.DataFrame, runs: Sequence[Run]) -> list[Path]:
    """Each report figure as a PNG beside the report ``output`` (:func:`png_paths`).

    Raises:
        RuntimeError: kaleido or a Chrome/Chromium is missing (the message says what to install).
    """
    from infoplane.reports.page import write_pngs

    return write_pngs(output, table, _summaries(runs))


def export_table(
    run_path: PathLike,
    output: PathLike | None = None,
    estimators: Sequence[str | Estimator] = ("binning",),
    fmt: TableFormat = "csv",
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    force: bool = False,
    progress: bool | None = False,
) -> tuple[Path, pd.DataFrame]:
    """Write a run's MI table (bits) as CSV or Parquet: what ``infoplane export`` does.

    Args:
        run_path: the run file.
        output: the table file; by default the run's path with the format's suffix (refused when that is
            the run file itself, e.g. ``export run.csv``).
        estimators: registry names (or instances); a run captured with ``store="none"`` gives its online
            estimates by them.
        fmt: ``"csv"`` or ``"parquet"``.
        params: per registry name, its parameters.
        force: replace an existing file of another kind at ``output``.
        progress: show a progress bar (``None``: only on a terminal).

    Returns:
        (the path written, the table).
    """
    target = Path(run_path).with_suffix(f".{fmt}") if output is None else output
    target = check_output(target, [run_path], kind=fmt, force=force, what="-o")
    chosen = build_estimators(estimators, params)
    table = estimate_runs(load_runs([run_path]), chosen, progress=progress)
    return write_table(table, target, fmt), table


def bench_outputs(folder: PathLike) -> dict[str, Path]:
    """The files ``infoplane bench`` writes in ``folder``: ``results.csv`` and ``bench.html``."""
    folder = Path(folder)
    return {"csv": folder / "results.csv", "html": folder / "bench.html"}


def write_bench(folder: PathLike, results: pd.DataFrame, summary: pd.DataFrame) -> list[Path]:
    """Write the bench results table and page into ``folder``; returns the paths."""
    from infoplane.reports.bench_page import write_bench_report

    paths = bench_outputs(folder)
    write_table(results, paths["csv"], "csv")
    return [paths["csv"], write_bench_report(paths["html"], results, summary)]


def study_outputs(folder: PathLike) -> dict[str, tuple[Path, str]]:
    """The files ``infoplane study`` writes in ``folder`` (beside its ``runs/``), each with its kind."""
    folder = Path(folder)
    return {
        "mi_table.csv": (folder / "mi_table.csv", "csv"),
        "mi_table.parquet": (folder / "mi_table.parquet", "parquet"),
        "compression.csv": (folder / "compression.csv", "csv"),
        "study.html": (folder / "study.html", "html"),
    }


def write_study(folder: PathLike, table: pd.DataFrame, verdicts: pd.DataFrame, summary: str) -> list[Path]:
    """Write the study's MI table (CSV and Parquet), its compression verdicts and its page; returns the paths."""
    from infoplane.reports.study_page import write_study_report

    paths = study_outputs(folder)
    write_table(table, paths["mi_table.csv"][0], "csv")
    write_table(table, paths["mi_table.parquet"][0], "parquet")
    write_table(verdicts, paths["compression.csv"][0], "csv")
    return [
        *(p for p, _ in list(paths.values())[:3]),
        write_study_report(paths["study.html"][0], table, verdicts, summary),
    ]


def verdict_settings(verdicts: pd.DataFrame, table: pd.DataFrame | None = None) -> list[str]:
    """The short label of each verdict's estimator setting (from the MI ``table``'s ``setting`` column)."""
    from infoplane.reports.study_page import label_settings

    return [str(s) for s in label_settings(verdicts, table)["setting"]]


__all__ = [
    "REPORT_FIGURES",
    "bench_outputs",
    "build_estimators",
    "build_report",
    "estimate_runs",
    "export_table",
    "load_runs",
    "png_paths",
    "setting_descriptions",
    "study_outputs",
    "table_bytes",
    "verdict_settings",
    "write_bench",
    "write_report_pngs",
    "write_study",
    "write_table",
]
