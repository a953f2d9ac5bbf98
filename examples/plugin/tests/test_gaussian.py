"""The plugin's own tests: infoplane's estimator contract, run on ``example_gaussian`` as installed.

Run after ``pip install -e examples/plugin``: ``python -m pytest examples/plugin/tests``. Copy this file
into your plugin and change ``NAME``; every check goes through infoplane's registry, as users will.
"""

from __future__ import annotations

import numpy as np
import pytest
from infoplane import estimators

NAME = "example_gaussian"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = 800
    y = np.arange(n) % 4  # H(Y) = 2 bits exactly
    return {
        "x": rng.normal(size=(n, 3)),
        "clusters": (10.0 * y + 0.01 * rng.normal(size=n))[:, None],  # T reveals Y: I(T;Y) = 2 bits
        "noise": rng.normal(size=(n, 1)),
        "y": y,
        "y_random": rng.integers(0, 2, size=n),
    }


def test_found_through_the_entry_point_group() -> None:
    assert NAME in estimators.available()
    est = estimators.get(NAME)
    assert est.name == NAME and est.label.startswith(NAME)
    for flag in ("is_lower_bound", "needs_training", "accepts_continuous", "scale_invariant"):
        assert isinstance(getattr(est, flag), bool), flag


def test_reports_bits(data: dict[str, np.ndarray]) -> None:
    _, i_ty = estimators.get(NAME).information_plane(data["x"], data["clusters"], data["y"])
    assert i_ty == pytest.approx(2.0, abs=0.02)  # 2 bits, not ln 4 = 1.386 nats


def test_independence_gives_about_zero(data: dict[str, np.ndarray]) -> None:
    i_xt, i_ty = estimators.get(NAME).information_plane(data["x"], data["noise"], data["y_random"])
    assert -0.02 <= i_ty <= 0.1 and -0.02 <= i_xt <= 0.1


def test_known_value(rng: np.random.Generator) -> None:
    a = rng.normal(size=(20000, 1))
    b = a + 0.5 * rng.normal(size=(20000, 1))
    truth = -0.5 * np.log2(1 - 1 / 1.25)  # jointly Gaussian, ρ² = 0.8: 1.161 bits
    assert estimators.get(NAME).mutual_information(a, b) == pytest.approx(truth, abs=0.02)


@pytest.mark.parametrize("case", ["NaN", "mismatched lengths", "one sample", "non-integer labels"])
def test_bad_input_is_a_value_error(data: dict[str, np.ndarray], case: str) -> None:
    x, t, y = data["x"], data["clusters"], data["y"]
    if case == "NaN":
        t = t.copy()
        t[5, 0] = np.nan
    elif case == "mismatched lengths":
        y = y[:-3]
    elif case == "one sample":
        x, t, y = x[:1], t[:1], y[:1]
    else:
        y = y + 0.5
    with pytest.raises(ValueError):
        estimators.get(NAME).information_plane(x, t, y)


def test_parameters_round_trip() -> None:
    est = estimators.get(NAME)
    params = est.get_params()
    assert type(est)(**params).get_params() == params  # __init__ stores parameters unchanged
    assert est.set_params(**params) is est
