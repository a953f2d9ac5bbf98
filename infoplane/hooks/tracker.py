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
from infoplane.hooks.probe import ForwardFn, ProbeSet, keep_mask, to_device
from infoplane.run import Run, plain_data

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

#: Module types ``layers="blocks"`` records: the blocks of PyTorch's transformers.
BLOCK_TYPES: tuple[type[nn.Module], ...] = (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)

#: How a sequence output (batch, seq, features) becomes one vector per sample.
SequenceReduce = Literal["flatten", "mean", "cls", "last"]
SEQUENCE_REDUCTIONS: tuple[str, ...] = ("flatten", "mean", "cls", "last")

_CALL_NOTE = (
    "infoplane: the tracker called the model on a probe batch of {probe} ({form} form: model(x), model(*batch) "
    "or model(**batch)); if the batches still hold their labels, drop labels= so they are split off, or pass "
    "forward_fn=lambda model, batch: ... to call the model yourself"
)

LayerSpec = Literal["auto", "blocks"] | Sequence[str | nn.Module | type[nn.Module]]


@dataclass(frozen=True)
class LayerSelection:
    """The modules a tracker records, by name, in the order they appear in ``named_modules()``."""

    names: tuple[str, ...]
    modules: tuple[nn.Module, ...]

    @classmethod
    def resolve(cls, model: nn.Module, layers: LayerSpec) -> LayerSelection:
        """Turn ``"auto"``, ``"blocks"``, module names, module objects or module types into a selection.

        ``"auto"`` takes every activation module (``ACTIVATION_TYPES``), every module that records
        extra data for the tracker (``infoplane_aux``, e.g. :class:`~infoplane.echo_noise.EchoNoise`) and
        the model's own output, named ``"output"``. It warns when it finds at most two layers in a model
        of many parametrised modules (activations applied as functions, as inside
        ``nn.TransformerEncoderLayer``, are invisible to hooks) and lists candidate blocks.
        ``"blocks"`` takes every module of ``BLOCK_TYPES`` (``nn.TransformerEncoderLayer``,
        ``nn.TransformerDecoderLayer``) and the model's output. In a list, a name selects that module
        (``""``/``"output"`` the model), a module itself, and a module TYPE every module of that type (in
        ``named_modules()`` order, the model itself excluded): ``layers=[MyResBlock, "output"]``.
        """
        named = dict(model.named_modules())
        output_name = "output" if "output" not in named else "model_output"
        by_identity = {id(m): name for name, m in named.items()}
        if isinstance(layers, str):
            if layers not in ("auto", "blocks"):
                raise ValueError(
                    f"layers must be 'auto', 'blocks' or a list of module names, modules or module types, got the "
                    f"string {layers!r}; to record one layer write layers=[{layers!r}]"
                )
            if layers == "blocks":
                chosen = [(name, m) for name, m in named.items() if name and isinstance(m, BLOCK_TYPES)]
                if not chosen:
                    raise ValueError(
                        f"layers='blocks' found no {' or '.join('nn.' + t.__name__ for t in BLOCK_TYPES)} in "
                        f"{type(model).__name__}; for blocks of your own class pass layers=[YourBlock, 'output'], "
                        f"or name modules: candidates {block_candidates(model)}"
                    )
            else:
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
                        + _blocks_hint(model)
                    )
                _warn_if_few(model, [name for name, _ in chosen])
            chosen.append((output_name, model))
        else:
            chosen = []
            for spec in layers:
                if isinstance(spec, type) and issubclass(spec, nn.Module):
                    matches = [(name, m) for name, m in named.items() if name and isinstance(m, spec)]
                    if not matches:
                        present = sorted({type(m).__name__ for name, m in named.items() if name})
                        raise ValueError(
                            f"layers: no module of type {spec.__name__} in {type(model).__name__}; its module types: "
                            f"{present[:20]}{' …' if len(present) > 20 else ''}"
                        )
                    chosen.extend(matches)
                elif isinstance(spec, nn.Module):
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
                    raise TypeError(
                        f"layers entries must be module names, modules or module types, got {type(spec).__name__}"
                    )
            if not chosen:
                raise ValueError("layers is empty: name at least one layer to record, or use 'auto'")
        names = [name for name, _ in chosen]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"layers lists {duplicates} more than once")
        return cls(names=tuple(names), modules=tuple(m for _, m in chosen))


