"""Capture of layer activations on a fixed probe set with forward hooks."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from infoplane.analysis.mi_table import (
    EstimatorSpec,
    applies_to,
    as_estimators,
    estimate_row,
    estimates_frame,
)
from infoplane.hooks.metadata import run_metadata
from infoplane.run import Run, plain_data
from infoplane.samples import as_class_labels

#: Module types whose outputs ``layers="auto"`` records.
ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.Tanh, nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.GELU, nn.ELU, nn.SELU, nn.CELU, nn.LeakyReLU,
    nn.PReLU, nn.RReLU, nn.Softplus, nn.SiLU, nn.Mish, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.LogSigmoid, nn.Softsign, nn.Tanhshrink,
)  # fmt: skip

_BUDGET_ADVICE = (
    "pass probe_size= (fewer samples), store='float16' (half the memory), or estimators=[...] with "
    "store='none' (keep only the numbers)"
)

LayerSpec = Literal["auto"] | Sequence[str | nn.Module]


@dataclass(frozen=True)
class LayerSelection:
    """The modules a tracker records, by name, in the order they appear in ``named_modules()``."""

    names: tuple[str, ...]
    modules: tuple[nn.Module, ...]

    @classmethod
    def resolve(cls, model: nn.Module, layers: LayerSpec) -> LayerSelection:
        """Turn ``"auto"``, module names or module objects into a selection.

        ``"auto"`` takes every activation module (``ACTIVATION_TYPES``), every module that records
        extra data for the tracker (``infoplane_aux``, e.g. :class:`~infoplane.layers.EchoNoise`) and
        the model's own output, named ``"output"``. The model itself may be named by ``""``/``"output"`` or passed as a module.
        """
        named = dict(model.named_modules())
        output_name = "output" if "output" not in named else "model_output"
        by_identity = {id(m): name for name, m in named.items()}
        if isinstance(layers, str):
            if layers != "auto":
                raise ValueError(
                    f"layers must be 'auto' or a list of module names or modules, got the string {layers!r}; "
                    f"to record one layer write layers=[{layers!r}]"
                )
            chosen = [
                (name, m)
                for name, m in named.items()
                if name and (isinstance(m, ACTIVATION_TYPES) or hasattr(m, "infoplane_aux"))
            ]
            if not chosen:
                raise ValueError(
                    f"layers='auto' found no activation modules ({', '.join(t.__name__ for t in ACTIVATION_TYPES[:4])}, "
                    f"…) in {type(model).__name__}: its forward probably applies them as functions "
                    f"(F.relu, torch.tanh), which forward hooks cannot see. Name the layers to record "
                    f"instead, e.g. layers={[n for n in named if n][:3]!r}, from model.named_modules()"
                )
            chosen.append((output_name, model))
        else:
            chosen = []
            for spec in layers:
                if isinstance(spec, nn.Module):
                    if id(spec) not in by_identity:
                        raise ValueError(f"module {type(spec).__name__} is not part of the model")
                    name = by_identity[id(spec)]
                    chosen.append((name or output_name, spec))
                elif isinstance(spec, str):
                    key = "" if spec == output_name and spec not in named else spec
                    if key not in named:
                        valid = [n for n in named if n]
                        raise ValueError(
                            f"no module named {spec!r} in the model; valid names: {valid[:20]}"
                            f"{' …' if len(valid) > 20 else ''} and {output_name!r} for the model's output"
                        )
                    chosen.append((spec if key else output_name, named[key]))
                else:
                    raise TypeError(f"layers entries must be module names or modules, got {type(spec).__name__}")
            if not chosen:
                raise ValueError("layers is empty: name at least one layer to record, or use 'auto'")
        names = [name for name, _ in chosen]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"layers lists {duplicates} more than once")
        return cls(names=tuple(names), modules=tuple(m for _, m in chosen))


class Tracker:
    """Records chosen layers' activations on a fixed probe set at the epochs you log.

    Wrap any ``nn.Module``; call :meth:`capture` at each logged epoch; turn what was captured into a
    :class:`~infoplane.run.Run` with :meth:`to_run` (or :meth:`save`). Hooks exist only while a capture
    runs and are removed in ``finally``, so training passes never see them; a capture runs in eval mode
    under ``torch.no_grad()`` with the random number generators forked, so the training result is
    the same with or without a tracker.

    A layer's output of more than two dimensions is flattened per sample; a tuple or list output is
    recorded by its first tensor. A module with a method ``infoplane_aux(args, output)`` returning a
    dict of per-sample tensors (such as :class:`~infoplane.layers.EchoNoise`, whose ``log2_scale``
    makes its I(X;Z) exact) has those recorded too, in ``run.aux[layer]``.

    Args:
        model: the network; its device is that of its first parameter (or buffer).
        inputs: the probe set, a tensor (or array) whose first dimension indexes samples.
        labels: class indices of the probe samples, ints in ``[0, n_classes)``, shape (n_samples,) or
            (n_samples, 1); checked by :func:`infoplane.samples.as_class_labels`.
        layers: ``"auto"`` (every activation module and the model's output), or module names from
            ``model.named_modules()`` (``"output"`` for the model's output), or module objects.
        batch_size: probe samples per forward pass.
        dtype: dtype the activations are stored in (float32 by default; float16 halves the memory).
        store_inputs: keep the probe inputs in the run (estimators that need X itself use them).
        metadata: written into the run (data set, seed, hyper-parameters, …).
        estimators: estimate online: at each capture every estimator (a registry name or an instance,
            or a list of them) runs on every layer it applies to while its activations are still on the
            model's device; the rows, built by the same function as offline rows
            (:func:`infoplane.analysis.mi_table.estimate_row`), go to :meth:`estimates` and into the run.
            An estimate that fails or is not finite (``inf``) is stored as NaN with a ``RuntimeWarning``
            naming layer, epoch and estimator: a gap, never a number. Online estimation sees one epoch at
            a time, so binning without a fixed ``range`` uses each epoch's own range (fix ``range`` to
            compare epochs, as the offline :func:`infoplane.estimate` does with the run's overall range).
        store: what is kept of the activations: ``"float32"``, ``"float16"`` (overrides ``dtype``) or
            ``"none"`` (only the online estimates; needs ``estimators``).
        probe_size: use a fixed random subset of this many probe samples (seeded by ``probe_seed``),
            to bound memory and estimation time on big data sets.
        layer_budget_mb: most memory one layer's stored activations may take. A layer whose single
            capture is larger fails at the first capture, with what to change; one whose captures add
            up to more gets a warning once.

    Example:
        >>> with Tracker(model, x_probe, y_probe) as tracker:
        ...     for epoch in range(n_epochs):
        ...         train_one_epoch(model)
        ...         if epoch in log_spaced_epochs(n_epochs):
        ...             tracker.capture(epoch, loss=loss)
        ...     tracker.save("run.pt")
    """

    def __init__(
        self,
        model: nn.Module,
        inputs: torch.Tensor | np.ndarray,
        labels: torch.Tensor | np.ndarray | Sequence[int],
        layers: LayerSpec = "auto",
        *,
        batch_size: int = 1024,
        dtype: torch.dtype = torch.float32,
        store_inputs: bool = True,
        metadata: Mapping[str, Any] | None = None,
        estimators: EstimatorSpec | Sequence[EstimatorSpec] = (),
        store: Literal["float32", "float16", "none"] | None = None,
        probe_size: int | None = None,
        probe_seed: int = 0,
        layer_budget_mb: float = 1024.0,
    ) -> None:
        self.model = model
        self.inputs = _as_probe_inputs(inputs)
        self.labels = torch.from_numpy(as_class_labels(labels, len(self.inputs), "labels", indices=True))
        if probe_size is not None:
            if not 2 <= probe_size <= len(self.inputs):
                raise ValueError(f"probe_size must lie in [2, {len(self.inputs)}] (the probe set's size), got {probe_size}")
            chosen = torch.randperm(len(self.inputs), generator=torch.Generator().manual_seed(probe_seed))[:probe_size]
            chosen = chosen.sort().values
            self.inputs, self.labels = self.inputs[chosen], self.labels[chosen]
        if layer_budget_mb <= 0:
            raise ValueError(f"layer_budget_mb must be positive, got {layer_budget_mb}")
        self.layer_budget_mb = float(layer_budget_mb)
        self._over_budget_warned: set[str] = set()
        self.selection = LayerSelection.resolve(model, layers)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if store not in (None, "float32", "float16", "none"):
            raise ValueError(f"store must be 'float32', 'float16' or 'none', got {store!r}")
        if store in ("float32", "float16"):
            dtype = getattr(torch, store)
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating-point dtype, got {dtype}")
        self.estimators = as_estimators(estimators)
        if store == "none" and not self.estimators:
            raise ValueError("store='none' would keep nothing: give estimators=[...] to estimate online")
        self.keep_activations = store != "none"
        self._estimates: list[dict[str, Any]] = []
        self.batch_size = int(batch_size)
        self.dtype = dtype
        self.store_inputs = store_inputs
        self.metadata: dict[str, Any] = dict(metadata or {})
        plain_data(self.metadata, "metadata")  # refuse what a run file cannot hold now, not at the first save
        self.epochs: list[int] = []
        self.metrics: list[dict[str, float]] = []
        self._activations: dict[str, list[torch.Tensor]] = {name: [] for name in self.selection.names}
        self._widths: dict[str, int] = {}
        self._aux: dict[str, dict[str, list[torch.Tensor]]] = {}
        self._module_types = {n: type(m).__name__ for n, m in zip(self.selection.names, self.selection.modules)}
        self._closed = False

    @property
    def layers(self) -> list[str]:
        """Names of the recorded layers."""
        return list(self.selection.names)

    def capture(self, epoch: int, **metrics: float) -> dict[str, torch.Tensor]:
        """Record every chosen layer on the whole probe set, and the given metrics, for ``epoch``.

        The probe pass runs in full precision (autocast disabled inside it), so activations captured
        inside a ``torch.autocast`` region are those of the float32 model, as the stored dtype says.
        A capture that fails (a layer's output without the batch on dimension 0, complex or without
        units, a memory budget exceeded) raises before anything is recorded: earlier captures stay.

        Args:
            epoch: the epoch index, an int ≥ 0; captures must come in strictly increasing epochs.
            **metrics: numbers to keep beside the activations (loss, train_accuracy, …).

        Returns:
            The activations just recorded, per layer, (n_samples, width): on the CPU, or on the model's
            device with ``store="none"``.

        Raises:
            ValueError: a negative, non-integer or repeated epoch, or a layer's output that cannot be
                recorded (the message names the layer).
        """
        if self._closed:
            raise RuntimeError("this tracker is closed; create a new Tracker to capture again")
        epoch = _as_epoch(epoch)
        if self.epochs and epoch <= self.epochs[-1]:
            raise ValueError(f"epoch {epoch} comes after epoch {self.epochs[-1]} was captured; epochs must increase")
        values = {}
        for key, value in metrics.items():
            try:
                values[key] = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"metric {key!r} must be a number, got {type(value).__name__}") from None
        on_device, aux = self._probe_pass()
        # Everything that can fail happens before the tracker's state changes: a failed capture
        # leaves no half-recorded epoch behind.
        estimates = self._estimate_online(epoch, on_device, aux) if self.estimators else []
        if self.keep_activations:
            captured = {name: acts.to(device="cpu", dtype=self.dtype) for name, acts in on_device.items()}
            self._warn_over_budget(captured)
            stored_aux = {n: {k: v.to(device="cpu", dtype=self.dtype) for k, v in r.items()} for n, r in aux.items()}
        self._widths = {name: int(acts.shape[-1]) for name, acts in on_device.items()}
        self._estimates.extend(estimates)
        self.epochs.append(epoch)
        self.metrics.append(values)
        if not self.keep_activations:
            return on_device  # store="none": nothing is copied off the model's device
        for name, acts in captured.items():
            self._activations[name].append(acts)
        for name, records in stored_aux.items():
            for key, tensor in records.items():
                self._aux.setdefault(name, {}).setdefault(key, []).append(tensor)
        return captured

    def _check_projected(self, name: str, nbytes: int, width: int) -> None:
        """Fail before a capture allocates a layer whose single capture exceeds the budget."""
        if self.keep_activations and nbytes / 2**20 > self.layer_budget_mb:
            raise MemoryError(
                f"layer {name!r} would take {nbytes / 2**20:.3g} MB per capture ({len(self.inputs)} samples × {width} "
                f"units), over layer_budget_mb={self.layer_budget_mb:g}: {_BUDGET_ADVICE}"
            )

    def _warn_over_budget(self, captured: Mapping[str, torch.Tensor]) -> None:
        """Warn once per layer when its captures add up to more than the budget (captures go on)."""
        for name, acts in captured.items():
            held = acts.numel() * acts.element_size() / 2**20 * (len(self._activations[name]) + 1)
            if held > self.layer_budget_mb and name not in self._over_budget_warned:
                self._over_budget_warned.add(name)
                warnings.warn(
                    f"layer {name!r} now holds {held:.3g} MB of activations, over layer_budget_mb="
                    f"{self.layer_budget_mb:g}; captures continue, but consider: {_BUDGET_ADVICE}",
                    ResourceWarning,
                    stacklevel=3,
                )

    def _estimate_online(
        self, epoch: int, activations: Mapping[str, torch.Tensor], aux: Mapping[str, Mapping[str, torch.Tensor]]
    ) -> list[dict[str, Any]]:
        """One MI-table row per (estimator, layer it applies to), built as offline estimation builds them;
        an estimate that fails or is not finite is a warned NaN, so training goes on."""
        x = self.inputs.reshape(len(self.inputs), -1)
        rows = []
        for estimator in self.estimators:
            for index, (layer, t) in enumerate(activations.items()):
                records = aux.get(layer, {})
                if applies_to(estimator, records):
                    row = estimate_row(
                        estimator, x, t, self.labels, records, epoch=epoch, layer=layer, layer_index=index, strict=False
                    )
                    rows.append(row)
        return rows

    def resume_from(self, run: Run, through_epoch: int | None = None) -> None:
        """Continue a tracker from a saved run (its captures up to ``through_epoch``, all by default).

        Raises:
            ValueError: the run records other layers, or this tracker has captured already.
        """
        if self.epochs:
            raise ValueError("resume_from needs a tracker that has not captured yet")
        if list(run.layers) != self.layers:
            raise ValueError(f"the run records layers {run.layers}, this tracker {self.layers}: not the same network")
        if not torch.equal(run.labels, self.labels):
            raise ValueError("the run was captured on another probe set (its labels differ from this tracker's)")
        if run.inputs is not None and self.store_inputs and not torch.equal(run.inputs, self.inputs.reshape(len(self.inputs), -1).float()):
            raise ValueError("the run was captured on another probe set (its inputs differ from this tracker's)")
        if bool(run.activations) != self.keep_activations:
            raise ValueError("the run was captured with another store= setting than this tracker's")
        keep = [i for i, e in enumerate(run.epochs) if through_epoch is None or e <= through_epoch]
        self.epochs = [run.epochs[i] for i in keep]
        self.metrics = [{k: v[i] for k, v in run.metrics.items() if v[i] == v[i]} for i in keep]
        for name in self.layers:
            if run.activations:
                self._activations[name] = [run.activations[name][i].clone() for i in keep]
        for name, records in run.aux.items():
            self._aux[name] = {k: [v[i].clone() for i in keep] for k, v in records.items()}
        kept = set(self.epochs)
        self._estimates = [row for row in run.estimates if row["epoch"] in kept]
        self._widths = dict(run.metadata.get("layer_widths", {}))

    def estimates(self) -> pd.DataFrame:
        """The online estimates so far, with the columns of :func:`infoplane.estimate` (bits)."""
        return estimates_frame(self._estimates, self.metadata)

    def _probe_pass(self) -> tuple[dict[str, torch.Tensor], dict[str, dict[str, torch.Tensor]]]:
        model = self.model
        device = _model_device(model)
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
        pieces: dict[str, list[torch.Tensor]] = {name: [] for name in self.selection.names}
        aux_pieces: dict[str, dict[str, list[torch.Tensor]]] = {}
        calls: dict[str, int] = dict.fromkeys(self.selection.names, 0)
        rows = [0]  # samples in the batch now passing, for the hooks' shape check
        handles = []
        modes = [(m, m.training) for m in model.modules()]
        rng_devices = [device] if device.type == "cuda" else []
        try:
            for name, module in zip(self.selection.names, self.selection.modules):
                hook = self._hook(name, pieces, aux_pieces, calls, rows)
                handles.append(module.register_forward_hook(hook))
            model.eval()
            with torch.no_grad(), torch.random.fork_rng(devices=rng_devices), _full_precision(device):
                for start, stop in _batch_bounds(len(self.inputs), self.batch_size):
                    batch = self.inputs[start:stop].to(device)
                    if batch.is_floating_point() and dtype is not None and batch.dtype != dtype:
                        batch = batch.to(dtype)  # a float64 numpy probe set meets a float32 model
                    for name in calls:
                        calls[name] = 0
                    rows[0] = stop - start
                    model(batch)
                    _check_calls(calls, type(model).__name__)
        finally:
            for handle in handles:
                handle.remove()
            for module, training in modes:
                module.training = training
        aux = {name: {k: torch.cat(v) for k, v in records.items()} for name, records in aux_pieces.items()}
        return {name: torch.cat(chunks) for name, chunks in pieces.items()}, aux

    def _hook(
        self,
        name: str,
        pieces: dict[str, list[torch.Tensor]],
        aux_pieces: dict[str, dict[str, list[torch.Tensor]]],
        calls: dict[str, int],
        rows: list[int],
    ) -> Any:
        # With online estimators the activations stay on the model's device until estimated;
        # otherwise each batch goes straight to the CPU, so a big probe set never fills the GPU.
        device = None if self.estimators else torch.device("cpu")

        def hook(module: nn.Module, args: Any, output: Any) -> None:
            calls[name] += 1
            tensor = output
            if isinstance(tensor, (tuple, list)) and tensor:
                tensor = tensor[0]
            if not isinstance(tensor, torch.Tensor):
                raise TypeError(
                    f"layer {name!r} ({type(module).__name__}) returned {type(output).__name__}, not a tensor "
                    f"or a tuple starting with one; record a different layer"
                )
            _check_layer_output(name, module, tensor, rows[0])
            if not pieces[name]:  # the first batch tells the size of the whole capture: stop before allocating it
                per_sample = tensor[0].numel() * torch.empty((), dtype=self.dtype).element_size()
                self._check_projected(name, per_sample * len(self.inputs), tensor[0].numel())
            pieces[name].append(_per_sample_copy(tensor, device))
            extra = getattr(module, "infoplane_aux", None)
            if extra is not None:
                for key, value in extra(args, output).items():
                    _check_layer_output(f"{name}/{key}", module, value, rows[0], what="aux record")
                    aux_pieces.setdefault(name, {}).setdefault(key, []).append(_per_sample_copy(value, device))

        return hook

    def to_run(self, **metadata: Any) -> Run:
        """The captures so far as a :class:`Run`; ``metadata`` adds to the tracker's metadata."""
        if not self.epochs:
            raise RuntimeError("nothing captured yet: call tracker.capture(epoch) at least once")
        names = sorted({k for m in self.metrics for k in m})
        metrics = {k: [m.get(k, math.nan) for m in self.metrics] for k in names}
        activations = {name: torch.stack(chunks) for name, chunks in self._activations.items() if chunks}
        aux = {name: {k: torch.stack(v) for k, v in records.items()} for name, records in self._aux.items()}
        info = run_metadata(
            self.model,
            layer_widths=self._widths,
            layer_types=self._module_types,
            probe_samples=len(self.inputs),
            dtype=self.dtype,
        )
        info.update(self.metadata)
        info.update(metadata)
        return Run(
            epochs=list(self.epochs),
            layers=self.layers,
            activations=activations,
            labels=self.labels.clone(),
            metrics=metrics,
            metadata=info,
            inputs=self.inputs.reshape(len(self.inputs), -1).float().clone() if self.store_inputs else None,
            aux=aux,
            estimates=[{k: v for k, v in row.items() if k != "setting"} for row in self._estimates],
        )

    def save(self, path: str, **metadata: Any) -> Run:
        """Write the captures so far to ``path`` (atomically) and return the run."""
        run = self.to_run(**metadata)
        run.save(path)
        return run

    def close(self) -> None:
        """Stop capturing. Hooks never outlive a capture; this only forbids further captures."""
        self._closed = True

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each probe batch; a last batch of one sample joins the one before, since layers
    that mix samples (EchoNoise, BatchNorm in train mode) need at least two."""
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _per_sample_copy(tensor: torch.Tensor, device: torch.device | None) -> torch.Tensor:
    """A detached copy flattened to (batch, features), on ``device`` (None: where it is)."""
    flat = tensor.detach().reshape(tensor.shape[0], -1)
    return flat.to(device=device if device is not None else flat.device, copy=True)


def _check_calls(calls: Mapping[str, int], model_name: str) -> None:
    silent = [name for name, n in calls.items() if n == 0]
    if silent:
        raise RuntimeError(
            f"layers {silent} never fired during a forward pass of {model_name}: they are not used by its "
            f"forward; record other layers"
        )
    repeated = {name: n for name, n in calls.items() if n > 1}
    if repeated:
        raise RuntimeError(
            f"layers {repeated} fired more than once per forward pass (a module reused inside forward), so "
            f"their activations are ambiguous; give each use its own module, or record other layers"
        )


def _model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def _as_probe_inputs(inputs: torch.Tensor | np.ndarray) -> torch.Tensor:
    tensor = torch.as_tensor(inputs)
    if tensor.ndim == 0 or len(tensor) == 0:
        raise ValueError("the probe set (inputs) is empty: pass at least two samples")
    if len(tensor) < 2:
        raise ValueError(f"the probe set has {len(tensor)} sample; mutual information needs at least two")
    if tensor[0].numel() == 0:
        raise ValueError(
            f"the probe set's samples have no features (shape {tuple(tensor.shape)}); pass real inputs"
        )
    return tensor.detach().cpu()


def _as_epoch(epoch: Any) -> int:
    """An epoch index as an int ≥ 0 (ints, integral floats and one-element tensors accepted)."""
    try:
        value = int(epoch)
        integral = value == epoch
    except (TypeError, ValueError, RuntimeError):
        integral = False
    if not integral or isinstance(epoch, bool):
        raise ValueError(f"capture: epoch must be an integer epoch index, got {epoch!r}")
    if value < 0:
        raise ValueError(f"capture: epoch must be ≥ 0 (epochs count from 0), got {value}")
    return value


def _check_layer_output(
    name: str, module: nn.Module, tensor: torch.Tensor, n_rows: int, what: str = "layer"
) -> None:
    """Refuse, naming the layer, an output that cannot be recorded as (samples, units) activations."""
    kind = type(module).__name__
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(
            f"{what} {name!r} ({kind}) gave a {type(tensor).__name__}, not a tensor; record another layer"
        )
    if tensor.ndim == 0:
        raise ValueError(f"{what} {name!r} ({kind}) returned a scalar; it has no per-sample activations")
    if tensor.shape[0] != n_rows:
        raise ValueError(
            f"{what} {name!r} ({kind}) returned shape {tuple(tensor.shape)} for a batch of {n_rows} probe samples: "
            f"the batch must be its dimension 0 (does its forward transpose or reduce over samples?); record "
            f"another layer, or make the module return (batch, …)"
        )
    if tensor.is_complex():
        raise ValueError(
            f"{what} {name!r} ({kind}) returned complex values ({tensor.dtype}); activations must be real: record "
            f"another layer, or return torch.view_as_real(...) from it"
        )
    if tensor[0].numel() == 0:
        raise ValueError(
            f"{what} {name!r} ({kind}) has no units (output shape {tuple(tensor.shape)}); record a layer with at "
            f"least one unit"
        )


@contextlib.contextmanager
def _full_precision(device: torch.device) -> Iterator[None]:
    """Autocast disabled for the CPU and the model's device, so a capture inside ``torch.autocast``
    records the full-precision activations its stored dtype claims."""
    with contextlib.ExitStack() as stack:
        for device_type in dict.fromkeys(("cpu", device.type)):
            try:
                stack.enter_context(torch.autocast(device_type=device_type, enabled=False))
            except (RuntimeError, ValueError):  # a device type without autocast has nothing to disable
                pass
        yield
