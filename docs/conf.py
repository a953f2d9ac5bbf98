"""Sphinx configuration: the API reference generated from the docstrings, and the Markdown pages.

Build (what ``tests/test_docs.py`` runs, and CI with it; any warning, a broken reference included, fails)::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html

Three pieces of glue below, each small:

- ``api.rst`` holds the marker ``.. infoplane-api::``; it becomes one ``automodule`` per public module,
  found by walking the package (so a module added, moved or removed needs no edit here).
- Each object is documented once, in the module that defines it. A reference to the name users import
  (``infoplane.estimate``, ``infoplane.estimators.Binning``, ``Run`` inside ``infoplane``) is resolved to
  that one entry by importing the name and looking the object up (``_resolve_alias``).
- A dataclass field with a ``default_factory`` shows ``=<factory>`` in its signature, which the signature
  parser cannot read: the factory's value is shown instead (``_factory_defaults``).
- Plain-text docstrings write absolute values as ``|p|``, which reST reads as a substitution: such bars
  are escaped outside inline literals (``_escape_bars``).
- Napoleon reads an attribute docstring that starts ``Some words: ...`` as "type: description"; such a
  prose "type" is put back into the sentence (``_prose_types_back``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout, not an installed copy

import infoplane

project = "infoplane"
author = "infoplane developers"
copyright = "infoplane developers"
release = version = infoplane.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "contents"  # contents.rst holds the toctree, so index.md stays plain Markdown for GitHub
exclude_patterns = ["_build", "results", "Thumbs.db", ".DS_Store"]

# Google-style docstrings ("Args:", "Returns:", "Raises:").
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Optional integrations are documented without importing them (lightning alone takes seconds).
autodoc_mock_imports = ["lightning", "pytorch_lightning", "ray", "kaleido"]

# The Markdown pages link to their own sections ("science.md#3-estimators"): GitHub-style anchors.
myst_heading_anchors = 4

html_theme = "alabaster"
html_title = f"infoplane {release}"

# Every reference must resolve (-n), so that a renamed function breaks the build, not a link.
nitpicky = True
# ... except those that cannot: the docs build offline, without intersphinx inventories, so the types of
# the standard library and of third-party packages (in signatures, "Returns:", base classes) have
# nothing to link to. infoplane's own names never appear here.
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|torch|nn|pd|pandas|plotly|go|scipy|sklearn|lightning|pytorch_lightning|ray)(\..*)?"),
    (r"py:.*", r"(collections\.abc|typing|os|pathlib|abc|enum|numbers|dataclasses|types|io)\..*"),
]
nitpick_ignore = [
    ("py:class", "infoplane.estimators.base.E"),  # the TypeVar of register()'s signature
]

#: Modules left out of the reference: the command line (its reference is ``infoplane --help``).
EXCLUDED = re.compile(r"^infoplane\.(cli|__main__)(\.|$)|(^|\.)_")
#: Order of the reference; modules not listed follow, alphabetically, after their package.
ORDER = [
    "infoplane", "infoplane.hooks", "infoplane.run", "infoplane.estimators", "infoplane.analysis",
    "infoplane.pipeline", "infoplane.reports", "infoplane.experiments", "infoplane.groundtruth",
]  # fmt: skip


def public_modules() -> list[str]:
    """Every public module of infoplane, packages first, then their modules."""
    names = ["infoplane"] + [
        m.name for m in pkgutil.walk_packages(infoplane.__path__, "infoplane.") if not EXCLUDED.search(m.name)
    ]

    def key(name: str) -> tuple[int, str]:
        top = ".".join(name.split(".")[:2])
        return (ORDER.index(top) if top in ORDER else len(ORDER), name)

    return sorted(names, key=key)


def _api_source(app: Any, docname: str, source: list[str]) -> None:
    """Expand ``.. infoplane-api::`` in api.rst into one section and ``automodule`` per module."""
    if ".. infoplane-api::" not in source[0]:
        return
    blocks = []
    for name in public_modules():
        package = hasattr(importlib.import_module(name), "__path__")
        title = f"``{name}``"
        underline = ("-" if package or name.count(".") == 1 else "~") * len(title)
        options = "   :no-members:\n" if package else ""  # a package's names are documented where defined
        blocks.append(f"{title}\n{underline}\n\n.. automodule:: {name}\n{options}")
    source[0] = source[0].replace(".. infoplane-api::", "\n".join(blocks))


def _documented_objects(env: Any) -> dict[int, str]:
    """id(object) → documented name, for the classes, functions and modules of the Python domain."""
    cache = env.temp_data.get("infoplane_documented")
    if cache is None:
        cache = {}
        for name in env.domains["py"].objects:
            obj = _import(name)
            if obj is not None and (callable(obj) or hasattr(obj, "__path__") or type(obj).__name__ == "module"):
                cache.setdefault(id(obj), name)
        env.temp_data["infoplane_documented"] = cache
    return cache


def _import(dotted: str) -> Any:
    """The object a dotted name denotes (``infoplane.estimators.Binning.label``), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001, S112 - not a module: try a shorter prefix
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a Python reference the domain could not, when it names a documented object by another name."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    if not target.startswith("infoplane") and not node.get("py:module", "").startswith("infoplane"):
        return None
    scopes = [""]
    module, cls = node.get("py:module"), node.get("py:class")
    if module:
        scopes += [f"{module}.{cls}.", f"{module}."] if cls else [f"{module}."]
        parts = module.split(".")
        scopes += [".".join(parts[:cut]) + "." for cut in range(len(parts) - 1, 0, -1)]  # its packages
        if cls:  # a class documented under a package's name: look beside its definition too
            defined = _import(f"{module}.{cls}")
            if defined is not None and hasattr(defined, "__module__"):
                scopes.append(f"{defined.__module__}.")
    documented = _documented_objects(env)
    py = env.domains["py"]
    for scope in scopes:
        obj = _import(scope + target)
        if obj is None:
            continue
        name = documented.get(id(obj))
        if name is None and node["reftype"] == "mod":  # an undocumented module: its package's entry
            parent = (scope + target).rsplit(".", 1)[0]
            name = parent if parent in py.modules else None
        if name is not None:
            return py.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], name, node, contnode)
    return None


