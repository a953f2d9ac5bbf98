"""``InfoPlaneCallback``: a Tracker inside a Lightning ``Trainer`` (optional extra ``lightning``).

Works with ``lightning`` (``lightning.pytorch``) or the older ``pytorch_lightning`` package, whichever is
installed. At the end of each logged training epoch the callback captures every chosen layer of the
LightningModule on the probe set, with the trainer's logged metrics; at the end of fitting the run is
kept in ``callback.run`` and, if ``path`` is given, saved there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

from infoplane.hooks.schedule import log_spaced_epochs
from infoplane.hooks.tracker import LayerSpec, Tracker
from infoplane.run import Run

try:  # the unified package first, then the standalone one
    from lightning.pytorch import Callback
except ImportError:  # pragma: no cover - depends on what is installed
    try:
        from pytorch_lightning import Callback
    except ImportError as exc:
        raise ImportError(
            "infoplane.hooks.lightning needs Lightning: pip install 'infoplane[lightning]' (or pytorch_lightning)"
        ) from exc


class InfoPlaneCallback(Callback):  # type: ignore[misc]
    """Capture the information plane's raw material during ``Trainer.fit``.

    Args:
        inputs: the probe set, as for :class:`~infoplane.Tracker`: a tensor (n_samples, …), a tuple or
            dict of input tensors, or a DataLoader (read once, at the start of fitting).
        labels: probe class labels (n_samples,); optional for a loader whose batches carry them.
        layers: ``"auto"``, ``"blocks"``, module names, modules or module types of the LightningModule.
        epochs: which epochs to capture: an iterable of epoch indices, a predicate, or ``None`` for
            ``log_spaced_epochs(trainer.max_epochs)``.
        path: where to save the run at the end of fitting (optional).
        **tracker_options: passed to :class:`~infoplane.Tracker` (``batch_size``, ``dtype``,
            ``estimators``, ``store``, ``metadata``, ``forward_fn``, ``reduce``, ``mask``, …).

    Example:
        >>> callback = InfoPlaneCallback(x_probe, y_probe, path="run.pt")
        >>> Trainer(max_epochs=100, callbacks=[callback]).fit(module, loader)
        >>> callback.run.epochs
    """

    def __init__(
        self,
        inputs: Any,
        labels: Any = None,
        layers: LayerSpec = "auto",
        *,
        epochs: Iterable[int] | Callable[[int], bool] | None = None,
        path: str | Path | None = None,
        **tracker_options: Any,
    ) -> None:
        super().__init__()
        self.inputs = inputs
        self.labels = labels
        self.layers = layers
        self.epochs = epochs
        self.path = path
        self.tracker_options = tracker_options
        self.tracker: Tracker | None = None
        self.run: Run | None = None
        self._wanted: Callable[[int], bool] = lambda epoch: True

    def on_fit_start(self, trainer: Any, pl_module: torch.nn.Module) -> None:
        self.tracker = Tracker(pl_module, self.inputs, self.labels, self.layers, **self.tracker_options)
        if callable(self.epochs):
            self._wanted = self.epochs
        else:
            chosen = set(self.epochs) if self.epochs is not None else set(log_spaced_epochs(max(1, trainer.max_epochs or 1)))
            self._wanted = chosen.__contains__

    def on_train_epoch_end(self, trainer: Any, pl_module: torch.nn.Module) -> None:
        if self.tracker is None or trainer.sanity_checking or not self._wanted(trainer.current_epoch):
            return
        self.tracker.capture(trainer.current_epoch, **_numbers(trainer.callback_metrics))

    def on_fit_end(self, trainer: Any, pl_module: torch.nn.Module) -> None:
        if self.tracker is None or not self.tracker.epochs:
            return
        self.run = self.tracker.to_run(trainer="lightning", max_epochs=trainer.max_epochs)
        if self.path is not None:
            self.run.save(self.path)
        self.tracker.close()


def _numbers(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The trainer's logged scalars as floats (tensors with one element included)."""
    out = {}
    for key, value in metrics.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            out[key] = float(value.detach().cpu())
        elif isinstance(value, (int, float)):
            out[key] = float(value)
    return out
