"""The bmi suite (Czyż et al. 2023): each family's truth checked independently of the code that computed it.

Gaussian and Student-t truths against Monte Carlo log-density ratios (scipy's densities, covariances built
here from the benchmark's latent-variable description); the additive task against a log-density ratio whose
marginal density is an interval length; every transformed task by inverting its maps on the samples and
recovering the untransformed task's samples exactly (an injective map of each side keeps the MI).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from infoplane.cli import main
from infoplane.groundtruth import get_task, runner
from infoplane.groundtruth.bmi import (
    BMI_FAMILIES,
    BMI_N,
    BMI_TASK_IDS,
    bmi_tasks,
    mixture_quantile,
    within_tolerance,
)

LN2 = np.log(2.0)


def _mc_truth_bits(joint, marg_a, marg_b, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Mean and standard error (bits) of log p(a, b) − log p(a) − log p(b)."""
    ratio = (joint.logpdf(np.hstack([a, b])) - marg_a.logpdf(a) - marg_b.logpdf(b)) / LN2
    return float(ratio.mean()), float(ratio.std() / np.sqrt(len(ratio)))


def test_forty_tasks_with_stable_ids_and_families() -> None:
    tasks = bmi_tasks()
    assert [t.id for t in tasks] == list(BMI_TASK_IDS) and len(set(BMI_TASK_IDS)) == 40
    families = Counter(t.family for t in tasks)
    assert families == {
        "multinormal": 10, "student": 7, "asinh-student": 4, "normal-cdf": 4, "half-cube": 4, "spiral": 6,
        "wiggly": 1, "bimodal": 1, "swissroll": 1, "additive-uniform": 2,
    }  # fmt: skip
    assert set(families) == set(BMI_FAMILIES)
    assert max(t.dim_a + t.dim_b for t in tasks) == 100  # the 50 × 50 dense task
    assert get_task("bmi-25v25-sparse").truth_bits * LN2 == pytest.approx(-np.log(1 - 0.64), abs=1e-12)


def test_samplers_have_the_stated_shapes_and_repeat_by_seed() -> None:
    for task in bmi_tasks():
        a, b = task.sample(64, seed=3)
        assert a.shape == (64, task.dim_a) and b.shape == (64, task.dim_b), task.id
        assert np.isfinite(a).all() and np.isfinite(b).all(), task.id
        a2, b2 = task.sample(64, seed=3)
        a3, _ = task.sample(64, seed=4)
        assert np.array_equal(a, a2) and np.array_equal(b, b2) and not np.array_equal(a, a3), task.id


def _sparse_correlation(d: int) -> np.ndarray:
    """The benchmark's latent-variable model (λ = η = 2, ε = 1, two interacting pairs), standardised."""
    cov = np.diag(np.full(2 * d, 1.0 + 4.0))  # ε² + λ² on the pairs, ε² + η² elsewhere
    for i in range(2):
        cov[i, d + i] = cov[d + i, i] = 4.0  # λ²
    scale = np.sqrt(np.diag(cov))
    return cov / np.outer(scale, scale)


@pytest.mark.parametrize(
    ("task_id", "covariance"),
    [
        ("bmi-1v1-normal", np.array([[1.0, 0.75], [0.75, 1.0]])),
        ("bmi-3v3-dense", 0.5 * np.eye(6) + 0.5),
        ("bmi-5v5-sparse", _sparse_correlation(5)),
    ],
)
def test_multinormal_truth_equals_a_monte_carlo_log_density_ratio(
    task_id: str, covariance: np.ndarray
) -> None:
    task = get_task(task_id)
    d = task.dim_a
    a, b = task.sample(100_000, seed=1)
    mvn = stats.multivariate_normal
    mean, error = _mc_truth_bits(
        mvn(cov=covariance), mvn(cov=covariance[:d, :d]), mvn(cov=covariance[d:, d:]), a, b
    )
    assert task.truth_bits == pytest.approx(mean, abs=4 * error + 1e-3)
    assert np.allclose(np.cov(np.hstack([a, b]), rowvar=False), covariance, atol=0.03)


