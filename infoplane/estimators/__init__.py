"""The estimator registry: ``get(name, **params)``, ``available()``, ``register``.

Every estimator reports bits. Importing this package registers the built-in estimators. Plugins declare
their parameters' constraints with :class:`Interval`, :class:`Options` and :class:`Check` (see
:mod:`infoplane.estimators.base`).
"""

from infoplane.estimators import (
    binning,
    echo,
    gaussian,
    infonce,
    kde,
    kernel_sums,
    ksg,
    mine,
    nwj,
    preprocess,
    renyi,
    smile,
)
from infoplane.estimators.base import (
    ENTRY_POINT_GROUP,
    Check,
    Estimator,
    Interval,
    Options,
    available,
    get,
    register,
)
from infoplane.estimators.binning import Binning
from infoplane.estimators.echo import Echo
from infoplane.estimators.gaussian import Gaussian
from infoplane.estimators.infonce import InfoNCE
from infoplane.estimators.kde import KDE
from infoplane.estimators.ksg import KSG
from infoplane.estimators.mine import Mine
from infoplane.estimators.nwj import NWJ
from infoplane.estimators.renyi import Renyi
from infoplane.estimators.smile import Smile

__all__ = [
    "ENTRY_POINT_GROUP",
    "KDE",
    "KSG",
    "Binning",
    "Check",
    "Echo",
    "Estimator",
    "Interval",
    "Mine",
    "Options",
    "available",
    "binning",
    "echo",
    "get",
    "kde",
    "kernel_sums",
    "ksg",
    "mine",
    "register",
]
__all__ += ["Gaussian", "Renyi", "gaussian", "preprocess", "renyi"]
__all__ += ["InfoNCE", "NWJ", "Smile", "infonce", "nwj", "smile"]
