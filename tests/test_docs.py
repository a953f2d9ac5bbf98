"""The documentation builds without a warning: every docstring parses and every reference resolves.

This is the docs build CI runs (``sphinx-build -W --keep-going -n``): a renamed function, a moved module
or a link to a missing section of a Markdown page fails here, with Sphinx's message naming file and line.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_parser") is None,
    reason="sphinx and myst-parser are not installed (pip install -e '.[docs]')",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The HTML docs built once, from scratch, warnings as errors (~10 s on an idle 2-core machine)."""
    out = tmp_path_factory.mktemp("docs")
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
        "-d", str(out / "doctrees"), str(DOCS), str(out / "html"),
    ]  # fmt: skip
    return subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, timeout=300), out / "html"


def test_the_docs_build_without_warnings(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = built
    assert result.returncode == 0 and not result.stderr.strip(), (
        f"sphinx-build -W -n failed (exit {result.returncode}); fix each warning below (a broken reference: "
        f"the name moved or is misspelled):\n{result.stderr}"
    )


def test_every_page_and_the_api_reference_are_built(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, html = built
    for page in ("index", "science", "estimators", "caveats", "architecture", "plugins", "api"):
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in (
        "infoplane.hooks.tracker.Tracker",
        "infoplane.run.load_run",
        "infoplane.estimators.base.Estimator",
        "infoplane.estimators.binning.Binning",
        "infoplane.analysis.mi_table.estimate",
        "infoplane.pipeline.build_report",
        "infoplane.groundtruth.tasks.Task",
    ):
        assert f'id="{name}"' in api, f"{name} is missing from the API reference"
    assert 'id="infoplane.cli' not in api  # the command line's reference is its --help


def test_a_broken_reference_fails_the_build(tmp_path: Path) -> None:
    """The check has teeth: one unknown name in a page is an error, not a silent plain-text link."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(f"exec(compile(open({str(DOCS / 'conf.py')!r}).read(), 'conf.py', 'exec'))\n")
    (source / "contents.rst").write_text("Broken\n======\n\nSee :func:`infoplane.no_such_function`.\n")
    command = [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", str(source), str(tmp_path / "html")]
    result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode != 0
    assert "infoplane.no_such_function" in result.stderr
