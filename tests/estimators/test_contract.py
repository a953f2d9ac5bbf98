"""The estimator contract, checked on every registered estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from infoplane import estimators

#: Quick settings for estimators that train (the contract is about behaviour, not accuracy).
FAST_PARAMS: dict[str, dict[str, Any]] = {"mine": {"steps": 1500}}
#: How far from the truth a quick estimate may land, in bits.
TOLERANCE: dict[str, float] = {"mine": 0.3, "ksg": 0.1}

NAMES = estimators.available()


def make(name: str) -> estimators.Estimator:
    return estimators.get(name, **FAST_PARAMS.get(name, {}))


def plane(est: estimators.Estimator, x: Any, t: np.ndarray, y: Any) -> tuple[float, float]:
    """``information_plane``, giving estimators that need per-sample records (echo) a scale of 1/2."""
    extra = {key: np.full(np.shape(t), -1.0) for key in getattr(est, "requires_aux", ())}
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


#: Cheap settings for the scale checks (each scale is a full estimate).
SCALE_PARAMS: dict[str, dict[str, Any]] = {"mine": {"steps": 150, "hidden": 16, "batch_size": 128, "eval_every": 25}}
SCALES = [1e154, 1e-200, 1e-6, 1e6]


@pytest.fixture(scope="module")
def scale_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 300
    x = rng.normal(size=(n, 3))
    t = np.tanh(x @ rng.normal(size=(3, 2))) + 0.1 * rng.normal(size=(n, 2))
    return {"x": x, "t": t, "y": (x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0)}


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("name", NAMES)
def test_extreme_scales_give_the_same_value_or_a_clear_error_never_nan(
    name: str, scale: float, scale_data: dict[str, np.ndarray]
) -> None:
    """Issue 9.7: x and t scaled together by 1e154 gave kde (nan, nan), ksg and mine other numbers."""
    est = estimators.get(name, **SCALE_PARAMS.get(name, {}))
    x, t, y = scale_data["x"], scale_data["t"], scale_data["y"]
    at_one = plane(est, x, t, y)
    try:
        scaled = plane(est, x * scale, t * scale, y)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)  # a clear, one-line refusal is allowed
        return
    assert np.all(np.isfinite(scaled)), scaled
    if est.scale_invariant:
        np.testing.assert_allclose(scaled, at_one, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_kde_at_extreme_scales_gives_the_noisy_channel_limits(bound: str, scale_data: dict[str, np.ndarray]) -> None:
    """σ² is absolute: a layer at 1e154 is all distinct components (log2 N, H(Y)), one at 1e-200 is all noise."""
    t, y = scale_data["t"], scale_data["y"]
    est = estimators.get("kde", bound=bound)
    assert not est.scale_invariant
    h_y = -sum(p * np.log2(p) for p in np.bincount(y) / len(y))
    np.testing.assert_allclose(est.information_plane(None, t * 1e154, y), (np.log2(len(t)), h_y), rtol=1e-12)
    np.testing.assert_allclose(est.information_plane(None, t * 1e-200, y), (0.0, 0.0), atol=1e-12)
    for scale in (1e-6, 1e6, 2.0**-300):  # t scaled by c with σ² by c²: the same numbers
        together = estimators.get("kde", bound=bound, noise_variance=1e-3 * scale**2)
        np.testing.assert_allclose(together.information_plane(None, t * scale, y), est.information_plane(None, t, y), rtol=1e-12)


@pytest.mark.parametrize(
    ("case", "message"),
    [("empty", "has 0 samples"), ("zero units", "has no units"), ("complex", "complex values")],
)
@pytest.mark.parametrize("name", NAMES)
def test_empty_zero_width_and_complex_layers_are_named(name: str, case: str, message: str, data: dict[str, np.ndarray]) -> None:
    """Issue 9.6/9.8: "cannot reshape array of size 0", "zero-size array to reduction", imaginary parts dropped."""
    x, t, y = data["x"], data["clusters"], data["y"]
    if case == "empty":
        x, t, y = x[:0], t[:0], y[:0]
    elif case == "zero units":
        t = t[:, :0]
    else:
        t = t + 1j * t
    with pytest.raises(ValueError, match=message):
        plane(make(name), x, t, y)


def test_labels_beyond_int64_are_refused_not_wrapped() -> None:
    """Float labels of 1e20 (or uint64 above 2^63) were cast to int64 and silently wrapped."""
    from infoplane.samples import as_class_labels

    with pytest.raises(ValueError, match="beyond the int64 range"):
        as_class_labels(np.array([1e20, 0.0, 1.0]))
    with pytest.raises(ValueError, match="beyond the int64 range"):
        as_class_labels(np.array([2**64 - 1, 0], dtype=np.uint64))
    np.testing.assert_array_equal(as_class_labels(np.array([10**12, -3])), [10**12, -3])  # large is fine
    t = np.arange(6.0)[:, None]
    assert estimators.get("binning").information_plane(None, t, np.array([10**12, -5] * 3)) == pytest.approx(
        (np.log2(6), 1.0)
    )


def test_binning_fit_trajectory_names_an_empty_or_zero_unit_epoch() -> None:
    est = estimators.get("binning")
    with pytest.raises(ValueError, match="has 0 samples"):
        est.fit_trajectory([np.zeros((4, 2)), np.zeros((0, 2))])
    with pytest.raises(ValueError, match="has no units"):
        est.fit_trajectory([np.zeros((4, 0))])
