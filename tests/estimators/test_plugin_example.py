"""The example plugin in ``examples/plugin`` installs as a package and joins through the entry-point group.

The plugin is built and installed with pip (offline: ``--no-index --no-deps --no-build-isolation``) into a
temporary folder that is put on ``sys.path`` for the test only, never into the shared virtual
environment: other tests collected in the same session (the contract test parametrises over
``estimators.available()``) see exactly the built-in estimators, and nothing is left to uninstall.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators import base

PLUGIN_SOURCE = Path(__file__).resolve().parents[2] / "examples" / "plugin"
PACKAGE = "infoplane_example_plugin"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin built and installed by pip into a temporary site folder (returned; ~2 s)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed, so pip cannot build the example plugin offline")
    root = tmp_path_factory.mktemp("plugin")
    # pip builds in the source tree (build/, *.egg-info): build a copy, so the checkout stays clean
    source = root / "src"
    shutil.copytree(
        PLUGIN_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = root / "site"
    command = [
        sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "--quiet", "--target", str(site), str(source),
    ]  # fmt: skip
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"pip could not install examples/plugin:\n{result.stdout}\n{result.stderr}"
    return site


@pytest.fixture
def plugin_registry(installed_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry as a fresh process with the plugin installed sees it; restored afterwards."""
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    monkeypatch.setattr(base, "_entry_points_loaded", False)
    monkeypatch.syspath_prepend(str(installed_plugin))
    importlib.invalidate_caches()
    yield
    for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[module]


def test_the_installed_distribution_declares_the_entry_point(installed_plugin: Path) -> None:
    (info,) = installed_plugin.glob(f"{PACKAGE}-*.dist-info")
    entry_points = (info / "entry_points.txt").read_text()
    assert "[infoplane.estimators]" in entry_points
    assert "example_gaussian = infoplane_example_plugin:Gaussian" in entry_points


def test_get_finds_the_plugin_through_the_entry_point_group(
    plugin_registry: None, installed_plugin: Path
) -> None:
    assert "example_gaussian" not in base._REGISTRY  # not registered by anything but the entry point
    assert "example_gaussian" in estimators.available() and "binning" in estimators.available()
    est = estimators.get("example_gaussian", ridge=1e-4)
    assert type(est).__module__ == f"{PACKAGE}.gaussian"
    assert Path(sys.modules[PACKAGE].__file__).is_relative_to(installed_plugin)  # the installed copy
    assert est.name == "example_gaussian" and est.get_params() == {"ridge": 1e-4}


def test_the_plugin_is_labelled_and_its_study_settings_come_from_its_class(plugin_registry: None) -> None:
    est = estimators.get("example_gaussian")
    cls = type(est)
    assert est.label == "example_gaussian ridge=1e-06"
    assert cls.label_for({"ridge": 1e-3}) == "example_gaussian ridge=0.001"
    assert cls.label_for({}) == est.label  # missing keys take the defaults
    assert cls.study_settings(None) == [{"ridge": 1e-6}]  # its own default, not the base's opt-in []
    assert cls.study_settings((-1.0, 1.0), ridge=[1e-3, 1e-5]) == [{"ridge": 1e-3}, {"ridge": 1e-5}]
    assert "linear dependence" in est.describe()
    from infoplane.experiments import study

    assert study.study_settings("example_gaussian", None, {}) == [{"ridge": 1e-6}]  # what `infoplane study` sweeps
    assert est.set_params(ridge=1e-3) is est and est.label == "example_gaussian ridge=0.001"
    sklearn_base = pytest.importorskip("sklearn.base")
    copy = sklearn_base.clone(est)
    assert copy is not est and type(copy) is cls and copy.get_params() == {"ridge": 1e-3}


def test_parameters_are_checked_by_infoplane_from_the_declared_constraints(plugin_registry: None) -> None:
    with pytest.raises(ValueError, match=r"example_gaussian: parameter ridge=0 must be a finite number in \(0, 1\]"):
        estimators.get("example_gaussian", ridge=0)
    with pytest.raises(ValueError, match="has no parameters"):
        estimators.get("example_gaussian", n_bins=30)
    est = estimators.get("example_gaussian")
    with pytest.raises(ValueError, match="ridge"):
        est.set_params(ridge=float("nan"))
    assert est.ridge == 1e-6  # an invalid value changes nothing


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


def test_contract_bits_and_independence(plugin_registry: None, data: dict[str, np.ndarray]) -> None:
    est = estimators.get("example_gaussian")
    i_xt, i_ty = est.information_plane(data["x"], data["clusters"], data["y"])
    assert isinstance(i_xt, float) and isinstance(i_ty, float)
    assert i_ty == pytest.approx(2.0, abs=0.02)  # 2 bits, not ln 4 = 1.386 nats
    assert 0.0 <= i_xt <= 0.02  # x is independent of the clusters
    i_xt, i_ty = est.information_plane(data["x"], data["noise"], data["y_random"])
    assert 0.0 <= i_ty <= 0.02 and 0.0 <= i_xt <= 0.02


def test_contract_known_value_symmetry_and_scale(plugin_registry: None, rng: np.random.Generator) -> None:
    est = estimators.get("example_gaussian")
    a = rng.normal(size=(20000, 1))
    b = a + 0.5 * rng.normal(size=(20000, 1))
    truth = -0.5 * np.log2(1 - 1 / 1.25)  # ρ² = 1/(1 + 0.25): 1.161 bits
    assert est.mutual_information(a, b) == pytest.approx(truth, abs=0.02)
    assert est.mutual_information(a, b) == pytest.approx(est.mutual_information(b, a), abs=1e-9)
    assert est.scale_invariant
    for scale in (1e-200, 1e154):
        assert est.mutual_information(scale * a, scale * b) == pytest.approx(
            est.mutual_information(a, b), abs=1e-9
        )


@pytest.mark.parametrize("case", ["NaN", "mismatched lengths", "one sample", "non-integer labels"])
def test_contract_bad_input_is_a_value_error(
    plugin_registry: None, data: dict[str, np.ndarray], case: str
) -> None:
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
        estimators.get("example_gaussian").information_plane(x, t, y)


def test_infoplane_estimate_uses_the_plugin_by_name(plugin_registry: None) -> None:
    """The MI table of a run: the plugin's rows carry its name, parameters and label like a built-in's."""
    import torch

    import infoplane

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    x = torch.randn(64, 4)
    y = torch.arange(64) % 2
    with infoplane.Tracker(model, x, y) as tracker:
        tracker.capture(0)
        run = tracker.to_run(name="plugin")
    table = infoplane.estimate(run, ["example_gaussian"])
    assert set(table["estimator"]) == {"example_gaussian"}
    assert len(table) == table["layer"].nunique() >= 2 and (table["I_XT"] >= 0).all()
    assert (table["I_TY"] <= 1.0 + 1e-9).all()  # H(Y) = 1 bit
    if "setting" in table.columns:
        assert set(table["setting"]) == {"example_gaussian ridge=1e-06"}
