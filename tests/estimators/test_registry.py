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


def test_set_params_changes_in_place_returns_self_and_checks() -> None:
    est = Binning()
    assert est.set_params(n_bins=7) is est and est.n_bins == 7  # scikit-learn's convention
    with pytest.raises(ValueError, match="unknown parameters"):
        est.set_params(bins=7)
    with pytest.raises(ValueError, match="binning: parameter n_bins=True must be an integer ≥ 2"):
        est.set_params(n_bins=True, strategy="adaptive")
    assert (est.n_bins, est.strategy) == (7, "uniform")  # an invalid value changes nothing


def test_fit_trajectory_never_changes_the_estimator_it_is_called_on() -> None:
    est = Binning()
    fitted = est.fit_trajectory([np.array([[-2.0], [3.0]])])
    assert fitted is not est and fitted.range == (-2.0, 3.0) and est.range is None


@pytest.mark.parametrize("name", estimators.available())
def test_sklearn_clone_and_get_params_deep(name: str) -> None:
    from sklearn.base import clone

    est = estimators.get(name)
    assert est.get_params(deep=True) == est.get_params(deep=False) == est.get_params()
    copy = clone(est)
    assert type(copy) is type(est) and copy is not est and copy.get_params() == est.get_params()
