"""Batched seeds equal seeds trained alone."""

from __future__ import annotations

import pytest
import torch

from infoplane.experiments import Experiment, TrainConfig, run_experiment
from infoplane.experiments.batched import run_seeds


def test_batched_seeds_equal_single_seed_runs() -> None:
    config = TrainConfig(epochs=6, lr=3e-3)
    experiment = Experiment(activation="relu", config=config)
    batched = run_seeds(experiment, [3, 8], progress=False)
    for seed, run in zip([3, 8], batched):
        alone = run_experiment(Experiment(activation="relu", config=TrainConfig(epochs=6, lr=3e-3, seed=seed)), progress=False)
        assert run.epochs == alone.epochs and run.layers == alone.layers
        for layer in alone.layers:
            assert torch.allclose(run.activations[layer], alone.activations[layer], atol=1e-5, rtol=1e-5), layer
        for name in alone.metrics:
            assert run.metrics[name] == pytest.approx(alone.metrics[name], abs=1e-5), name
        assert run.metadata["seed"] == seed and run.metadata["training"]["seed"] == seed
        assert run.metadata["layer_widths"] == alone.metadata["layer_widths"]
    # different seeds really differ
    assert not torch.allclose(batched[0].activations["1"], batched[1].activations["1"])


def test_batched_runs_describe_themselves_as_single_runs_do() -> None:
    config = TrainConfig(epochs=2, lr=3e-3, seed=5)
    (batched,) = run_seeds(Experiment(activation="tanh", config=config), [5], progress=False)
    alone = run_experiment(Experiment(activation="tanh", config=config), progress=False)
    assert set(batched.metadata) - {"trained_with"} == set(alone.metadata)
    for key in set(alone.metadata) - {"created"}:
        assert batched.metadata[key] == alone.metadata[key], key
    assert batched.metadata["trained_with"] == "run_seeds (batched, 1 seeds)"
