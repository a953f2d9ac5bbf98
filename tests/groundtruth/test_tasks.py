"""Each task's truth, checked independently of the formula that computed it."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from scipy import stats

from infoplane import EchoNoise
from infoplane.groundtruth import (
    bivariate_gaussian,
    default_tasks,
    dense_gaussian,
    discrete_layer,
    echo_channel,
    get_task,
    sparse_gaussian,
    student_t,
    transformed,
)


@pytest.mark.parametrize(
    ("task", "covariance"),
    [
        (bivariate_gaussian(0.9), np.array([[1.0, 0.9], [0.9, 1.0]])),
        (dense_gaussian(2), np.full((4, 4), 0.5) + 0.5 * np.eye(4)),
        (sparse_gaussian(3, pairs=2, rho=0.8), None),
    ],
)
def test_gaussian_truth_equals_a_monte_carlo_log_density_ratio(task, covariance) -> None:  # type: ignore[no-untyped-def]
    d = task.dim_a
    if covariance is None:
        covariance = np.eye(2 * d)
        for i in range(2):
            covariance[i, d + i] = covariance[d + i, i] = 0.8
    a, b = task.sample(200_000, seed=3)
    log_ratio = (
        stats.multivariate_normal(cov=covariance).logpdf(np.hstack([a, b]))
        - stats.multivariate_normal(cov=covariance[:d, :d]).logpdf(a)
        - stats.multivariate_normal(cov=covariance[d:, d:]).logpdf(b)
    ) / np.log(2)
    error = log_ratio.std() / np.sqrt(len(log_ratio))
    assert task.truth_bits == pytest.approx(log_ratio.mean(), abs=4 * error + 1e-3)
    assert np.allclose(np.cov(np.hstack([a, b]), rowvar=False), covariance, atol=0.02)


@pytest.mark.parametrize(("nu", "dim"), [(1, 1), (2, 1), (5, 1), (1, 2)])
def test_student_t_truth_equals_a_monte_carlo_log_density_ratio(nu: float, dim: int) -> None:
    task = student_t(nu, dim=dim)
    a, b = task.sample(200_000, seed=4)
    log_ratio = (
        stats.multivariate_t(shape=np.eye(2 * dim), df=nu).logpdf(np.hstack([a, b]))
        - stats.multivariate_t(shape=np.eye(dim), df=nu).logpdf(a)
        - stats.multivariate_t(shape=np.eye(dim), df=nu).logpdf(b)
    ) / np.log(2)
    error = log_ratio.std() / np.sqrt(len(log_ratio))
    assert task.truth_bits == pytest.approx(log_ratio.mean(), abs=4 * error + 2e-3)


def test_student_t_reference_values_of_science_md() -> None:
    assert student_t(1).truth_bits * np.log(2) == pytest.approx(0.2242, abs=1e-4)
    assert student_t(1, dim=2).truth_bits * np.log(2) == pytest.approx(0.4319, abs=1e-4)


def test_discrete_truth_by_enumeration() -> None:
    task = discrete_layer("relu", 3, n_bins=10, seed=2)
    # Enumerate independently: every pattern once, count the distinct binned rows with a Counter.
    from infoplane.experiments.datasets import szt12_patterns

    patterns = szt12_patterns().astype(float)
    a, b = task.sample(50_000, seed=0)
    table = {tuple(row_a): tuple(row_b) for row_a, row_b in zip(a.tolist(), b.tolist())}
    assert len(table) == 4096  # every pattern drawn; b is a function of a
    counts = Counter(table[tuple(p)] for p in patterns.tolist())
    p = np.array(list(counts.values())) / 4096
    assert task.truth_bits == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-12)
    assert 0 < task.truth_bits <= 12


def test_echo_truth_equals_the_rate_echo_noise_reports() -> None:
    task = echo_channel("relu", dim_x=3, dim_z=4)
    scales = torch.tensor(np.linspace(0.3, 0.7, 4))
    layer = EchoNoise()
    layer(torch.zeros(5, 4, dtype=torch.float64), scales.expand(5, 4))
    assert task.truth_bits == pytest.approx(layer.last_rate_bits, abs=1e-12)
    x, z = task.sample(2000, seed=1)
    assert x.shape == (2000, 3) and z.shape == (2000, 4) and np.isfinite(z).all()


def test_transforms_keep_the_truth_and_change_the_samples() -> None:
    base = sparse_gaussian(5)
    for name in ("cube", "asinh", "normal_cdf", "spiral"):
        task = transformed(base, name)
        assert task.truth_bits == base.truth_bits and task.id == f"{name}(gauss-5v5-sparse2)"
        a0, _ = base.sample(100, seed=7)
        a1, _ = task.sample(100, seed=7)
        assert not np.allclose(a0, a1)
    uniform, _ = transformed(base, "normal_cdf").sample(20_000, seed=0)
    assert stats.kstest(uniform[:, 0], "uniform").pvalue > 0.001


def test_ids_are_unique_and_stable_and_samples_repeat() -> None:
    tasks = default_tasks()
    ids = [t.id for t in tasks]
    assert len(ids) == len(set(ids))
    assert {t.family for t in tasks} == {"gaussian", "transformed", "student-t", "discrete", "echo"}
    a1, b1 = get_task("gauss-1v1-rho0.9").sample(10, seed=5)
    a2, b2 = get_task("gauss-1v1-rho0.9").sample(10, seed=5)
    assert np.array_equal(a1, a2) and np.array_equal(b1, b2)
    with pytest.raises(ValueError, match="no task 'nope'"):
        get_task("nope")


def test_bit_patterns_are_the_12_bit_inputs_without_importing_experiments() -> None:
    from infoplane.experiments.datasets import szt12_patterns
    from infoplane.groundtruth.tasks import bit_patterns

    np.testing.assert_array_equal(bit_patterns(12), szt12_patterns())
    assert bit_patterns(3).tolist()[:3] == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]
    code = (
        "import sys, infoplane.groundtruth; infoplane.groundtruth.default_tasks(); "
        "bad = sorted(m for m in sys.modules if m.startswith(('infoplane.experiments', 'infoplane.layers'))); "
        "assert not bad, bad"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True)
