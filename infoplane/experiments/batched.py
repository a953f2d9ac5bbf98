"""Many seeds at the price of few: S copies of one MLP trained at once with batched matrix products.

Each seed keeps everything it would have alone — its initial weights (``torch.manual_seed(seed)`` then
:func:`~infoplane.experiments.models.mlp`), its train/test split and its minibatch order — and Adam,
being elementwise, updates the stacked parameters exactly as S separate optimisers would. The runs
therefore equal single-seed :func:`~infoplane.experiments.run_experiment` runs up to float rounding
(batched and plain matrix products may round differently), at a fraction of the time: one Python
step drives all seeds.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from infoplane.experiments import datasets, models
from infoplane.experiments.training import Experiment, make_adam, seeded_split
from infoplane.hooks import log_spaced_epochs
from infoplane.hooks.metadata import run_metadata
from infoplane.run import Run


class BatchedMLP(nn.Module):
    """S independent MLPs of the same widths, evaluated together: weights (S, in, out), biases (S, 1, out).

    Built from S single-seed :func:`models.mlp` networks so that each copy starts exactly as that seed
    would alone.
    """

    def __init__(self, nets: Sequence[nn.Sequential], activation: str) -> None:
        super().__init__()
        linears = [[m for m in net if isinstance(m, nn.Linear)] for net in nets]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([layers[i].weight.detach().T.clone() for layers in linears]))
            for i in range(len(linears[0]))
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([layers[i].bias.detach().clone()[None, :] for layers in linears]))
            for i in range(len(linears[0]))
        )
        self.activation = models.ACTIVATIONS[activation]()
        # The names single-seed networks give their recorded layers: activations "1", "3", …, and "output".
        self.layer_names = [str(2 * i + 1) for i in range(len(self.weights) - 1)] + ["output"]

    @property
    def n_seeds(self) -> int:
        return int(self.weights[0].shape[0])

    def forward(self, x: torch.Tensor, record: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        """Logits (S, B, classes) for inputs (S, B, d) or shared inputs (B, d); with ``record``, every
        activation layer's output and the logits by layer name."""
        h = x if x.ndim == 3 else x.expand(self.n_seeds, *x.shape)
        recorded = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if i < len(self.weights) - 1:
                h = self.activation(h)
            recorded[self.layer_names[i]] = h
        return recorded if record else h


