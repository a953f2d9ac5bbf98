"""The report as a person sees it: opened offline in headless Chromium, every figure drawn, no console
messages. Needs Debian's ``chromium`` (``.ci/run`` installs it); skipped with that reason elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infoplane import estimate, estimators, load_run
from infoplane.cli import main
from infoplane.reports import summarise, write_pngs, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000",
]  # fmt: skip


def render(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and every console message the page logged."""
    done = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def drawn_traces(dom: str, div_id: str) -> int:
    """Scatter traces plotly drew as SVG inside the figure ``div_id`` (its div up to the next figure's)."""
    starts = {m.group(1): m.start() for m in re.finditer(r'<div id="([^"]+)" class="plotly-graph-div', dom)}
    assert div_id in starts, f"no figure {div_id} in the page"
    start = starts[div_id]
    end = min([p for p in starts.values() if p > start], default=len(dom))
    segment = dom[start:end]
    assert 'class="main-svg"' in segment, f"{div_id}: plotly drew nothing"
    assert re.search(r'class="js-line"[^>]* d="M', segment), f"{div_id}: no line was drawn"
    return segment.count('<g class="trace scatter')


def write_page(runs: list[Path], names: tuple[str, ...], output: Path) -> Path:
    """The report of ``runs`` as the pipeline writes it: an MI table and one summary per run."""
    loaded = [load_run(p) for p in runs]
    chosen = [estimators.get(name) for name in names]
    table = estimate(loaded, chosen, progress=False)
    return write_report(output, table, [summarise(r) for r in loaded], {e.name: e.describe() for e in chosen})


def test_report_renders_every_figure_offline_without_console_messages(tmp_path: Path) -> None:
    runs = []
    for activation in ("tanh", "relu"):
        runs.append(tmp_path / f"{activation}.pt")
        assert main(["train", "--activation", activation, "--epochs", "4", "-q", "-o", str(runs[-1])]) == 0
    report = write_page(runs, ("binning", "kde"), tmp_path / "report.html")
    dom, console = render(report, tmp_path / "profile")
    assert console == [], "\n".join(console)
    # 2 estimators × 2 runs × 6 layers, plus one legend entry per layer
    assert drawn_traces(dom, "information-plane") == 24 + 6
    assert drawn_traces(dom, "mi-vs-epoch") == 2 * 2 * 2 * 6  # estimators × quantities × runs × layers
    assert drawn_traces(dom, "training") == 4 * 2  # metrics × runs


def test_a_broken_page_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    _, console = render(page, tmp_path / "profile")
    assert any("undefinedFunction is not defined" in line for line in console)


def test_png_export_writes_every_figure(tmp_path: Path) -> None:
    pytest.importorskip("kaleido", reason="the optional 'png' extra (kaleido) is not installed")
    run = tmp_path / "run.pt"
    assert main(["train", "--epochs", "3", "-q", "-o", str(run)]) == 0
    loaded = load_run(run)
    pngs = write_pngs(tmp_path / "r.html", estimate(loaded, ["binning"], progress=False), [summarise(loaded)])
    assert [p.name for p in pngs] == [f"r-{name}.png" for name in ("information-plane", "mi-vs-epoch", "training")]
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
