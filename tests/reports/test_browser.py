"""The report as a person sees it: opened offline in headless Chromium, every figure drawn, no console
messages. Needs Debian's ``chromium`` (``.ci/run`` installs it); skipped with that reason elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import json

import pandas as pd

from infoplane import estimate, estimators, load_run
from infoplane.cli import main
from infoplane.reports import RunSummary, summarise, write_pngs, write_report
from infoplane.reports.figures import report_figures

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
    loaded = [load_run(p) for p in runs]
    figures = report_figures(estimate(loaded, ["binning", "kde"], progress=False), [summarise(r) for r in loaded])
    # every trace drawn: per panel (2 estimators × 2 runs) 3 bounds, 6 layers and their 6 slider markers;
    # a legend entry per layer; beneath, per run 2 metrics and their markers in each of 2 panels, 2 cursors
    assert drawn_traces(dom, "information-plane") == len(figures["information-plane"].data) == 4 * (3 + 12) + 6 + 2 * 2 * 4 + 2
    assert drawn_traces(dom, "mi-vs-epoch") == 2 * 2 * 2 * 6  # estimators × quantities × runs × layers
    assert drawn_traces(dom, "training") == 4 * 2  # metrics × runs


#: Run after the page loaded: move the information plane's slider to "3 epochs trained" (Plotly.animate
#: to that frame, as the slider's step does), then write what the page shows into <pre id="probe">.
MOVE_SLIDER = """
<script>
window.addEventListener('load', function () {
  var gd = document.getElementById('information-plane');
  var before = gd._fullLayout.sliders[0].active;
  Plotly.animate(gd, ['3'], {frame: {duration: 0, redraw: false}, transition: {duration: 0}, mode: 'immediate'})
    .then(function () {
      var moving = gd.data.filter(function (t) { return t.name === "layer 2 at the slider's epoch"; });
      var probe = document.createElement('pre');
      probe.id = 'probe';
      probe.textContent = JSON.stringify({
        frames: gd._transitionData._frames.length, before: before, after: gd._fullLayout.sliders[0].active,
        x: moving.map(function (t) { return t.x[0]; }),
        download: document.querySelector('a.download').getAttribute('download')
      });
      document.body.appendChild(probe);
    });
});
</script>
"""


def test_the_slider_moves_the_plane_and_the_metrics_in_the_browser(tmp_path: Path) -> None:
    """Issue 13.6: the new views opened in headless Chromium, the slider moved, frames drawn, no console message."""
    rows, summaries = [], []
    for seed in range(3):  # three seeds of one setting (one panel, their mean) and a run of another
        for name, activation in ((f"szt12-tanh-seed{seed}", "tanh"), ("szt12-relu-seed0", "relu")):
            if activation == "relu" and seed:
                continue
            rows += [
                {"run": name, "activation": activation, "seed": seed, "epoch": e, "layer": layer, "layer_index": k,
                 "estimator": "binning", "params": "{}", "fitted": "{}", "I_XT": 1.0 + 0.1 * e + k + 0.2 * seed,
                 "I_TY": 0.1 + 0.02 * e, "setting": "binning 30 (run range)"}
                for k, layer in enumerate(("1", "2")) for e in range(6)
            ]  # fmt: skip
            summaries.append(RunSummary(
                name=name, n_samples=64, label_entropy_bits=1.0, epochs=tuple(range(6)), layers=("1", "2"),
                metrics={"loss": tuple(1 / (e + 1) for e in range(6)), "accuracy": tuple(0.5 + 0.05 * e for e in range(6)),
                         "lr": tuple(0.1 / (e + 1) for e in range(6))},
                metadata={"dataset": "szt12", "activation": activation, "seed": seed, "training": {"seed": seed}},
            ))  # fmt: skip
    page = write_report(tmp_path / "views.html", pd.DataFrame(rows), summaries, {})
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", MOVE_SLIDER + "</body>"), encoding="utf-8")
    dom, console = render(page, tmp_path / "profile")
    assert console == [], "\n".join(console)
    probe = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert probe, "the slider script did not finish"
    moved = json.loads(probe.group(1).replace("&quot;", '"'))
    assert moved["frames"] == 6 and moved["before"] == 5 and moved["after"] == 2
    assert 'data-unformatted="epochs trained: 3"' in dom  # the slider's label moved too
    # layer 2 at logged epoch 2: the tanh seeds' mean 1 + 0.2 + 1 + 0.2, and the relu run's 1 + 0.2 + 1
    assert moved["x"] == [pytest.approx(2.4), pytest.approx(2.2)]
    assert moved["download"] == "views-mi_table.csv"
    assert drawn_traces(dom, "information-plane") > 0 and drawn_traces(dom, "training") > 0


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