def block_candidates(model: nn.Module, limit: int = 12) -> list[str]:
    """Names of modules worth recording when activation modules are few: transformer blocks
    (``BLOCK_TYPES``), else the composite members of ``nn.Sequential``/``nn.ModuleList`` containers
    (residual blocks), else the parametrised leaf modules (Linear, Conv, …)."""
    named = [(name, m) for name, m in model.named_modules() if name]
    blocks = [name for name, m in named if isinstance(m, BLOCK_TYPES)]
    if not blocks:
        for name, m in named:
            if isinstance(m, (nn.Sequential, nn.ModuleList)):
                blocks.extend(
                    f"{name}.{child}"
                    for child, sub in m.named_children()
                    if any(True for _ in sub.children())
                )
    if not blocks:
        blocks = [
            name
            for name, m in named
            if not any(True for _ in m.children()) and any(True for _ in m.parameters(recurse=False))
        ]
    return blocks[:limit]


def _blocks_hint(model: nn.Module) -> str:
    if any(isinstance(m, BLOCK_TYPES) for m in model.modules()):
        return f"; or record its transformer blocks with layers='blocks' ({block_candidates(model, 4)}…)"
    return ""


def _warn_if_few(model: nn.Module, found: list[str]) -> None:
    """Warn when ``auto`` found at most two layers in a model of many parametrised modules."""
    parametrised = sum(
        1
        for m in model.modules()
        if not any(True for _ in m.children()) and any(True for _ in m.parameters(recurse=False))
    )
    if len(found) <= 2 and parametrised > 2 * (len(found) + 1):
        hint = (
            "layers='blocks'"
            if any(isinstance(m, BLOCK_TYPES) for m in model.modules())
            else "layers=[names or types]"
        )
        warnings.warn(
            f"layers='auto' found only {found} (and the output) among {parametrised} parametrised modules of "
            f"{type(model).__name__}: activations applied as functions (F.relu, inside nn.TransformerEncoderLayer) "
            f"are invisible to hooks. Consider {hint}; candidates: {block_candidates(model)}",
            UserWarning,
            stacklevel=4,
        )


