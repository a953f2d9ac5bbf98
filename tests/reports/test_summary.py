"""RunSummary: what a page knows of a run, read from the run's attributes alone."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from infoplane.infotheory import entropy_bits
from infoplane.reports import RunSummary, summarise
from infoplane.run import Run


def small_run(epochs: list[int], metadata: dict[str, object]) -> Run:
    n = 8
    return Run(
        epochs=epochs,
        layers=["1", "out"],
        activations={"1": torch.zeros(len(epochs), n, 3), "out": torch.zeros(len(epochs), n, 2)},
        labels=torch.tensor([0, 0, 0, 0, 0, 0, 1, 2]),
        metrics={"loss": [1.0] * len(epochs)},
        metadata=metadata,
    )


def test_summary_of_a_run_holds_what_the_pages_show() -> None:
    run = small_run([0, 3, 9], {"dataset": "szt12", "activation": "tanh", "seed": 4, "model": "Net()",
                                "layer_widths": {"1": 3, "out": 2}, "training": {"epochs": 10}})  # fmt: skip
    s = summarise(run)
    assert dataclasses.is_dataclass(s) and isinstance(s, RunSummary)
    assert (s.name, s.activation, s.seed, s.n_samples) == ("szt12-tanh-seed4", "tanh", 4, 8)
    # H(Y) of 6/8, 1/8, 1/8 = 1.0613 bits, through the one entropy in infoplane.infotheory
    assert s.label_entropy_bits == pytest.approx(entropy_bits([6, 1, 1])) == pytest.approx(1.061278, abs=1e-6)
    assert s.epochs == (0, 3, 9) and s.layers == ("1", "out") and s.widths == {"1": 3, "out": 2}
    assert s.metrics == {"loss": (1.0, 1.0, 1.0)}
    assert "model" not in s.metadata and s.model == "Net()"
    assert s.log2_n == 3.0 and s.expected_last_epoch == 9
    assert s.complete and s.incomplete_note is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"  # type: ignore[misc]
    assert summarise(s) is s


def test_widths_come_from_the_activations_when_the_metadata_has_none() -> None:
    assert summarise(small_run([0, 1], {"name": "r"})).widths == {"1": 3, "out": 2}


def test_summarise_is_duck_typed_and_reads_complete() -> None:
    """Anything with a run's attributes; ``complete`` is the run's own verdict (Run.complete)."""
    partial = SimpleNamespace(
        name="t", labels=np.array([0, 1, 0, 1]), epochs=[0, 10, 4799], layers=["1"], metrics={},
        metadata={"training": {"epochs": 6000}}, complete=False,
    )  # fmt: skip
    s = summarise(partial)
    assert not s.complete and s.expected_last_epoch == 5999 and s.label_entropy_bits == 1.0
    assert s.incomplete_note == "incomplete run: stopped after 4800 of 6000 epochs trained"