@pytest.mark.parametrize("task_id", ["bmi-3v3-student-nu3", "bmi-2v2-student-nu1"])
def test_student_truth_equals_a_monte_carlo_log_density_ratio(task_id: str) -> None:
    task = get_task(task_id)
    d, nu = task.dim_a, float(task_id.rsplit("nu", 1)[1])
    a, b = task.sample(100_000, seed=2)
    t = stats.multivariate_t
    mean, error = _mc_truth_bits(
        t(shape=np.eye(2 * d), df=nu), t(shape=np.eye(d), df=nu), t(shape=np.eye(d), df=nu), a, b
    )
    assert task.truth_bits == pytest.approx(mean, abs=4 * error + 2e-3)


@pytest.mark.parametrize("epsilon", [0.1, 0.75])
def test_additive_uniform_truth_equals_a_monte_carlo_log_density_ratio(epsilon: float) -> None:
    task = get_task(f"bmi-1v1-additive-eps{epsilon:g}")
    a, b = task.sample(200_000, seed=5)
    assert a.min() >= 0 and a.max() <= 1 and np.abs(b - a).max() <= epsilon
    # p(b | a) = 1/(2ε); p(b) = |[0, 1] ∩ [b − ε, b + ε]| / (2ε).
    overlap = np.minimum(1.0, b[:, 0] + epsilon) - np.maximum(0.0, b[:, 0] - epsilon)
    ratio = -np.log2(overlap)
    assert task.truth_bits == pytest.approx(ratio.mean(), abs=4 * ratio.std() / np.sqrt(len(ratio)) + 1e-3)


