"""The tidy MI table of a run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from infoplane import Run, estimate
from infoplane.analysis import COLUMNS
from infoplane.estimators import Binning


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
    assert list(table.columns) == COLUMNS
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
    with pytest.warns(RuntimeWarning, match="run 'toy', layer 'a', epoch 5: NaN or infinite"):
        table = estimate(run, [Binning(n_bins=2)], progress=False)
    # epoch 0 is still estimated, over the range of the finite epochs only: [0, 1] → bins {0}, {0.5, 0.9, 1}
    assert table["I_XT"].iloc[0] == pytest.approx(-(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75)))
    assert np.isnan(table["I_XT"].iloc[1]) and np.isnan(table["I_TY"].iloc[1])
    assert json.loads(table["fitted"].iloc[0]) == {"range": [0.0, 1.0]}


def test_errors_name_the_run_layer_and_epoch() -> None:
    from infoplane.estimators import get

    with pytest.raises(ValueError, match="run 'toy', layer 'a', epoch 0:"):
        estimate(two_epoch_run(), [get("ksg", k=10)], progress=False)  # 4 samples cannot have 10 neighbours
    with pytest.raises(ValueError, match="estimators is empty"):
        estimate(two_epoch_run(), [], progress=False)


def test_runs_sharing_a_name_are_refused() -> None:
    with pytest.raises(ValueError, match=r"runs share the names \['toy'\]"):
        estimate([two_epoch_run(), two_epoch_run()], ["binning"], progress=False)