def run_seeds(
    experiment: Experiment,
    seeds: Sequence[int],
    *,
    progress: bool | None = None,
    on_epoch: Callable[[int], None] | None = None,
    device: str | torch.device = "cpu",
    gradient_stats: bool = False,
) -> list[Run]:
    """Train ``experiment`` once per seed, all seeds at once, capturing every layer at the logged epochs.

    ``experiment.config.seed`` is ignored: each run uses its own seed from ``seeds``. Returns one
    :class:`Run` per seed, shaped as :func:`run_experiment` would make it.

    With ``gradient_stats`` (Shwartz-Ziv & Tishby's gradient phases), at every logged epoch the gradients
    of each layer's weight matrix on the epoch's minibatches g_1 … g_B are summed, and the run's metrics
    gain, per layer name L, ``grad_mean:L`` = ‖ḡ‖_F (ḡ = mean_b g_b) and ``grad_std:L`` = ‖s‖_F with
    s = √(mean_b (g_b − ḡ)²) elementwise (0 for full-batch training, B = 1). Only logged epochs pay
    (two tensor additions per step); the training itself is unchanged.
    """
    if not seeds:
        raise ValueError("seeds is empty: give at least one")
    x, y = datasets.load(experiment.data, experiment.data_dir)
    config = experiment.config
    widths = [x.shape[1], *experiment.hidden, int(y.max()) + 1]
    nets = []
    for seed in seeds:
        torch.manual_seed(seed)
        nets.append(models.mlp(widths, experiment.activation))
    model = BatchedMLP(nets, experiment.activation).to(device)
    x, y = x.to(device), y.to(device)
    splits = [seeded_split(len(x), config.train_fraction, seed) for seed in seeds]
    x_train = torch.stack([x[s.train] for s in splits])
    y_train = torch.stack([y[s.train] for s in splits])
    train_index = torch.stack([s.train for s in splits]).to(device)
    test_index = torch.stack([s.test for s in splits]).to(device)
    generators = [torch.Generator().manual_seed(seed + 1) for seed in seeds]
    optimizer = make_adam(model, config.lr)
    logged = set(log_spaced_epochs(config.epochs, config.log_points))
    n_seeds, n_train = len(seeds), x_train.shape[1]
    rows = torch.arange(n_seeds, device=device)[:, None]
    captures: dict[str, list[torch.Tensor]] = {name: [] for name in model.layer_names}
    metrics: dict[str, list[torch.Tensor]] = {k: [] for k in ("loss", "train_accuracy", "test_loss", "test_accuracy")}
    epochs: list[int] = []
    bar = tqdm(range(config.epochs), desc=f"training {n_seeds} seeds", unit="epoch", disable=None if progress is None else not progress)
    for epoch in bar:
        stats = gradient_stats and epoch in logged
        grad_sum = [torch.zeros_like(w) for w in model.weights] if stats else []
        grad_square = [torch.zeros_like(w) for w in model.weights] if stats else []
        n_batches = 0
        orders = torch.stack([torch.randperm(n_train, generator=g) for g in generators]).to(device)
        # One gather per epoch, then contiguous slices: the same minibatches as indexing every step.
        x_epoch, y_epoch = x_train[rows, orders], y_train[rows, orders]
        for start in range(0, n_train, config.batch_size):
            stop = start + config.batch_size
            logits = model(x_epoch[:, start:stop])
            # Sum over seeds of each seed's mean loss: each seed's gradient is its own.
            loss = F.cross_entropy(logits.flatten(0, 1), y_epoch[:, start:stop].flatten(), reduction="none")
            loss = loss.view(n_seeds, -1).mean(dim=1).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if stats:
                with torch.no_grad():
                    for total, square, w in zip(grad_sum, grad_square, model.weights):
                        total += w.grad
                        square += w.grad * w.grad
                n_batches += 1
            optimizer.step()
        if stats:
            with torch.no_grad():
                for name, total, square in zip(model.layer_names, grad_sum, grad_square):
                    mean = total / n_batches
                    spread = (square / n_batches - mean * mean).clamp_min(0.0)
                    metrics.setdefault(f"grad_mean:{name}", []).append(mean.flatten(1).norm(dim=1).cpu())
                    metrics.setdefault(f"grad_std:{name}", []).append(spread.sum(dim=(1, 2)).sqrt().cpu())
        if epoch in logged:
            with torch.no_grad():
                recorded = model(x, record=True)
                for name, acts in recorded.items():
                    captures[name].append(acts.to("cpu", copy=True))
                # Train and test metrics from the same forward pass over every sample.
                for prefix, index in (("", train_index), ("test_", test_index)):
                    logits = recorded["output"][rows, index]
                    targets = y[index]
                    per_seed = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(n_seeds, -1)
                    metrics["loss" if not prefix else "test_loss"].append(per_seed.mean(dim=1))
                    metrics["train_accuracy" if not prefix else "test_accuracy"].append(
                        (logits.argmax(dim=2) == targets).float().mean(dim=1)
                    )
            epochs.append(epoch)
        if on_epoch is not None:
            on_epoch(epoch)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    runs = []
    for k, seed in enumerate(seeds):
        activations = {name: torch.stack([c[k] for c in chunks]) for name, chunks in captures.items()}
        metadata = {
            **run_metadata(
                nets[k],
                layer_widths={name: int(a.shape[-1]) for name, a in activations.items()},
                layer_types={name: type(model.activation).__name__ for name in model.layer_names[:-1]} | {"output": "Sequential"},
                probe_samples=len(x),
                dtype=torch.float32,
                created=created,
            ),
            **experiment.run_metadata(seed, widths),
            "trained_with": f"run_seeds (batched, {n_seeds} seeds)",
        }
        runs.append(
            Run(
                epochs=list(epochs),
                layers=list(model.layer_names),
                activations=activations,
                labels=y.cpu().clone(),
                metrics={name: [float(v[k]) for v in values] for name, values in metrics.items()},
                metadata=metadata,
                inputs=x.reshape(len(x), -1).float().cpu().clone(),
            )
        )
    return runs
