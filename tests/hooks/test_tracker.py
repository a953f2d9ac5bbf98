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
        (torch.randn(4, 2), torch.tensor([0, 1, 0]), "labels have 3 entries for 4 samples"),
        (torch.randn(0, 2), torch.tensor([], dtype=torch.long), "empty"),
        (torch.randn(4, 0), torch.tensor([0, 1, 0, 1]), r"no features \(shape \(4, 0\)\)"),
        (torch.randn(4, 2), torch.tensor([0.5, 1.0, 0.0, 1.0]), "class indices"),
        (torch.randn(4, 2), torch.tensor([[0, 1], [0, 1], [1, 0], [1, 0]]), r"vector of class indices, got shape \(4, 2\)"),
        (torch.randn(4, 2), torch.tensor([0, -1, 0, 1]), "≥ 0"),
        (torch.randn(4, 2), ["cat", "dog", "cat", "dog"], "labels must be integer class indices, got strings"),
        (torch.randn(4, 2), np.array([b"a", b"b", b"a", b"b"]), "got strings"),
    ],
)
def test_bad_probe_sets_fail_at_construction(inputs: torch.Tensor, labels: object, message: str) -> None:
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


def test_labels_of_shape_n_by_1_and_numpy_labels_are_class_indices() -> None:
    tracker = Tracker(hand_set_net(), torch.randn(4, 2), np.array([[0], [1], [1], [0]], dtype=np.int32))
    assert tracker.labels.dtype == torch.int64 and tracker.labels.tolist() == [0, 1, 1, 0]


class Transposing(nn.Module):
    """A layer whose forward returns ``l(x).T`` once ``transpose`` is set: the batch on dimension 1."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 5)
        self.transpose = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lin(x)
        return out.T if self.transpose else out


def test_a_layer_without_the_batch_on_dim_0_fails_at_capture_naming_it_and_loses_nothing() -> None:
    net = nn.Sequential(Transposing())
    tracker = Tracker(net, torch.randn(6, 3), [0, 1, 0, 1, 0, 1], layers=["0"], batch_size=4)
    tracker.capture(0, loss=1.0)
    net[0].transpose = True
    with pytest.raises(ValueError, match=r"layer '0' \(Transposing\) returned shape \(5, 4\) for a batch of 4 probe samples"):
        tracker.capture(1, loss=0.5)
    # the failed capture left no state: epoch 0 is intact and still saves
    assert tracker.epochs == [0] and tracker.metrics == [{"loss": 1.0}]
    run = tracker.to_run()
    assert run.activations["0"].shape == (1, 6, 5)
    net[0].transpose = False
    tracker.capture(1, loss=0.5)
    assert tracker.to_run().epochs == [0, 1]


def test_a_layer_transposed_on_a_one_batch_probe_is_caught_too() -> None:
    class T(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(3, 2)
            self.act = nn.Tanh()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.act(self.lin(x)).T

    with pytest.raises(ValueError, match=r"layer 'output' \(T\) returned shape \(2, 7\) for a batch of 7"):
        Tracker(T(), torch.randn(7, 3), [0, 1] * 3 + [0]).capture(0)


def test_complex_activations_are_refused_naming_the_layer() -> None:
    class Complex(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.complex(x, 2 * x)

    net = nn.Sequential(nn.Linear(2, 3), Complex())
    tracker = Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=["1"])
    with pytest.raises(ValueError, match=r"layer '1' \(Complex\) returned complex values \(torch.complex64\)"):
        tracker.capture(0)
    assert tracker.epochs == []


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_a_zero_unit_layer_is_refused_naming_the_layer() -> None:
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 0))
    tracker = Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], layers=["1", "2"])
    with pytest.raises(ValueError, match=r"layer '2' \(Linear\) has no units \(output shape \(4, 0\)\)"):
        tracker.capture(0)
    assert tracker.epochs == []


def test_captures_inside_autocast_are_full_precision() -> None:
    torch.manual_seed(0)
    net = models.mlp([12, 40, 30, 2], "tanh")
    x = torch.randn(64, 12)
    y = torch.randint(0, 2, (64,))
    plain = Tracker(net, x, y).capture(0)
    tracker = Tracker(net, x, y)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        assert torch.is_autocast_enabled("cpu")
        inside = tracker.capture(0)
        rounded = net(x)  # what the tracker recorded before: bf16-rounded
        assert torch.is_autocast_enabled("cpu")  # the capture does not leave autocast off
    assert rounded.dtype == torch.bfloat16  # the context really rounds
    for name in plain:
        assert inside[name].dtype == torch.float32
        assert torch.equal(inside[name], plain[name]), name
    assert tracker.to_run().metadata["dtype"] == "float32"


def test_run_metadata_is_one_description_of_the_capture() -> None:
    from infoplane.hooks import run_metadata

    net = hand_set_net()
    tracker = Tracker(net, torch.randn(4, 2), [0, 1, 0, 1], metadata={"seed": 3})
    tracker.capture(0)
    meta = tracker.to_run(name="a").metadata
    expected = run_metadata(net, layer_widths={"1": 2, "output": 1}, layer_types={"1": "Tanh", "output": "Sequential"},
                            probe_samples=4, dtype=torch.float32, created=meta["created"])  # fmt: skip
    assert {k: meta[k] for k in expected} == expected
    assert expected["dtype"] == "float32" and type(expected["torch_version"]) is str
    assert meta["seed"] == 3 and meta["name"] == "a"


def test_hooks_reach_estimators_only_through_the_mi_table() -> None:
    import ast
    from pathlib import Path

    import infoplane.hooks

    for path in Path(infoplane.hooks.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            bad = [n for n in names if n.startswith(("infoplane.estimators", "infoplane.experiments", "infoplane.groundtruth"))]
            assert not bad, f"{path.name} imports {bad}"
