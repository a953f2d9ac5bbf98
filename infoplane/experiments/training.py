"""A seeded, deterministic training loop for the canonical experiment (docs/science.md §2)."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from infoplane.experiments import datasets, models
from infoplane.hooks import Tracker, log_spaced_epochs
from infoplane.outputs import atomic_write, check_output, same_file
from infoplane.run import Run, load_run, plain_data


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run; the defaults are the 12-bit experiment's.

    Attributes:
        epochs: passes over the training split.
        lr: Adam's learning rate (the original code used Adam, lr 4e-4).
        batch_size: minibatch size.
        train_fraction: share of the samples in the (seeded, fixed) training split.
        seed: seeds the initial weights, the split and the minibatch order.
        log_points: points of the log-spaced schedule (``log_spaced_epochs``).
    """

    epochs: int = 8000
    lr: float = 4e-4
    batch_size: int = 256
    train_fraction: float = 0.8
    seed: int = 0
    log_points: int = 274

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if not 0.0 < self.train_fraction <= 1.0:
            raise ValueError(f"train_fraction must lie in (0, 1], got {self.train_fraction}")
        if self.batch_size < 1 or self.lr <= 0:
            raise ValueError("batch_size must be ≥ 1 and lr > 0")


class Checkpoint:
    """Where an interrupted :func:`train` resumes from: the training state and the run so far.

    Two files beside the run file being trained, never the run file itself, each written atomically
    (:func:`infoplane.outputs.atomic_write`, unique temporary names): ``path`` (model, optimizer and
    minibatch-generator state, the epoch; plain tensors and containers, loaded with ``weights_only=True``)
    and ``run_path`` (the tracker's captures so far, a normal run file). Saved at logged epochs, at most
    every ``every_s`` seconds, and at the last one. :meth:`beside` names them after the output:
    ``OUTPUT.ckpt`` and ``OUTPUT.partial``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        run_path: str | os.PathLike[str],
        every_s: float = 60.0,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.run_path = Path(run_path)
        if same_file(self.path, self.run_path):
            raise ValueError(f"checkpoint {self.path}: the state and the partial run need two different files")
        self.every_s = every_s
        #: What the training is (data, activation, hyper-parameters): a checkpoint of other settings is refused.
        self.settings = dict(settings or {})
        self._last = time.monotonic()

    @classmethod
    def beside(cls, output: str | os.PathLike[str], every_s: float = 60.0) -> Checkpoint:
        """The checkpoint of a training that will write ``output``: ``OUTPUT.ckpt`` and ``OUTPUT.partial``."""
        output = Path(output)
        return cls(output.with_name(output.name + ".ckpt"), output.with_name(output.name + ".partial"), every_s)

    def exists(self) -> bool:
        """Whether an interrupted training left a checkpoint here."""
        return self.path.is_file()

    def discard(self) -> None:
        """Remove both files (the training finished: nothing is left to resume)."""
        self.path.unlink(missing_ok=True)
        self.run_path.unlink(missing_ok=True)

    def _load_state(self) -> dict[str, Any]:
        """The saved state, checked: a mapping with every field, a non-empty model state."""
        try:
            with warnings.catch_warnings():  # torch's notes on pickle protocols are not the user's business
                warnings.simplefilter("ignore")
                state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint gets the same clear message
            raise ValueError(f"{self.path}: unreadable checkpoint ({type(exc).__name__}); delete it to start over") from None
        if not isinstance(state, dict):
            raise ValueError(  # noqa: TRY004 - a damaged file, reported like every other damage
                f"{self.path}: not an infoplane checkpoint (holds a {type(state).__name__}, not a mapping); "
                f"delete it to start over"
            )
        missing = [k for k in ("epoch", "model", "optimizer", "generator") if k not in state]
        if missing:
            raise ValueError(f"{self.path}: not an infoplane checkpoint (no {', '.join(missing)}); delete it to start over")
        if not isinstance(state["model"], dict) or not state["model"]:
            raise ValueError(f"{self.path}: damaged checkpoint (the model state is empty); delete it to start over")
        if not isinstance(state["epoch"], int) or isinstance(state["epoch"], bool) or state["epoch"] < 0:
            raise ValueError(f"{self.path}: damaged checkpoint (epoch {state['epoch']!r}); delete it to start over")
        if not isinstance(state["optimizer"], dict) or not isinstance(state["generator"], torch.Tensor):
            raise ValueError(  # noqa: TRY004
                f"{self.path}: damaged checkpoint (optimizer or generator state of the wrong type); delete it to start over"
            )
        if not isinstance(state.get("settings", {}), dict):
            raise ValueError(f"{self.path}: damaged checkpoint (settings are not a mapping); delete it to start over")  # noqa: TRY004
        return state

    def restore(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, generator: torch.Generator, tracker: Tracker | None
    ) -> int:
        """Load the state if a checkpoint exists; returns the first epoch still to train (0 if none).

        Raises:
            ValueError: the checkpoint is unreadable, damaged, of other settings or of another network;
                the message names the file.
        """
        if not self.exists():
            return 0
        state = self._load_state()
        saved, current = state.get("settings", {}), plain_data(self.settings, "settings")
        if saved != current:
            differ = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
            raise ValueError(
                f"{self.path} belongs to a run with other settings ({', '.join(differ)} differ): resume with the "
                f"settings it was started with, or delete it to start over"
            )
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            generator.set_state(state["generator"])
        except (RuntimeError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            detail = " ".join(str(exc).split())[:200]
            raise ValueError(
                f"{self.path}: damaged checkpoint or one of another network ({type(exc).__name__}: {detail}); "
                f"delete it to start over"
            ) from None
        if tracker is not None:
            tracker.resume_from(load_run(self.run_path, warn_incomplete=False), through_epoch=int(state["epoch"]))
        return int(state["epoch"]) + 1

    def maybe_save(
        self,
        epoch: int,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        generator: torch.Generator,
        tracker: Tracker | None,
        *,
        last: bool = False,
    ) -> None:
        """Save the state after ``epoch`` (and the tracker's run), unless the last save is under
        ``every_s`` seconds old and this is not the ``last`` epoch.

        The partial run is written first: a run ahead of the state is cut back to the state's epoch on
        resume, so an interruption between the two writes loses nothing."""
        if not last and time.monotonic() - self._last < self.every_s:
            return
        if tracker is not None:
            tracker.to_run().save(self.run_path)
        state = {
            "epoch": epoch,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "generator": generator.get_state(),
            "settings": plain_data(self.settings, "settings"),
        }
        atomic_write(self.path, lambda handle: torch.save(state, handle))
        self._last = time.monotonic()


@dataclass(frozen=True)
class Split:
    """Indices of the training and test samples."""

    train: torch.Tensor
    test: torch.Tensor


def seeded_split(n_samples: int, train_fraction: float, seed: int) -> Split:
    """A fixed random split of ``range(n_samples)``, the same for the same seed."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n_samples, generator=generator)
    n_train = max(1, round(train_fraction * n_samples))
    return Split(train=order[:n_train].sort().values, test=order[n_train:].sort().values)


def _accuracy_and_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    if len(x) == 0:
        return float("nan"), float("nan")
    logits = model(x)
    loss = F.cross_entropy(logits, y).item()
    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    return accuracy, loss


def make_adam(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    # The fused kernel is about 1.5x faster on these tiny networks and computes the same update; fall
    # back where this torch or device has none.
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(model.parameters(), lr=lr)


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    tracker: Tracker | None = None,
    log_epochs: Sequence[int] | None = None,
    progress: bool | None = None,
    on_epoch: Callable[[int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> Split:
    """Train ``model`` with Adam and cross-entropy; capture with ``tracker`` at the logged epochs.

    Epochs are 0-based; a capture at epoch ``e`` sees the model after ``e + 1`` passes. Every random
    draw comes from a generator seeded with ``config.seed``, so the same seed on the same machine
    gives the same parameters (whether or not a tracker captures).

    Args:
        model: the network, already initialised.
        x: inputs (n_samples, …); y: int64 labels (n_samples,).
        config: the hyper-parameters.
        tracker: if given, ``tracker.capture(epoch, loss=…, train_accuracy=…, test_accuracy=…,
            test_loss=…)`` runs at each logged epoch.
        log_epochs: epochs to capture; ``log_spaced_epochs(config.epochs, config.log_points)`` by default.
        progress: show a progress bar (``None``: only when writing to a terminal).
        on_epoch: called with each finished epoch index.
        checkpoint: save the training state (and the tracker's run) at logged epochs, at most every
            ``checkpoint.every_s`` seconds; if its file exists, training resumes after the saved epoch
            and ends exactly as an uninterrupted run would.

    Returns:
        The split used.
    """
    split = seeded_split(len(x), config.train_fraction, config.seed)
    x_train, y_train = x[split.train], y[split.train]
    x_test, y_test = x[split.test], y[split.test]
    device = next(model.parameters()).device
    x_train, y_train = x_train.to(device), y_train.to(device)
    x_test, y_test = x_test.to(device), y_test.to(device)
    logged = set(log_spaced_epochs(config.epochs, config.log_points) if log_epochs is None else log_epochs)
    optimizer = make_adam(model, config.lr)
    generator = torch.Generator().manual_seed(config.seed + 1)
    n_train = len(x_train)
    first = checkpoint.restore(model, optimizer, generator, tracker) if checkpoint is not None else 0
    bar = tqdm(
        range(first, config.epochs), desc="training", unit="epoch", initial=first, total=config.epochs,
        disable=None if progress is None else not progress,
    )  # fmt: skip
    for epoch in bar:
        model.train()
        order = torch.randperm(n_train, generator=generator).to(device)
        for start in range(0, n_train, config.batch_size):
            batch = order[start : start + config.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        if tracker is not None and epoch in logged:
            model.eval()
            with torch.no_grad():
                train_accuracy, train_loss = _accuracy_and_loss(model, x_train, y_train)
                test_accuracy, test_loss = _accuracy_and_loss(model, x_test, y_test)
            tracker.capture(
                epoch,
                loss=train_loss,
                train_accuracy=train_accuracy,
                test_loss=test_loss,
                test_accuracy=test_accuracy,
            )
            bar.set_postfix(loss=f"{train_loss:.3f}", test_acc=f"{test_accuracy:.3f}", refresh=False)
        if checkpoint is not None and (epoch in logged or epoch == config.epochs - 1):
            checkpoint.maybe_save(epoch, model, optimizer, generator, tracker, last=epoch == config.epochs - 1)
        if on_epoch is not None:
            on_epoch(epoch)
    return split


@dataclass(frozen=True)
class Experiment:
    """One built-in experiment: a data set, an MLP and a training configuration.

    Attributes:
        data: data set name (``"szt12"``, ``"digits"`` or ``"mnist"``).
        activation: hidden-unit activation (``"tanh"``, ``"relu"``, …).
        hidden: hidden widths; the 12-bit network's 10-7-5-4-3 by default.
        config: training hyper-parameters.
        data_dir: folder of the MNIST IDX files (only for ``data="mnist"``).
    """

    data: str = "szt12"
    activation: str = "tanh"
    hidden: tuple[int, ...] = models.SZT12_WIDTHS[1:-1]
    config: TrainConfig = field(default_factory=TrainConfig)
    data_dir: str | None = None

    def run_metadata(self, seed: int, widths: Sequence[int]) -> dict[str, Any]:
        """What a run of this experiment records about it, for one seed and the network's widths."""
        return {
            "dataset": self.data,
            "activation": self.activation,
            "seed": seed,
            "widths": list(widths),
            "training": asdict(replace(self.config, seed=seed)),
            "optimizer": "Adam",
        }


def run_experiment(
    experiment: Experiment,
    *,
    progress: bool | None = None,
    on_epoch: Callable[[int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> Run:
    """Train the experiment's network from its seed, capturing every activation layer and the output.

    The probe set is the whole data set (the MI of the 12-bit experiment is computed on all 4096
    samples). ``progress``, ``on_epoch`` and ``checkpoint`` are passed to :func:`train`. Returns the run,
    with the experiment written into its metadata.
    """
    x, y = datasets.load(experiment.data, experiment.data_dir)
    config = experiment.config
    n_classes = int(y.max()) + 1
    torch.manual_seed(config.seed)
    widths = [x.shape[1], *experiment.hidden, n_classes]
    model = models.mlp(widths, experiment.activation)
    metadata = experiment.run_metadata(config.seed, widths)
    if checkpoint is not None and not checkpoint.settings:
        checkpoint.settings = {k: v for k, v in metadata.items() if k != "seed"}
    with Tracker(model, x, y, metadata=metadata) as tracker:
        train(model, x, y, config, tracker=tracker, progress=progress, on_epoch=on_epoch, checkpoint=checkpoint)
        return tracker.to_run()


def train_to_file(
    experiment: Experiment,
    output: str | os.PathLike[str],
    *,
    resume: bool = False,
    progress: bool | None = None,
    force: bool = False,
    on_epoch: Callable[[int], None] | None = None,
    every_s: float = 60.0,
) -> Run:
    """Train ``experiment`` and write its run to ``output`` once, atomically, at the end.

    The policy of ``infoplane train``: the output and its checkpoint files (``OUTPUT.ckpt``,
    ``OUTPUT.partial``, see :meth:`Checkpoint.beside`) are checked before any training; the checkpoint is
    saved beside ``output`` while training, never to ``output`` itself, so an existing file at ``output``
    stays as it was until the new run is complete; the checkpoint is removed once the run is written.
    Training over an existing run file is allowed (it is replaced only at the end); over a file of another
    kind only with ``force``.

    Args:
        experiment: what to train.
        output: the run file to write.
        resume: continue from the checkpoint beside ``output`` (which must exist).
        progress: show a progress bar (``None``: only on a terminal).
        force: replace an existing file at ``output`` even if it is not a run file.
        on_epoch: called with each finished epoch index.
        every_s: save the checkpoint at logged epochs at most this often (seconds).

    Returns:
        The finished run (as written to ``output``).

    Raises:
        infoplane.outputs.OutputConflictError: ``output`` is an existing file of another kind (no ``force``).
        infoplane.outputs.OutputPathError: ``output`` cannot be written (a folder, a read-only folder, …).
        ValueError: a checkpoint exists and ``resume`` is not given, or ``resume`` without a checkpoint,
            or the checkpoint is damaged or of other settings.
    """
    output = check_output(output, kind="run", force=force, what="-o")
    checkpoint = Checkpoint.beside(output, every_s)
    if checkpoint.exists() and not resume:
        raise ValueError(
            f"{checkpoint.path} holds an interrupted run: pass --resume to continue it, or delete it to start over"
        )
    if resume and not checkpoint.exists():
        raise ValueError(f"--resume: no checkpoint {checkpoint.path} to resume from")
    # An existing checkpoint is what --resume reads (and checks); only its folder must be writable.
    check_output(checkpoint.path, [output], kind="checkpoint", force=True, what="checkpoint")
    check_output(checkpoint.run_path, [output], kind="run", force=force or resume, what="checkpoint")
    run = run_experiment(experiment, progress=progress, on_epoch=on_epoch, checkpoint=checkpoint)
    run.save(output)
    checkpoint.discard()  # finished: nothing left to resume
    return run
