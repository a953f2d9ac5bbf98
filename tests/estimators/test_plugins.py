"""Third-party estimators join through the ``infoplane.estimators`` entry-point group."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from infoplane import estimators
from infoplane.estimators import base

PLUGIN = '''
from infoplane.estimators import Estimator


class HalfEntropy(Estimator):
    """A toy third-party estimator: I(T;Y) is half of I(X;T)."""

    quantity = "a test plugin"

    def __init__(self, scale: float = 0.5) -> None:
        self.scale = scale

    def mutual_information(self, a, b):
        return 1.0

    def information_plane(self, x, t, y):
        return 2.0, 2.0 * self.scale
'''


def install_fake_distribution(folder: Path, entry_points: str) -> None:
    package = folder / "fake_infoplane_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(PLUGIN)
    info = folder / "fake_infoplane_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-infoplane-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    monkeypatch.setattr(base, "_entry_points_loaded", False)
    yield
    sys.modules.pop("fake_infoplane_plugin", None)


def test_an_installed_distribution_adds_an_estimator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    install_fake_distribution(
        tmp_path,
        """
        [infoplane.estimators]
        half = fake_infoplane_plugin:HalfEntropy
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "half" in estimators.available()
    est = estimators.get("half", scale=0.25)
    assert type(est).__name__ == "HalfEntropy" and est.name == "half"
    assert est.information_plane(None, np.zeros((2, 1)), [0, 1]) == (2.0, 0.5)
    assert est.get_params() == {"scale": 0.25}


def test_a_broken_plugin_warns_and_leaves_the_rest_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    install_fake_distribution(
        tmp_path,
        """
        [infoplane.estimators]
        broken = fake_infoplane_plugin:DoesNotExist
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(RuntimeWarning, match="'broken'.*could not be loaded"):
        names = estimators.available()
    assert "broken" not in names and "binning" in names
