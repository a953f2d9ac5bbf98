"""The report's views (issue 13, "The report"): the epoch slider, the bounds, wrapping small multiples,
seeds as a mean with a band, train and test probe sets, extra metrics on axes of their own, the MI table
as a download, one epoch convention, table order, the saturation note, and where plotly.js comes from."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from infoplane.errors import UsageError
from infoplane.reports import RunSummary, render_report, write_report
from infoplane.reports.figures import (
    MAX_COLUMNS,
    frame_epochs,
    grid_shape,
    metric_panels,
    report_figures,
)
from infoplane.reports.groups import group_key, run_groups
from infoplane.reports.html import PLOTLYJS_FILE, plotlyjs_cdn_url, table_html

LAYERS = ("1", "2")


def summary(name: str, epochs: tuple[int, ...] = (0, 1, 2, 3), **kw: object) -> RunSummary:
    metadata = kw.pop(
        "metadata", {"dataset": "szt12", "activation": "tanh", "seed": 0, "training": {"seed": 0}}
    )
    base: dict[str, object] = dict(
        name=name, n_samples=16, label_entropy_bits=1.0, epochs=epochs, layers=LAYERS, widths={"1": 3, "2": 2},
        metrics={"loss": tuple(1.0 / (e + 1) for e in epochs), "test_accuracy": tuple(0.5 + 0.01 * e for e in epochs)},
        metadata=metadata,
    )  # fmt: skip
    return RunSummary(**{**base, **kw})  # type: ignore[arg-type]


def table(
    run: str, epochs: tuple[int, ...] = (0, 1, 2, 3), offset: float = 0.0, **columns: object
) -> pd.DataFrame:
    rows = [
        {"run": run, "activation": "tanh", "seed": 0, "epoch": e, "layer": layer, "layer_index": k,
         "estimator": "binning", "params": json.dumps({"n_bins": 30, "range": None}), "fitted": "{}",
         "I_XT": 1.0 + 0.1 * e + k + offset, "I_TY": 0.2 + 0.01 * e + offset / 10, "setting": "binning 30 (run range)"}
        for k, layer in enumerate(LAYERS)
        for e in epochs
    ]  # fmt: skip
    return pd.DataFrame(rows).assign(**columns)


def seeds(n: int = 3, activation: str = "tanh") -> tuple[pd.DataFrame, list[RunSummary]]:
    """``n`` seeds of one setting: metadata equal but for the seed."""
    names = [f"szt12-{activation}-seed{s}" for s in range(n)]
    frames = [table(name, offset=0.3 * s, activation=activation, seed=s) for s, name in enumerate(names)]
    summaries = [
        summary(name, metadata={"dataset": "szt12", "activation": activation, "seed": s, "training": {"seed": s, "lr": 1e-3}})
        for s, name in enumerate(names)
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True), summaries


def traces(fig: object, **match: object) -> list:
    return [t for t in fig.data if all(getattr(t, k) == v for k, v in match.items())]  # type: ignore[attr-defined]


# --- the epoch slider ------------------------------------------------------------------------------------


def test_the_slider_has_a_frame_per_logged_epoch_up_to_100_and_says_when_it_subsamples() -> None:
    epochs = tuple(range(0, 300, 2))  # 150 logged epochs
    t, s = table("r", epochs), [summary("r", epochs)]
    fig = report_figures(t, s)["information-plane"]
    assert (
        len(fig.frames) == 100
        and fig.layout.meta["frames"] == 100
        and fig.layout.meta["logged_epochs"] == 150
    )
    names = [f.name for f in fig.frames]
    assert names[0] == "1" and names[-1] == "299"  # epochs trained: first and last logged epoch kept
    slider = fig.layout.sliders[0]
    assert [step.label for step in slider.steps] == names and slider.active == 99
    assert slider.currentvalue.prefix == "epochs trained: "
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ play", "❚❚ pause"]
    assert "steps through 100 of the 150 logged epochs" in render_report(t, s, {})
    short = report_figures(table("r"), [summary("r")])["information-plane"]
    assert [f.name for f in short.frames] == ["1", "2", "3", "4"]
    assert "steps through" not in render_report(table("r"), [summary("r")], {})
    assert frame_epochs([5, 1, 3, 3]) == [1, 3, 5]


def test_each_frame_moves_the_markers_and_the_metrics_to_that_epoch() -> None:
    t, s = table("r"), [summary("r")]
    fig = report_figures(t, s)["information-plane"]
    frame = next(f for f in fig.frames if f.name == "3")  # logged epoch 2: 3 epochs trained
    moving = [fig.data[i] for i in frame.traces]
    layer_2 = next(k for k, tr in enumerate(moving) if tr.name == "layer 2 at the slider's epoch")
    assert frame.data[layer_2].x == (pytest.approx(1.0 + 0.2 + 1),) and frame.data[layer_2].y == (
        pytest.approx(0.22),
    )
    assert [list(c) for c in frame.data[layer_2].customdata] == [[3]]
    loss = next(k for k, tr in enumerate(moving) if tr.name == "r · loss at the slider's epoch")
    assert frame.data[loss].x == (3,) and frame.data[loss].y == (pytest.approx(1 / 3, abs=1e-4),)
    assert frame.data[loss].text == ("0.333",)
    # the figure opens at the last epoch, and the page does not autoplay
    assert fig.data[frame.traces[layer_2]].x == (pytest.approx(1.0 + 0.3 + 1),)
    assert "Plotly.animate(" not in render_report(t, s, {})


# --- bounds ----------------------------------------------------------------------------------------------


def test_the_bounds_are_labelled_lines_at_their_values() -> None:
    fig = report_figures(table("r"), [summary("r", n_samples=16, label_entropy_bits=0.75)])[
        "information-plane"
    ]
    log2n = traces(fig, legendgroup="bound-log2n")
    hy = traces(fig, legendgroup="bound-hy")
    ib = traces(fig, legendgroup="bound-ib")
    assert len(log2n) == len(hy) == len(ib) == 1  # one panel
    assert log2n[0].name == "I(X;T) ≤ log₂ N" and log2n[0].x == (4.0, 4.0)  # log2 16
    assert hy[0].name == "I(T;Y) ≤ H(Y)" and hy[0].y == (0.75, 0.75)
    assert ib[0].name == "IB bound I(T;Y) ≤ min(I(X;T), H(Y))"
    assert ib[0].x[:2] == (0, 0.75) and ib[0].y == (0, 0.75, 0.75)  # the diagonal up to H(Y), then flat
    assert "Kolchinsky, Tracey &amp; Van Kuyk 2019" in render_report(table("r"), [summary("r")], {})


# --- small multiples ------------------------------------------------------------------------------------


def test_six_runs_wrap_into_rows_of_at_most_three_panels() -> None:
    names = [f"user-{k}" for k in range(6)]
    t = pd.concat([table(n) for n in names], ignore_index=True)
    fig = report_figures(t, [summary(n, metadata={}) for n in names])["information-plane"]
    assert (
        MAX_COLUMNS == 3 and grid_shape(6) == (2, 3) and grid_shape(1) == (1, 1) and grid_shape(4) == (2, 3)
    )
    assert (fig.layout.meta["rows"], fig.layout.meta["columns"]) == (2, 3)
    # the metric panels beneath keep their titles, also when the grid's last row is not full
    five = report_figures(t[t["run"] != "user-5"], [summary(n, metadata={}) for n in names[:5]])["information-plane"]
    assert [a.text for a in five.layout.annotations][5:] == ["loss (at the slider's epoch)", "accuracy (at the slider's epoch)"]
    loss_axis = five.layout.annotations[5]
    assert loss_axis.x < 0.5  # above the loss panel, the left one
    # panels: six x axes for the planes, on two rows, each at least 300 px tall
    domains = sorted({fig.layout[f"yaxis{'' if i == 1 else i}"].domain for i in range(1, 7)})
    assert len(domains) == 2
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert all((hi - lo) * plot_height >= 300 for lo, hi in domains)


# --- groups ---------------------------------------------------------------------------------------------


def test_seeds_of_one_setting_are_one_panel_drawn_as_mean_and_sd() -> None:
    t, s = seeds(3)
    figures = report_figures(t, s)
    plane = figures["information-plane"]
    assert (
        plane.layout.annotations[0].text == "szt12-tanh (mean of 3 seeds)"
        and plane.layout.meta["panels"] == 1
    )
    (line,) = [tr for tr in plane.data if tr.name == "2" and tr.mode == "lines+markers" and tr.x[0] is not None]
    i_xt = t[(t["layer"] == "2") & (t["epoch"] == 0)]["I_XT"]
    assert line.x[0] == pytest.approx(i_xt.mean()) and line.error_x.array[0] == pytest.approx(
        i_xt.std(), abs=1e-4
    )
    assert (
        "± %{customdata[1]:.3f} bits" in line.hovertemplate and "mean ± sd of 3 seeds" in line.hovertemplate
    )
    bands = [tr for tr in figures["mi-vs-epoch"].data if tr.fill == "toself"]
    assert len(bands) == 2 * 2  # (I(X;T), I(T;Y)) × layers
    band = next(b for b in bands if b.name == "szt12-tanh · layer 2 ± 1 sd")
    assert band.y[0] == pytest.approx(i_xt.mean() + i_xt.std(), abs=1e-9)
    assert [tr.fill for tr in figures["training"].data].count("toself") == 2  # loss and accuracy bands


def test_the_group_key_is_the_metadata_without_the_seed_else_the_name_without_it() -> None:
    _, s = seeds(2)
    other = summary("szt12-relu-seed0", metadata={"dataset": "szt12", "activation": "relu", "seed": 0})
    assert group_key(s[0]) == group_key(s[1]) != group_key(other)
    lr = summary(
        "x", metadata={"dataset": "szt12", "activation": "tanh", "seed": 1, "training": {"seed": 1, "lr": 1}}
    )
    assert group_key(lr) != group_key(s[0])  # another learning rate is another setting
    user = [summary(n, metadata={}) for n in ("mlp-seed0", "mlp_seed1", "mlp-seed2-wide", "cnn")]
    groups = run_groups(user)
    # a group of one keeps its full name
    labels = [groups[n].group for n in ("mlp-seed0", "mlp_seed1", "mlp-seed2-wide", "cnn")]
    assert labels == ["mlp", "mlp", "mlp-seed2-wide", "cnn"] and group_key(user[2]) == "name:mlp-wide"
    # the same seed twice (one run loaded from two files) is not two seeds: each run stays on its own
    twice = [summary(n, metadata={"dataset": "szt12", "activation": "tanh", "seed": 3}) for n in ("run", "run-2")]
    assert group_key(twice[0]) == group_key(twice[1])
    assert [m.group for m in run_groups(twice).values()] == ["run", "run-2"]
    assert groups["mlp-seed0"].n_seeds == 2 and groups["cnn"].n_seeds == 1


def test_user_runs_show_a_dash_for_a_missing_activation_never_nan() -> None:
    t = pd.concat([table("mlp-seed0", seed=0), table("mlp-seed1", seed=1)], ignore_index=True)
    t["activation"] = None  # a user's run: the MI table has no activation (NaN once in a frame)
    page = render_report(t, [summary("mlp-seed0", metadata={}), summary("mlp-seed1", metadata={})], {})
    body = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert not re.search(r">\s*nan\s*<", body, re.I) and "<th>activation</th><td>—</td>" in body
    assert "<td>—</td>" in table_html(pd.DataFrame({"a": [np.nan], "b": [None]}))


# --- probe sets ------------------------------------------------------------------------------------------


def test_train_and_test_probe_sets_share_a_panel_test_dashed() -> None:
    t = pd.concat([table("mlp-train"), table("mlp-test", offset=-0.1)], ignore_index=True)
    s = [summary("mlp-train", metadata={"probe": "train"}), summary("mlp-test", metadata={"probe": "test"})]
    fig = report_figures(t, s)["information-plane"]
    assert fig.layout.meta["panels"] == 1 and fig.layout.annotations[0].text == "mlp"
    lines = [tr for tr in fig.data if tr.mode == "lines+markers" and tr.x[0] is not None]
    assert sorted(tr.line.dash for tr in lines) == ["dash", "dash", "solid", "solid"]
    assert any(tr.name == "test probe set (dashed)" for tr in fig.data)
    assert all("test probe set" in tr.hovertemplate for tr in lines if tr.line.dash == "dash")


# --- metrics --------------------------------------------------------------------------------------------


def test_extra_metrics_get_axes_of_their_own() -> None:
    names = ["loss", "test_loss", "train_accuracy", "lr", "weight_norm"]
    assert metric_panels(names) == {
        "loss": ["loss", "test_loss"], "accuracy": ["train_accuracy"], "lr": ["lr"], "weight_norm": ["weight_norm"],
    }  # fmt: skip
    epochs = (0, 1, 2, 3)
    s = summary(
        "r", metrics={"loss": (1.0, 0.5, 0.4, 0.3), "lr": (1e-3,) * 4, "weight_norm": (3.0, 4.0, 5.0, 6.0)}
    )
    fig = report_figures(table("r"), [s])["training"]
    axis = {tr.hovertemplate.split("<br>")[0]: tr.yaxis for tr in fig.data}
    assert len({axis["r · loss"], axis["r · lr"], axis["r · weight_norm"]}) == 3
    assert fig.layout.meta["panels"] == ["loss", "lr", "weight_norm"]
    assert len(epochs) == 4


# --- the MI table download ------------------------------------------------------------------------------


def test_the_page_offers_the_mi_table_as_a_download_that_decodes_to_it(tmp_path) -> None:  # noqa: ANN001
    t = table("r")
    path = write_report(tmp_path / "rep.html", t, [summary("r")], {})
    page = path.read_text(encoding="utf-8")
    match = re.search(
        r"<a class='download' download='([^']+)' href='data:text/csv;charset=utf-8;base64,([^']+)'", page
    )
    assert match and match.group(1) == "rep-mi_table.csv"
    decoded = pd.read_csv(io.StringIO(base64.b64decode(match.group(2)).decode("utf-8")), dtype={"layer": str})
    pd.testing.assert_frame_equal(decoded, t, check_dtype=False)


# --- one epoch convention --------------------------------------------------------------------------------


def test_axes_hovers_and_tables_say_epochs_trained() -> None:
    t, s = seeds(2)
    figures = report_figures(t, s)
    for name, fig in figures.items():
        for tr in fig.data:
            template = tr.hovertemplate or ""
            if "epoch" in template:
                assert "epochs trained" in template and not re.search(r"epoch %\{", template), (
                    name,
                    template,
                )
    plane = figures["information-plane"]
    line = next(tr for tr in plane.data if tr.mode == "lines+markers" and tr.x[0] is not None)
    assert [row[0] for row in line.customdata] == [1, 2, 3, 4]  # logged epochs 0..3 = 1..4 epochs trained
    assert all(figures["mi-vs-epoch"].layout[k].title.text == "epochs trained"
               for k in figures["mi-vs-epoch"].layout.to_plotly_json() if k.startswith("xaxis"))  # fmt: skip
    page = render_report(t, s, {})
    assert "<th>peak at (epochs trained)</th>" in page
    assert "after 1 … 4 epochs trained" in page


# --- tables ----------------------------------------------------------------------------------------------


def test_the_per_run_table_is_sorted_by_run_and_layer() -> None:
    t = pd.concat([table("b"), table("a")], ignore_index=True).sample(
        frac=1.0, random_state=0
    )  # shuffled rows
    page = render_report(t, [summary("b", metadata={}), summary("a", metadata={})], {})
    section = page[page.index("Did I(X;T) fall after its peak?") :]
    section = section[: section.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>([^<]+)</td>", section)
    assert rows == [
        ("b", "1"),
        ("b", "2"),
        ("a", "1"),
        ("a", "2"),
    ]  # runs in the report's order, layers forward


def test_the_saturation_note_is_only_for_estimators_capped_by_log2_n() -> None:
    capped = table("r").assign(I_XT=4.0)  # log2 16 = 4: at the ceiling at every epoch
    page = render_report(capped, [summary("r")], {})
    assert "sits at log2 N = 4.00 bits in 4 of 4 epochs" in page
    ksg = capped.assign(estimator="ksg", setting="ksg k=3")
    page = render_report(ksg, [summary("r")], {})
    assert (
        "sits at log2 N" not in page
        and "Not checked: ksg (their I(X;T) is not capped by log<sub>2</sub> N and they state no ceiling)" in page
    )


def test_a_lower_bound_near_its_own_ceiling_is_flagged() -> None:
    # InfoNCE states its ceiling in the MI table; layer 1 (I(X;T) 2.0 … 2.3) comes within 0.5 bits of a
    # 2.6-bit ceiling at epochs 1-3 (2.1, 2.2, 2.3 ≥ 2.1), layer 2 (2.0 … 2.3) of a 2.4-bit one at all four; a
    # 9-bit ceiling flags nothing.
    infonce = table("r", estimator="infonce", setting="infonce", params="{}", ceiling_bits=2.6)
    infonce.loc[infonce["layer"] == "1", "I_XT"] = [2.0, 2.1, 2.2, 2.3]
    infonce.loc[infonce["layer"] == "2", "ceiling_bits"] = 2.4
    page = render_report(infonce, [summary("r")], {})
    assert "I(X;T) within 0.5 bits of the ceiling infonce states, 2.60 bits, in 3 of 4 epochs" in page
    assert "infonce states, 2.40 bits, in 4 of 4 epochs" in page and "Not checked" not in page
    page = render_report(infonce.assign(ceiling_bits=9.0), [summary("r")], {})
    assert "infonce states" not in page and "near its estimator's own ceiling" in page


# --- where plotly.js comes from --------------------------------------------------------------------------


def test_plotlyjs_inline_cdn_or_directory(tmp_path) -> None:  # noqa: ANN001
    t, s = table("r"), [summary("r")]
    inline = write_report(tmp_path / "inline.html", t, s, {})
    cdn = write_report(tmp_path / "cdn.html", t, s, {}, plotlyjs="cdn")
    assert inline.stat().st_size > 3_000_000 and cdn.stat().st_size < 300_000
    assert f"<script src='{plotlyjs_cdn_url()}'" in cdn.read_text(encoding="utf-8")
    assert not (tmp_path / PLOTLYJS_FILE).exists()
    page = write_report(tmp_path / "dir.html", t, s, {}, plotlyjs="directory")
    js = tmp_path / PLOTLYJS_FILE
    assert (
        f"<script src='{PLOTLYJS_FILE}'" in page.read_text(encoding="utf-8") and js.stat().st_size > 3_000_000
    )
    before = js.stat().st_mtime_ns
    write_report(tmp_path / "dir2.html", t, s, {}, plotlyjs="directory")
    assert js.stat().st_mtime_ns == before  # written once: an identical copy is kept
    with pytest.raises(UsageError, match="plotlyjs='web': use one of inline, cdn, directory"):
        render_report(t, s, {}, plotlyjs="web")  # type: ignore[arg-type]
    from infoplane.reports.bench_page import write_bench_report

    bench = write_bench_report(
        tmp_path / "bench.html",
        pd.DataFrame([{"task": "g", "family": "gaussian", "estimator": "kde", "seed": 0, "n": 10, "truth": 1.0,
                       "estimate": 0.9, "status": "ok", "error": ""}]),
        pd.DataFrame({"gaussian": [0.1]}, index=["kde"]),
        plotlyjs="cdn",
    )  # fmt: skip
    assert bench.stat().st_size < 300_000


# --- descriptions come from the stored parameters --------------------------------------------------------


def test_each_setting_is_described_with_its_stored_parameters() -> None:
    fixed = table("r").assign(params=json.dumps({"n_bins": 30, "range": [0, 5]}), setting="binning 30 [0,5]")
    page = render_report(fixed, [summary("r")], {"binning 30 [0,5]": "binning: 30 bins over [0, 5]"})
    assert "<b>binning 30 [0,5]</b>: binning: 30 bins over [0, 5]" in page
    assert "(parameters: <code>{&quot;n_bins&quot;: 30, &quot;range&quot;: [0, 5]}</code>)" in page
    # a description keyed by estimator name is used only where that estimator has one setting
    two = pd.concat([fixed, table("r")], ignore_index=True)
    page = render_report(two, [summary("r")], {"binning": "a fresh default binning"})
    assert "a fresh default binning" not in page
