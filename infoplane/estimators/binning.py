"""Binning estimator (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018; adaptive: Chelombiev et al. 2019).

Each unit is discretised into ``n_bins`` bins; each row of bin codes is one symbol; MI is the plug-in
discrete MI of those symbols. For a deterministic network and distinct inputs,
I(X;T) = H(T_binned). Everything is vectorised: rows become integer codes, then counts.

Note: the original code's ``linspace(-1, 1, 30)`` gives 29 bins with edges at the values; ours gives
exactly ``n_bins`` bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any, ClassVar, Literal

import numpy as np

from infoplane.estimators.base import Estimator, Interval, Options, finite_range, register
from infoplane.infotheory import entropy_bits
from infoplane.samples import as_class_labels, as_samples, is_discrete_labels

Strategy = Literal["uniform", "adaptive"]
_MAX_CODE = np.iinfo(np.int64).max


def uniform_bin_codes(values: np.ndarray, lo: float, hi: float, n_bins: int) -> np.ndarray:
    """Equal-width bin index of each value: ``floor((v − lo)/(hi − lo)·n_bins)`` clipped to [0, n_bins − 1].

    A degenerate range (hi ≤ lo) puts every value in bin 0.
    """
    if hi <= lo:
        return np.zeros(values.shape, dtype=np.int64)
    scaled = (values - lo) * (n_bins / (hi - lo))
    # Clipping first makes truncation equal to floor (every value is ≥ 0), at half the cost.
    return np.clip(scaled, 0, n_bins - 1, out=scaled).astype(np.int64)


def adaptive_bin_codes(values: np.ndarray, n_bins: int, scope: Literal["unit", "layer"] = "unit") -> np.ndarray:
    """Equal-mass bin index of each value: edges at the ``k/n_bins`` quantiles (Chelombiev et al. 2019).

    Ties (a saturated or dead unit) share a bin, so a unit can use fewer than ``n_bins`` bins.

    Args:
        values: (N, d) array.
        n_bins: bins per unit.
        scope: ``"unit"``: edges from each unit's own values; ``"layer"``: from all units pooled.
    """
    levels = np.arange(1, n_bins) / n_bins
    if scope == "layer":
        edges = np.quantile(values, levels)
        return np.searchsorted(edges, values, side="right").astype(np.int64)
    edges = np.quantile(values, levels, axis=0)  # (n_bins - 1, d)
    codes = np.empty(values.shape, dtype=np.int64)
    for j in range(values.shape[1]):  # a loop over units, not samples
        codes[:, j] = np.searchsorted(edges[:, j], values[:, j], side="right")
    return codes


def row_symbols(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """One integer symbol per row of bin codes, equal for equal rows and only then.

    Columns are combined as digits in base ``n_levels``; before the number could overflow int64 the
    partial symbols are relabelled densely (0 … #distinct − 1), so any width works.

    Args:
        codes: (N, d) ints in ``[0, n_levels)``.
        n_levels: number of possible codes per column.

    Returns:
        int64 array (N,).
    """
    symbols = np.zeros(codes.shape[0], dtype=np.int64)
    bound = 1  # symbols < bound
    for column in codes.T:
        if bound > _MAX_CODE // max(n_levels, 1):
            symbols = np.unique(symbols, return_inverse=True)[1].reshape(-1).astype(np.int64)
            bound = int(symbols.max()) + 1
        symbols = symbols * n_levels + column
        bound *= n_levels
    return symbols


def exact_row_symbols(values: np.ndarray) -> np.ndarray:
    """One symbol per distinct row of ``values`` (exact equality), for a discrete side such as X."""
    rows = np.ascontiguousarray(values)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))
    return np.unique(as_bytes.reshape(-1), return_inverse=True)[1].reshape(-1).astype(np.int64)


def symbol_counts(symbols: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Labels, counts and number of labels of a symbol vector, with labels in ``[0, n_labels)``.

    Small non-negative symbols (class labels) are counted directly; others are relabelled densely.
    """
    n = symbols.shape[0]
    if symbols.min() >= 0 and symbols.max() < 4 * n + 64:
        counts = np.bincount(symbols)
        return symbols, counts, counts.shape[0]
    _, labels, counts = np.unique(symbols, return_inverse=True, return_counts=True)
    return labels.reshape(-1), counts, counts.shape[0]


def symbol_entropy_bits(symbols: np.ndarray) -> float:
    """Plug-in Shannon entropy, in bits, of a vector of symbols."""
    return entropy_bits(symbol_counts(symbols)[1])


def discrete_mi_bits(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in I(A;B) = H(A) + H(B) − H(A,B), in bits, of two symbol vectors."""
    a_labels, a_counts, _ = symbol_counts(a)
    b_labels, b_counts, n_b = symbol_counts(b)
    joint = a_labels.astype(np.int64) * n_b + b_labels
    joint_counts = symbol_counts(joint)[1]
    mi = entropy_bits(a_counts) + entropy_bits(b_counts) - entropy_bits(joint_counts)
    return max(mi, 0.0)  # float rounding can leave −1e-16 for independent sides


@register("binning")
class Binning(Estimator):
    """Discrete MI of activations binned per unit (bits).

    Args:
        n_bins: bins per unit (30 by default, as in the 12-bit experiments).
        range: ``(lo, hi)`` for every unit, or ``None``: for one array, its own min and max; for a run,
            the layer's min and max over all logged epochs (Saxe et al.), so epochs are comparable.
            Use ``(-1, 1)`` to reproduce the original tanh analysis. Only for ``strategy="uniform"``.
        strategy: ``"uniform"`` (equal-width bins) or ``"adaptive"`` (equal-mass bins whose edges are
            the quantiles of the values being estimated, recomputed at each epoch; Chelombiev et al. 2019).
        scope: for adaptive bins, quantiles per ``"unit"`` or pooled over the ``"layer"``.
    """

    accepts_continuous = True
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_bins": [Interval(Integral, 2, None)],
        "range": [finite_range, None],
        "strategy": [Options(("uniform", "adaptive"))],
        "scope": [Options(("unit", "layer"))],
    }
    quantity = "plug-in MI of the binned activations (a proxy: the true I(X;T) of a deterministic net is infinite or constant)"

    def __init__(
        self,
        n_bins: int = 30,
        range: tuple[float, float] | None = None,  # noqa: A002 - the established name (numpy, sklearn)
        strategy: Strategy = "uniform",
        scope: Literal["unit", "layer"] = "unit",
    ) -> None:
        self.n_bins = n_bins
        self.range = range
        self.strategy = strategy
        self.scope = scope

    def _validate_together(self) -> None:
        if self.range is not None and self.strategy == "adaptive":
            raise ValueError("binning: range applies to uniform bins only; drop it for strategy='adaptive'")

    @property
    def scale_invariant(self) -> bool:
        """True without a fixed ``range``: the bins follow the values' own range or quantiles."""
        return self.range is None

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``binning 30 [-1,1]``, ``binning 30 (run range)``, ``binning adaptive 30`` (``… per layer`` for
        layer-pooled quantiles)."""
        p = {**cls.default_params(), **params}
        if p.get("strategy") == "adaptive":
            return f"binning adaptive {p['n_bins']}" + (" per layer" if p.get("scope") == "layer" else "")
        rng = p.get("range")
        return f"binning {p['n_bins']}" + (f" [{rng[0]:g},{rng[1]:g}]" if rng is not None else " (run range)")

    @classmethod
    def study_settings(cls, bounds: tuple[float, float] | None, **overrides: Any) -> list[dict[str, Any]]:
        """Uniform bins ``n_bins`` = 30, 10, 100 over ``bounds`` (None: each run's range), then adaptive 30.

        Args:
            bounds: ``(lo, hi)`` of the layer's units when known (``(-1, 1)`` for tanh), else None.
            overrides: ``n_bins`` (a sequence: the uniform settings; the first is the headline) and
                ``adaptive_n_bins`` (an int; 0 for none).
        """
        unknown = sorted(set(overrides) - {"n_bins", "adaptive_n_bins"})
        if unknown:
            raise ValueError(f"binning: study_settings takes n_bins and adaptive_n_bins, got {unknown}")
        n_bins = overrides.get("n_bins", (30, 10, 100))
        n_bins = [n_bins] if isinstance(n_bins, (int, np.integer)) else list(n_bins)
        adaptive = overrides.get("adaptive_n_bins", 30)
        rng = None if bounds is None else (float(bounds[0]), float(bounds[1]))
        settings: list[dict[str, Any]] = [{"n_bins": b, "range": rng} for b in n_bins]
        if adaptive:
            settings.append({"n_bins": adaptive, "strategy": "adaptive"})
        for setting in settings:
            cls(**setting).validate_params()
        return settings

    def describe(self) -> str:
        """One line: the bins, their range, and that the number is binned MI."""
        if self.strategy == "adaptive":
            bins = f"{self.n_bins} equal-mass bins per {self.scope} (edges from each epoch's quantiles)"
        elif self.range is None:
            bins = f"{self.n_bins} equal-width bins per unit over each layer's [min, max] across all logged epochs"
        else:
            bins = f"{self.n_bins} equal-width bins per unit over [{self.range[0]:g}, {self.range[1]:g}]"
        return f"binning: {bins}; {self.quantity}"

    def codes(self, values: np.ndarray) -> np.ndarray:
        """Bin codes (N, d) of an (N, d) float array under this estimator's settings."""
        self.validate_params()
        if self.strategy == "adaptive":
            return adaptive_bin_codes(values, int(self.n_bins), self.scope)
        lo, hi = self.range if self.range is not None else (float(values.min()), float(values.max()))
        return uniform_bin_codes(values, float(lo), float(hi), int(self.n_bins))

    def symbols(self, values: Any, what: str = "activations") -> np.ndarray:
        """One symbol per sample: the row of bin codes of ``values`` (N, d)."""
        return row_symbols(self.codes(as_samples(values, what)), int(self.n_bins))

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> Binning:
        """With uniform bins and no fixed range: a copy whose range is the layer's min/max over all epochs.

        Raises:
            ValueError: invalid parameters, or an epoch's activations empty, of width 0 or not finite.
        """
        self.validate_params()
        if self.strategy != "uniform" or self.range is not None or not activations:
            return self
        arrays = [np.asarray(a) for a in activations]
        for a in arrays:
            if a.size == 0 or a.dtype.kind not in "biuf":
                as_samples(a, "the layer's activations")  # raises, naming the problem (0 samples, no units)
        lo = min(float(np.min(a)) for a in arrays)
        hi = max(float(np.max(a)) for a in arrays)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("binning: the layer's activations hold NaN or infinite values")
        if hi <= lo:
            return self  # a constant layer: one bin, I = 0, whatever the range
        return self._replaced(range=(lo, hi))

    def mutual_information(self, a: Any, b: Any) -> float:
        """I(A;B) in bits: ``a`` is binned; ``b`` is taken as discrete if it is a 1-d integer array, else binned."""
        a_sym = self.symbols(a, "a")
        if is_discrete_labels(b):
            b_sym = as_class_labels(b, len(a_sym), "b")
        else:
            b_sym = self.symbols(b, "b")
            if len(b_sym) != len(a_sym):
                raise ValueError(f"a and b must pair samples: {len(a_sym)} rows against {len(b_sym)}")
        return discrete_mi_bits(a_sym, b_sym)

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;T), I(T;Y)) in bits (``aux`` records are not used).

        I(X;T) is the discrete MI between the exact input rows and the binned layer; for distinct inputs
        (the 12-bit set, images) it equals H(T_binned). Pass ``x=None`` to assume distinct inputs.
        """
        t_sym = self.symbols(t, "t")
        labels = as_class_labels(y, len(t_sym), "y")
        if x is None:
            i_xt = symbol_entropy_bits(t_sym)
        else:
            x_arr = as_samples(x, "x")
            if len(x_arr) != len(t_sym):
                raise ValueError(f"x has {len(x_arr)} samples but t has {len(t_sym)}")
            i_xt = discrete_mi_bits(exact_row_symbols(x_arr), t_sym)
        return i_xt, discrete_mi_bits(t_sym, labels)
