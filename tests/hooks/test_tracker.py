"""The tracker: what it records, what it leaves alone, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from infoplane import Tracker, log_spaced_epochs
from infoplane.experiments import TrainConfig, models, train


def hand_set_net() -> nn.Sequential:
    """2 → 2 → 1 with weights written out, so expected activations can be written literally."""
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [1.0, -1.0]]))
        net[0].bias.copy_(torch.tensor([0.0, 0.5]))
        net[2].weight.copy_(torch.tensor([[2.0, 1.0]]))
        net[2].bias.copy_(torch.tensor([-1.0]))
    return net


def test_auto_records_activations_and_output_with_literal_values() -> None:
    x = torch.tensor([[0.0, 0.0], [1.0, 2.0], [-1.0, 1.0]])
    tracker = Tracker(hand_set_net(), x, torch.tensor([0, 1, 0]), batch_size=2)
    assert tracker.layers == ["1", "output"]
    captured = tracker.capture(0)
    pre = torch.tensor([[0.0, 0.5], [1.0, -0.5], [-1.0, -1.5]])
    hidden = torch.tanh(pre)
    assert torch.allclose(captured["1"], hidden)
    assert torch.allclose(captured["output"], hidden @ torch.tensor([[2.0], [1.0]]) - 1.0)


def test_captures_equal_a_manual_forward_pass() -> None:
    torch.manual_seed(0)
    net = models.mlp([12, 10, 7, 5, 4, 3, 2], "relu")
    x = torch.rand(300, 12)
    tracker = Tracker(net, x, torch.randint(0, 2, (300,)), batch_size=64)
    captured = tracker.capture(3, loss=0.5)
    expected = {}
    h = x
    with torch.no_grad():
        for name, module in net.named_children():
            h = module(h)
            if isinstance(module, nn.ReLU):
                expected[name] = h
    expected["output"] = h
    assert list(captured) == list(expected)
    for name in expected:
        assert torch.equal(captured[name], expected[name]), name
    run = tracker.to_run(seed=1)
    assert run.epochs == [3] and run.metrics == {"loss": [0.5]}
    assert run.activations["5"].shape == (1, 300, 5)
    assert run.metadata["layer_widths"] == {"1": 10, "3": 7, "5": 5, "7": 4, "9": 3, "output": 2}
    assert run.metadata["seed"] == 1


class ConvNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, kernel_size=3, padding=1)
        self.act = nn.ReLU()
        self.head = nn.Linear(2 * 4 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.act(self.conv(x)).flatten(1))


def test_outputs_of_more_than_two_dims_are_flattened_per_sample() -> None:
    net = ConvNet()
    x = torch.randn(5, 1, 4, 4)
    captured = Tracker(net, x, torch.arange(5) % 3).capture(0)
    with torch.no_grad():
        expected = net.act(net.conv(x)).reshape(5, -1)
    assert captured["act"].shape == (5, 32)
    assert torch.equal(captured["act"], expected)


class TupleOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 4, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return out[:, -1]


def test_tuple_outputs_use_their_first_tensor() -> None:
    net = TupleOut()
    x = torch.randn(6, 2, 3)
    captured = Tracker(net, x, torch.zeros(6, dtype=torch.long), layers=["rnn"]).capture(0)
    with torch.no_grad():
        out, _ = net.rnn(x)
    assert torch.equal(captured["rnn"], out.reshape(6, -1))


class FunctionalNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


def test_auto_on_a_functional_model_says_how_to_name_layers() -> None:
    with pytest.raises(ValueError, match=r"found no activation modules.*F\.relu.*layers=\['fc1', 'fc2'\]"):
        Tracker(FunctionalNet(), torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))


def test_layers_by_name_and_by_module() -> None:
    net = FunctionalNet()
    by_name = Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=["fc1", "output"])
    by_module = Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=[net.fc1, net])
    assert by_name.layers == by_module.layers == ["fc1", "output"]
    with pytest.raises(ValueError, match="no module named 'fc3'.*'fc1', 'fc2'"):
        Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=["fc3"])
    with pytest.raises(ValueError, match="not part of the model"):
        Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=[nn.Linear(1, 1)])


def test_a_layer_that_never_fires_is_an_error() -> None:
    class Unused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Tanh()
            self.spare = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.used(x)

    with pytest.raises(RuntimeError, match=r"\['spare'\] never fired"):
        Tracker(Unused(), torch.randn(4, 2), [0, 1, 0, 1]).capture(0)


def test_train_mode_is_restored_per_module_and_hooks_are_removed_after_an_exception() -> None:
    class Exploding(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.act = nn.Tanh()
            self.drop = nn.Dropout(0.5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.act(x)
            raise RuntimeError("boom")

    net = Exploding()
    net.train()
    net.drop.eval()  # a user's deliberate mixed mode must survive a capture
    with pytest.raises(RuntimeError, match="boom"), Tracker(net, torch.randn(4, 2), [0, 1, 0, 1]) as tracker:
        tracker.capture(0)
    assert net.training and net.act.training and not net.drop.training
    assert not net._forward_hooks and not net.act._forward_hooks


def test_capture_runs_in_eval_mode_without_gradients() -> None:
    seen = {}

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.act = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen["training"] = self.training
            seen["grad"] = torch.is_grad_enabled()
            return self.act(self.lin(x))

    net = Probe().train()
    Tracker(net, torch.randn(4, 2), [0, 1, 0, 1]).capture(0)
    assert seen == {"training": False, "grad": False}
    assert net.training


def test_training_result_is_identical_with_and_without_the_tracker() -> None:
    x = torch.rand(200, 6)
    y = (x.sum(1) > 3).long()
    config = TrainConfig(epochs=12, batch_size=32, seed=7)

    def trained(with_tracker: bool) -> list[torch.Tensor]:
        torch.manual_seed(config.seed)
        net = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Dropout(0.2), nn.Linear(5, 2))
        if with_tracker:
            with Tracker(net, x, y) as tracker:
                train(net, x, y, config, tracker=tracker, log_epochs=range(12), progress=False)
            assert len(tracker.epochs) == 12
        else:
            train(net, x, y, config, progress=False)
        return [p.detach().clone() for p in net.parameters()]

    for with_, without in zip(trained(True), trained(False)):
        assert torch.equal(with_, without)


def test_dtype_and_epoch_order() -> None:
    tracker = Tracker(hand_set_net(), torch.randn(4, 2), [0, 1, 0, 1], dtype=torch.float16)
    assert tracker.capture(1)["1"].dtype == torch.float16
    with pytest.raises(ValueError, match="epochs must increase"):
        tracker.capture(1)
    tracker.close()
    with pytest.raises(RuntimeError, match="closed"):
        tracker.capture(2)


@pytest.mark.parametrize(
    ("inputs", "labels", "message"),
    [
        (torch.randn(4, 2), torch.tensor([0, 1, 0]), "4 samples but labels have 3"),
        (torch.randn(0, 2), torch.tensor([], dtype=torch.long), "empty"),
        (torch.randn(4, 2), torch.tensor([0.5, 1.0, 0.0, 1.0]), "class indices"),
        (torch.randn(4, 2), torch.tensor([[0, 1], [0, 1], [1, 0], [1, 0]]), "one class index per sample"),
        (torch.randn(4, 2), torch.tensor([0, -1, 0, 1]), "≥ 0"),
    ],
)
def test_bad_probe_sets_fail_at_construction(inputs: torch.Tensor, labels: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tracker(hand_set_net(), inputs, labels)


def test_log_spaced_epochs_is_the_science_schedule_plus_the_last_epoch() -> None:
    for n_epochs in (1, 10, 100, 8000, 10_000):
        formula = set((np.unique(np.logspace(0, np.log2(n_epochs), 274, base=2).astype(int)) - 1).tolist())
        got = log_spaced_epochs(n_epochs)
        assert set(got) == formula | {n_epochs - 1}
        assert got == sorted(got) and got[0] == 0 and got[-1] == n_epochs - 1
    assert len(log_spaced_epochs(8000)) == 199
    with pytest.raises(ValueError):
        log_spaced_epochs(0)


def test_metadata_that_a_run_file_cannot_hold_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match=r"metadata\['optimizer'\] holds a SGD"):
        net = hand_set_net()
        Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], metadata={"optimizer": torch.optim.SGD(net.parameters(), lr=0.1)})
