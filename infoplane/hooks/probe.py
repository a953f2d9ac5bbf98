"""The fixed probe set a tracker feeds its model: one tensor, several inputs, or the batches of a loader.

What a probe can be, and how the model is called on it:

- a tensor or array ``(n_samples, …)``: ``model(batch)``;
- a tuple or list of tensors, the model's positional inputs: ``model(*batch)``;
- a dict of tensors, the model's keyword inputs: ``model(**batch)``;
- a ``DataLoader`` or any other iterable of batches (a generator too: it is read once), each batch a
  tensor, a tuple/list or a dict as above. The loader is read ONCE, when the tracker is built, and its
  batches are kept on the CPU: every capture sees the same samples in the same order. Labels come from
  ``labels=`` (``y``) when given; otherwise from each batch: the LAST element of a tuple/list batch (the
  rest are the positional inputs), or the ``"labels"``, ``"label"`` or ``"y"`` entry of a dict batch (the
  other entries are the keyword inputs). A bare-tensor batch needs ``labels=``. A list of batches is a
  tuple of positional inputs to this rule: pass ``iter(batches)`` to mean batches.

Tensors (and numpy arrays) anywhere in a batch, nested tuples and dicts included, are sliced per sample
and must share dimension 0; anything else in a batch (``None``, a string, a flag) is passed unchanged to
every call. A ``forward_fn(model, batch)`` given to the tracker replaces the call: it receives the batch
in the form above (labels removed) and must run ``model``'s forward.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from infoplane.samples import as_class_labels

#: Keys of a dict batch that hold the labels, tried in this order.
LABEL_KEYS: tuple[str, ...] = ("labels", "label", "y")

ProbeForm = Literal["tensor", "positional", "keyword"]
ForwardFn = Callable[[nn.Module, Any], Any]


@dataclass
class ProbeSet:
    """A fixed probe set: the model's inputs in chunks of samples, and the class labels.

    ``chunks`` holds the inputs: one chunk when every batch could be joined (same shapes beyond the
    samples), otherwise a loader's batches as they came (e.g. sequences padded per batch). Each chunk is
    a tensor, a tuple or a dict (``form``) whose tensors share dimension 0.

    Attributes:
        chunks: the inputs, on the CPU.
        labels: class indices (n_samples,), int64.
        form: how the model is called: ``model(x)``, ``model(*x)`` or ``model(**x)``.
        mask_key: the input that holds the padding mask (a keyword name or a positional index), or None.
        masks: per chunk, a padding mask given as a tensor (``mask=`` a tensor), or None.
        description: what the probe was, for the run's metadata.
    """

    chunks: list[Any]
    labels: torch.Tensor
    form: ProbeForm
    mask_key: str | int | None = None
    masks: list[torch.Tensor] | None = None
    description: str = ""
    _sizes: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._sizes = [_rows(chunk, "the probe set") for chunk in self.chunks]

    @classmethod
    def build(cls, inputs: Any, labels: Any = None, *, mask: Any = None) -> ProbeSet:
        """Read a probe given in any of the accepted forms (see the module's docstring).

        Args:
            inputs: a tensor/array, a tuple/list or dict of them, or an iterable of such batches.
            labels: class indices of all probe samples; optional only for an iterable of batches that
                carry their labels.
            mask: the padding mask for ``reduce="mean"``/``"last"``: the name of a keyword input, the
                index of a positional input, or a tensor (n_samples, seq).

        Raises:
            ValueError: an empty probe, tensors whose dimension 0 differ (the message names them), labels
                that do not match the samples, or a mask that is not among the inputs.
            TypeError: a probe of another kind (e.g. a map-style ``Dataset``: wrap it in a DataLoader).
        """
        if isinstance(inputs, (torch.Tensor, np.ndarray)):
            form: ProbeForm = "tensor"
            chunks = [_as_tree(inputs)]
            description = "tensor"
        elif isinstance(inputs, (tuple, list)):
            form = "positional"
            chunks = [tuple(_as_tree(x) for x in inputs)]
            if not chunks[0]:
                raise ValueError("the probe set (inputs) is an empty tuple: pass the model's inputs")
            description = f"{len(chunks[0])} positional inputs"
        elif isinstance(inputs, Mapping):
            form = "keyword"
            chunks = [_as_tree(dict(inputs))]
            if not chunks[0]:
                raise ValueError("the probe set (inputs) is an empty dict: pass the model's keyword inputs")
            description = f"keyword inputs {list(chunks[0])}"
        elif isinstance(inputs, str) or not isinstance(inputs, Iterable):
            if isinstance(inputs, torch.utils.data.Dataset):
                raise TypeError(
                    f"inputs is a {type(inputs).__name__} (a map-style Dataset): wrap it as "
                    f"DataLoader(dataset, batch_size=..., shuffle=False) so its samples come in batches"
                )
            raise TypeError(
                f"inputs must be a tensor, a tuple/list or dict of tensors, or an iterable of batches (a "
                f"DataLoader), got {type(inputs).__name__}"
            )
        else:
            form, chunks, labels, description = _read_batches(inputs, labels)
        n = sum(_rows(chunk, _where(form, len(chunks), i)) for i, chunk in enumerate(chunks))
        if n == 0:
            raise ValueError("the probe set (inputs) is empty: pass at least two samples")
        if n < 2:
            raise ValueError(f"the probe set has {n} sample; mutual information needs at least two")
        if labels is None:
            raise ValueError(
                f"labels are missing: pass the probe's class labels as labels= (y) for a probe of {description}"
            )
        label_tensor = torch.from_numpy(as_class_labels(labels, n, "labels", indices=True))
        chunks = _join(chunks)
        mask_key, masks = _mask(mask, form, chunks, n)
        return cls(chunks, label_tensor, form, mask_key, masks, description)

    def __len__(self) -> int:
        return sum(self._sizes)

    @property
    def n_tensors(self) -> int:
        """How many input tensors a batch holds (the mask included when it is an input)."""
        return len(_tensor_leaves(self.chunks[0]))

    def single_input(self) -> torch.Tensor | None:
        """The probe's inputs as one tensor (n_samples, …) when they are exactly one tensor, else None."""
        if len(self.chunks) != 1:
            return None
        leaves = _tensor_leaves(self.chunks[0])
        return leaves[0][1] if len(leaves) == 1 else None

    def subset(self, indices: torch.Tensor) -> ProbeSet:
        """The samples at ``indices`` (sorted ascending), in that order."""
        chunks, masks, start = [], [], 0
        for i, (chunk, size) in enumerate(zip(self.chunks, self._sizes)):
            local = indices[(indices >= start) & (indices < start + size)] - start
            start += size
            if len(local):
                chunks.append(_take(chunk, local))
                if self.masks is not None:
                    masks.append(self.masks[i][local])
        return ProbeSet(
            chunks,
            self.labels[indices],
            self.form,
            self.mask_key,
            masks if self.masks is not None else None,
            self.description,
        )

    def batches(self, batch_size: int) -> Iterator[tuple[Any, torch.Tensor | None, int]]:
        """(inputs, padding mask or None, rows) for each forward pass, on the CPU.

        Each chunk is cut into ``batch_size`` pieces; a last piece of one sample joins the one before,
        since layers that mix samples (EchoNoise, BatchNorm in train mode) need at least two.
        """
        for i, (chunk, size) in enumerate(zip(self.chunks, self._sizes)):
            for start, stop in batch_bounds(size, batch_size):
                piece = _slice(chunk, start, stop)
                if self.masks is not None:
                    mask: torch.Tensor | None = self.masks[i][start:stop]
                elif self.mask_key is not None:
                    mask = piece[self.mask_key]
                else:
                    mask = None
                yield piece, mask, stop - start

    def call(self, model: nn.Module, batch: Any, forward_fn: ForwardFn | None = None) -> Any:
        """Run the model on one batch: ``forward_fn(model, batch)``, or the call its form says."""
        if forward_fn is not None:
            return forward_fn(model, batch)
        if self.form == "positional":
            return model(*batch)
        if self.form == "keyword":
            return model(**batch)
        return model(batch)


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each probe batch; a last batch of one sample joins the one before, since layers
    that mix samples (EchoNoise, BatchNorm in train mode) need at least two."""
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def to_device(tree: Any, device: torch.device, dtype: torch.dtype | None) -> Any:
    """The tree with its tensors on ``device``; floating tensors in ``dtype`` (the model's) if given."""

    def move(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.to(device)
        if tensor.is_floating_point() and dtype is not None and tensor.dtype != dtype:
            tensor = tensor.to(dtype)  # a float64 numpy probe set meets a float32 model
        return tensor

    return _map(tree, move)


def keep_mask(mask: torch.Tensor) -> torch.Tensor:
    """Which tokens are real (True) and which are padding (False), from a padding or attention mask.

    The convention follows the mask's dtype, as PyTorch and Hugging Face pass them:

    - bool: True marks PADDING (``src_key_padding_mask`` of ``nn.TransformerEncoder``);
    - integer: nonzero marks a TOKEN, 0 padding (``attention_mask`` of Hugging Face models);
    - float: an additive mask, 0 for a token and ``-inf`` for padding.

    Raises:
        ValueError: a mask that is not (batch, seq), or a float mask with values other than 0 and -inf.
    """
    if mask.ndim != 2:
        raise ValueError(
            f"mask: the padding mask must be (batch, seq), got shape {tuple(mask.shape)}; pass the "
            f"key-padding or attention mask, not a (seq, seq) attention pattern"
        )
    if mask.dtype == torch.bool:
        return ~mask
    if not mask.is_floating_point():
        return mask != 0
    if not bool(((mask == 0) | (mask == float("-inf"))).all()):
        raise ValueError(
            "mask: a float mask must be additive (0 for a token, -inf for padding); pass a bool padding mask "
            "(True = padding) or an integer attention mask (1 = token) instead"
        )
    return mask == 0


# ----------------------------------------------------------------------------------------------------
# Batches of a loader


def _read_batches(loader: Iterable[Any], labels: Any) -> tuple[ProbeForm, list[Any], Any, str]:
    """Read every batch once; split off the labels unless given; check forms and sample counts."""
    if isinstance(loader, torch.utils.data.DataLoader) and isinstance(
        loader.sampler, torch.utils.data.RandomSampler
    ):
        warnings.warn(
            "the probe DataLoader shuffles (shuffle=True): the tracker reads it once and keeps that order, "
            "but another tracker or a resumed run would see other samples in another order; build the "
            "probe loader with shuffle=False",
            UserWarning,
            stacklevel=4,
        )
    chunks: list[Any] = []
    found: list[torch.Tensor] = []
    form: ProbeForm | None = None
    for i, batch in enumerate(loader):
        where = f"batch {i} of the probe loader"
        if isinstance(batch, (torch.Tensor, np.ndarray)):
            kind: ProbeForm = "tensor"
        elif isinstance(batch, (tuple, list)):
            kind = "positional"
        elif isinstance(batch, Mapping):
            kind = "keyword"
        else:
            raise TypeError(
                f"{where} is a {type(batch).__name__}; batches must be tensors, tuples/lists or dicts of tensors "
                f"(convert it in the loader's collate_fn)"
            )
        if form is not None and kind != form:
            raise ValueError(
                f"{where} is a {kind} batch but the earlier ones are {form} batches: batches must agree"
            )
        form = kind
        if labels is None:
            batch, y = _split_labels(batch, kind, where)
            rows = _rows(batch, where)
            if len(y) != rows:
                raise ValueError(f"{where}: its labels have {len(y)} entries for {rows} samples of inputs")
            found.append(y)
        elif kind == "positional":
            batch = tuple(_as_tree(x) for x in batch)
        else:
            batch = _as_tree(dict(batch) if kind == "keyword" else batch)
        chunks.append(batch)
    if form is None:
        raise ValueError("the probe loader gave no batches: the probe set is empty")
    if labels is None:
        labels = torch.cat(found)
    name = type(loader).__name__
    return form, chunks, labels, f"{name} of {len(chunks)} {form} batches"


def _split_labels(batch: Any, kind: ProbeForm, where: str) -> tuple[Any, torch.Tensor]:
    if kind == "tensor":
        raise ValueError(
            f"{where} is a bare tensor, so it holds no labels: pass labels= (y) with the probe's class labels"
        )
    if kind == "positional":
        if len(batch) < 2:
            raise ValueError(
                f"{where} is a tuple of {len(batch)} element: a tuple batch is (inputs…, labels) with the labels "
                f"last; pass labels= (y) if its batches carry none"
            )
        return tuple(_as_tree(x) for x in batch[:-1]), _label_tensor(batch[-1], where)
    key = next((k for k in LABEL_KEYS if k in batch), None)
    if key is None:
        raise ValueError(
            f"{where} is a dict with keys {list(batch)} and none of {list(LABEL_KEYS)} holds labels: pass labels= (y)"
        )
    return _as_tree({k: v for k, v in batch.items() if k != key}), _label_tensor(batch[key], where)


def _label_tensor(value: Any, where: str) -> torch.Tensor:
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{where}: its labels are a {type(value).__name__}, not class indices") from None
    return (
        tensor.detach().cpu().reshape(-1)
        if tensor.ndim == 2 and tensor.shape[1] == 1
        else tensor.detach().cpu()
    )


def _join(chunks: list[Any]) -> list[Any]:
    """One chunk when every chunk has the same structure, tensor shapes beyond dimension 0 and dtypes."""
    if len(chunks) == 1:
        return chunks
    first = _signature(chunks[0])
    if any(_signature(chunk) != first for chunk in chunks[1:]):
        return chunks  # e.g. sequences padded per batch: forward the batches as they came
    leaves = [[t for _, t in _tensor_leaves(chunk)] for chunk in chunks]
    joined = iter([torch.cat(column) for column in zip(*leaves)])
    return [_map(chunks[0], lambda _: next(joined))]


def _mask(
    mask: Any, form: ProbeForm, chunks: list[Any], n: int
) -> tuple[str | int | None, list[torch.Tensor] | None]:
    if mask is None:
        return None, None
    if isinstance(mask, (torch.Tensor, np.ndarray)):
        tensor = torch.as_tensor(mask).detach().cpu()
        if tensor.ndim != 2 or len(tensor) != n:
            raise ValueError(
                f"mask: a mask tensor must be (n_samples, seq) = ({n}, seq) for this probe, got shape {tuple(tensor.shape)}"
            )
        sizes = [_rows(chunk, "the probe set") for chunk in chunks]
        return None, list(torch.split(tensor, sizes))
    if isinstance(mask, bool) or not isinstance(mask, (str, int)):
        raise TypeError(
            f"mask must be an input's name, a positional index or a tensor, got {type(mask).__name__}"
        )
    if form == "keyword":
        if mask not in chunks[0]:
            raise ValueError(f"mask={mask!r} is not one of the keyword inputs {list(chunks[0])}")
    elif form == "positional":
        if not isinstance(mask, int) or not -len(chunks[0]) <= mask < len(chunks[0]):
            raise ValueError(
                f"mask={mask!r}: with {len(chunks[0])} positional inputs, name the mask by its index (0 to "
                f"{len(chunks[0]) - 1}) or pass the mask tensor"
            )
    else:
        raise ValueError(
            f"mask={mask!r} names an input, but the probe is one tensor: pass the mask tensor itself"
        )
    if not isinstance(chunks[0][mask], torch.Tensor):
        raise TypeError(f"mask={mask!r} is a {type(chunks[0][mask]).__name__}, not a tensor")
    return mask, None


# ----------------------------------------------------------------------------------------------------
# Trees of tensors: tensors, tuples/lists and dicts of them; other leaves are constants


def _as_tree(tree: Any) -> Any:
    """Arrays become tensors, tensors are detached onto the CPU; containers are rebuilt."""
    if isinstance(tree, np.ndarray):
        return torch.as_tensor(tree)
    if isinstance(tree, torch.Tensor):
        return tree.detach().cpu()
    if isinstance(tree, (tuple, list)):
        return (
            type(tree)(_as_tree(x) for x in tree)
            if type(tree) in (tuple, list)
            else tuple(_as_tree(x) for x in tree)
        )
    if isinstance(tree, Mapping):
        return {k: _as_tree(v) for k, v in tree.items()}
    return tree


def _map(tree: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if isinstance(tree, torch.Tensor):
        return fn(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_map(x, fn) for x in tree)
    if isinstance(tree, Mapping):
        return {k: _map(v, fn) for k, v in tree.items()}
    return tree


def _tensor_leaves(tree: Any, path: str = "") -> list[tuple[str, torch.Tensor]]:
    if isinstance(tree, torch.Tensor):
        return [(path, tree)]
    if isinstance(tree, (tuple, list)):
        return [leaf for i, x in enumerate(tree) for leaf in _tensor_leaves(x, f"{path}[{i}]")]
    if isinstance(tree, Mapping):
        return [leaf for k, v in tree.items() for leaf in _tensor_leaves(v, f"{path}[{k!r}]")]
    return []


def _signature(tree: Any) -> Any:
    if isinstance(tree, torch.Tensor):
        return ("tensor", tree.dtype, tuple(tree.shape[1:]))
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_signature(x) for x in tree))
    if isinstance(tree, Mapping):
        return ("dict", tuple((k, _signature(v)) for k, v in tree.items()))
    return ("constant", repr(tree))


def _describe(path: str) -> str:
    """A leaf's path as the error messages name it: input 0, input 'mask', input 0['ids']."""
    if not path:
        return "the input tensor"
    head, _, rest = path[1:].partition("]")
    return f"input {head}{rest}"


def _rows(tree: Any, where: str) -> int:
    """The samples in a batch: the common dimension 0 of its tensors (the message names any that differ)."""
    leaves = _tensor_leaves(tree)
    if not leaves:
        raise ValueError(f"{where} holds no tensor: the probe's inputs must be tensors (or arrays)")
    for path, tensor in leaves:
        if tensor.ndim == 0:
            raise ValueError(
                f"{where}: {_describe(path)} is a scalar; every input tensor needs the samples on dimension 0"
            )
    first_path, first = leaves[0]
    for path, tensor in leaves[1:]:
        if len(tensor) != len(first):
            raise ValueError(
                f"{where}: {_describe(path)} has {len(tensor)} samples but {_describe(first_path)} has {len(first)}: "
                f"every input tensor must hold the same samples on dimension 0 (a list of batches? pass "
                f"iter(batches) or a DataLoader)"
            )
    for path, tensor in leaves:
        if len(tensor) and tensor[0].numel() == 0:
            raise ValueError(
                f"{where}: {_describe(path)} has no features (shape {tuple(tensor.shape)}); pass real inputs"
            )
    return len(first)


def _where(form: ProbeForm, n_chunks: int, i: int) -> str:
    return f"batch {i} of the probe loader" if n_chunks > 1 else "the probe set (inputs)"


def _take(tree: Any, index: torch.Tensor) -> Any:
    return _map(tree, lambda t: t[index])


def _slice(tree: Any, start: int, stop: int) -> Any:
    return _map(tree, lambda t: t[start:stop])