class Tracker:
    """Records chosen layers' activations on a fixed probe set at the epochs you log.

    Wrap any ``nn.Module``; call :meth:`capture` at each logged epoch; turn what was captured into a
    :class:`~infoplane.run.Run` with :meth:`to_run` (or :meth:`save`). Hooks exist only while a capture
    runs and are removed in ``finally``, so training passes never see them; a capture runs in eval mode
    under ``torch.no_grad()`` with the random number generators forked, so the training result is
    the same with or without a tracker.

    A layer's output is recorded as one vector per sample. Its tensor is the output itself; for a
    tuple or list output its first element; for a dict output (Hugging Face ``ModelOutput`` included)
    its ``"logits"`` entry; for an object with a ``.logits`` tensor that tensor. A sequence output
    (batch, seq, features) is reduced as ``reduce`` says; any other output of more than two dimensions
    is flattened per sample. PyTorch's transformer modules built with ``batch_first=False`` give
    (seq, batch, …): the tracker transposes them to (batch, seq, …) first, and runs
    ``nn.TransformerEncoder`` without its nested-tensor fast path during a capture, so every layer gives
    a padded tensor (the values at real tokens are the same). A module with a method
    ``infoplane_aux(args, output)`` returning a dict of per-sample tensors (such as
    :class:`~infoplane.echo_noise.EchoNoise`, whose ``log2_scale`` makes its I(X;Z) exact) has those
    recorded too, in ``run.aux[layer]``.

    Args:
        model: the network; its device is that of its first parameter (or buffer).
        inputs: the probe set, fixed for the tracker's life (see :mod:`infoplane.hooks.probe`): a tensor
            or array whose first dimension indexes samples (``model(x)``); a tuple/list of them, the
            positional inputs (``model(*x)``); a dict of them, the keyword inputs (``model(**x)``); or a
            ``DataLoader`` or other iterable of such batches, read once here and kept on the CPU (a
            shuffling loader gets a warning). Tensors must share dimension 0.
        labels: class indices of the probe samples, ints in ``[0, n_classes)``, shape (n_samples,) or
            (n_samples, 1); checked by :func:`infoplane.samples.as_class_labels`. Optional for an
            iterable of batches that carry them: a tuple batch's last element, or a dict batch's
            ``"labels"``, ``"label"`` or ``"y"`` entry (given ``labels``, every batch element is an input).
        layers: ``"auto"`` (every activation module and the model's output), ``"blocks"`` (every
            ``nn.TransformerEncoderLayer``/``TransformerDecoderLayer`` and the output), or a list of
            module names from ``model.named_modules()`` (``"output"`` for the model's output), module
            objects, and module types (a type selects every module of that type).
        forward_fn: ``forward_fn(model, batch)`` runs the model on one probe batch (the batch in its
            probe form, labels removed, on the model's device), for calls the forms above cannot make.
        reduce: how a sequence output (batch, seq, features) becomes a vector per sample, applied at
            capture and recorded in the run's metadata (``reduce``, ``reduce_mask``, ``reduced_layers``;
            a probe other than one tensor is described in ``probe_inputs``):
            ``"flatten"`` (default: seq × features units), ``"mean"`` over the tokens (only real tokens
            when ``mask`` is given), ``"cls"`` (position 0) or ``"last"`` (the last real token with a
            mask, else position seq-1). Every 3-D output of a recorded layer is taken as (batch, seq,
            features), so record sequence layers only (a Conv1d's (batch, channels, length) is not one);
            2-D outputs are kept as they are, other shapes flattened.
        mask: the padding mask for ``reduce="mean"``/``"last"``: the name of a keyword input (e.g.
            ``"src_key_padding_mask"``), the index of a positional input, or a tensor (n_samples, seq). Its
            dtype says its convention: bool True = padding (PyTorch), integer 1 = token (Hugging Face
            ``attention_mask``), float 0 / -inf additive.
        batch_size: probe samples per forward pass (a loader's batches are cut, never joined, when
            their shapes differ).
        dtype: dtype the activations are stored in (float32 by default; float16 halves the memory).
        store_inputs: keep the probe inputs in the run, flattened (estimators that need X itself use
            them). Only a probe of ONE input tensor can be kept: with several inputs ``run.inputs`` is None,
            and estimators take the probe samples as distinct (binning's I(X;T) is then H(T)); KSG and
            MINE, which need X itself, give NaN.
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
            to bound memory and estimation time on big data sets; works with every probe form.
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
        >>> # a transformer with a padding mask, its blocks averaged over the real tokens:
        >>> Tracker(model, {"tokens": ids, "src_key_padding_mask": pad}, y, layers="blocks",
        ...         reduce="mean", mask="src_key_padding_mask")
    """

    def __init__(
        self,
        model: nn.Module,
        inputs: Any,
        labels: torch.Tensor | np.ndarray | Sequence[int] | None = None,
        layers: LayerSpec = "auto",
        *,
        forward_fn: ForwardFn | None = None,
        reduce: SequenceReduce = "flatten",
        mask: str | int | torch.Tensor | None = None,
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
        if reduce not in SEQUENCE_REDUCTIONS:
            raise ValueError(f"reduce must be one of {list(SEQUENCE_REDUCTIONS)}, got {reduce!r}")
        if mask is not None and reduce not in ("mean", "last"):
            raise ValueError(
                f"mask= is used only by reduce='mean' or 'last', not reduce={reduce!r}: drop it or change reduce"
            )
        if forward_fn is not None and not callable(forward_fn):
            raise TypeError(
                f"forward_fn must be a function forward_fn(model, batch), got {type(forward_fn).__name__}"
            )
        self.reduce: SequenceReduce = reduce
        self.forward_fn = forward_fn
        probe = ProbeSet.build(inputs, labels, mask=mask)
        if probe_size is not None:
            if not 2 <= probe_size <= len(probe):
                raise ValueError(
                    f"probe_size must lie in [2, {len(probe)}] (the probe set's size), got {probe_size}"
                )
            generator = torch.Generator().manual_seed(probe_seed)
            chosen = torch.randperm(len(probe), generator=generator)[:probe_size]
            probe = probe.subset(chosen.sort().values)
        self.probe = probe
        self.labels = probe.labels
        #: The probe's inputs when they are one tensor (n_samples, …), else None.
        self.inputs: torch.Tensor | None = probe.single_input()
        self._mask_name = None if mask is None else ("tensor" if probe.masks is not None else str(mask))
        self._reduced: set[str] = set()
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
        self._module_types = {
            n: type(m).__name__ for n, m in zip(self.selection.names, self.selection.modules)
        }
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
            raise ValueError(
                f"epoch {epoch} comes after epoch {self.epochs[-1]} was captured; epochs must increase"
            )
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
            stored_aux = {
                n: {k: v.to(device="cpu", dtype=self.dtype) for k, v in r.items()} for n, r in aux.items()
            }
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
                f"layer {name!r} would take {nbytes / 2**20:.3g} MB per capture ({len(self.probe)} samples × {width} "
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
        self,
        epoch: int,
        activations: Mapping[str, torch.Tensor],
        aux: Mapping[str, Mapping[str, torch.Tensor]],
    ) -> list[dict[str, Any]]:
        """One MI-table row per (estimator, layer it applies to), built as offline estimation builds them;
        an estimate that fails or is not finite is a warned NaN, so training goes on."""
        x = self._flat_inputs()
        rows = []
        for estimator in self.estimators:
            for index, (layer, t) in enumerate(activations.items()):
                records = aux.get(layer, {})
                if applies_to(estimator, records):
                    row = estimate_row(
                        estimator,
                        x,
                        t,
                        self.labels,
                        records,
                        epoch=epoch,
                        layer=layer,
                        layer_index=index,
                        strict=False,
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
            raise ValueError(
                f"the run records layers {run.layers}, this tracker {self.layers}: not the same network"
            )
        if not torch.equal(run.labels, self.labels):
            raise ValueError(
                "the run was captured on another probe set (its labels differ from this tracker's)"
            )
        flat = self._flat_inputs()
        if (
            run.inputs is not None
            and flat is not None
            and self.store_inputs
            and not torch.equal(run.inputs, flat.float())
        ):
            raise ValueError(
                "the run was captured on another probe set (its inputs differ from this tracker's)"
            )
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

    def _flat_inputs(self) -> torch.Tensor | None:
        """The probe inputs flattened to (n_samples, features) when they are one tensor, else None."""
        return None if self.inputs is None else self.inputs.reshape(len(self.inputs), -1)

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
        # the batch now passing: its samples (for the hooks' shape check), its padding mask, the layers reduced
        state: dict[str, Any] = {"rows": 0, "keep": None, "reduced": set()}
        handles = []
        modes = [(m, m.training) for m in model.modules()]
        # nn.TransformerEncoder's fast path hands its layers nested tensors: padded tensors are recorded
        nested = [(m, m.use_nested_tensor) for m in model.modules() if isinstance(m, nn.TransformerEncoder)]
        rng_devices = [device] if device.type == "cuda" else []
        try:
            for name, module in zip(self.selection.names, self.selection.modules):
                hook = self._hook(name, pieces, aux_pieces, calls, state)
                handles.append(module.register_forward_hook(hook))
            model.eval()
            for encoder, _ in nested:
                encoder.use_nested_tensor = False
            with torch.no_grad(), torch.random.fork_rng(devices=rng_devices), _full_precision(device):
                for batch, mask, rows in self.probe.batches(self.batch_size):
                    batch = to_device(batch, device, dtype)
                    for name in calls:
                        calls[name] = 0
                    state["rows"] = rows
                    state["keep"] = None if mask is None else keep_mask(mask.to(device))
                    try:
                        self.probe.call(model, batch, self.forward_fn)
                    except TypeError as exc:
                        if self.forward_fn is None and hasattr(exc, "add_note"):
                            note = _CALL_NOTE.format(probe=self.probe.description, form=self.probe.form)
                            exc.add_note(note)
                        raise
                    _check_calls(calls, type(model).__name__)
        finally:
            for handle in handles:
                handle.remove()
            for module, training in modes:
                module.training = training
            for encoder, used in nested:
                encoder.use_nested_tensor = used
        self._reduced |= state["reduced"]
        aux = {
            name: {k: _concat(name, v) for k, v in records.items()} for name, records in aux_pieces.items()
        }
        return {name: _concat(name, chunks) for name, chunks in pieces.items()}, aux

    def _hook(
        self,
        name: str,
        pieces: dict[str, list[torch.Tensor]],
        aux_pieces: dict[str, dict[str, list[torch.Tensor]]],
        calls: dict[str, int],
        state: dict[str, Any],
    ) -> Any:
        # With online estimators the activations stay on the model's device until estimated;
        # otherwise each batch goes straight to the CPU, so a big probe set never fills the GPU.
        device = None if self.estimators else torch.device("cpu")

        def hook(module: nn.Module, args: Any, output: Any) -> None:
            calls[name] += 1
            tensor = _output_tensor(name, module, output)
            if getattr(tensor, "is_nested", False):
                raise ValueError(
                    f"layer {name!r} ({type(module).__name__}) returned a nested tensor; record a layer that returns "
                    f"a padded (batch, seq, …) tensor, or disable the nested-tensor path of the model"
                )
            if _sequence_first(module) and tensor.ndim >= 2:
                tensor = tensor.transpose(0, 1)  # batch_first=False: (seq, batch, …) → (batch, seq, …)
            _check_layer_output(name, module, tensor, state["rows"])
            if self.reduce != "flatten" and tensor.ndim == 3:
                tensor = reduce_sequence(
                    tensor, self.reduce, state["keep"], f"layer {name!r} ({type(module).__name__})"
                )
                state["reduced"].add(name)
            # the first batch tells the size of the whole capture: stop before allocating it
            if not pieces[name]:
                per_sample = tensor[0].numel() * torch.empty((), dtype=self.dtype).element_size()
                self._check_projected(name, per_sample * len(self.probe), tensor[0].numel())
            pieces[name].append(_per_sample_copy(tensor, device))
            extra = getattr(module, "infoplane_aux", None)
            if extra is not None:
                for key, value in extra(args, output).items():
                    _check_layer_output(f"{name}/{key}", module, value, state["rows"], what="aux record")
                    aux_pieces.setdefault(name, {}).setdefault(key, []).append(
                        _per_sample_copy(value, device)
                    )

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
            probe_samples=len(self.probe),
            dtype=self.dtype,
        )
        # runs probed with one tensor keep the metadata they always had
        if self.probe.description != "tensor":
            info["probe_inputs"] = self.probe.description
        if self.reduce != "flatten":
            info["reduce"] = self.reduce
            info["reduce_mask"] = self._mask_name
            info["reduced_layers"] = [name for name in self.layers if name in self._reduced]
        info.update(self.metadata)
        info.update(metadata)
        flat = self._flat_inputs() if self.store_inputs else None
        stored_inputs = None if flat is None else flat.float().clone()
        return Run(
            epochs=list(self.epochs),
            layers=self.layers,
            activations=activations,
            labels=self.labels.clone(),
            metrics=metrics,
            metadata=info,
            inputs=stored_inputs,
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


def _per_sample_copy(tensor: torch.Tensor, device: torch.device | None) -> torch.Tensor:
    """A detached copy flattened to (batch, features), on ``device`` (None: where it is)."""
    flat = tensor.detach().reshape(tensor.shape[0], -1)
    return flat.to(device=device if device is not None else flat.device, copy=True)


def _output_tensor(name: str, module: nn.Module, output: Any) -> torch.Tensor:
    """The tensor a layer's output stands for: itself, a tuple's first element, or the ``logits`` of a
    dict or of an object (Hugging Face ``ModelOutput`` and the like)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping):
        if isinstance(output.get("logits"), torch.Tensor):
            return output["logits"]
        raise TypeError(
            f"layer {name!r} ({type(module).__name__}) returned a {type(output).__name__} with keys {list(output)} "
            f"and no 'logits' tensor; record a layer that returns a tensor"
        )
    logits = getattr(output, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(
        f"layer {name!r} ({type(module).__name__}) returned {type(output).__name__}, not a tensor, a tuple starting "
        f"with one, or an output with logits; record a different layer"
    )


def _sequence_first(module: nn.Module) -> bool:
    """Whether a PyTorch transformer module gives (seq, batch, …) outputs (built with batch_first=False)."""
    if isinstance(module, (nn.MultiheadAttention, nn.Transformer)):
        return not module.batch_first
    if isinstance(module, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
        return not module.self_attn.batch_first
    if isinstance(module, (nn.TransformerEncoder, nn.TransformerDecoder)) and len(module.layers):
        return _sequence_first(module.layers[0])
    return False


def reduce_sequence(
    tensor: torch.Tensor, how: SequenceReduce, keep: torch.Tensor | None = None, what: str = "the output"
) -> torch.Tensor:
    """One vector per sample from a sequence output (batch, seq, features).

    Args:
        tensor: the output, (batch, seq, features).
        how: ``"mean"`` over the tokens (the real ones when ``keep`` is given), ``"cls"`` (position 0),
            ``"last"`` (the last real token when ``keep`` is given, else position seq-1).
        keep: (batch, seq) bool, True for a real token (see :func:`infoplane.hooks.probe.keep_mask`).
        what: names the layer in error messages.

    Returns:
        (batch, features).

    Raises:
        ValueError: a mask whose shape is not (batch, seq) of this output, or a sample without real tokens.
    """
    if how == "cls":
        return tensor[:, 0]
    if keep is not None:
        if tuple(keep.shape) != tuple(tensor.shape[:2]):
            raise ValueError(
                f"{what}: its output {tuple(tensor.shape)} is not (batch, seq) = {tuple(keep.shape)} of the padding "
                f"mask; record layers that keep the sequence, or use reduce='cls'"
            )
        empty = (~keep).all(dim=1)
        if bool(empty.any()):
            raise ValueError(
                f"{what}: the padding mask leaves {int(empty.sum())} probe sample(s) of this batch without a token; "
                f"check the mask's convention (bool True = padding, integer 1 = token)"
            )
    if how == "mean":
        if keep is None:
            return tensor.mean(dim=1)
        weights = keep.unsqueeze(-1)
        return torch.where(weights, tensor, torch.zeros((), dtype=tensor.dtype, device=tensor.device)).sum(
            dim=1
        ) / weights.sum(dim=1)
    if how == "last":
        if keep is None:
            return tensor[:, -1]
        positions = torch.arange(keep.shape[1], device=keep.device).expand_as(keep)
        last = torch.where(keep, positions, -1).max(dim=1).values
        return tensor[torch.arange(len(tensor), device=tensor.device), last]
    raise ValueError(f"reduce must be one of {list(SEQUENCE_REDUCTIONS)}, got {how!r}")


def _concat(name: str, chunks: list[torch.Tensor]) -> torch.Tensor:
    """The batches of one layer joined; batches of different widths (sequences padded per batch) refused."""
    widths = sorted({int(chunk.shape[1]) for chunk in chunks})
    if len(widths) > 1:
        raise ValueError(
            f"layer {name!r} gave {widths} units on different probe batches: the loader's batches differ in "
            f"sequence length (padded per batch); use reduce='mean', 'cls' or 'last', or pad every batch to one length"
        )
    return torch.cat(chunks)


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
