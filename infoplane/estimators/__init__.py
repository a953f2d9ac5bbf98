"""The estimator registry: ``get(name, **params)``, ``available()``, ``register``.

Every estimator reports bits. Importing this package registers the built-in estimators.
"""

from infoplane.estimators import binning, echo, kde, ksg, mine
from infoplane.estimators import infonce, nwj, smile
from infoplane.estimators.base import ENTRY_POINT_GROUP, Estimator, available, get, register
from infoplane.estimators.binning import Binning
from infoplane.estimators.echo import Echo
from infoplane.estimators.kde import KDE
from infoplane.estimators.ksg import KSG
from infoplane.estimators.infonce import InfoNCE
from infoplane.estimators.mine import Mine
from infoplane.estimators.nwj import NWJ
from infoplane.estimators.smile import Smile

__all__ = ["ENTRY_POINT_GROUP", "Binning", "Echo", "Estimator", "InfoNCE", "KDE", "KSG", "Mine", "NWJ", "Smile", "available", "binning", "echo", "get", "kde", "ksg", "mine", "register"]
