"""MINE on the critic core: defaults, accuracy against analytic MI, the bound's side, ema, warm starts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

from infoplane.estimators import Mine, get
from infoplane.estimators.critics import CriticEstimator, CriticFit, CriticSettings
from infoplane.estimators.mine import MineFit

#: Quick settings: the tests are about behaviour and rough accuracy, on 2 shared cores.
FAST: dict[str, Any] = {
    "hidden": 32, "batch_size": 256, "eval_every": 25, "patience": 3, "steps": 400, "n_marginal": 8,
}  # fmt: skip

#: MINE's defaults, as documented (a concatenated critic, one in-batch negative, the moving average ema).
DEFAULTS: dict[str, Any] = {
    "hidden": 64, "n_layers": 2, "steps": 4000, "batch_size": 1024, "lr": 1e-3, "ema": 0.01, "holdout": 0.3,
    "eval_every": 50, "patience": 6, "n_marginal": 32, "weight_average": 0.99, "min_improvement": 0.25,
    "critic": "concat", "ensemble": 1, "negatives": 1, "embed": 32, "eval_size": 2048, "preprocess": "copula",
    "warm_start": True, "seed": 0, "device": None,
}  # fmt: skip


#: Small networks: one torch thread is fastest, and fair on a shared machine (fixture in tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def gaussian(
    rng: np.random.Generator, n: int, rho: float, width: int = 1
) -> tuple[np.ndarray, np.ndarray, float]:
    """``width`` independent pairs with correlation ``rho``: (a, b, truth −(width/2)·log2(1 − ρ²) bits)."""
    a = rng.standard_normal((n, width))
    b = rho * a + math.sqrt(1 - rho**2) * rng.standard_normal((n, width))
    return a, b, -0.5 * width * math.log2(1 - rho**2)


def test_registered_on_the_core_with_mines_defaults() -> None:
    est = get("mine")
    assert isinstance(est, Mine) and isinstance(est, CriticEstimator) and MineFit is CriticFit
    assert (est.is_lower_bound, est.needs_training, est.accepts_continuous) == (True, True, True)
    assert "Donsker–Varadhan" in est.quantity and "log N" in est.quantity
    assert est.get_params() == DEFAULTS and Mine.default_params() == DEFAULTS
    settings = est.settings()
    assert settings.bound == "dv" and settings.ema == 0.01 and settings.critic == "concat"
    trained = {k: v for k, v in DEFAULTS.items() if k not in ("preprocess", "warm_start")}
    assert all(getattr(settings, k) == v for k, v in trained.items())
    assert get("mine", hidden=8).settings().hidden == 8
    # DV's ceiling: log2 of the held-out count (30% of n), NaN where fewer than 2 rows are held out.
    assert est.ceiling_bits(1000) == pytest.approx(math.log2(300))
    assert math.isnan(est.ceiling_bits(3))


def test_gaussian_pair_close_to_the_truth_and_below_it(rng: np.random.Generator) -> None:
    a, b, truth = gaussian(rng, 1500, 0.8)
    assert truth == pytest.approx(0.737, abs=1e-3)  # −½ log2(1 − 0.64)
    fit = Mine(**FAST).fit(a, b)
    assert fit.mi_bits == pytest.approx(truth, abs=0.15)
    assert fit.mi_bits <= truth + 3 * fit.stderr_bits  # a lower bound, up to its estimate's noise
    assert 0 < fit.stderr_bits < 0.1 and fit.ceiling_bits == pytest.approx(math.log2(450))
    assert 0 < fit.steps <= FAST["steps"] and fit.best_step <= fit.steps and not fit.warm


def test_high_mi_stays_a_lower_bound(rng: np.random.Generator) -> None:
    # ρ = 0.995 in 2 coordinates: truth −log2(1 − 0.995²) = 6.65 bits, near the DV ceiling log2(180) = 7.49 on
    # 600 samples: the bound falls well short here, and must never land above the truth beyond its noise.
    a, b, truth = gaussian(rng, 600, 0.995, width=2)
    assert truth == pytest.approx(6.647, abs=1e-3)
    fit = Mine(**FAST).fit(a, b)
    assert fit.mi_bits <= truth + 3 * fit.stderr_bits and fit.mi_bits <= fit.ceiling_bits
    assert fit.mi_bits > 3.0  # it learns most of it


def test_independent_sides_give_about_zero(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal((1000, 2)), rng.standard_normal((1000, 3))
    fit = Mine(**FAST).fit(a, b)
    assert 0 <= fit.mi_bits < 0.05 and fit.raw_bits < 0.05
    assert fit.mi_bits == max(fit.raw_bits, 0.0)  # the raw bound, before clipping at 0


def test_same_seed_same_number_other_seed_other_number(rng: np.random.Generator) -> None:
    a, b, _ = gaussian(rng, 600, 0.8)
    est = Mine(**FAST)
    first = est.mutual_information(a, b)
    assert est.mutual_information(torch.as_tensor(a), b) == first
    assert est.set_params(seed=1).mutual_information(a, b) != first


def test_ema_is_validated_and_used(rng: np.random.Generator) -> None:
    a, b, _ = gaussian(rng, 400, 0.8)
    for bad in (0.0, 1.5, -0.1, True):
        message = rf"mine: parameter ema={bad!r} must be a finite number in \(0, 1\]"
        with pytest.raises(ValueError, match=message):
            Mine(ema=bad, **FAST).mutual_information(a, b)
    with pytest.raises(ValueError, match="ema"):
        CriticSettings(bound="dv", ema=0.0).check()
    # ema = 1 (no averaging: the plain minibatch gradient) is allowed, and trains another network than 0.01.
    quick = {**FAST, "steps": 50}
    assert Mine(ema=1.0, **quick).fit(a, b).raw_bits != Mine(ema=0.01, **quick).fit(a, b).raw_bits


def test_repeated_epoch_warm_starts_with_fewer_steps_and_a_similar_estimate(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1000, 2))
    t = 0.8 * x + 0.6 * rng.standard_normal((1000, 2))  # truth I(X;T) = −log2(1 − 0.64) = 1.474 bits
    y = (x[:, 0] > 0).astype(np.int64)
    est = Mine(**FAST)
    fitted = est.fit_trajectory([t, t])
    assert fitted is not est and est._warm_states is None  # the original stays stateless
    first = fitted.fit_information_plane(x, t, y)
    again = fitted.fit_information_plane(x, t, y)  # the same epoch again: warm from the first fit's critics
    assert not any(f.warm for f in first) and all(f.warm for f in again)
    assert sum(f.steps for f in again) < 0.7 * sum(f.steps for f in first)
    assert again[0].mi_bits == pytest.approx(first[0].mi_bits, abs=0.1)
    assert first[0].mi_bits == pytest.approx(-math.log2(1 - 0.64), abs=0.3)
    cold = Mine(warm_start=False, **FAST).fit_trajectory([t, t])
    cold.fit_information_plane(x, t, y)
    assert not any(f.warm for f in cold.fit_information_plane(x, t, y))


def test_labels_are_one_hot_and_a_revealing_layer_gives_h_of_y(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1000, 3))
    y = (x[:, 0] > 0).astype(np.int64)  # H(Y) = 1 bit; T = X reveals Y, so I(T;Y) = 1 bit
    est = Mine(**FAST)
    layers = {"t": x, "noise": rng.standard_normal((1000, 2))}
    planes, _ = est.information_plane_layers(x[:, :, None], layers, y)
    i_ty, noise_ty = planes["t"][1], planes["noise"][1]
    assert 0.75 < i_ty <= 1.1 and noise_ty < 0.05


def test_heavy_tails_do_not_collapse_with_the_copula_map() -> None:
    # Issue 12: Student-t, ν = 1, ρ = 0 (MI only from the shared scale), truth 0.323 bits. On z-scores MINE
    # read ~0 (0.003–0.055 nats on the bmi Student-t tasks); the copula map (the default) fixes it.
    rng = np.random.default_rng(1)
    n, nu = 2000, 1.0
    scale = np.sqrt(rng.chisquare(nu, size=(n, 1)) / nu)
    a, b = rng.standard_normal((n, 1)) / scale, rng.standard_normal((n, 1)) / scale
    longer = {**FAST, "steps": 1000, "patience": 6}  # the shared scale takes ~800 steps to learn here
    assert Mine(**longer).mutual_information(a, b) == pytest.approx(0.323, abs=0.06)
    assert Mine(preprocess=None, **longer).mutual_information(a, b) < 0.1


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (np.array([[0.0], [np.nan], [1.0]]), np.zeros(3), "NaN"),
        (np.zeros((5, 2)), np.zeros((4, 2)), "pair samples"),
        (np.zeros((1, 2)), np.zeros((1, 2)), "at least 2"),
        (np.zeros((5, 2)), np.array([0, 1, 0, 1]), "5"),
        (np.arange(3.0), np.arange(3.0), "held out"),
    ],
)
def test_invalid_pairs_raise_value_errors(a: np.ndarray, b: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Mine(**FAST).mutual_information(a, b)


def test_information_plane_needs_x_and_integer_labels(rng: np.random.Generator) -> None:
    t, est = rng.standard_normal((50, 2)), Mine(**FAST)
    with pytest.raises(ValueError, match="needs the inputs x"):
        est.information_plane(None, t, np.zeros(50, dtype=int))
    with pytest.raises(ValueError, match="integer class indices"):
        est.information_plane(t, t, np.full(50, 0.5))
    with pytest.raises(ValueError, match="50 samples"):
        est.information_plane(t, t, np.zeros(40, dtype=int))


@pytest.mark.gpu
def test_runs_on_cuda() -> None:
    if not torch.cuda.is_available():
        pytest.skip("torch.cuda.is_available() is False: no CUDA device here")
    a, b, truth = gaussian(np.random.default_rng(5), 5000, 0.9)
    cpu, cuda = (Mine(device=device).fit(a, b) for device in (None, "cuda"))
    assert cuda.mi_bits == pytest.approx(truth, rel=0.10)
    assert cuda.mi_bits == pytest.approx(cpu.mi_bits, abs=0.1)
    x = np.random.default_rng(6).standard_normal((1000, 3))
    fitted = Mine(device="cuda").fit_trajectory([x])
    i_xt, i_ty = fitted.information_plane(x, np.tanh(x), (x[:, 0] > 0).astype(int))
    assert i_xt > 1.0 and i_ty > 0.5
