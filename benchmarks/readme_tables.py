"""Recompute the study's compression verdicts from the saved MI table and write them into the README.

Usage (from the repository root, with the package importable)::

    python benchmarks/readme_tables.py                  # recompute, write docs/results/study/compression.csv and README
    python benchmarks/readme_tables.py --check          # exit 1 if either differs from what the table gives
    python benchmarks/readme_tables.py --import study   # first copy study/mi_table.parquet (needed columns only)

The README block between ``<!-- BEGIN study-table -->`` and ``<!-- END study-table -->`` is generated; the
saved table is ``docs/results/study/mi_table.parquet`` (the output of ``infoplane study``, columns the
verdicts need only), so every number in that block can be traced to one file and one function
(``infoplane.analysis.compression``).

The block between ``<!-- BEGIN claims-table -->`` and ``<!-- END claims-table -->`` is generated from
``docs/results/claims/claims.csv`` (the output of ``infoplane claims``, copied with ``--import-claims FOLDER``
together with its evidence): per claim and network, which layers get which verdict, and where another
estimator setting disagrees.

The block between ``<!-- BEGIN demo-output -->`` and ``<!-- END demo-output -->`` is what ``infoplane demo``
prints, computed from its saved MI table ``docs/results/demo/mi_table.parquet`` (``--import-demo FOLDER``
saves a new demo's ``mi.csv`` there).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path

import pandas as pd

from infoplane import estimators
from infoplane.analysis import compression
from infoplane.experiments.demo import drops_text
from infoplane.outputs import atomic_write, atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results" / "study"
TABLE = RESULTS / "mi_table.parquet"
VERDICTS = RESULTS / "compression.csv"
README = ROOT / "README.md"
BEGIN, END = "<!-- BEGIN study-table -->", "<!-- END study-table -->"
CLAIMS_RESULTS = ROOT / "docs" / "results" / "claims"
CLAIMS_TABLE = CLAIMS_RESULTS / "claims.csv"
CLAIMS_BEGIN, CLAIMS_END = "<!-- BEGIN claims-table -->", "<!-- END claims-table -->"
#: The demo's MI table (``infoplane demo``'s ``mi.csv``, columns the drops need) and its README block.
DEMO_TABLE = ROOT / "docs" / "results" / "demo" / "mi_table.parquet"
DEMO_BEGIN, DEMO_END = "<!-- BEGIN demo-output -->", "<!-- END demo-output -->"
DEMO_COLUMNS = ["run", "activation", "seed", "epoch", "layer", "layer_index", "estimator", "params", "I_XT", "I_TY"]
#: The MI-table columns the verdicts read; the rest of the study's table is not saved.
COLUMNS = [
    "run",
    "activation",
    "seed",
    "layer",
    "layer_index",
    "estimator",
    "params",
    "epoch",
    "I_XT",
    "I_TY",
]


def setting_label(estimator: str, params: str) -> str:
    """A setting's short name (``binning 30 [-1,1]``, ``binning adaptive 30``, ``kde σ²=0.001``): the
    estimator class's own :meth:`~infoplane.estimators.base.Estimator.label_for`, as on the study page."""
    return type(estimators.get(estimator)).label_for(json.loads(params))


def import_study(folder: Path) -> None:
    """Copy a study folder's MI table (the columns in ``COLUMNS``) to ``TABLE``."""
    source = folder / "mi_table.parquet"
    if not source.is_file():
        sys.exit(f"readme_tables: {source} not found; give the folder `infoplane study -o FOLDER` wrote")
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = pd.read_parquet(source, columns=COLUMNS)
    atomic_write(TABLE, lambda handle: table.to_parquet(handle, index=False, compression="zstd"))


def _setting_order(estimator: str, params: str) -> tuple[int, int, int]:
    """Uniform binning by n_bins, then adaptive binning, then KDE, then the rest."""
    p = json.loads(params)
    if estimator == "binning":
        return (0, int(p.get("strategy") == "adaptive"), int(p.get("n_bins", 0)))
    return (1 if estimator == "kde" else 2, 0, 0)


