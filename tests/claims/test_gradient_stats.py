"""run_seeds' opt-in gradient statistics: the mean and spread of the minibatch gradients at logged epochs."""

from __future__ import annotations

import numpy as np
import torch

from infoplane.experiments import models
from infoplane.experiments.batched import run_seeds
from infoplane.experiments.training import Experiment, TrainConfig


def test_gradient_stats_match_a_hand_computation_of_the_first_epoch() -> None:
    config = TrainConfig(epochs=2, batch_size=1024, train_fraction=0.5, log_points=2)
    experiment = Experiment(activation="tanh", config=config)
    plain = run_seeds(experiment, [0], progress=False)[0]
    run = run_seeds(experiment, [0], progress=False, gradient_stats=True)[0]
    # opt-in: the training itself is unchanged
    assert np.allclose(plain.activations["output"], run.activations["output"])
    assert {"grad_mean:1", "grad_std:1", "grad_mean:output", "grad_std:output"} <= set(run.metrics)
    # epoch 0 by hand: the same network, split, minibatches and Adam steps, one seed
    from infoplane.experiments import datasets
    from infoplane.experiments.training import make_adam, seeded_split

    x, y = datasets.szt12()
    torch.manual_seed(0)
    net = models.mlp([12, 10, 7, 5, 4, 3, 2], "tanh")
    split = seeded_split(len(x), 0.5, 0)
    order = torch.randperm(len(split.train), generator=torch.Generator().manual_seed(1))
    xt, yt = x[split.train][order], y[split.train][order]
    optimizer = make_adam(net, 4e-4)
    grads = []
    for start in range(0, len(xt), 1024):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(xt[start : start + 1024]), yt[start : start + 1024]).backward()
        grads.append(net[0].weight.grad.detach().clone())
        optimizer.step()
    g = torch.stack(grads)
    assert run.epochs[0] == 0
    assert np.isclose(run.metrics["grad_mean:1"][0], float(g.mean(0).norm()), rtol=1e-4)
    assert np.isclose(run.metrics["grad_std:1"][0], float(g.std(0, unbiased=False).norm()), rtol=1e-3)


def test_full_batch_has_no_spread_and_new_activations_build() -> None:
    config = TrainConfig(epochs=2, batch_size=4096, log_points=2)
    run = run_seeds(
        Experiment(activation="linear", config=config), [0, 1], progress=False, gradient_stats=True
    )[0]
    assert run.metrics["grad_std:3"] == [0.0, 0.0] and run.metrics["grad_mean:3"][0] > 0
    assert isinstance(models.mlp([3, 2, 2], "hardtanh")[1], torch.nn.Hardtanh)
    assert isinstance(models.mlp([3, 2, 2], "linear")[1], torch.nn.Identity)
