"""The estimator registry: ``get(name, **params)``, ``available()``, ``register``.

Every estimator reports bits. Importing this package registers the built-in estimators.
"""

from infoplane.estimators import binning
from infoplane.estimators.base import ENTRY_POINT_GROUP, Estimator, available, get, register
from infoplane.estimators.binning import Binning

__all__ = ["ENTRY_POINT_GROUP", "Binning", "Estimator", "available", "binning", "get", "register"]
