"""The tidy MI table of a run."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import torch

from infoplane import Run, estimate
from infoplane.analysis import COLUMNS
from infoplane.analysis.mi_table import MI_COLUMNS, applies_to, estimate_row, estimates_frame, setting_label
from infoplane.estimators import Binning, Estimator, get


def two_epoch_run() -> Run:
    # Layer "a": epoch 0 spans [0, 1], epoch 5 spans [0, 4]. Over all epochs the range is [0, 4]:
    # with 2 bins, epoch 0 falls entirely in bin 0 (H = 0), epoch 5 splits 2/2 (H = 1 bit).
    a = torch.tensor([[[0.0], [0.5], [0.9], [1.0]], [[0.0], [1.0], [3.0], [4.0]]])
    return Run(
        epochs=[0, 5],
        layers=["a"],
        activations={"a": a},
        labels=torch.tensor([0, 0, 1, 1]),
        metadata={"activation": "relu", "seed": 4, "name": "toy"},
        inputs=torch.arange(4.0)[:, None],
    )


def test_binning_range_is_taken_over_all_logged_epochs() -> None:
    table = estimate(two_epoch_run(), [Binning(n_bins=2)], progress=False)
    assert list(table.columns) == COLUMNS == MI_COLUMNS and MI_COLUMNS[-1] == "setting"
    assert table["setting"].tolist() == [setting_label(Binning(n_bins=2))] * 2
    assert table["I_XT"].tolist() == pytest.approx([0.0, 1.0])
    assert table["I_TY"].tolist() == pytest.approx([0.0, 1.0])
    assert json.loads(table["fitted"].iloc[0]) == {"range": [0.0, 4.0]}
    assert json.loads(table["params"].iloc[0])["range"] is None  # the setting as given
    assert table[["run", "activation", "seed", "layer", "layer_index", "estimator"]].iloc[0].tolist() == [
        "toy", "relu", 4, "a", 0, "binning",
    ]  # fmt: skip


def test_a_fixed_range_is_respected_per_epoch() -> None:
    table = estimate(two_epoch_run(), [Binning(n_bins=2, range=(0.0, 1.0))], progress=False)
    # Epoch 0 with [0, 1]: 0, 0.5→bin 1, 0.9, 1.0 → H of (1/4, 3/4).
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    assert table["I_XT"].tolist() == pytest.approx([h, h])


def test_diverged_epochs_are_warned_gaps_not_numbers() -> None:
    run = two_epoch_run()
    run.activations["a"][1, 2, 0] = float("nan")
    with pytest.warns(RuntimeWarning, match="run 'toy', layer 'a', epoch 5, binning: NaN or infinite"):
        table = estimate(run, [Binning(n_bins=2)], progress=False)
    # epoch 0 is still estimated, over the range of the finite epochs only: [0, 1] → bins {0}, {0.5, 0.9, 1}
    assert table["I_XT"].iloc[0] == pytest.approx(-(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75)))
    assert np.isnan(table["I_XT"].iloc[1]) and np.isnan(table["I_TY"].iloc[1])
    assert json.loads(table["fitted"].iloc[0]) == {"range": [0.0, 1.0]}


def test_errors_name_the_run_layer_and_epoch() -> None:
    with pytest.raises(ValueError, match="run 'toy', layer 'a', epoch 0, ksg:"):
        estimate(two_epoch_run(), [get("ksg", k=10)], progress=False)  # 4 samples cannot have 10 neighbours
    with pytest.raises(ValueError, match="estimators is empty"):
        estimate(two_epoch_run(), [], progress=False)


def test_runs_sharing_a_name_are_refused() -> None:
    with pytest.raises(ValueError, match=r"runs share the names \['toy'\]"):
        estimate([two_epoch_run(), two_epoch_run()], ["binning"], progress=False)


def test_one_name_or_one_estimator_is_enough() -> None:
    by_list = estimate(two_epoch_run(), ["binning"], progress=False)
    assert estimate(two_epoch_run(), "binning", progress=False).equals(by_list)
    assert estimate(two_epoch_run(), progress=False).equals(by_list)  # binning by default
    one = estimate(two_epoch_run(), Binning(n_bins=2), progress=False)
    assert one["I_XT"].tolist() == pytest.approx([0.0, 1.0])


class Infinite(Estimator):
    name = "infinite"

    def __init__(self) -> None:
        pass

    def mutual_information(self, a: Any, b: Any) -> float:
        return math.inf

    def information_plane(self, x: Any, t: Any, y: Any) -> tuple[float, float]:
        return math.inf, -math.inf


def test_an_infinite_estimate_is_a_warned_gap() -> None:
    with pytest.warns(RuntimeWarning, match=r"run 'toy', layer 'a', epoch \d, infinite: .*\(inf, -inf\) bits is not finite") as warned:
        table = estimate(two_epoch_run(), Infinite(), progress=False)
    assert [str(w.message).split(",")[2] for w in warned] == [" epoch 0", " epoch 5"]
    assert table[["I_XT", "I_TY"]].isna().all().all()


def test_estimate_row_is_one_row_with_given_params_and_what_was_fitted() -> None:
    t = np.array([[0.0], [1.0], [3.0], [4.0]])
    given = Binning(n_bins=2)
    fitted = given.fit_trajectory([t])
    row = estimate_row(fitted, None, t, np.array([0, 0, 1, 1]), epoch=7, layer="a", layer_index=2, given=given)
    assert list(row) == MI_COLUMNS[3:]
    assert (row["epoch"], row["layer"], row["layer_index"], row["estimator"]) == (7, "a", 2, "binning")
    assert row["I_XT"] == pytest.approx(1.0) and row["I_TY"] == pytest.approx(1.0)  # bins {0, 1} | {3, 4}
    assert json.loads(row["fitted"]) == {"range": [0.0, 4.0]} and json.loads(row["params"])["range"] is None
    assert row["setting"] == setting_label(given)
    with pytest.raises(ValueError, match="layer 'a', epoch 7, ksg:"):
        estimate_row(get("ksg", k=10), None, t, np.array([0, 0, 1, 1]), epoch=7, layer="a", layer_index=0)
    with pytest.warns(RuntimeWarning, match="layer 'a', epoch 7, ksg: no estimate"):
        row = estimate_row(get("ksg", k=10), None, t, np.array([0, 0, 1, 1]), epoch=7, layer="a", layer_index=0, strict=False)
    assert math.isnan(row["I_XT"]) and math.isnan(row["I_TY"])


def test_applies_to_needs_every_required_record() -> None:
    echo = get("echo")
    assert applies_to(echo, {"log2_scale": np.zeros((4, 1))}) and not applies_to(echo, {})
    assert applies_to(get("binning"), {})


def online_run(**row: Any) -> Run:
    base = {"epoch": 0, "layer": "a", "layer_index": 0, "estimator": "binning", "params": Binning(n_bins=2).params_json(),
            "fitted": "{}", "I_XT": 0.5, "I_TY": 0.25}  # fmt: skip
    return Run(
        epochs=[0], layers=["a"], activations={}, labels=torch.tensor([0, 1, 0, 1]),
        metadata={"name": "online", "activation": "tanh", "seed": 2}, estimates=[base | row],
    )  # fmt: skip


def test_store_none_runs_give_their_online_estimates() -> None:
    table = estimate(online_run(), "binning", progress=False)
    assert table[["run", "activation", "seed", "epoch", "layer", "I_XT", "I_TY"]].iloc[0].tolist() == [
        "online", "tanh", 2, 0, "a", 0.5, 0.25,
    ]  # fmt: skip
    assert table["setting"].iloc[0] == setting_label(Binning(n_bins=2))  # the label, recomputed from params
    assert len(estimate(online_run(), Binning(n_bins=2), progress=False)) == 1  # an instance asks for its setting
    with pytest.raises(ValueError, match=r"run 'online' was captured with store='none'.*not kept.*not binning"):
        estimate(online_run(), Binning(n_bins=3), progress=False)
    with pytest.raises(ValueError, match=r"run 'online'.*store='none'.*it has \['binning .*not ksg"):
        estimate(online_run(), ["binning", "ksg"], progress=False)
    both = estimate([online_run(), two_epoch_run()], ["binning"], progress=False)
    assert both["run"].tolist() == ["online", "toy", "toy"]


def test_stored_online_estimates_that_are_not_finite_numbers() -> None:
    """Run() refuses an infinite estimate (so no run file holds one); the table builder still turns one
    given to it directly into a warned NaN, and refuses a value that is not a number."""
    with pytest.raises(ValueError, match="I_XT is inf"):
        online_run(I_XT=math.inf)
    row = {"epoch": 0, "layer": "a", "layer_index": 0, "estimator": "binning", "params": Binning(n_bins=2).params_json(),
           "fitted": "{}", "I_XT": math.inf, "I_TY": 0.25}  # fmt: skip
    with pytest.warns(RuntimeWarning, match=r"run 'online', layer 'a', epoch 0, binning: the online estimate I_XT is inf"):
        table = estimates_frame([row], {"name": "online"})
    assert math.isnan(table["I_XT"].iloc[0]) and table["I_TY"].iloc[0] == 0.25
    with pytest.raises(ValueError, match=r"run 'online', layer 'a', epoch 0: the online estimate I_TY is 'abc', not a number"):
        estimates_frame([row | {"I_XT": 0.5, "I_TY": "abc"}], {"name": "online"})


def test_a_stored_estimator_unknown_here_is_labelled_by_its_name() -> None:
    table = estimates_frame([{"epoch": 0, "layer": "a", "layer_index": 0, "estimator": "plugin-gone", "params": "{",
                              "fitted": "{}", "I_XT": 1.0, "I_TY": 0.5}], {"name": "r"})  # fmt: skip
    assert table["setting"].tolist() == ["plugin-gone"] and list(table.columns) == MI_COLUMNS
