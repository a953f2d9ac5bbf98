"""Built-in experiments: data sets, model builders and a deterministic training loop."""

from infoplane.experiments import datasets, models
from infoplane.experiments.training import Experiment, Split, TrainConfig, run_experiment, seeded_split, train

__all__ = ["Experiment", "Split", "TrainConfig", "datasets", "models", "run_experiment", "seeded_split", "train"]
