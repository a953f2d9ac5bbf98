"""Echo exact rate (Brekelmans, Moyer, Galstyan & Ver Steeg 2019, "Exact Rate-Distortion in
Autoencoders via Echo Noise", NeurIPS).

For an :class:`infoplane.echo_noise.EchoNoise` channel z = f(x) + S(x)·ε with diagonal S, the rate is
exact: I(X;Z) = −E_x log|det S(x)| = −E_x Σ_i log s_i(x) (their eq. 9), for any input distribution.
The tracker records log2 s(x) of every EchoNoise layer, so I(X;Z) needs no estimation at all; I(Z;Y)
is estimated from the recorded z by another estimator (binning by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from infoplane.estimators.base import Estimator, available, get, register
from infoplane.samples import as_class_labels, as_samples


def echo_rate_bits(log2_scale: Any) -> float:
    """I(X;Z) = −E_x Σ_i log2 s_i(x), in bits, from per-sample log2-scales (N, d)."""
    values = as_samples(log2_scale, "log2_scale")
    if np.any(values > 0):
        raise ValueError("log2_scale holds positive values: echo scales must lie in (0, 1)")
    return float(-values.sum(axis=1).mean())


def _is_label_estimator(value: Any) -> bool:
    """the registry name of another estimator (binning, kde, ksg, mine, or a plugin's)"""
    return isinstance(value, str) and value != "echo" and value in available()


@register("echo")
class Echo(Estimator):
    """Exact I(X;Z) of an EchoNoise layer from its recorded scales; I(Z;Y) by ``label_estimator``.

    Only layers that record ``log2_scale`` (EchoNoise layers) can be estimated; :func:`infoplane.estimate`
    skips the others for this estimator.

    Args:
        label_estimator: registry name of the estimator for I(Z;Y) (it must accept continuous z and
            class labels: ``"binning"``, ``"kde"``, ``"ksg"``, ``"mine"``).
        label_params: that estimator's parameters.
    """

    accepts_continuous = False
    quantity = "exact rate I(X;Z) = −E Σ log2 s_i(x) of an echo-noise channel; I(Z;Y) estimated from z"
    requires_aux = ("log2_scale",)
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "label_estimator": [_is_label_estimator],
        "label_params": [dict, None],
    }

    def __init__(self, label_estimator: str = "binning", label_params: dict[str, Any] | None = None) -> None:
        self.label_estimator = label_estimator
        self.label_params = label_params

    def _validate_together(self) -> None:
        try:
            get(self.label_estimator, **(self.label_params or {}))
        except ValueError as exc:
            raise ValueError(f"echo: label_params for {self.label_estimator!r} are invalid: {exc}") from None

    def _label_estimator(self) -> Estimator:
        self.validate_params()
        return get(self.label_estimator, **(self.label_params or {}))

    @property
    def scale_invariant(self) -> bool:
        """I(X;Z) comes from the recorded scales alone; I(Z;Y) is as scale-invariant as its estimator."""
        return self._label_estimator().scale_invariant

    @classmethod
    def label_for(cls, params: dict[str, Any]) -> str:
        """``echo`` with the default I(Z;Y) estimator, else ``echo, I(Z;Y) by <its label>``."""
        p = {**cls.default_params(), **params}
        if p["label_estimator"] == "binning" and not p.get("label_params"):
            return "echo"
        try:
            inner = get(p["label_estimator"]).label_for(dict(p.get("label_params") or {}))
        except ValueError:
            inner = str(p["label_estimator"])
        return f"echo, I(Z;Y) by {inner}"

    def fit_trajectory(self, activations: Sequence[np.ndarray]) -> Estimator:
        """A copy whose label estimator's shared settings (e.g. a binning range) are fitted on the z trajectory."""
        fitted = self._label_estimator().fit_trajectory(activations)
        return self._replaced(label_params=fitted.get_params())

    def describe(self) -> str:
        return f"echo: {self.quantity}, by {self._label_estimator().describe()}"

    def mutual_information(self, a: Any, b: Any) -> float:
        raise ValueError(
            "echo gives I(X;Z) exactly only for an EchoNoise channel, from its recorded scales "
            "(information_plane(x, z, y, log2_scale=...)); for two arrays use binning, kde, ksg or mine"
        )

    def information_plane(self, x: Any, t: Any, y: Any, **aux: Any) -> tuple[float, float]:
        """(I(X;Z), I(Z;Y)) in bits: the exact rate from ``aux["log2_scale"]`` (N, d), the other by estimation.

        Raises:
            ValueError: no ``log2_scale`` (the layer is not an EchoNoise layer), another record named,
                or shapes disagree.
        """
        unknown = sorted(set(aux) - {"log2_scale"})
        if unknown:
            raise ValueError(f"echo: unknown per-sample records {unknown}; it takes log2_scale only")
        log2_scale = aux.get("log2_scale")
        label_estimator = self._label_estimator()
        if log2_scale is None:
            raise ValueError(
                "echo needs the layer's recorded log2 scales: only EchoNoise layers (infoplane.EchoNoise) have them"
            )
        z = as_samples(t, "z")
        scales = as_samples(log2_scale, "log2_scale")
        if scales.shape != z.shape:
            raise ValueError(f"log2_scale has shape {scales.shape} but z has {z.shape}")
        labels = as_class_labels(y, len(z), "y")
        return echo_rate_bits(scales), label_estimator.mutual_information(z, labels)
