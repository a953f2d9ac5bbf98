"""The package's import graph, built from its own source: no cycles, no arrow against the flow.

Flow (docs/architecture.md): hooks → Run → estimators → MI table → analysis → pipeline → reports → cli.
Every import counts, lazy ones inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "infoplane"

#: Modules any part of the package may import: they import nothing of infoplane but each other.
FOUNDATION = {"infoplane._version", "infoplane.errors", "infoplane.outputs", "infoplane.infotheory", "infoplane.samples"}

#: (importer prefix, imported prefix) pairs that must never appear.
FORBIDDEN = [
    ("infoplane.run", "infoplane.analysis"),
    ("infoplane.run", "infoplane.estimators"),
    ("infoplane.run", "infoplane.hooks"),
    ("infoplane.run", "infoplane.reports"),
    ("infoplane.run", "infoplane.experiments"),
    ("infoplane.reports", "infoplane.run"),
    ("infoplane.reports", "infoplane.estimators"),
    ("infoplane.reports", "infoplane.analysis.mi_table"),
    ("infoplane.reports", "infoplane.pipeline"),
    ("infoplane.reports", "infoplane.experiments"),
    ("infoplane.reports", "infoplane.hooks"),
    ("infoplane.hooks", "infoplane.estimators"),
    ("infoplane.hooks", "infoplane.reports"),
    ("infoplane.hooks", "infoplane.experiments"),
    ("infoplane.analysis", "infoplane.reports"),
    ("infoplane.analysis", "infoplane.experiments"),
    ("infoplane.analysis", "infoplane.pipeline"),
    ("infoplane.groundtruth", "infoplane.experiments"),
    ("infoplane.groundtruth", "infoplane.reports"),
    ("infoplane.experiments", "infoplane.cli"),
    ("infoplane.pipeline", "infoplane.cli"),
]
_NOTHING_BELOW = ("infoplane.run", "infoplane.hooks", "infoplane.analysis", "infoplane.experiments",
                  "infoplane.reports", "infoplane.pipeline", "infoplane.cli", "infoplane.groundtruth")  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every infoplane module ``path`` imports, at any depth of the file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # `from pkg import module` imports the module, else pkg itself
                sub = f"{base}.{alias.name}"
                found.add(sub if _is_module(sub) else base)
    return {name for name in found if name == "infoplane" or name.startswith("infoplane.")}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        graph[name] = {m for m in _imports(path) if m in files and m != name}
    return graph


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_graph_is_read_from_the_source() -> None:
    graph = _graph()
    assert "infoplane.estimators.base" in graph["infoplane.estimators.binning"]
    assert len(graph) > 30


def test_no_import_cycle() -> None:
    """Modules (package __init__ files aside, which only re-export) form a directed acyclic graph."""
    raw = _graph()

    def is_package(name: str) -> bool:
        return (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists()

    def providers(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """An import of a package stands for the modules of that package its __init__ re-exports."""
        if not is_package(name):
            return {name}
        inner = {d for d in raw.get(name, ()) if _within(d, name) and d not in seen}
        return set().union(*(providers(d, seen | {name}) for d in inner)) if inner else set()

    graph = {m: set().union(*(providers(d) for d in deps)) if deps else set()
             for m, deps in raw.items() if not is_package(m)}  # fmt: skip
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize(("importer", "imported"), FORBIDDEN)
def test_no_arrow_against_the_flow(importer: str, imported: str) -> None:
    bad = sorted(
        f"{m} imports {d}"
        for m, deps in _graph().items()
        if _within(m, importer)
        for d in deps
        if _within(d, imported)
    )
    assert not bad, "; ".join(bad)


def test_foundation_modules_import_only_each_other() -> None:
    graph = _graph()
    for module in FOUNDATION & set(graph):
        assert graph[module] <= FOUNDATION, f"{module} imports {sorted(graph[module] - FOUNDATION)}"


def test_estimators_import_only_their_base_and_the_foundation() -> None:
    graph = _graph()
    allowed = FOUNDATION | {"infoplane.estimators", "infoplane.estimators.base"}
    for module, deps in graph.items():
        if _within(module, "infoplane.estimators") and module != "infoplane.estimators":
            others = {d for d in deps if not _within(d, "infoplane.estimators")} - allowed
            assert not others, f"{module} imports {sorted(others)}"
    for module, deps in graph.items():
        if _within(module, "infoplane.estimators"):
            assert not any(_within(d, p) for d in deps for p in _NOTHING_BELOW), module
