"""The estimator contract and the registry (this module imports only infoplane.samples and infoplane.infotheory).

An estimator is built from its parameters alone (no work in ``__init__``) and registered under a short
name with :func:`register`. Third-party packages add estimators through the ``infoplane.estimators``
entry-point group: each entry point names an :class:`Estimator` subclass and is loaded on first use.
"""

from __future__ import annotations

import copy
import inspect
import json
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from importlib import metadata as importlib_metadata
from typing import Any, ClassVar, TypeVar

import numpy as np

from infoplane.samples import as_class_labels, as_samples, is_discrete_labels, to_numpy  # noqa: F401 - re-exported

ENTRY_POINT_GROUP = "infoplane.estimators"


class Estimator(ABC):
    """A mutual-information estimator that reports bits.

    Subclasses set the behaviour flags, store their keyword parameters unchanged in ``__init__`` (one
    attribute per parameter, same name) and implement :meth:`mutual_information` and
    :meth:`information_plane`.
    """

    #: Registry name, set by :func:`register`.
    name: ClassVar[str] = ""
    #: True when the estimate is a lower bound on the quantity it names.
    is_lower_bound: ClassVar[bool] = False
    #: True when estimating fits a model (MINE); such estimators are slow and seed-dependent.
    needs_training: ClassVar[bool] = False
    #: True when both sides may be continuous (no discrete side required).
    accepts_continuous: ClassVar[bool] = True
    #: True when the estimate is (approximately) unchanged by an invertible map of either side, as MI is.
    invariant_under_invertible_maps: ClassVar[bool] = False
    #: Per-sample records beside a layer's output that ``information_plane`` needs as keyword arguments
    #: (echo: ``log2_scale``); :func:`infoplane.estimate` applies the estimator only where they exist.
    requires_aux: ClassVar[tuple[str, ...]] = ()
    #: One line on the quantity actually measured (the proxy), shown in reports.
    quantity: ClassVar[str] = ""

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters and their current values (what run files and tables record)."""
        signature = inspect.signature(type(self).__init__)
        return {
            p.name: getattr(self, p.name)
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def set_params(self, **params: Any) -> Estimator:
        """A copy with some parameters changed."""
        valid = self.get_params()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(f"{self.name}: unknown parameters {unknown}; valid: {sorted(valid)}")
        clone = copy.copy(self)
        for key, value in params.items():
            setattr(clone, key, value)
        return clone

    def params_json(self, params: dict[str, Any] | None = None) -> str:
        """``params`` (default: :meth:`get_params`) as the JSON written into MI tables and run files."""
        return json.dumps(self.get_params() if params is None else params, default=_json_value)

    def describe(self) -> str:
        """The estimator's name, the quantity it measures and its parameters, in one line."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{self.name}({params}): {self.quantity}"

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> Estimator:
        """Settings shared by all epochs of one layer (e.g. a binning range); ``self`` by default.

        Args:
            activations: the layer's activations (n_samples, width), one array per logged epoch.

        Returns:
            An estimator to apply to each of those epochs.
        """
        return self

    @abstractmethod
    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits for paired samples ``a`` (N, d_a) and ``b`` (N, d_b) or labels (N,)."""

    @abstractmethod
    def information_plane(self, x: Any, t: Any, y: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits for one layer ``t`` (N, width), inputs ``x`` (N, …) and labels ``y`` (N,)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


E = TypeVar("E", bound=type[Estimator])
_REGISTRY: dict[str, type[Estimator]] = {}
_entry_points_loaded = False


def register(name: str, *, replace: bool = False) -> Callable[[E], E]:
    """Class decorator: make an :class:`Estimator` subclass available as ``get(name)``.

    Raises:
        ValueError: ``name`` is taken and ``replace`` is False.
    """

    def decorate(cls: E) -> E:
        if not (isinstance(cls, type) and issubclass(cls, Estimator)):
            raise TypeError(f"only Estimator subclasses can be registered, got {cls!r}")
        if name in _REGISTRY and _REGISTRY[name] is not cls and not replace:
            raise ValueError(
                f"an estimator named {name!r} is already registered ({_REGISTRY[name].__qualname__}); "
                f"pass replace=True to override it"
            )
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _REGISTRY:
            continue
        try:
            register(entry.name)(entry.load())
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break the registry
            warnings.warn(
                f"estimator plugin {entry.name!r} ({entry.value}) could not be loaded and is skipped: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )


def available() -> list[str]:
    """Names of every registered estimator, third-party ones included."""
    _load_entry_points()
    return sorted(_REGISTRY)


def get(name: str, **params: Any) -> Estimator:
    """An estimator by registry name, built with ``params``.

    Raises:
        ValueError: no estimator of that name (the message lists the valid ones).
    """
    if name not in _REGISTRY:
        _load_entry_points()
    if name not in _REGISTRY:
        raise ValueError(f"unknown estimator {name!r}; available: {', '.join(sorted(_REGISTRY))}")
    cls = _REGISTRY[name]
    valid = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"estimator {name!r} has no parameters {unknown}; its parameters: {valid}")
    return cls(**params)


def _json_value(value: Any) -> Any:
    """numpy scalars as their Python values; anything else JSON cannot hold as its string."""
    return value.item() if isinstance(value, np.generic) else str(value)
