"""Saturation flags."""

from __future__ import annotations

import pandas as pd

from infoplane.analysis import saturation


def table(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"run": "r", "estimator": "binning", "params": "{}", "layer": layer, "epoch": e, "I_XT": v, "I_TY": 0.5}
        for layer, series in values.items()
        for e, v in enumerate(series)
    ]
    return pd.DataFrame(rows)


def test_a_layer_at_log2_n_is_flagged_with_what_it_means() -> None:
    flags = saturation(table({"1": [12.0, 12.0, 11.995], "9": [8.0, 6.0, 4.0]}), {"r": 4096}, {"r": {"1": 10, "9": 3}})
    assert flags["layer"].tolist() == ["1"]
    row = flags.iloc[0]
    assert row["epochs_at_ceiling"] == 3 and row["epochs"] == 3
    assert "cannot show compression" in row["message"]


def test_a_layer_far_wider_than_log2_n_is_flagged() -> None:
    flags = saturation(table({"conv": [5.0, 5.0]}), {"r": 1797}, {"r": {"conv": 512}})
    assert flags["layer"].tolist() == ["conv"] and "width 512 is far above" in flags.iloc[0]["message"]
    assert saturation(table({"fc": [5.0, 5.0]}), {"r": 1797}, {"r": {"fc": 16}}).empty


def test_a_constant_layer_is_noted() -> None:
    flags = saturation(table({"dead": [0.0, 0.0], "alive": [0.0, 1.0]}), {"r": 100}, {"r": {"dead": 3, "alive": 3}})
    assert flags["layer"].tolist() == ["dead"] and "constant over the probe set" in flags.iloc[0]["message"]
