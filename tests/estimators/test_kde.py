"""KDE (Kolchinsky–Tracey pairwise bounds): a float64 reference, hand cases, quadrature values, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import infoplane.estimators.kde  # noqa: F401  (registers "kde")
from infoplane.estimators.base import get
from infoplane.estimators.kde import KDE, kde_information_plane
from infoplane.estimators.kernel_sums import (
    _accumulate,
    _augmented,
    _dense_block,
    _sweep_blocks,
    _sweep_order,
    _torch_dense_sums,
    pairwise_kernel_sums,
    skip_radius_sq,
    unique_rows,
)
from infoplane.experiments.datasets import szt12

LN2 = math.log(2.0)


def reference_terms_nats(points: np.ndarray, widths: list[float]) -> np.ndarray:
    """−(1/N) Σ_i log[(1/N) Σ_j exp(−‖t_i − t_j‖²/h)] for each width h, in nats.

    Plain numpy float64 with explicit differences and a max-shifted logsumexp, a few rows at a time.
    """
    n = len(points)
    totals = np.zeros(len(widths))
    for start in range(0, n, 128):
        dist_sq = ((points[start : start + 128, None, :] - points[None, :, :]) ** 2).sum(-1)
        for k, width in enumerate(widths):
            exponent = -dist_sq / width
            top = exponent.max(axis=1, keepdims=True)
            log_sums = top[:, 0] + np.log(np.exp(exponent - top).sum(axis=1))
            totals[k] += (log_sums - np.log(n)).sum()
    return -totals / n


def reference_bits(t: np.ndarray, y: np.ndarray | None, variance: float, bound: str) -> tuple[float, float]:
    """SCIENCE.md §3 written out: I(X;T) = term(all); I(T;Y) = term(all) − Σ_y p(y) term(class y); bits."""
    width = (2.0 if bound == "upper" else 8.0) * variance
    whole = reference_terms_nats(t, [width])[0]
    if y is None:
        return whole / LN2, 0.0
    conditional = sum(np.mean(y == c) * reference_terms_nats(t[y == c], [width])[0] for c in np.unique(y))
    return whole / LN2, (whole - conditional) / LN2


Sample = tuple[np.ndarray, np.ndarray]


@pytest.fixture
def gaussian_sample(rng: np.random.Generator) -> Sample:
    """600 points in 3-d with 40 duplicated rows and three unequal classes."""
    t = rng.normal(size=(600, 3))
    t[:40] = t[300:340]
    y = rng.choice(3, size=600, p=[0.5, 0.3, 0.2])
    return t, y


def tanh_layer(scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """float32 tanh activations of a random 12→10 layer on the 12-bit inputs, and the labels."""
    x, y = szt12()
    weights = np.random.default_rng(seed).normal(scale=scale / math.sqrt(12), size=(12, 10))
    return np.tanh(x.numpy() @ weights.astype(np.float32)), y.numpy()


# --- against the independent float64 reference --------------------------------------------------


@pytest.mark.parametrize("method", ["dense", "neighbors", "auto"])
@pytest.mark.parametrize("chunk_size", [None, 37, 600])
def test_matches_float64_reference_for_both_bounds_and_several_variances(
    gaussian_sample: Sample, method: str, chunk_size: int | None
) -> None:
    t, y = gaussian_sample
    variances = (1e-3, 1e-2, 1e-1, 1.0)
    result = kde_information_plane(t, y, variances, ("upper", "lower"), method=method, chunk_size=chunk_size)
    assert result.shape == (2, 4, 2)
    for b, bound in enumerate(("upper", "lower")):
        for v, variance in enumerate(variances):
            expected = reference_bits(t, y, variance, bound)
            assert tuple(result[b, v]) == pytest.approx(expected, rel=1e-6, abs=1e-12), (bound, variance)


def test_neighbor_path_matches_dense_path_on_the_12_bit_tanh_layer() -> None:
    t, y = tanh_layer(scale=3.0)
    variances = (1e-3, 1e-2)
    dense = kde_information_plane(t, y, variances, ("upper", "lower"), method="dense")
    near = kde_information_plane(t, y, variances, ("upper", "lower"), method="neighbors", chunk_size=300)
    np.testing.assert_allclose(near, dense, rtol=1e-9, atol=1e-12)


def test_bound_stays_below_log2_n_on_the_12_bit_tanh_layer() -> None:
    # Isolated points at σ² = 1e-3: the bound is just below 12 bits, where a float32 expansion
    # ‖a‖² + ‖b‖² − 2a·b overshoots (12.0002 bits); ours must match the float64 reference.
    t, y = tanh_layer()
    t64 = t.astype(np.float64)
    expected = reference_terms_nats(t64, [2e-3, 8e-3]) / LN2
    for method in ("auto", "dense"):
        result = kde_information_plane(t, y, (1e-3,), ("upper", "lower"), method=method)
        assert result[:, 0, 0] == pytest.approx(expected, rel=1e-6)
        assert np.all(result[:, 0, 0] <= 12.0)
        assert np.all(result[:, 0, 1] <= 1.0)


# --- hand cases ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["dense", "neighbors"])
def test_identical_points_carry_no_information(method: str) -> None:
    t = np.full((50, 4), 0.3)
    y = np.arange(50) % 2
    i_xt, i_ty = kde_information_plane(t, y, (1e-3,), method=method)[0, 0]
    assert i_xt == 0.0
    assert i_ty == 0.0


@pytest.mark.parametrize("method", ["dense", "neighbors"])
@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_points_far_apart_give_log2_n_exactly(method: str, bound: str) -> None:
    n = 100
    t = 10.0 * np.stack([np.arange(n) % 10, np.arange(n) // 10], axis=1).astype(float)  # spacing 10 ≫ σ
    y = (np.arange(n) % 3 == 0).astype(int)
    i_xt, i_ty = kde_information_plane(t, y, (1e-3,), (bound,), method=method)[0, 0]
    assert i_xt == math.log2(n)
    p = y.mean()
    assert i_ty == pytest.approx(-(p * math.log2(p) + (1 - p) * math.log2(1 - p)), abs=1e-12)  # = H(Y)


def test_two_separated_clusters_labelled_by_cluster_give_h_y(rng: np.random.Generator) -> None:
    near = rng.normal(scale=0.3, size=(30, 2))
    far = rng.normal(scale=0.3, size=(70, 2)) + 100.0
    t = np.vstack([near, far])
    y = np.repeat([0, 1], [30, 70])
    h_y = -(0.3 * math.log2(0.3) + 0.7 * math.log2(0.7))
    for variance in (1e-2, 1e-1, 1.0):
        i_xt, i_ty = KDE(noise_variance=variance).information_plane(None, t, y)
        assert i_ty == pytest.approx(h_y, abs=1e-12)
        assert h_y <= i_xt <= math.log2(100)


@pytest.mark.parametrize("repeats", [1, 25])
def test_four_point_mixture_gives_the_quadrature_bounds(repeats: int) -> None:
    # SCIENCE.md §4: X uniform on {0,1,2,3}, T = X + N(0, σ²). The pairwise expression on equal numbers
    # of each point is the population bound of the mixture.
    t = np.repeat(np.arange(4.0), repeats)[:, None]
    quadrature_nats = {0.1: (1.0291, 1.1710, 1.3762), 1.0: (0.2614, 0.3996, 0.6788)}  # lower, exact, upper
    for variance, (lower, exact, upper) in quadrature_nats.items():
        result = kde_information_plane(t, None, (variance,), ("lower", "upper"))
        assert result[0, 0, 0] * LN2 == pytest.approx(lower, abs=6e-5)
        assert result[1, 0, 0] * LN2 == pytest.approx(upper, abs=6e-5)
        assert result[0, 0, 0] * LN2 < exact < result[1, 0, 0] * LN2
        assert np.all(result[:, 0, 1] == 0.0)  # no labels: one class


def test_lower_bound_never_exceeds_upper_bound(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    result = kde_information_plane(t, y, (1e-3, 1e-2, 1e-1, 1.0, 10.0), ("upper", "lower"))
    assert np.all(result[1, :, 0] <= result[0, :, 0])


def test_more_noise_means_less_information(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    i_xt = kde_information_plane(t, y, (1e-3, 1e-2, 1e-1, 1.0, 10.0))[0, :, 0]
    assert np.all(np.diff(i_xt) < 0)


# --- properties and the contract -----------------------------------------------------------------


def test_labels_independent_of_t_give_near_zero_label_information(rng: np.random.Generator) -> None:
    # Exactly balanced classes at every distinct point: I(T;Y) = 0 up to rounding.
    t = np.repeat(rng.normal(size=(8, 2)), 20, axis=0)
    y = np.tile([0, 1, 2, 3], 40)
    assert KDE(noise_variance=0.1).information_plane(None, t, y)[1] == pytest.approx(0.0, abs=1e-12)
    # Random labels with σ large against the spacing of 2000 points in 1-d: small positive bias only.
    t = rng.normal(size=(2000, 1))
    y = rng.integers(0, 2, size=2000)
    assert 0.0 <= KDE(noise_variance=0.1).information_plane(None, t, y)[1] < 0.01


def test_estimates_lie_between_zero_and_their_ceilings(rng: np.random.Generator) -> None:
    for width in (1, 3, 10):
        t = rng.normal(size=(300, width)) * rng.uniform(0.01, 3.0)
        y = rng.integers(0, 4, size=300)
        p = np.bincount(y) / 300
        h_y = float(-(p * np.log2(p)).sum())
        for variance in (1e-4, 1e-2, 1.0):
            result = kde_information_plane(t, y, (variance,), ("upper", "lower"))
            assert np.all(result >= 0.0)
            assert np.all(result[..., 0] <= math.log2(300))
            assert np.all(result[..., 1] <= h_y)


def test_invariant_to_sample_order_label_names_and_input_type(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    est = KDE(noise_variance=0.05)
    expected = est.information_plane(None, t, y)
    perm = np.random.default_rng(7).permutation(len(t))
    renamed = np.array([7, -3, 100])[y]
    assert est.information_plane(None, t[perm], renamed[perm]) == pytest.approx(expected, rel=1e-12)
    tensor = est.information_plane(None, torch.from_numpy(t), torch.from_numpy(y))
    assert tensor == pytest.approx(expected, rel=1e-12)


def test_several_variances_in_one_pass_equal_separate_calls(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    together = kde_information_plane(t, y, (1e-3, 0.3), ("upper", "lower"))
    for b, bound in enumerate(("upper", "lower")):
        for v, variance in enumerate((1e-3, 0.3)):
            alone = KDE(noise_variance=variance, bound=bound).information_plane(None, t, y)
            assert alone == pytest.approx(tuple(together[b, v]), rel=1e-12, abs=1e-15)


def test_mutual_information_with_labels_is_the_label_information(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    est = KDE(noise_variance=0.1)
    assert est.mutual_information(t, y) == pytest.approx(est.information_plane(None, t, y)[1], rel=1e-12)


def test_mutual_information_needs_a_discrete_side(rng: np.random.Generator) -> None:
    a, b = rng.normal(size=(100, 2)), rng.normal(size=(100, 1))
    with pytest.raises(ValueError, match="discrete side.*'mine' or 'ksg'"):
        KDE().mutual_information(a, b)
    with pytest.raises(ValueError, match="discrete side"):
        KDE().mutual_information(a, rng.normal(size=100))


def test_x_is_not_needed_but_must_pair_with_t(gaussian_sample: Sample) -> None:
    t, y = gaussian_sample
    est = KDE(noise_variance=0.1)
    x = np.arange(len(t) * 2.0).reshape(len(t), 2)
    assert est.information_plane(x, t, y) == est.information_plane(None, t, y)
    with pytest.raises(ValueError, match="x has 10 samples"):
        est.information_plane(x[:10], t, y)


@pytest.mark.parametrize(
    ("t", "y", "message"),
    [
        (np.array([[0.0], [np.nan], [1.0]]), np.array([0, 1, 0]), "NaN"),
        (np.zeros((1, 2)), np.array([0]), "at least 2 samples"),
        (np.zeros((5, 2)), np.array([0, 1, 0]), "3 entries for 5 samples"),
        (np.zeros((4, 2)), np.zeros((4, 2), dtype=int), "vector of class indices"),
        (np.zeros((3, 2)), np.array([0.0, 0.5, 1.0]), "integer class indices"),
        (np.zeros((3, 2)), np.array(["a", "b", "c"]), "integer class indices"),
    ],
)
def test_invalid_inputs_raise_value_errors(t: np.ndarray, y: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KDE().information_plane(None, t, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"noise_variance": 0.0}, "noise_variance"),
        ({"noise_variance": -1.0}, "noise_variance"),
        ({"noise_variance": float("nan")}, "noise_variance"),
        ({"noise_variance": "big"}, "noise_variance"),
        ({"bound": "middle"}, "parameter bound='middle' must be one of 'upper', 'lower'"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 2.5}, "chunk_size"),
        ({"device": "no-such-device"}, "device"),
    ],
)
def test_invalid_settings_are_stored_then_rejected_on_use(params: dict[str, object], message: str) -> None:
    est = KDE(**params)  # type: ignore[arg-type]
    assert est.get_params() == {**KDE().get_params(), **params}
    with pytest.raises(ValueError, match=message):
        est.information_plane(None, np.arange(8.0), np.arange(8) % 2)


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the error cannot occur")
    with pytest.raises(ValueError, match="cuda.*is_available"):
        KDE(device="cuda").information_plane(None, np.arange(8.0), np.arange(8) % 2)


def test_registry_flags_and_description() -> None:
    est = get("kde", noise_variance=0.1, bound="lower")
    assert isinstance(est, KDE)
    assert est.get_params() == {"noise_variance": 0.1, "bound": "lower", "device": None, "chunk_size": None}
    assert (KDE().is_lower_bound, KDE.needs_training, KDE.accepts_continuous) == (False, False, False)
    assert est.is_lower_bound  # a property: it follows bound
    assert "T + N(0, σ²I)" in KDE.quantity
    assert "σ² = 0.1" in est.describe() and "lower (Bhattacharyya)" in est.describe()
    assert est.fit_trajectory([np.zeros((4, 2))]) is est


# --- the machinery behind the numbers ------------------------------------------------------------


def test_unique_rows_groups_exactly_equal_rows(rng: np.random.Generator) -> None:
    t = rng.integers(0, 3, size=(500, 3)).astype(float)
    t[0] = [-0.0, 0.0, 0.0]
    t[1] = [0.0, 0.0, 0.0]
    distinct, inverse = unique_rows(t)
    assert np.array_equal(distinct[inverse], t)
    assert len(distinct) == len(np.unique(t, axis=0))


def test_kernel_sums_match_direct_sums_with_weights(rng: np.random.Generator) -> None:
    points = rng.normal(size=(700, 2))
    weights = rng.integers(1, 4, size=(700, 3)).astype(float)
    widths = [1e-3, 0.05]
    dist_sq = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    expected = np.stack([np.exp(-dist_sq / h) @ weights for h in widths])
    for method in ("dense", "neighbors"):
        sums = pairwise_kernel_sums(points, weights, widths, method=method, chunk_size=61)
        np.testing.assert_allclose(sums, expected, rtol=1e-10)


def test_torch_path_matches_numpy_path(rng: np.random.Generator) -> None:
    # The torch code is what device="cuda" runs; check it on CPU tensors against the numpy blocks.
    points = rng.normal(size=(300, 4))
    weights = rng.integers(1, 3, size=(300, 2)).astype(float)
    widths = [0.01, 0.5]
    order, projection, slack = _sweep_order(points)
    blocks = _sweep_blocks(projection, 37, math.sqrt(skip_radius_sq(max(widths), 600)) + slack)
    left, right = _augmented(points[order])
    w = weights[order]
    numpy_parts = [_dense_block(left, right, w.T.copy(), widths, b) for b in blocks]
    with_numpy = _accumulate(numpy_parts, blocks, (2, 2, 300))
    with_torch = _torch_dense_sums(left, right, w, widths, blocks, torch.device("cpu"))
    np.testing.assert_allclose(with_torch, with_numpy, rtol=1e-12)
    dist_sq = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    direct = np.stack([weights.T @ np.exp(-dist_sq / h) for h in widths])[:, :, order]
    np.testing.assert_allclose(with_torch, direct, rtol=1e-10)


@pytest.mark.gpu
def test_cuda_matches_cpu(gaussian_sample: Sample) -> None:
    if not torch.cuda.is_available():
        pytest.skip("torch.cuda.is_available() is False: no CUDA device to compare with the CPU")
    t, y = gaussian_sample
    variances = (1e-3, 1e-1, 1.0)
    cpu = kde_information_plane(t, y, variances, ("upper", "lower"))
    for chunk_size in (None, 37):
        gpu = kde_information_plane(t, y, variances, ("upper", "lower"), device="cuda", chunk_size=chunk_size)
        np.testing.assert_allclose(gpu, cpu, rtol=1e-9, atol=1e-12)
    layer, labels = tanh_layer()
    cpu_est = KDE(noise_variance=1e-3).information_plane(None, layer, labels)
    on_gpu = torch.from_numpy(layer).cuda()
    gpu_est = KDE(noise_variance=1e-3, device="cuda").information_plane(None, on_gpu, labels)
    assert gpu_est == pytest.approx(cpu_est, rel=1e-9)
