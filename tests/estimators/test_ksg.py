"""KSG (Kraskov et al. 2004) and Ross 2014: slow references, sklearn, analytic truth, invariances, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import digamma
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

import infoplane.estimators.ksg  # noqa: F401 - registers "ksg"
from infoplane.estimators import get
from infoplane.estimators.ksg import KSG, ksg_mi_nats, mixed_mi_nats

LN2 = np.log(2.0)


def reference_ksg_nats(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Kraskov et al. eq. 8 written plainly: a Python loop over samples, max-norm distances in numpy."""
    n = len(a)
    total = 0.0
    for i in range(n):
        da = np.max(np.abs(a - a[i]), axis=1)
        db = np.max(np.abs(b - b[i]), axis=1)
        joint = np.maximum(da, db)
        joint[i] = np.inf
        eps = np.sort(joint)[k - 1]
        n_a = np.sum(da < eps) - 1  # i itself is at distance 0 < eps
        n_b = np.sum(db < eps) - 1
        total += digamma(n_a + 1) + digamma(n_b + 1)
    return float(digamma(k) + digamma(n) - total / n)


def reference_mixed_nats(c: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Ross 2014 written plainly, with scikit-learn's handling of small classes."""
    sizes = {label: np.sum(labels == label) for label in np.unique(labels)}
    kept = np.array([sizes[label] > 1 for label in labels])
    c, labels = c[kept], labels[kept]
    n = len(c)
    terms = []
    for i in range(n):
        d = np.max(np.abs(c - c[i]), axis=1)
        same = labels == labels[i]
        k_i = min(k, int(same.sum()) - 1)
        d_same = d[same]
        d_i = np.sort(d_same)[k_i]  # index 0 is i itself, at distance 0
        m_i = np.sum(d < d_i)  # i itself included
        terms.append(digamma(n) - digamma(same.sum()) + digamma(k_i) - digamma(m_i))
    return float(np.mean(terms))


def gaussian_pairs(
    rng: np.random.Generator, n: int, rho: float, pairs: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """``pairs`` independent standard bivariate normals of correlation ρ: truth −(pairs/2)·log2(1−ρ²) bits."""
    a = rng.standard_normal((n, pairs))
    b = rho * a + np.sqrt(1 - rho**2) * rng.standard_normal((n, pairs))
    return a, b


def gaussian_truth_bits(rho: float, pairs: int = 1) -> float:
    return -0.5 * pairs * np.log2(1 - rho**2)


# --- fast against slow -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "d_a", "d_b", "k"), [(60, 1, 1, 1), (150, 3, 2, 3), (200, 2, 4, 5)])
def test_fast_ksg_matches_brute_force_reference(
    rng: np.random.Generator, n: int, d_a: int, d_b: int, k: int
) -> None:
    a = rng.standard_normal((n, d_a))
    b = np.tanh(a[:, :1]) + 0.5 * rng.standard_normal((n, d_b))
    assert ksg_mi_nats(a, b, k) == pytest.approx(reference_ksg_nats(a, b, k), abs=1e-12)


def test_fast_ksg_counts_strictly_closer_points_under_ties(rng: np.random.Generator) -> None:
    # Integer coordinates: many distances equal ε_i exactly, so "< ε" against "≤ ε" changes the counts.
    a = rng.integers(0, 6, (80, 2)).astype(float)
    b = a[:, :1] + rng.integers(0, 3, (80, 1))
    assert ksg_mi_nats(a, b, 3) == pytest.approx(reference_ksg_nats(a, b, 3), abs=1e-12)


def test_fast_mixed_matches_brute_force_reference_with_small_classes(rng: np.random.Generator) -> None:
    labels = rng.integers(0, 3, 150)
    labels[:3] = [7, 8, 8]  # a singleton (left out) and a class of 2 (k = 1 there)
    labels[3:6] = 9  # a class of 3 (k = 2 there)
    c = np.column_stack((labels + rng.standard_normal(150), rng.standard_normal(150)))
    for k in (1, 3, 4):
        assert mixed_mi_nats(c, labels, k) == pytest.approx(reference_mixed_nats(c, labels, k), abs=1e-12)


def test_class_without_preprocessing_is_the_pure_function_in_bits(rng: np.random.Generator) -> None:
    a, b = gaussian_pairs(rng, 120, 0.8, pairs=2)
    est = KSG(k=4, jitter=0.0, standardize=False)
    assert est.mutual_information(a, b) == pytest.approx(reference_ksg_nats(a, b, 4) / LN2, abs=1e-12)


# --- scikit-learn ------------------------------------------------------------------------------------------


def test_matches_sklearn_mutual_info_regression_on_1d_pairs(rng: np.random.Generator) -> None:
    x = rng.uniform(-3, 3, 1200)
    targets = {
        "linear": 0.6 * x + rng.standard_normal(1200),
        "sine": np.sin(2 * x) + 0.3 * rng.standard_normal(1200),
        "scaled": 1000.0 * (x + 0.2 * rng.standard_normal(1200)),  # sklearn standardizes: so do we
    }
    est = KSG(k=3)
    for name, y in targets.items():
        sklearn_nats = mutual_info_regression(x[:, None], y, n_neighbors=3, random_state=0)[0]
        assert est.mutual_information(x, y) * LN2 == pytest.approx(sklearn_nats, abs=1e-4), name


def test_matches_sklearn_mutual_info_classif_on_labels(rng: np.random.Generator) -> None:
    x = rng.uniform(-3, 3, 1200)
    labels = (x > 0).astype(int) + (x > 1.5) + (rng.random(1200) < 0.2)
    labels[:3] = [7, 8, 8]  # a singleton class and a class smaller than k
    feature = x + 0.5 * rng.standard_normal(1200)
    sklearn_nats = mutual_info_classif(feature[:, None], labels, n_neighbors=3, random_state=0)[0]
    assert KSG(k=3).mutual_information(feature, labels) * LN2 == pytest.approx(sklearn_nats, abs=1e-4)


# --- analytic truth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_bivariate_gaussian_within_small_sample_error(rng: np.random.Generator, rho: float) -> None:
    # One estimate at N=2500 has a spread of about 0.027 bits; the mean of four, about 0.014.
    estimates = [KSG().mutual_information(*gaussian_pairs(rng, 2500, rho)) for _ in range(4)]
    assert np.mean(estimates) == pytest.approx(gaussian_truth_bits(rho), rel=0.05, abs=0.05)


def test_three_correlated_pairs_in_three_dimensions(rng: np.random.Generator) -> None:
    # Truth 0.966 bits; at N=3000 KSG is biased low by about 0.05 bits here (spread 0.04).
    estimates = [KSG().mutual_information(*gaussian_pairs(rng, 3000, 0.6, pairs=3)) for _ in range(2)]
    assert np.mean(estimates) == pytest.approx(gaussian_truth_bits(0.6, pairs=3), rel=0.15)


def test_independent_sides_give_about_zero(rng: np.random.Generator) -> None:
    raw = [ksg_mi_nats(rng.standard_normal((2000, 2)), rng.standard_normal((2000, 2)), 3) for _ in range(3)]
    raw = [nats / LN2 for nats in raw]
    assert np.mean(raw) == pytest.approx(0.0, abs=0.05)
    a, b = rng.standard_normal((2000, 2)), rng.standard_normal((2000, 3))
    assert 0.0 <= KSG().mutual_information(a, b) < 0.07  # the class reports negative noise as 0
    assert 0.0 <= KSG().mutual_information(a, rng.integers(0, 3, 2000)) < 0.07


def test_well_separated_classes_give_the_label_entropy(rng: np.random.Generator) -> None:
    labels = rng.choice(4, size=2000, p=[0.4, 0.3, 0.2, 0.1])
    t = 50.0 * labels[:, None] + rng.standard_normal((2000, 2))
    p = np.bincount(labels) / len(labels)
    # Every radius holds only the class's own neighbours: I = ψ(N) − ⟨ψ(N_y)⟩ ≈ H(Y).
    assert KSG().mutual_information(t, labels) == pytest.approx(-np.sum(p * np.log2(p)), abs=0.01)


# --- properties --------------------------------------------------------------------------------------------


def test_symmetric_in_its_two_sides(rng: np.random.Generator) -> None:
    a, b = gaussian_pairs(rng, 800, 0.7, pairs=2)
    exact = KSG(jitter=0.0)
    assert exact.mutual_information(a, b) == exact.mutual_information(b, a)
    assert KSG().mutual_information(a, b) == pytest.approx(KSG().mutual_information(b, a), abs=1e-9)
    labels = (a[:, 0] > 0).astype(int)
    assert exact.mutual_information(labels, a) == exact.mutual_information(a, labels)


def test_about_invariant_under_an_invertible_map_of_one_side(rng: np.random.Generator) -> None:
    est = KSG()
    x, y = gaussian_pairs(rng, 3000, 0.6)
    plain = est.mutual_information(x, y)
    assert est.mutual_information(np.arcsinh(3 * x), y**3) == pytest.approx(plain, abs=0.08)
    a, b = gaussian_pairs(rng, 3000, 0.6, pairs=3)
    plain = est.mutual_information(a, b)
    assert est.mutual_information(a, np.arcsinh(3 * b)) == pytest.approx(plain, abs=0.1)


def test_information_plane_is_ksg_on_inputs_and_ross_on_labels(rng: np.random.Generator) -> None:
    x = rng.standard_normal((600, 3, 4))
    t = np.tanh(x.reshape(600, -1) @ rng.standard_normal((12, 5)) / 2)
    y = (t[:, 0] > 0).astype(int)
    est = KSG()
    i_xt, i_ty = est.information_plane(torch.from_numpy(x), torch.from_numpy(t).float(), torch.from_numpy(y))
    assert i_xt == pytest.approx(est.mutual_information(x.reshape(600, -1), t), abs=1e-4)  # float32 t
    assert i_ty == pytest.approx(est.mutual_information(t, y), abs=1e-4)
    assert i_xt > 1.0 and 0.3 < i_ty <= 1.0


def test_dead_units_carry_no_information(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1000, 4))
    y = (x[:, 0] > 0).astype(int)
    assert KSG().information_plane(x, np.zeros((1000, 3)), y) == pytest.approx((0.0, 0.0), abs=0.02)
    alive = KSG().information_plane(x, x[:, :1], y)
    with_dead_unit = KSG().information_plane(x, np.column_stack((x[:, 0], np.zeros(1000))), y)
    assert with_dead_unit == pytest.approx(alive, abs=0.02)  # the jitter alone never separates samples
    assert alive[1] == pytest.approx(1.0, abs=0.02)  # y is a function of t: I(T;Y) = H(Y) ≈ 1 bit


def test_registered_with_its_parameters_and_flags() -> None:
    est = get("ksg", k=5)
    assert isinstance(est, KSG)
    assert est.get_params() == {"k": 5, "jitter": 1e-10, "standardize": True, "seed": 0, "preprocess": None}
    assert not (KSG().is_lower_bound or KSG.needs_training) and KSG.accepts_continuous
    assert "KSG" in est.describe() and "k=5" in est.describe()


# --- validation --------------------------------------------------------------------------------------------


def test_rejects_invalid_inputs_naming_the_problem(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal((50, 2)), rng.standard_normal((50, 1))
    est = KSG()
    with pytest.raises(ValueError, match="NaN"):
        est.mutual_information(np.where(a > 2, np.nan, a), b)
    with pytest.raises(ValueError, match="pair samples"):
        est.mutual_information(a, b[:40])
    with pytest.raises(ValueError, match="b have 40 entries for 50 samples"):
        est.mutual_information(a, rng.integers(0, 2, 40))
    with pytest.raises(ValueError, match=r"k=3 needs at least k \+ 1 = 4 samples, got 3"):
        est.mutual_information(a[:3], b[:3])
    with pytest.raises(ValueError, match="both sides are integer labels"):
        est.mutual_information(rng.integers(0, 2, 50), rng.integers(0, 2, 50))
    with pytest.raises(ValueError, match="every class has a single sample"):
        est.mutual_information(a, np.arange(50))
    duplicated = np.repeat(a[:10], 5, axis=0)
    with pytest.raises(ValueError, match="distance 0.*keep jitter > 0"):
        KSG(jitter=0.0).mutual_information(duplicated, duplicated)
    assert KSG().mutual_information(duplicated, duplicated) > 0  # the jitter breaks the ties


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"k": 0}, "parameter k=0 must be an integer ≥ 1"),
        ({"k": 2.5}, "parameter k=2.5 must be"),
        ({"k": True}, "parameter k=True must be"),
        ({"jitter": -1.0}, "jitter"),
        ({"jitter": float("nan")}, "jitter"),
        ({"jitter": "small"}, "jitter"),
        ({"standardize": "yes"}, "standardize"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_parameters_are_checked_when_used(
    rng: np.random.Generator, params: dict[str, object], message: str
) -> None:
    est = KSG(**params)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        est.mutual_information(rng.standard_normal(20), rng.standard_normal(20))


def test_information_plane_needs_inputs_and_integer_labels(rng: np.random.Generator) -> None:
    x, t = rng.standard_normal((50, 4)), rng.standard_normal((50, 3))
    est = KSG()
    with pytest.raises(ValueError, match="needs the inputs x"):
        est.information_plane(None, t, rng.integers(0, 2, 50))
    with pytest.raises(ValueError, match="integer class indices"):
        est.information_plane(x, t, rng.random(50))
    with pytest.raises(ValueError, match="x has 40 samples but t has 50"):
        est.information_plane(x[:40], t, rng.integers(0, 2, 50))
    with pytest.raises(ValueError, match="NaN"):
        est.information_plane(x, np.full((50, 3), np.nan), rng.integers(0, 2, 50))