_TYPE_LIKE = re.compile(r"^[\w.]+(\[.*\])?(\s*\|\s*[\w.]+(\[.*\])?)*$")


def _prose_types_back(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """``:type: Relative default limit`` (napoleon's reading of "Relative default limit: ...") → prose."""
    if what not in ("attribute", "data", "property"):
        return
    for i, line in enumerate(lines):
        value = line[7:].strip()
        if line.startswith(":type: ") and (value in ("True", "False", "None") or not _TYPE_LIKE.match(value)):
            prose = line[7:].strip()
            del lines[i]
            first = next((j for j, text in enumerate(lines) if text.strip()), None)
            if first is None:
                lines.append(prose)
            else:
                lines[first] = f"{prose}: {lines[first]}"
            return


def _factory_defaults(
    app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, return_annotation: str | None
) -> tuple[str | None, str | None] | None:
    """``widths: dict[str, int] = <factory>`` → ``widths: dict[str, int] = {}`` in a dataclass's signature."""
    if not signature or "<factory>" not in signature:
        return None
    cls = _import(name.removesuffix(".__init__"))
    fields = getattr(cls, "__dataclass_fields__", {})

    for field_name, field in fields.items():
        factory = getattr(field, "default_factory", None)
        if callable(factory):
            pattern = rf"(\b{re.escape(field_name)}\s*:[^=]*=\s*)<factory>"
            signature = re.sub(pattern, lambda m, f=factory: m.group(1) + repr(f()), signature)
    return signature.replace("<factory>", "..."), return_annotation


_LITERAL = re.compile(r"(``.+?``)")
_BARS = re.compile(r"(?<![\\|\w])\|([^|\s`]|[^|\s`][^|`]*?[^|\s`\\])\|(?![\w|])")


def _escape_bars(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """``max |p| in [0.5, 1)`` → ``max \\|p\\| in [0.5, 1)``: an absolute value, not a substitution."""
    for i, line in enumerate(lines):
        if "|" in line and not line.lstrip().startswith(("|", "+")):  # leave reST tables and line blocks
            parts = _LITERAL.split(line)
            lines[i] = "".join(part if j % 2 else _BARS.sub(r"\\|\1\\|", part) for j, part in enumerate(parts))


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _escape_bars, priority=400)  # before napoleon
    app.connect("autodoc-process-signature", _factory_defaults)
    app.connect("source-read", _api_source)
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-process-docstring", _prose_types_back, priority=600)  # after napoleon (500)
    return {"parallel_read_safe": True}
