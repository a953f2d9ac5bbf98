"""The training loop is seeded and deterministic."""

from __future__ import annotations

import torch

from infoplane.experiments import Experiment, TrainConfig, run_experiment, seeded_split


def test_split_is_fixed_by_the_seed() -> None:
    a, b, c = seeded_split(100, 0.8, 1), seeded_split(100, 0.8, 1), seeded_split(100, 0.8, 2)
    assert torch.equal(a.train, b.train) and not torch.equal(a.train, c.train)
    assert len(a.train) == 80 and len(a.test) == 20
    assert sorted(torch.cat([a.train, a.test]).tolist()) == list(range(100))


def test_same_seed_same_run_and_the_network_learns() -> None:
    experiment = Experiment(activation="tanh", config=TrainConfig(epochs=12, seed=5, lr=1e-2))
    first = run_experiment(experiment, progress=False)
    second = run_experiment(experiment, progress=False)
    assert first.epochs == second.epochs
    for layer in first.layers:
        assert torch.equal(first.activations[layer], second.activations[layer])
    assert first.metrics["loss"][-1] < first.metrics["loss"][0]
    assert first.metadata["training"]["seed"] == 5 and first.metadata["dataset"] == "szt12"
    assert first.layers == ["1", "3", "5", "7", "9", "output"]
