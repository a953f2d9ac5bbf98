"""Parameter constraints (one mechanism, in base), labels and study settings, for every estimator."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators import KDE, KSG, Binning, Echo, Estimator, Mine
from infoplane.estimators.base import Check, Interval, Options, as_constraint
from infoplane.estimators.critics import CriticSettings

#: Per estimator, one bad value per constraint (bools are never numbers; NaN/inf never finite numbers).
BAD: dict[str, list[tuple[str, Any]]] = {
    "binning": [
        ("n_bins", True), ("n_bins", 1), ("n_bins", 2.0), ("n_bins", "30"),
        ("range", (0,)), ("range", (1.0, -1.0)), ("range", (0.0, float("inf"))), ("range", "ab"), ("range", (True, 2)),
        ("strategy", "quantile"), ("scope", "all"),
    ],
    "kde": [
        ("noise_variance", 0.0), ("noise_variance", -1.0), ("noise_variance", float("nan")),
        ("noise_variance", "big"), ("noise_variance", True), ("bound", "middle"),
        ("device", "no-such-device"), ("chunk_size", 0), ("chunk_size", 2.5), ("chunk_size", False),
    ],
    "ksg": [
        ("k", 0), ("k", True), ("k", 2.5), ("jitter", -1.0), ("jitter", float("inf")), ("jitter", "small"),
        ("standardize", "yes"), ("standardize", 1), ("seed", -1), ("seed", 1.5), ("seed", True),
    ],
    "mine": [
        ("hidden", 0), ("hidden", True), ("n_layers", 0), ("steps", 2.5), ("batch_size", 0), ("eval_every", 0),
        ("patience", 0), ("n_marginal", 0), ("lr", 0.0), ("lr", float("inf")), ("ema", 0.0), ("ema", 1.5),
        ("holdout", 1.0), ("weight_average", 1.0), ("min_improvement", -0.1), ("warm_start", "yes"),
        ("seed", -1), ("device", "nope"), ("batch_size", 1), ("critic", "bilinear"), ("ensemble", 0),
        ("negatives", 0), ("embed", 0), ("eval_size", 1), ("preprocess", "rank"), ("ema", True),
    ],
    "echo": [("label_estimator", "echo"), ("label_estimator", "nope"), ("label_estimator", 3), ("label_params", [1])],
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "param", "value"), [(name, param, value) for name, cases in BAD.items() for param, value in cases]
)
def test_a_bad_value_is_rejected_naming_the_parameter(name: str, param: str, value: Any) -> None:
    message = rf"^{name}: parameter {param}={value!r} must be ".replace("(", r"\(").replace(")", r"\)")
    message = message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.").replace("+", r"\+")
    with pytest.raises(ValueError, match=message):
        estimators.get(name, **{param: value})  # the registry validates
    est = type(estimators.get(name))(**{param: value})  # __init__ only stores
    with pytest.raises(ValueError, match=message):
        est.validate_params()
    with pytest.raises(ValueError, match=message):
        estimators.get(name).set_params(**{param: value})


@pytest.mark.parametrize("name", ["binning", "kde", "ksg", "mine", "echo"])
def test_every_parameter_has_a_constraint_and_defaults_pass(name: str) -> None:
    est = estimators.get(name)
    assert set(type(est)._parameter_constraints) == set(est.get_params())
    est.validate_params()


def test_validation_happens_at_use_too() -> None:
    t, y = np.arange(8.0)[:, None], np.arange(8) % 2
    for est in (Binning(n_bins=True), KDE(noise_variance=-1.0), KSG(k=True), Echo(label_estimator="echo")):
        with pytest.raises(ValueError, match=r"parameter \w+=.* must be"):
            est.information_plane(t, t, y, log2_scale=-np.ones_like(t))


def test_cross_parameter_rules() -> None:
    with pytest.raises(ValueError, match="range applies to uniform bins only"):
        estimators.get("binning", range=(-1.0, 1.0), strategy="adaptive")
    with pytest.raises(ValueError, match="echo: label_params for 'binning' are invalid: .*n_bins=0"):
        estimators.get("echo", label_params={"n_bins": 0})


def test_constraint_descriptions() -> None:
    assert str(Interval(int, 2, None)) == "an integer ≥ 2"
    assert str(Interval(float, 0, 1, closed="right")) == "a finite number in (0, 1]"
    assert str(Options(("upper", "lower"))) == "one of 'upper', 'lower'"
    assert str(as_constraint(None)) == "None" and str(as_constraint(bool)) == "True or False"
    assert not as_constraint(int).is_satisfied_by(True) and as_constraint(int).is_satisfied_by(np.int64(3))
    assert Interval(int, 1, None).is_satisfied_by(np.int64(4)) and not Interval(int, 1, None).is_satisfied_by(np.bool_(1))
    assert not Check(lambda v: 1 / 0, "never").is_satisfied_by(1)  # a failing predicate rejects


def test_a_plugin_declares_constraints_and_gets_the_same_checks() -> None:
    class Scaled(Estimator):
        _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
            "scale": [Interval(float, 0, None, closed="neither")],
            "mode": [Options(("a", "b"))],
        }

        def __init__(self, scale: float = 1.0, mode: str = "a") -> None:
            self.scale = scale
            self.mode = mode

        def mutual_information(self, a: object, b: object) -> float:
            return self.scale

        def information_plane(self, x: object, t: object, y: object, **aux: object) -> tuple[float, float]:
            return self.scale, self.scale

    estimators.register("scaled-test")(Scaled)
    try:
        with pytest.raises(ValueError, match=r"scaled-test: parameter scale=-1\.0 must be a finite number > 0"):
            estimators.get("scaled-test", scale=-1.0)
        est = estimators.get("scaled-test", scale=2.0, mode="b")
        assert est.label == "scaled-test scale=2 mode=b" and Scaled.label_for({}) == "scaled-test"
        assert Scaled.study_settings(None) == []
        assert Scaled.study_settings(None, scale=(1.0, 2.0)) == [{"scale": 1.0}, {"scale": 2.0}]
        with pytest.raises(ValueError, match="must be a finite number > 0"):
            Scaled.study_settings(None, scale=(0.0,))
        assert not est.is_lower_bound and not est.scale_invariant
    finally:
        from infoplane.estimators import base

        base._REGISTRY.pop("scaled-test", None)


@pytest.mark.parametrize(
    ("name", "params", "label"),
    [
        ("binning", {"range": (-1, 1)}, "binning 30 [-1,1]"),
        ("binning", {}, "binning 30 (run range)"),
        ("binning", {"n_bins": 100, "range": (-1.0, 1.0)}, "binning 100 [-1,1]"),
        ("binning", {"strategy": "adaptive"}, "binning adaptive 30"),
        ("kde", {}, "kde σ²=0.001"),
        ("kde", {"bound": "lower"}, "kde σ²=0.001 lower"),
        ("kde", {"noise_variance": 0.1, "device": "cpu", "chunk_size": 64}, "kde σ²=0.1"),
        ("ksg", {}, "ksg k=3"),
        ("ksg", {"k": 5, "standardize": False}, "ksg k=5 standardize=False"),
        ("mine", {}, "mine"),
        ("mine", {"steps": 1500, "device": "cpu"}, "mine steps=1500"),
        ("echo", {}, "echo"),
        ("echo", {"label_estimator": "kde"}, "echo, I(Z;Y) by kde σ²=0.001"),
    ],
)
def test_labels(name: str, params: dict[str, Any], label: str) -> None:
    est = estimators.get(name, **params)
    assert est.label == label
    assert type(est).label_for(params) == label
    # From a params JSON as MI tables hold it (ranges as lists, every key present).
    assert type(est).label_for(__import__("json").loads(est.params_json())) == label


def test_study_settings() -> None:
    assert Binning.study_settings((-1, 1)) == [
        {"n_bins": 30, "range": (-1.0, 1.0)},
        {"n_bins": 10, "range": (-1.0, 1.0)},
        {"n_bins": 100, "range": (-1.0, 1.0)},
        {"n_bins": 30, "strategy": "adaptive"},
    ]
    assert [Binning.label_for(p) for p in Binning.study_settings(None)] == [
        "binning 30 (run range)", "binning 10 (run range)", "binning 100 (run range)", "binning adaptive 30",
    ]  # fmt: skip
    assert Binning.study_settings(None, n_bins=(20,), adaptive_n_bins=0) == [{"n_bins": 20, "range": None}]
    assert KDE.study_settings((-1, 1)) == [{"noise_variance": 1e-3}]
    assert KDE.study_settings(None, noise_variance=(1e-3, 1e-1)) == [{"noise_variance": 1e-3}, {"noise_variance": 1e-1}]
    assert KSG.study_settings(None) == [] and Mine.study_settings(None) == [] and Echo.study_settings(None) == []
    with pytest.raises(ValueError, match="n_bins=True"):
        Binning.study_settings(None, n_bins=(True,))
    with pytest.raises(ValueError, match="study_settings"):
        Binning.study_settings(None, bins=(30,))


def test_is_lower_bound_follows_parameters() -> None:
    assert not KDE().is_lower_bound and KDE(bound="lower").is_lower_bound
    assert Mine().is_lower_bound and not Binning().is_lower_bound and not KSG().is_lower_bound


def test_mine_parameters_are_the_critic_settings() -> None:
    # Mine's parameters are CriticSettings' fields (less ``bound``, fixed to "dv", and SMILE's ``clip``), plus
    # warm_start and preprocess, which concern a trajectory and the data, not one fit's training.
    names = [f.name for f in fields(CriticSettings)]
    assert set(names) - {"bound", "clip"} | {"warm_start", "preprocess"} == set(Mine().get_params())
    settings = Mine(hidden=np.int64(8)).settings()
    assert settings.hidden == 8 and type(settings.hidden) is int and settings.bound == "dv"
    defaults = Mine.default_params()
    assert all(getattr(settings, n) == defaults[n] for n in names if n not in ("bound", "clip", "hidden"))