def _increasing_inverse(f: Callable[[np.ndarray], np.ndarray], y: np.ndarray) -> np.ndarray:
    lo, hi = np.full(y.shape, -50.0), np.full(y.shape, 50.0)
    for _ in range(100):
        mid = (lo + hi) / 2
        below = f(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def _unspiral(v: np.ndarray, plane: tuple[int, int]) -> np.ndarray:
    i, j = plane
    angle = -(v**2).sum(axis=1) / v.shape[1]  # the norm is what the rotation kept
    out = v.copy()
    out[:, i] = np.cos(angle) * v[:, i] - np.sin(angle) * v[:, j]
    out[:, j] = np.sin(angle) * v[:, i] + np.cos(angle) * v[:, j]
    return out


def _unroll(a: np.ndarray) -> np.ndarray:
    t = 21.0 * np.sqrt((a**2).sum(axis=1))
    assert np.allclose(np.column_stack([t * np.cos(t), t * np.sin(t)]) / 21.0, a)  # angle agrees with radius
    return special.ndtri((t / (1.5 * np.pi) - 1) / 2)[:, None]


def _half_cube_inverse(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.abs(v) ** (2 / 3)


def _mixture_cdf(weights: tuple[float, ...], means: tuple[float, ...]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda v: sum(w * special.ndtr(v - m) for w, m in zip(weights, means))


# Each transformed task: (its untransformed task, the inverse of the map of A, of B).
INVERSES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "bmi-1v1-normal-cdf": ("bmi-1v1-normal", special.ndtri, special.ndtri),
    "bmi-1v1-bimodal": (
        "bmi-1v1-normal",
        lambda v: special.ndtri(_mixture_cdf((0.3, 0.7), (0.0, 5.0))(v)),
        lambda v: special.ndtri(_mixture_cdf((0.5, 0.5), (-1.0, 3.0))(v)),
    ),
    "bmi-1v1-wiggly": (
        "bmi-1v1-normal",
        lambda v: _increasing_inverse(lambda x: x + 0.4 * np.sin(x) + 0.2 * np.sin(1.7 * x + 1) + 0.03 * np.sin(3.3 * x - 2.5), v),
        lambda v: _increasing_inverse(lambda x: x - 0.4 * np.sin(0.4 * x) + 0.17 * np.sin(1.3 * x + 3.5) + 0.02 * np.sin(4.3 * x - 2.5), v),
    ),
    "bmi-1v1-half-cube": ("bmi-1v1-normal", _half_cube_inverse, _half_cube_inverse),
    "bmi-2v1-swissroll": ("bmi-1v1-normal", _unroll, special.ndtri),
    **{
        f"bmi-{d}v{d}-{name}-sparse": (f"bmi-{d}v{d}-sparse", inv_a, inv_b)
        for d in (3, 5, 25)
        for name, inv_a, inv_b in (
            ("normal-cdf", special.ndtri, special.ndtri),
            ("half-cube", _half_cube_inverse, _half_cube_inverse),
            ("spiral", lambda v: _unspiral(v, (0, 1)), lambda v: _unspiral(v, (1, 2))),
            ("spiral-normal-cdf", lambda v: special.ndtri(_unspiral(v, (0, 1))), lambda v: special.ndtri(_unspiral(v, (1, 2)))),
        )
    },
    **{
        f"bmi-{d}v{d}-asinh-student-nu{nu}": (f"bmi-{d}v{d}-student-nu{nu}", np.sinh, np.sinh)
        for d, nu in ((1, 1), (2, 1), (3, 2), (5, 2))
    },
}  # fmt: skip


def test_every_task_is_a_known_one_or_an_injective_map_of_one() -> None:
    mapped = {t.id for t in bmi_tasks() if t.family not in ("multinormal", "student", "additive-uniform")}
    assert mapped == set(INVERSES)


@pytest.mark.parametrize("task_id", sorted(INVERSES))
def test_transformed_samples_invert_to_the_untransformed_task(task_id: str) -> None:
    base_id, inv_a, inv_b = INVERSES[task_id]
    task, base = get_task(task_id), get_task(base_id)
    assert task.truth_bits == base.truth_bits
    a, b = task.sample(2000, seed=11)
    a0, b0 = base.sample(2000, seed=11)
    assert not np.allclose(a[:, : a0.shape[1]], a0)  # the map did something
    np.testing.assert_allclose(inv_a(a), a0, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(inv_b(b), b0, rtol=1e-6, atol=1e-6)


def test_bimodal_marginals_follow_the_mixtures() -> None:
    a, b = get_task("bmi-1v1-bimodal").sample(20_000, seed=0)
    assert stats.kstest(a[:, 0], _mixture_cdf((0.3, 0.7), (0.0, 5.0))).pvalue > 1e-3
    assert stats.kstest(b[:, 0], _mixture_cdf((0.5, 0.5), (-1.0, 3.0))).pvalue > 1e-3
    u = np.linspace(1e-6, 1 - 1e-6, 101)
    assert np.all(np.diff(mixture_quantile(u, (0.3, 0.7), (0.0, 5.0))) > 0)


def test_tolerance_is_ten_percent_or_five_hundredths_of_a_nat() -> None:
    small = 0.05 / LN2  # 0.0721 bits
    assert within_tolerance(0.1 + small - 1e-9, 0.1) and not within_tolerance(0.1 + small + 1e-6, 0.1)
    assert within_tolerance(2.19, 2.0) and not within_tolerance(2.21, 2.0)


def test_suite_selection_default_n_and_counts() -> None:
    assert [t.id for t in runner.select_tasks(suite="bmi")] == list(BMI_TASK_IDS)
    assert not any(t.id.startswith("bmi-") for t in runner.select_tasks())  # the old default is unchanged
    assert [t.id for t in runner.select_tasks(["bmi-*-dense"])][-1] == "bmi-50v50-dense"
    assert runner.default_n(runner.select_tasks(suite="bmi")) == BMI_N == 5000
    assert runner.default_n(runner.select_tasks()) == 4096
    rows = pd.DataFrame(
        {"estimator": "e", "params": "{}", "task": ["bmi-1v1-normal"] * 2 + ["bmi-2v2-dense"], "seed": [0, 1, 0],
         "family": "multinormal", "truth": [1.0, 1.0, 0.5], "estimate": [0.8, 1.1, 0.5], "status": "ok"}
    )  # fmt: skip
    # mean 0.95 of truth 1.0 is within 10 %; 0.5 exactly right
    assert runner.accuracy_counts(rows).loc["e"].to_dict() == {"multinormal": 2, "total": 2, "tasks": 2}


def test_cli_runs_the_bmi_suite_at_n_5000_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "--list", "--suite", "bmi"]) == 0
    assert capsys.readouterr().out.count("\n") == 40
    out = tmp_path / "b"
    code = main(
        [
            "bench",
            "--estimators",
            "ksg",
            "--tasks",
            "bmi-1v1-normal",
            "--seeds",
            "1",
            "--workers",
            "1",
            "-q",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    results = pd.read_csv(out / "results.csv")
    assert results["n"].tolist() == [5000] and results["status"].tolist() == ["ok"]
    assert "within max(10 %, 0.05 nats)" in capsys.readouterr().out


def test_readme_bench_blocks_match_the_saved_tables() -> None:
    # The README's estimator guide and bench tables are generated from docs/results/bench/ by
    # benchmarks/readme_bench.py; --check fails when either was edited by hand or the counting changed.
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("readme_bench", root / "benchmarks" / "readme_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
