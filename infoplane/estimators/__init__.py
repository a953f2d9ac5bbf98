"""The estimator registry: ``get(name, **params)``, ``available()``, ``register``.

Every estimator reports bits. Importing this package registers the built-in estimators.
"""

from infoplane.estimators import binning, echo
from infoplane.estimators.base import ENTRY_POINT_GROUP, Estimator, available, get, register
from infoplane.estimators.binning import Binning
from infoplane.estimators.echo import Echo

__all__ = ["ENTRY_POINT_GROUP", "Binning", "Echo", "Estimator", "available", "binning", "echo", "get", "register"]
