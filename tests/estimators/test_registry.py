"""The estimator registry."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators import Binning, Estimator, register


def test_binning_is_registered_and_built_from_params() -> None:
    assert "binning" in estimators.available()
    est = estimators.get("binning", n_bins=12)
    assert isinstance(est, Binning)
    assert est.get_params() == {"n_bins": 12, "range": None, "strategy": "uniform", "scope": "unit"}
    assert est.describe().startswith("binning: 12 equal-width bins") and "binned" in est.describe()
    assert "[-1, 1]" in estimators.get("binning", range=(-1, 1)).describe()


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown estimator 'bining'; available: .*binning"):
        estimators.get("bining")


def test_duplicate_names_need_replace() -> None:
    class Constant(Estimator):
        def __init__(self, value: float = 0.0) -> None:
            self.value = value

        def mutual_information(self, a: object, b: object) -> float:
            return self.value

        def information_plane(self, x: object, t: object, y: object) -> tuple[float, float]:
            return self.value, self.value

    with pytest.raises(ValueError, match="already registered"):
        register("binning")(Constant)
    try:
        register("constant-test")(Constant)
        assert estimators.get("constant-test", value=2.0).information_plane(None, np.ones(2), [0, 1]) == (2.0, 2.0)
        register("constant-test", replace=True)(Constant)
    finally:
        from infoplane.estimators import base

        base._REGISTRY.pop("constant-test", None)


def test_set_params_copies_and_checks_names() -> None:
    est = Binning()
    changed = est.set_params(n_bins=7)
    assert (est.n_bins, changed.n_bins) == (30, 7)
    with pytest.raises(ValueError, match="unknown parameters"):
        est.set_params(bins=7)
