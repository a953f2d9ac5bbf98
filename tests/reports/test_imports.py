"""Reports read MI tables and run summaries only: no module of ``infoplane/reports`` imports run files,
estimators or the MI-table builder, not even lazily inside a function (read from the source with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import infoplane.reports

REPORTS = Path(infoplane.reports.__file__).parent
#: Modules the reports must not import (nor any module below them).
FORBIDDEN = ("infoplane.run", "infoplane.estimators", "infoplane.analysis.mi_table", "infoplane.reports.build")
#: Names that ``from infoplane import …`` / ``from infoplane.analysis import …`` would bring in from them.
FORBIDDEN_NAMES = {
    "infoplane": {"run", "estimators", "Run", "load_run", "RunFileError", "estimate"},
    "infoplane.analysis": {"mi_table", "estimate", "COLUMNS"},
    "infoplane.reports": {"build", "build_report"},
}


def imports(path: Path) -> list[tuple[str, set[str], int]]:
    """(module, imported names, line) of every import statement in ``path``, at any depth."""
    package = "infoplane.reports"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, set(), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against infoplane.reports
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            found.append((module, {alias.name for alias in node.names}, node.lineno))
    return found


def violations(path: Path) -> list[str]:
    bad = []
    for module, names, line in imports(path):
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN):
            bad.append(f"{path.name}:{line} imports {module}")
        hit = names & FORBIDDEN_NAMES.get(module, set())
        if hit:
            bad.append(f"{path.name}:{line} imports {sorted(hit)} from {module}")
    return bad


@pytest.mark.parametrize("path", sorted(p for p in REPORTS.glob("*.py") if p.name != "build.py"), ids=lambda p: p.name)
def test_reports_import_neither_runs_nor_estimators(path: Path) -> None:
    assert violations(path) == []


def test_the_check_catches_every_spelling(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text(
        "import infoplane.run\nfrom infoplane import estimators\nfrom infoplane.estimators.base import Estimator\n"
        "def f():\n    from ..run import Run\n    from infoplane.analysis import estimate\n"
    )
    assert len(violations(source)) == 5
