"""MINE: accuracy against analytic Gaussian MI, determinism, warm starts, and input validation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import infoplane.estimators.mine  # noqa: F401 - registers "mine"
from infoplane.estimators import get
from infoplane.estimators.mine import Mine, dv_bound, dv_bound_with_stderr, one_hot, standardise


def gaussian_pairs(
    rng: np.random.Generator, n: int, rho: float, pairs: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """``pairs`` independent pairs with correlation ``rho``; truth −(pairs/2)·log2(1 − ρ²) bits."""
    a = rng.standard_normal((n, pairs))
    b = rho * a + math.sqrt(1 - rho**2) * rng.standard_normal((n, pairs))
    return a, b, -0.5 * pairs * math.log2(1 - rho**2)


@pytest.fixture
def small() -> Mine:
    """A cheap configuration for tests of behaviour rather than accuracy."""
    return Mine(hidden=16, steps=200, batch_size=128, eval_every=25, patience=3, n_marginal=4)


def test_registered_with_flags_and_defaults() -> None:
    est = get("mine")
    assert isinstance(est, Mine)
    assert (est.is_lower_bound, est.needs_training, est.accepts_continuous) == (True, True, True)
    assert "Donsker–Varadhan" in est.quantity and "log N" in est.quantity
    params = est.get_params()
    assert (
        params["hidden"] == 64 and params["ema"] == 0.01 and params["seed"] == 0 and params["device"] is None
    )
    assert get("mine", hidden=8).get_params()["hidden"] == 8


def test_bivariate_gaussian_within_ten_percent(rng: np.random.Generator) -> None:
    a, b, truth = gaussian_pairs(rng, 5000, 0.9, 1)
    assert truth == pytest.approx(1.198, abs=1e-3)
    est = Mine()
    value, stderr = est.estimate(a, b)
    assert value == pytest.approx(truth, rel=0.10)
    assert 0 < stderr < 0.1
    assert not hasattr(est, "last_fits") and not hasattr(est, "last_stderr_bits")  # results are returned


def test_five_correlated_pairs_within_ten_percent(rng: np.random.Generator) -> None:
    a, b, truth = gaussian_pairs(rng, 5000, math.sqrt(0.75), 5)
    assert truth == pytest.approx(5.0)
    assert Mine().mutual_information(a, b) == pytest.approx(truth, rel=0.10)


def test_independent_sides_give_about_zero(rng: np.random.Generator, small: Mine) -> None:
    a, b = rng.standard_normal((1000, 2)), rng.standard_normal((1000, 3))
    fit = small.fit(a, b)
    assert 0 <= fit.mi_bits < 0.05 and fit.mi_bits == small.mutual_information(a, b)
    assert fit.raw_bits < 0.05 and fit.mi_bits == max(fit.raw_bits, 0.0)  # the raw bound, before clipping at 0


def test_same_seed_same_number_other_seed_other_number(rng: np.random.Generator, small: Mine) -> None:
    a, b, _ = gaussian_pairs(rng, 600, 0.8, 1)
    first = small.mutual_information(a, b)
    assert small.mutual_information(torch.as_tensor(a), b) == first
    assert small.set_params(seed=1).mutual_information(a, b) != first
    assert small.seed == 1  # set_params changes the estimator in place (scikit-learn's convention)


def test_labels_are_one_hot_and_information_plane_trains_both_sides(
    rng: np.random.Generator, small: Mine
) -> None:
    x = rng.standard_normal((800, 3))
    y = (x[:, 0] > 0).astype(np.int64)
    t = np.tanh(x @ rng.standard_normal((3, 4)))
    i_xt, i_ty = small.information_plane(x[:, :, None], t, y)  # trailing dims of x are flattened
    fits = small.fit_information_plane(x[:, :, None], t, y)
    assert (fits[0].mi_bits, fits[1].mi_bits) == (i_xt, i_ty)
    assert i_xt > 0.5 and 0.1 < i_ty <= 1.0 + 3 * fits[1].stderr_bits
    assert not any(fit.warm for fit in fits)
    np.testing.assert_array_equal(one_hot(np.array([5, 2, 5])), [[0, 1], [1, 0], [0, 1]])


def test_warm_start_takes_fewer_steps_than_cold_fits(rng: np.random.Generator) -> None:
    est = Mine(hidden=32, batch_size=256, eval_every=25, patience=4, n_marginal=8)
    n = 1500
    x, noise = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    y = (x[:, 0] > 0).astype(np.int64)
    layers = [rho * x + math.sqrt(1 - rho**2) * noise for rho in (0.8, 0.82, 0.84, 0.86)]
    fitted = est.fit_trajectory(layers)
    assert fitted is not est and est._warm_states is None  # the original stays stateless
    warm, cold, steps_warm, steps_cold = [], [], 0, 0
    for t in layers:
        warm_fits = fitted.fit_information_plane(x, t, y)
        warm.append(tuple(fit.mi_bits for fit in warm_fits))
        steps_warm += sum(fit.steps for fit in warm_fits)
        cold_fits = est.fit_information_plane(x, t, y)
        cold.append(tuple(fit.mi_bits for fit in cold_fits))
        steps_cold += sum(fit.steps for fit in cold_fits)
    assert all(fit.warm for fit in warm_fits) and not any(fit.warm for fit in cold_fits)
    assert warm[0] == cold[0]  # the first epoch is a cold fit in both
    assert steps_warm < 0.7 * steps_cold
    np.testing.assert_allclose(np.array(warm)[:, 0], np.array(cold)[:, 0], rtol=0.05)


def test_warm_start_off_gives_cold_fits(rng: np.random.Generator) -> None:
    x = rng.standard_normal((300, 2))
    fitted = Mine(hidden=16, steps=100, batch_size=128, warm_start=False).fit_trajectory([x])
    fitted.information_plane(x, x + rng.standard_normal((300, 2)), (x[:, 0] > 0).astype(int))
    fits = fitted.fit_information_plane(x, x + rng.standard_normal((300, 2)), (x[:, 0] > 0).astype(int))
    assert not any(fit.warm for fit in fits)


def test_dv_bound_by_hand() -> None:
    # T = log 2 on the joint pair, 0 and log 3 on the marginal pairs: log 2 − log((1 + 3)/2) = 0.
    joint, marginal = torch.tensor([math.log(2.0)]), torch.tensor([0.0, math.log(3.0)])
    assert float(dv_bound(joint, marginal)) == pytest.approx(0.0, abs=1e-7)
    value, stderr = dv_bound_with_stderr(np.array([1.0, 3.0]), np.array([0.0, 0.0, 0.0]))
    assert value == pytest.approx(2.0)
    assert stderr == pytest.approx(1.0)  # Var_P(T)/n = 2/2; e^T constant on the marginal


def test_standardise_handles_constant_columns() -> None:
    out = standardise(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_allclose(out, [[-1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (np.array([[0.0], [np.nan], [1.0]]), np.zeros(3), "NaN"),
        (np.zeros((5, 2)), np.zeros((4, 2)), "pair samples"),
        (np.zeros((1, 2)), np.zeros((1, 2)), "at least 2"),
        (np.zeros((5, 2)), np.array([0, 1, 0, 1]), "5 samples"),
        (np.zeros((4, 2)), np.array([0.0, 0.5, 1.0, 1.0]), None),  # floats: a continuous side, fine
    ],
)
def test_invalid_pairs_raise_value_errors(
    a: np.ndarray, b: np.ndarray, message: str | None, small: Mine
) -> None:
    if message is None:
        assert Mine(holdout=0.5, steps=20).mutual_information(a + np.arange(4)[:, None], b) >= 0
        return
    with pytest.raises(ValueError, match=message):
        small.mutual_information(a, b)


def test_information_plane_needs_x_and_integer_labels(rng: np.random.Generator, small: Mine) -> None:
    t = rng.standard_normal((50, 2))
    with pytest.raises(ValueError, match="needs the inputs x"):
        small.information_plane(None, t, np.zeros(50, dtype=int))
    with pytest.raises(ValueError, match="integer class indices"):
        small.information_plane(t, t, np.full(50, 0.5))
    with pytest.raises(ValueError, match="50 samples"):
        small.information_plane(t, t, np.zeros(40, dtype=int))
    with pytest.raises(ValueError, match="x has 49|pair samples"):
        small.information_plane(t[:49], t, np.zeros(50, dtype=int))


@pytest.mark.parametrize(
    "params",
    [
        {"hidden": 0},
        {"steps": 2.5},
        {"lr": -1.0},
        {"ema": 0.0},
        {"holdout": 1.0},
        {"weight_average": 1.0},
        {"seed": -1},
        {"device": "nope"},
    ],
)
def test_bad_parameters_raise_on_use_not_on_construction(
    params: dict[str, Any], rng: np.random.Generator
) -> None:
    est = Mine(**params)  # no validation in __init__
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"mine: parameter {name}="):
        est.mutual_information(rng.standard_normal((20, 1)), rng.standard_normal((20, 1)))


def test_too_few_samples_for_the_split(small: Mine) -> None:
    with pytest.raises(ValueError, match="held out"):
        small.mutual_information(np.arange(3.0), np.arange(3.0))


@pytest.mark.gpu
def test_runs_on_cuda(rng: np.random.Generator) -> None:
    if not torch.cuda.is_available():
        pytest.skip("torch.cuda.is_available() is False: no CUDA device here")
    a, b, truth = gaussian_pairs(rng, 5000, 0.9, 1)
    est = Mine(device="cuda")
    assert est.mutual_information(a, b) == pytest.approx(truth, rel=0.10)
    x = rng.standard_normal((1000, 3))
    i_xt, i_ty = est.fit_trajectory([x]).information_plane(x, np.tanh(x), (x[:, 0] > 0).astype(int))
    assert i_xt > 1.0 and i_ty > 0.5
