"""The estimator contract, its parameter constraints and the registry (this module imports only
infoplane.samples and infoplane.infotheory).

An estimator is built from its parameters alone (no work in ``__init__``) and registered under a short
name with :func:`register`. Third-party packages add estimators through the ``infoplane.estimators``
entry-point group: each entry point names an :class:`Estimator` subclass and is loaded on first use.

Parameters are checked in one place, :meth:`Estimator.validate_params`, against the constraints each class
declares in ``_parameter_constraints`` (the scikit-learn habit): ``{"n_bins": [Interval(Integral, 2,
None)], "range": [Check(...), None], "strategy": [Options(("uniform", "adaptive"))]}``. A value passes
when it satisfies any constraint of its list. :func:`get`, :meth:`Estimator.set_params` and every use
(``mutual_information``, ``information_plane``, ``fit_trajectory``) validate; ``__init__`` only stores.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import json
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata as importlib_metadata
from numbers import Integral, Real
from typing import Any, ClassVar, TypeVar

import numpy as np

from infoplane.samples import as_class_labels, as_samples, is_discrete_labels, to_numpy  # noqa: F401 - re-exported

ENTRY_POINT_GROUP = "infoplane.estimators"
_Self = TypeVar("_Self", bound="Estimator")


# --------------------------------------------------------------------------------------------------
# Parameter constraints
# --------------------------------------------------------------------------------------------------


class Constraint:
    """A rule one parameter value may satisfy; ``str(constraint)`` describes it for error messages."""

    def is_satisfied_by(self, value: Any) -> bool:
        raise NotImplementedError

    def __str__(self) -> str:
        raise NotImplementedError


class Interval(Constraint):
    """A number of one kind within bounds.

    Args:
        kind: ``Integral`` (``int``) or ``Real`` (``float``). Booleans are never numbers here
            (``n_bins=True`` is rejected); ``Real`` accepts ints and floats but never NaN or ±inf.
        left, right: bounds, ``None`` for none.
        closed: which bounds belong to the interval: ``"both"``, ``"left"``, ``"right"``, ``"neither"``.
    """

    def __init__(self, kind: type, left: float | None, right: float | None, *, closed: str = "both") -> None:
        if kind is int:
            kind = Integral
        if kind is float:
            kind = Real
        if kind not in (Integral, Real):
            raise TypeError(f"Interval kind must be Integral (int) or Real (float), got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        try:
            number = float(value)  # ints compare exactly up to 2**53
        except OverflowError:
            return False
        if not math.isfinite(number):
            return False
        left_open, right_open = self.closed in ("right", "neither"), self.closed in ("left", "neither")
        if self.left is not None and (number < self.left or (number == self.left and left_open)):
            return False
        return not (self.right is not None and (number > self.right or (number == self.right and right_open)))

    def __str__(self) -> str:
        kind = "an integer" if self.kind is Integral else "a finite number"
        if self.left is None and self.right is None:
            return kind
        if self.right is None:
            return f"{kind} {'≥' if self.closed in ('both', 'left') else '>'} {self.left:g}"
        if self.left is None:
            return f"{kind} {'≤' if self.closed in ('both', 'right') else '<'} {self.right:g}"
        lo = "[" if self.closed in ("both", "left") else "("
        hi = "]" if self.closed in ("both", "right") else ")"
        return f"{kind} in {lo}{self.left:g}, {self.right:g}{hi}"


class Options(Constraint):
    """One of a fixed set of values (compared with ``==``; booleans never stand for numbers)."""

    def __init__(self, options: Iterable[Any]) -> None:
        self.options = tuple(options)

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return any(type(value) is type(option) and value == option for option in self.options) or (
                isinstance(value, str) and value in self.options
            )
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.options)


class Check(Constraint):
    """Any rule as a predicate and its description: ``Check(lambda v: ..., "two finite numbers lo < hi")``."""

    def __init__(self, predicate: Callable[[Any], bool], description: str) -> None:
        self.predicate, self.description = predicate, description

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return bool(self.predicate(value))
        except Exception:  # noqa: BLE001 - a predicate that fails on a value rejects it
            return False

    def __str__(self) -> str:
        return self.description


class _Type(Constraint):
    def __init__(self, kind: type) -> None:
        self.kind = kind

    def is_satisfied_by(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, (bool, np.bool_))
        return isinstance(value, self.kind)

    def __str__(self) -> str:
        names = {bool: "True or False", str: "a string", dict: "a dict"}
        return names.get(self.kind, f"a {self.kind.__name__}")


class _IsNone(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


def as_constraint(spec: Any) -> Constraint:
    """A :class:`Constraint` from what ``_parameter_constraints`` may hold: a Constraint, ``None``, a type
    (``bool``, ``str``, ``dict``; ``int``/``float`` mean any integer / finite number, never a bool), or a
    predicate (the first line of its docstring describes it).
    """
    if isinstance(spec, Constraint):
        return spec
    if spec is None:
        return _IsNone()
    if spec in (int, Integral, float, Real):
        return Interval(spec, None, None)  # numpy integers count, booleans never do
    if isinstance(spec, type):
        return _Type(spec)
    if callable(spec):
        doc = (inspect.getdoc(spec) or "").strip().splitlines()
        return Check(spec, doc[0] if doc else f"accepted by {getattr(spec, '__name__', spec)!r}")
    raise TypeError(f"not a parameter constraint: {spec!r}")


def finite_range(value: Any) -> bool:
    """two finite numbers (lo, hi) with lo < hi"""
    if isinstance(value, (str, bytes)) or len(value) != 2:
        return False
    lo, hi = value
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, Real) for v in (lo, hi)):
        return False
    return math.isfinite(float(lo)) and math.isfinite(float(hi)) and float(lo) < float(hi)


# --------------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------------


class Estimator(ABC):
    """A mutual-information estimator that reports bits.

    Subclasses set the behaviour flags, store their keyword parameters unchanged in ``__init__`` (one
    attribute per parameter, same name), declare ``_parameter_constraints`` and implement
    :meth:`mutual_information` and :meth:`information_plane`. They may override :meth:`label_for` and
    :meth:`study_settings` so that reports label them and studies sweep them like the built-in ones.
    """

    #: Registry name, set by :func:`register`.
    name: ClassVar[str] = ""
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
    #: Per parameter, the constraints its value may satisfy (any one suffices); parameters not listed
    #: are not checked. See the module docstring.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}
    #: Parameters that change how, not what, is computed (device, chunk size): left out of labels.
    _computational_params: ClassVar[tuple[str, ...]] = ()

    # -- flags that may depend on parameters ------------------------------------------------------

    @property
    def is_lower_bound(self) -> bool:
        """True when the estimate is a lower bound on the quantity it names."""
        return False

    @property
    def scale_invariant(self) -> bool:
        """True when scaling x and t together by any c > 0 leaves the estimate unchanged (up to rounding).

        The contract test checks this at scales 1e-200 … 1e154: such an estimator gives the same value or
        a clear ValueError, never NaN or another number.
        """
        return self.invariant_under_invertible_maps

    # -- parameters ---------------------------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    @classmethod
    def default_params(cls) -> dict[str, Any]:
        """The constructor's parameters and their defaults (``inspect.Parameter.empty`` where none)."""
        signature = inspect.signature(cls.__init__)
        return {name: signature.parameters[name].default for name in cls._param_names()}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters and their current values (what run files and tables record).

        Args:
            deep: accepted for scikit-learn compatibility (no parameter is itself an estimator).
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Change parameters in place and return ``self`` (scikit-learn's convention).

        The new values are validated; on an invalid value nothing is changed.

        Raises:
            ValueError: an unknown parameter or a value its constraints reject.
        """
        valid = self.get_params()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(f"{self.name}: unknown parameters {unknown}; valid: {sorted(valid)}")
        for key, value in params.items():
            setattr(self, key, value)
        try:
            self.validate_params()
        except ValueError:
            for key in params:
                setattr(self, key, valid[key])
            raise
        return self

    def _replaced(self: _Self, **params: Any) -> _Self:
        """A shallow copy with some parameters changed (``self`` is left as it is)."""
        changed = copy.copy(self)
        changed.set_params(**params)
        return changed

    def validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints``, then the cross-parameter rules.

        Raises:
            ValueError: ``"<name>: parameter <param>=<value!r> must be <constraint>"``.
        """
        label = self.name or type(self).__name__
        for param, specs in type(self)._parameter_constraints.items():
            value = getattr(self, param)
            constraints = [as_constraint(spec) for spec in specs]
            if not any(c.is_satisfied_by(value) for c in constraints):
                described = " or ".join(str(c) for c in constraints)
                raise ValueError(f"{label}: parameter {param}={value!r} must be {described}")
        self._validate_together()

    def _validate_together(self) -> None:
        """Rules between parameters (e.g. binning's range only with uniform bins); none by default."""

    def params_json(self, params: dict[str, Any] | None = None) -> str:
        """``params`` (default: :meth:`get_params`) as the JSON written into MI tables and run files."""
        return json.dumps(self.get_params() if params is None else params, default=_json_value)

    # -- labels and study settings ---------------------------------------------------------------

    @property
    def label(self) -> str:
        """A short label with the distinguishing parameters, e.g. ``binning 30 [-1,1]``, ``kde σ²=0.001``."""
        return type(self).label_for(self.get_params())

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """The :attr:`label` of an estimator of this class with ``params`` (missing keys take defaults).

        By default: the name, then ``key=value`` for each parameter that differs from its default
        (computational ones, such as ``device``, left out).
        """
        return " ".join([cls.name or cls.__name__, *cls._label_extras(params)])

    @classmethod
    def _label_extras(cls, params: dict[str, Any], skip: Sequence[str] = ()) -> list[str]:
        """``key=value`` for each parameter in ``params`` that differs from its default, in order."""
        defaults = cls.default_params()
        return [
            f"{key}={_label_value(value)}"
            for key, value in params.items()
            if key in defaults
            and key not in skip
            and key not in cls._computational_params
            and not _same(value, defaults[key])
        ]

    @classmethod
    def study_settings(cls, bounds: tuple[float, float] | None, **overrides: Any) -> list[dict[str, Any]]:
        """The parameter dicts a study sweeps for this estimator by default.

        By default none (studies opt in): with ``overrides``, each names a parameter and the values to
        sweep (a list or tuple; a single value is one setting), and the settings are their product.

        Args:
            bounds: the range of the layer's units when it is known (``(-1, 1)`` for tanh), else None.
            overrides: parameter values to sweep instead of the defaults.

        Raises:
            ValueError: an unknown parameter, or a value its constraints reject.
        """
        if not overrides:
            return []
        unknown = sorted(set(overrides) - set(cls._param_names()))
        if unknown:
            raise ValueError(f"{cls.name}: study_settings got unknown parameters {unknown}; valid: {cls._param_names()}")
        keys = list(overrides)
        values = [v if isinstance(v, (list, tuple)) else [v] for v in overrides.values()]
        settings = [dict(zip(keys, combo)) for combo in itertools.product(*values)]
        for setting in settings:
            cls(**setting).validate_params()
        return settings

    def describe(self) -> str:
        """The estimator's name, the quantity it measures and its parameters, in one line."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{self.name}({params}): {self.quantity}"

    # -- estimation -----------------------------------------------------------------------------------

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> Estimator:
        """Settings shared by all epochs of one layer (e.g. a binning range); ``self`` by default.

        Args:
            activations: the layer's activations (n_samples, width), one array per logged epoch.

        Returns:
            An estimator to apply to each of those epochs (never ``self`` changed in place).
        """
        self.validate_params()
        return self

    @abstractmethod
    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits for paired samples ``a`` (N, d_a) and ``b`` (N, d_b) or labels (N,)."""

    @abstractmethod
    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits for one layer ``t`` (N, width), inputs ``x`` (N, …) and labels ``y`` (N,).

        ``aux`` holds the layer's per-sample records named in :attr:`requires_aux` (echo: ``log2_scale``);
        estimators that need none ignore it.
        """

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def _same(value: Any, default: Any) -> bool:
    """Equal as parameter values: numbers by value (30 == 30.0), booleans only to booleans."""
    if isinstance(value, (bool, np.bool_)) or isinstance(default, (bool, np.bool_)):
        return isinstance(value, (bool, np.bool_)) and isinstance(default, (bool, np.bool_)) and value == default
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return value is default


def _label_value(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_label_value(v) for v in value) + "]"
    return str(value)


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
    """An estimator by registry name, built with ``params`` and validated.

    Raises:
        ValueError: no estimator of that name (the message lists the valid ones), an unknown parameter,
            or a value the estimator's constraints reject.
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
    estimator = cls(**params)
    estimator.validate_params()
    return estimator


def _json_value(value: Any) -> Any:
    """numpy scalars as their Python values; anything else JSON cannot hold as its string."""
    return value.item() if isinstance(value, np.generic) else str(value)