def verdicts() -> pd.DataFrame:
    """The verdicts of ``infoplane.analysis.compression`` on the saved table, with a ``setting`` label, in
    the table's order of activations and :func:`_setting_order` of settings."""
    table = pd.read_parquet(TABLE)
    result = compression(table)
    activations = {a: i for i, a in enumerate(dict.fromkeys(table["activation"]))}
    order = [
        (activations[a], _setting_order(e, p), i)
        for a, e, p, i in zip(
            result["activation"], result["estimator"], result["params"], result["layer_index"]
        )
    ]
    result = result.iloc[sorted(range(len(result)), key=order.__getitem__)].reset_index(drop=True)
    return result.assign(setting=[setting_label(e, p) for e, p in zip(result["estimator"], result["params"])])


def _cell(row: pd.Series) -> str:
    text = f"{row['delta_mean']:.2f} [{row['delta_low']:.2f}, {row['delta_high']:.2f}]"
    return f"**{text}**" if row["compresses"] else text


def markdown(result: pd.DataFrame) -> str:
    """The README block: per activation, Δ [interval] per layer and setting, then the noise floors."""
    table = pd.read_parquet(TABLE, columns=["activation", "seed", "epoch"])
    n_seeds = table.groupby("activation")["seed"].nunique().min()
    n_epochs = table["epoch"].nunique()
    lines = [
        (
            f"Generated by `python benchmarks/readme_tables.py` from `docs/results/study/mi_table.parquet` "
            f"({n_seeds} seeds per activation, {n_epochs} logged epochs); verdicts in `docs/results/study/compression.csv`."
        ),
        "",
    ]
    for activation, part in result.groupby("activation", sort=False):
        settings = list(dict.fromkeys(part["setting"]))
        layers = list(dict.fromkeys(part.sort_values("layer_index")["layer"]))
        cells = part.set_index(["layer", "setting"])
        lines += [
            (
                f"**{activation}** — Δ = peak − final I(X;T), bits, mean over seeds [95 % bootstrap interval]; **bold**: "
                "compresses (lower end above 0.05 bits and above the noise floor)"
            ),
            "",
            "| layer | " + " | ".join(settings) + " |",
            "|---|" + "---:|" * len(settings),
        ]
        for layer in layers:
            lines.append(f"| {layer} | " + " | ".join(_cell(cells.loc[(layer, s)]) for s in settings) + " |")
        lines += [
            "",
            f"{activation} — noise floor (bits): the mean Δ flat trajectories with the runs' own noise would give",
            "",
            "| layer | " + " | ".join(settings) + " |",
            "|---|" + "---:|" * len(settings),
        ]
        for layer in layers:
            floors = (f"{cells.loc[(layer, s), 'noise_floor']:.2f}" for s in settings)
            lines.append(f"| {layer} | " + " | ".join(floors) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render(readme: str, block: str, begin: str = BEGIN, end_marker: str = END) -> str:
    """``readme`` with the text between the markers replaced by ``block``."""
    start, end = readme.find(begin), readme.find(end_marker)
    if start < 0 or end < start:
        raise SystemExit(
            f"readme_tables: {README} lacks the markers {begin} … {end_marker}; add them around the table"
        )
    return readme[: start + len(begin)] + "\n" + block + readme[end:]


def import_claims(folder: Path) -> None:
    """Copy an ``infoplane claims`` folder's ``claims.csv`` and ``evidence/*.parquet`` to ``CLAIMS_RESULTS``."""
    source = folder / "claims.csv"
    if not source.is_file():
        sys.exit(f"readme_tables: {source} not found; give the folder `infoplane claims -o FOLDER` wrote")
    (CLAIMS_RESULTS / "evidence").mkdir(parents=True, exist_ok=True)
    atomic_write_text(CLAIMS_TABLE, source.read_text(encoding="utf-8"))
    for path in sorted((folder / "evidence").glob("*.parquet")):
        data = path.read_bytes()
        atomic_write(CLAIMS_RESULTS / "evidence" / path.name, lambda handle, data=data: handle.write(data))


def _split_setting(setting: str) -> tuple[str, str, str]:
    """``"tanh, layer 9, full-batch"`` → (``tanh``, ``9``, ``full-batch``); a setting without a layer keeps
    its whole text as the network and no layer."""
    student = re.match(r"^(?:hidden|output) layer (\d+) \((\d+) units?\), (.*)$", setting)
    if student:  # claim 4: "hidden layer 1 (50 units), σ²=0.001, n_train=100"
        return f"linear student, {student.group(3)}", student.group(1), ""
    network, sep, rest = setting.partition(", layer ")
    if not sep:
        return setting, "", ""
    layer, _, qualifier = rest.partition(", ")
    return network, layer, qualifier


def claims_markdown(table: pd.DataFrame) -> str:
    """The README's claims block: per claim, network and qualifier, the layers under each verdict, and the
    layers whose verdict another estimator setting does not share."""
    lines = [
        (
            "Generated by `python benchmarks/readme_tables.py` from `docs/results/claims/claims.csv` (every row, with "
            "its statistic and 95 % interval, is there; the evidence tables are in `docs/results/claims/evidence/`)."
        ),
        "",
        "| claim | network | verdict: layers | other settings disagree on |",
        "|---|---|---|---|",
    ]
    keys = [(c, *_split_setting(str(s))) for c, s in zip(table["claim"], table["setting"])]
    frame = table.assign(
        _network=[k[1] for k in keys], _layer=[k[2] for k in keys], _qualifier=[k[3] for k in keys]
    )
    for (claim, network, qualifier), part in frame.groupby(["claim", "_network", "_qualifier"], sort=False):
        by_verdict: dict[str, list[str]] = {}
        for verdict, layer in zip(part["verdict"], part["_layer"]):
            listed = by_verdict.setdefault(str(verdict), [])
            if (str(layer) or "—") not in listed or not layer:  # a claim may give one layer several statistics
                listed.append(str(layer) or "—")
        cell = "; ".join(f"**{v}**: {', '.join(layers)}" for v, layers in by_verdict.items())
        differ = []
        for layer, holds in zip(part["_layer"], part["holds_under"].fillna("")):
            if "not under" in str(holds):
                differ.append(f"{layer} ({str(holds).split('not under ', 1)[1]})")
        name = f"{network}, {qualifier}" if qualifier else network
        lines.append(f"| {claim} | {name} | {cell} | {'; '.join(differ) or '—'} |")
    return "\n".join(lines) + "\n"


def demo_markdown(table: pd.DataFrame) -> str:
    """The README's demo block: what ``infoplane demo`` printed of the saved MI table."""
    epochs = int(table["epoch"].max()) + 1
    seed = int(table["seed"].iloc[0])
    return f"```text\n{drops_text(table, epochs, seed)}\n```\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the README or compression.csv differ")
    parser.add_argument(
        "--import", dest="folder", type=Path, help="first save FOLDER/mi_table.parquet's columns"
    )
    parser.add_argument(
        "--import-claims",
        dest="claims_folder",
        type=Path,
        help="first copy FOLDER/claims.csv and FOLDER/evidence/*.parquet (an `infoplane claims` output)",
    )
    parser.add_argument(
        "--import-demo", dest="demo_folder", type=Path, help="first save FOLDER/mi.csv (an `infoplane demo` output)"
    )
    args = parser.parse_args(argv)
    if args.folder is not None:
        import_study(args.folder)
    if args.claims_folder is not None:
        import_claims(args.claims_folder)
    result = verdicts()
    buffer = io.StringIO()
    result.to_csv(buffer, index=False, float_format="%.6g")
    csv = buffer.getvalue()
    readme = README.read_text(encoding="utf-8")
    new = render(readme, markdown(result))
    if CLAIMS_TABLE.is_file():
        new = render(new, claims_markdown(pd.read_csv(CLAIMS_TABLE)), CLAIMS_BEGIN, CLAIMS_END)
    if args.demo_folder is not None:
        atomic_write(DEMO_TABLE, lambda h: pd.read_csv(args.demo_folder / "mi.csv")[DEMO_COLUMNS].to_parquet(h, index=False))
    new = render(new, demo_markdown(pd.read_parquet(DEMO_TABLE)), DEMO_BEGIN, DEMO_END)
    if args.check:
        stale = [
            p.name
            for p, old, fresh in [(README, readme, new), (VERDICTS, _read(VERDICTS), csv)]
            if old != fresh
        ]
        if stale:
            print(
                f"readme_tables: {', '.join(stale)} out of date; run python benchmarks/readme_tables.py",
                file=sys.stderr,
            )
            return 1
        return 0
    atomic_write_text(VERDICTS, csv)
    atomic_write_text(README, new)
    return 0


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


if __name__ == "__main__":
    sys.exit(main())
