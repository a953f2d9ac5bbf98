"""The estimator contract, checked on every registered estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from infoplane import estimators

#: Quick settings for estimators that train (the contract is about behaviour, not accuracy).
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "mine": {"steps": 1500},
    **{name: {"steps": 400, "eval_size": 256} for name in ("infonce", "nwj", "smile")},
}
#: How far from the truth a quick estimate may land, in bits.
TOLERANCE: dict[str, float] = {"mine": 0.3, "ksg": 0.1, "infonce": 0.3, "nwj": 0.3, "smile": 0.3}

NAMES = estimators.available()


def make(name: str) -> estimators.Estimator:
    return estimators.get(name, **FAST_PARAMS.get(name, {}))


def plane(est: estimators.Estimator, x: Any, t: np.ndarray, y: Any) -> tuple[float, float]:
    """``information_plane``, giving estimators that need per-sample records (echo) a scale of 1/2."""
    extra = {key: np.full(t.shape, -1.0) for key in getattr(est, "requires_aux", ())}
    return est.information_plane(x, t, y, **extra)


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


@pytest.mark.parametrize("name", NAMES)
def test_declares_its_behaviour(name: str) -> None:
    est = make(name)
    for flag in ("is_lower_bound", "needs_training", "accepts_continuous"):
        assert isinstance(getattr(est, flag), bool), flag
    assert est.describe().startswith(name) and len(est.describe()) > len(name) + 10
    assert isinstance(est.get_params(), dict)


@pytest.mark.parametrize("name", NAMES)
def test_reports_bits(name: str, data: dict[str, np.ndarray]) -> None:
    _, i_ty = plane(make(name), data["x"], data["clusters"], data["y"])
    assert i_ty == pytest.approx(2.0, abs=TOLERANCE.get(name, 0.02))  # 2 bits, not ln 4 = 1.386 nats


@pytest.mark.parametrize("name", NAMES)
def test_independence_gives_about_zero_and_never_much_below(name: str, data: dict[str, np.ndarray]) -> None:
    i_xt, i_ty = plane(make(name), data["x"], data["noise"], data["y_random"])
    assert -0.02 <= i_ty <= 0.1
    assert i_xt >= -0.02


@pytest.mark.parametrize("name", NAMES)
def test_symmetric_where_both_sides_may_be_continuous(name: str, rng: np.random.Generator) -> None:
    est = make(name)
    a = rng.normal(size=(1000, 1))
    b = a + 0.5 * rng.normal(size=(1000, 1))
    if not est.accepts_continuous:
        with pytest.raises(ValueError):
            est.mutual_information(a, b)
        return
    forward, backward = est.mutual_information(a, b), est.mutual_information(b, a)
    truth = -0.5 * np.log2(1 - 1 / 1.25)  # ρ² = 1/(1 + 0.25)
    assert forward == pytest.approx(backward, abs=0.02 if not est.needs_training else 0.3)
    assert forward > 0.3 * truth


@pytest.mark.parametrize("name", [n for n in NAMES if getattr(estimators.get(n), "invariant_under_invertible_maps", False)])
def test_invariant_under_invertible_maps_where_claimed(name: str, rng: np.random.Generator) -> None:
    est = make(name)
    a = rng.normal(size=(1500, 1))
    b = a + 0.5 * rng.normal(size=(1500, 1))
    assert est.mutual_information(a**3, np.arcsinh(3 * b)) == pytest.approx(
        est.mutual_information(a, b), abs=TOLERANCE.get(name, 0.1)
    )


@pytest.mark.parametrize("case", ["NaN", "mismatched lengths", "one sample", "non-integer labels"])
@pytest.mark.parametrize("name", NAMES)
def test_bad_input_is_a_value_error(name: str, case: str, data: dict[str, np.ndarray]) -> None:
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
        plane(make(name), x, t, y)
