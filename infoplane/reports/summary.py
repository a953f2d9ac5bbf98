"""``RunSummary``: the little a page needs to know about a run, so reports never read run files.

:func:`summarise` is duck-typed: it reads the attributes a run has (``name``, ``labels``, ``epochs``,
``layers``, ``metrics``, ``metadata``, and ``complete`` where the run says so) and does not import
:mod:`infoplane.run`, so the reports stay downstream of runs, estimators and MI tables.

**Epochs.** A logged epoch ``e`` (the MI table's ``epoch``, ``RunSummary.epochs``) is the 0-based index
of the epoch just finished, so the model had been trained ``e + 1`` epochs. Reports show one convention
everywhere — axes, hovers, sliders and tables say **epochs trained** (``e + 1``); :func:`epochs_trained`
is the one conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infoplane.infotheory import entropy_bits
from infoplane.samples import to_numpy


def epochs_trained(epoch: int) -> int:
    """Epochs trained at logged epoch ``epoch`` (0-based index of the epoch just finished): ``epoch + 1``."""
    return int(epoch) + 1


@dataclass(frozen=True)
class RunSummary:
    """What the report shows of one run, beside its rows in the MI table.

    Attributes:
        name: the run's name, as in the MI table's ``run`` column.
        n_samples: probe samples N; I(X;T) ≤ log2 N bits.
        label_entropy_bits: H(Y) of the probe labels in bits; I(T;Y) ≤ H(Y).
        epochs: the logged epochs (0-based epochs trained).
        layers: the recorded layers, in forward order.
        widths: per layer, its number of units (empty where unknown).
        metrics: per metric name, one value per logged epoch.
        metadata: the run's metadata without ``model`` (shown in the report's run table).
        model: the model's description (``repr``), or "".
        activation: the hidden activation, if the metadata names one.
        seed: the training seed, if the metadata names one.
        complete: False when training stopped before the end of its schedule (an interrupted run).
        expected_last_epoch: the last epoch of the schedule (0-based), where the metadata gives it.
        online: True for a run captured with ``store="none"``: it kept no activations, only the estimates
            made while training (with the parameters they were computed with).
    """

    name: str
    n_samples: int
    label_entropy_bits: float
    epochs: tuple[int, ...]
    layers: tuple[str, ...]
    widths: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, tuple[float, ...]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    activation: str | None = None
    seed: int | None = None
    complete: bool = True
    expected_last_epoch: int | None = None
    online: bool = False

    @property
    def log2_n(self) -> float:
        """log2 N in bits: the most I(X;T) can be for N distinct probe inputs."""
        return float(np.log2(self.n_samples))

    @property
    def last_epoch(self) -> int | None:
        """The last logged epoch, or None for a run with no logged epoch."""
        return self.epochs[-1] if self.epochs else None

    @property
    def incomplete_note(self) -> str | None:
        """``"incomplete run: stopped after N of M epochs trained"`` for an incomplete run, else None
        (epochs trained, as everywhere in reports)."""
        if self.complete:
            return None
        of = f" of {epochs_trained(self.expected_last_epoch)}" if self.expected_last_epoch is not None else ""
        last = "no logged epoch" if self.last_epoch is None else f"stopped after {epochs_trained(self.last_epoch)}"
        return f"incomplete run: {last}{of} epochs trained"


def _expected_last_epoch(run: Any, metadata: Mapping[str, Any]) -> int | None:
    """The run's own answer (``expected_last_epoch``) if it has one, else ``training.epochs − 1``."""
    given = getattr(run, "expected_last_epoch", None)
    if isinstance(given, (int, np.integer)) and not isinstance(given, bool):
        return int(given)
    training = metadata.get("training")
    epochs = training.get("epochs") if isinstance(training, Mapping) else None
    if isinstance(epochs, (int, np.integer)) and not isinstance(epochs, bool) and epochs >= 1:
        return int(epochs) - 1
    return None


def _widths(run: Any, metadata: Mapping[str, Any]) -> dict[str, int]:
    given = metadata.get("layer_widths")
    if isinstance(given, Mapping):
        return {str(k): int(v) for k, v in given.items()}
    activations = getattr(run, "activations", None) or {}
    return {str(k): int(v.shape[-1]) for k, v in activations.items()}


def summarise(run: Any) -> RunSummary:
    """The :class:`RunSummary` of a run (an :class:`infoplane.Run` or anything with its attributes).

    ``complete`` is read from ``run.complete`` (True when the run does not say).

    Raises:
        ValueError: the run has no probe labels.
    """
    if isinstance(run, RunSummary):
        return run
    metadata = dict(getattr(run, "metadata", None) or {})
    labels = to_numpy(run.labels).ravel()
    name = str(getattr(run, "name", None) or metadata.get("name", "run"))
    if labels.size == 0:
        raise ValueError(f"run {name!r} has no probe labels: there is nothing to summarise")
    _, counts = np.unique(labels, return_counts=True)
    seed = metadata.get("seed")
    activation = metadata.get("activation")
    return RunSummary(
        name=name,
        n_samples=int(labels.size),
        label_entropy_bits=entropy_bits(counts),
        epochs=tuple(int(e) for e in run.epochs),
        layers=tuple(str(layer) for layer in run.layers),
        widths=_widths(run, metadata),
        metrics={str(k): tuple(float(v) for v in vs) for k, vs in (getattr(run, "metrics", None) or {}).items()},
        metadata={k: v for k, v in metadata.items() if k != "model"},
        model=str(metadata.get("model", "")),
        activation=None if activation is None else str(activation),
        seed=int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        complete=bool(getattr(run, "complete", True)),
        expected_last_epoch=_expected_last_epoch(run, metadata),
        online=not getattr(run, "activations", None) and bool(getattr(run, "estimates", None)),
    )


__all__ = ["RunSummary", "epochs_trained", "summarise"]
