"""Probes as people write them: several inputs, dicts, loaders, forward_fn; HF-style outputs; transformers."""

from __future__ import annotations

import types
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import infoplane
from infoplane import Tracker

# x (3 samples × 2) and a per-sample scale: the hand-set net computes tanh((x Wᵀ + b) · scale).
X = torch.tensor([[0.0, 0.0], [1.0, 2.0], [-1.0, 1.0]])
SCALE = torch.tensor([[1.0], [2.0], [0.5]])
Y = torch.tensor([0, 1, 0])
# x Wᵀ + b = [[0, .5], [1, -.5], [-1, -1.5]], times the scale:
HIDDEN = torch.tanh(torch.tensor([[0.0, 0.5], [2.0, -1.0], [-0.5, -0.75]]))
OUTPUT = HIDDEN @ torch.tensor([[2.0], [1.0]]) - 1.0


class TwoInputs(nn.Module):
    """2 → 2 (times a per-sample scale) → tanh → 1, weights written out."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.act = nn.Tanh()
        self.b = nn.Linear(2, 1)
        with torch.no_grad():
            self.a.weight.copy_(torch.tensor([[1.0, 0.0], [1.0, -1.0]]))
            self.a.bias.copy_(torch.tensor([0.0, 0.5]))
            self.b.weight.copy_(torch.tensor([[2.0, 1.0]]))
            self.b.bias.copy_(torch.tensor([-1.0]))

    def forward(self, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        return self.b(self.act(self.a(x) * scale))


def assert_hand_values(captured: dict[str, torch.Tensor], rows: list[int] | None = None) -> None:
    rows = rows if rows is not None else [0, 1, 2]
    assert list(captured) == ["act", "output"]
    assert torch.allclose(captured["act"], HIDDEN[rows], atol=1e-6)
    assert torch.allclose(captured["output"], OUTPUT[rows], atol=1e-6)


def test_a_tuple_probe_is_the_positional_inputs() -> None:
    tracker = Tracker(TwoInputs(), (X, SCALE), Y, batch_size=2)
    assert_hand_values(tracker.capture(0))


def test_a_dict_probe_is_the_keyword_inputs() -> None:
    tracker = Tracker(TwoInputs(), {"scale": SCALE, "x": X}, Y, batch_size=2)
    assert_hand_values(tracker.capture(0))


def test_a_loader_of_dict_batches_takes_its_labels_from_the_labels_key() -> None:
    samples = [{"x": X[i], "scale": SCALE[i], "labels": Y[i]} for i in range(3)]
    tracker = Tracker(TwoInputs(), DataLoader(samples, batch_size=2))
    assert torch.equal(tracker.labels, Y)
    assert_hand_values(tracker.capture(0))


def test_a_loader_of_tuple_batches_takes_its_labels_from_the_last_element() -> None:
    tracker = Tracker(TwoInputs(), DataLoader(TensorDataset(X, SCALE, Y + 1), batch_size=2))
    assert tracker.labels.tolist() == [1, 2, 1]
    assert_hand_values(tracker.capture(0))


def test_an_iterable_of_batches_with_labels_given_uses_every_element_as_an_input() -> None:
    batches = ((X[i : i + 2], SCALE[i : i + 2]) for i in (0, 2))  # a generator: read once, kept
    tracker = Tracker(TwoInputs(), batches, Y, batch_size=8)
    assert_hand_values(tracker.capture(0))
    assert_hand_values(tracker.capture(1))  # the second capture sees the same samples


def test_forward_fn_runs_anything_else() -> None:
    calls = []

    def forward_fn(model: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        calls.append(len(batch["inputs"]))
        return model(batch["inputs"], scale=batch["s"])

    tracker = Tracker(TwoInputs(), {"inputs": X, "s": SCALE}, Y, forward_fn=forward_fn, batch_size=2)
    assert_hand_values(tracker.capture(0))
    assert calls == [3]  # batches of 2 and a last one of 1 sample joined


def test_probe_size_subsets_every_form_the_same_way() -> None:
    chosen = torch.randperm(3, generator=torch.Generator().manual_seed(4))[:2].sort().values.tolist()
    samples = [{"x": X[i], "scale": SCALE[i], "labels": Y[i]} for i in range(3)]
    for probe, labels in [((X, SCALE), Y), ({"x": X, "scale": SCALE}, Y), (DataLoader(samples, batch_size=2), None)]:
        tracker = Tracker(TwoInputs(), probe, labels, probe_size=2, probe_seed=4)
        assert tracker.labels.tolist() == Y[chosen].tolist()
        assert_hand_values(tracker.capture(0), chosen)


def test_a_shuffling_loader_is_warned_about() -> None:
    with pytest.warns(UserWarning, match=r"shuffles.*shuffle=False"):
        Tracker(TwoInputs(), DataLoader(TensorDataset(X, SCALE, Y), batch_size=2, shuffle=True))


def test_inputs_are_stored_only_when_they_are_one_tensor(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    one = Tracker(net, DataLoader(TensorDataset(X, Y), batch_size=2))
    one.capture(0)
    assert torch.equal(one.to_run().inputs, X)
    several = Tracker(TwoInputs(), (X, SCALE), Y)
    several.capture(0)
    run = several.save(str(tmp_path / "two.pt"))
    assert run.inputs is None and several.inputs is None
    loaded = infoplane.load_run(tmp_path / "two.pt")
    assert loaded.inputs is None and loaded.metadata["probe_inputs"] == "2 positional inputs"
    assert torch.allclose(loaded.activations["act"][0], HIDDEN)


def test_online_estimates_with_several_inputs() -> None:
    tracker = Tracker(TwoInputs(), {"x": X, "scale": SCALE}, Y, estimators=["binning"], store="none")
    tracker.capture(0)
    table = tracker.estimates()
    assert table["layer"].tolist() == ["act", "output"]
    # three distinct hidden vectors, labels 0, 1, 0: H(T) = log2 3, I(T;Y) = H(Y) = 0.918 bits
    assert table["I_XT"].iloc[0] == pytest.approx(1.58496, abs=1e-4)
    assert table["I_TY"].iloc[0] == pytest.approx(0.91830, abs=1e-4)


@pytest.mark.parametrize(
    ("probe", "labels", "message"),
    [
        ((X, SCALE[:2]), Y, r"input 1 has 2 samples but input 0 has 3: every input tensor must hold the same samples"),
        ({"x": X, "scale": SCALE[:2]}, Y, r"input 'scale' has 2 samples but input 'x' has 3"),
        ((X, SCALE), Y[:2], "labels have 2 entries for 3 samples"),
        (iter([(X[:2], SCALE[:2], Y[:1])]), None, r"batch 0 of the probe loader: its labels have 1 entries for 2 samples"),
        (iter([{"x": X, "scale": SCALE}]), None, r"keys \['x', 'scale'\] and none of \['labels', 'label', 'y'\]"),
        (iter([X]), None, "bare tensor, so it holds no labels: pass labels="),
        (iter([]), None, "gave no batches"),
        ((), Y, "empty tuple"),
        (X, None, "labels are missing: pass the probe's class labels as labels="),
    ],
)
def test_bad_probes_name_the_problem(probe: object, labels: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tracker(TwoInputs(), probe, labels)


def test_a_map_style_dataset_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match=r"wrap it as DataLoader\(dataset"):
        Tracker(TwoInputs(), TensorDataset(X, SCALE, Y))


# ----------------------------------------------------------------------------------------------------
# Hugging Face-style outputs


class WithOutput(nn.Module):
    """TwoInputs whose forward returns its logits inside another structure."""

    def __init__(self, wrap: str) -> None:
        super().__init__()
        self.net = TwoInputs()
        self.wrap = wrap

    def forward(self, x: torch.Tensor, scale: torch.Tensor) -> object:
        logits = self.net(x, scale)
        if self.wrap == "object":
            return types.SimpleNamespace(logits=logits, hidden_states=None)
        if self.wrap == "dict":
            return {"loss": None, "logits": logits}
        return (logits, torch.zeros(len(x), 5))


@pytest.mark.parametrize("wrap", ["object", "dict", "tuple"])
def test_outputs_with_logits_record_the_logits(wrap: str) -> None:
    tracker = Tracker(WithOutput(wrap), (X, SCALE), Y)
    captured = tracker.capture(0)
    assert tracker.layers == ["net.act", "output"]
    assert torch.allclose(captured["output"], OUTPUT, atol=1e-6)


def test_a_dict_output_without_logits_names_its_keys() -> None:
    class Hidden(nn.Module):
        def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
            return {"hidden": x}

    with pytest.raises(TypeError, match=r"keys \['hidden'\] and no 'logits' tensor"):
        Tracker(Hidden(), X, Y, layers=["output"]).capture(0)


# ----------------------------------------------------------------------------------------------------
# Transformers: blocks, types, the few-layers warning


class TransformerClassifier(nn.Module):
    def __init__(self, batch_first: bool = True) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 8)
        block = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # batch_first=False: no nested tensors, PyTorch says so
            self.encoder = nn.TransformerEncoder(block, 2)
        self.pool_act = nn.Tanh()
        self.head = nn.Linear(8, 3)
        self.batch_first = batch_first

    def forward(self, tokens: torch.Tensor, src_key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.embed(tokens)
        h = h if self.batch_first else h.transpose(0, 1)
        h = self.encoder(h, src_key_padding_mask=src_key_padding_mask)
        h = h if self.batch_first else h.transpose(0, 1)
        return self.head(self.pool_act(h.mean(dim=1)))


def token_probe() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tokens = torch.randint(0, 10, (6, 5), generator=torch.Generator().manual_seed(0))
    padding = torch.zeros(6, 5, dtype=torch.bool)
    padding[:3, 3:] = True  # the first three sequences have 3 tokens, the others 5
    return tokens, padding, torch.tensor([0, 1, 2, 0, 1, 2])


def manual_blocks(model: TransformerClassifier, tokens: torch.Tensor, padding: torch.Tensor) -> list[torch.Tensor]:
    model.eval()
    outputs, h = [], model.embed(tokens)
    with torch.no_grad():
        for block in model.encoder.layers:
            h = block(h, src_key_padding_mask=padding)
            outputs.append(h)
    return outputs


def test_blocks_selects_the_encoder_layers() -> None:
    torch.manual_seed(0)
    tokens, padding, y = token_probe()
    tracker = Tracker(TransformerClassifier(), {"tokens": tokens, "src_key_padding_mask": padding}, y, layers="blocks")
    assert tracker.layers == ["encoder.layers.0", "encoder.layers.1", "output"]


def test_blocks_on_a_model_without_them_says_what_to_pass() -> None:
    with pytest.raises(ValueError, match=r"found no nn.TransformerEncoderLayer.*layers=\[YourBlock, 'output'\]"):
        Tracker(TwoInputs(), (X, SCALE), Y, layers="blocks")


def test_a_type_selects_every_module_of_that_type() -> None:
    tracker = Tracker(TwoInputs(), (X, SCALE), Y, layers=[nn.Linear, "output"])
    assert tracker.layers == ["a", "b", "output"]
    captured = tracker.capture(0)
    assert torch.allclose(captured["a"], torch.tensor([[0.0, 0.5], [1.0, -0.5], [-1.0, -1.5]]))
    with pytest.raises(ValueError, match=r"no module of type Conv2d in TwoInputs; its module types: \['Linear', 'Tanh'\]"):
        Tracker(TwoInputs(), (X, SCALE), Y, layers=[nn.Conv2d])


def test_auto_warns_when_it_finds_few_layers_and_lists_the_blocks() -> None:
    tokens, padding, y = token_probe()
    with pytest.warns(UserWarning, match=r"found only \['pool_act'\].*layers='blocks'.*\['encoder.layers.0', 'encoder.layers.1'\]"):
        tracker = Tracker(TransformerClassifier(), (tokens, padding), y)
    assert tracker.layers == ["pool_act", "output"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a small MLP whose activations are all modules: no warning
        Tracker(TwoInputs(), (X, SCALE), Y)


def test_blocks_mean_over_real_tokens_equal_a_manual_pass_through_the_nested_tensor_path() -> None:
    torch.manual_seed(0)
    model = TransformerClassifier()
    tokens, padding, y = token_probe()
    assert model.encoder.use_nested_tensor  # eval + no_grad + a mask: PyTorch would hand layers nested tensors
    tracker = Tracker(
        model, {"tokens": tokens, "src_key_padding_mask": padding}, y, layers="blocks", reduce="mean", mask="src_key_padding_mask"
    )
    captured = tracker.capture(0)
    keep = (~padding).unsqueeze(-1).float()
    for name, full in zip(["encoder.layers.0", "encoder.layers.1"], manual_blocks(model, tokens, padding)):
        assert torch.allclose(captured[name], (full * keep).sum(1) / keep.sum(1), atol=1e-5), name
    assert model.encoder.use_nested_tensor  # restored after the capture
    run = tracker.to_run()
    assert run.metadata["reduce"] == "mean" and run.metadata["reduce_mask"] == "src_key_padding_mask"
    assert run.metadata["reduced_layers"] == ["encoder.layers.0", "encoder.layers.1"]
    assert run.metadata["layer_widths"] == {"encoder.layers.0": 8, "encoder.layers.1": 8, "output": 3}


def test_sequence_first_blocks_are_transposed_to_batch_first() -> None:
    torch.manual_seed(0)
    first = TransformerClassifier(batch_first=True)
    second = TransformerClassifier(batch_first=False)
    second.load_state_dict(first.state_dict())
    tokens, padding, y = token_probe()
    a = Tracker(first, (tokens, padding), y, layers="blocks", reduce="last", mask=1).capture(0)
    b = Tracker(second, (tokens, padding), y, layers="blocks", reduce="last", mask=1).capture(0)
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-5), name


class Sequence(nn.Module):
    """Records its input sequence (batch, seq, features) as the layer 'seq'."""

    def __init__(self) -> None:
        super().__init__()
        self.seq = nn.Identity()

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.seq(x).sum(dim=(1, 2))


SEQ = torch.tensor(
    [
        [[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]],  # last token is padding
        [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]],
        [[-1.0, -1.0], [50.0, 50.0], [60.0, 60.0]],  # one real token
    ]
)
PADDING = torch.tensor([[False, False, True], [False, False, False], [False, True, True]])


@pytest.mark.parametrize(
    ("reduce", "mask", "expected"),
    [
        ("mean", PADDING, [[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]]),
        ("mean", (~PADDING).long(), [[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]]),  # HF attention_mask: 1 = token
        ("mean", torch.zeros(3, 3).masked_fill(PADDING, float("-inf")), [[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]]),
        ("mean", None, [[104 / 3, 106 / 3], [2.0, 3.0], [109 / 3, 109 / 3]]),
        ("last", PADDING, [[3.0, 4.0], [4.0, 5.0], [-1.0, -1.0]]),
        ("last", None, [[100.0, 100.0], [4.0, 5.0], [60.0, 60.0]]),
        ("cls", None, [[1.0, 2.0], [0.0, 1.0], [-1.0, -1.0]]),
    ],
)
def test_reduce_a_sequence_by_hand(reduce: str, mask: torch.Tensor | None, expected: list[list[float]]) -> None:
    tracker = Tracker(Sequence(), SEQ, Y, layers=["seq"], reduce=reduce, mask=mask, batch_size=2)  # type: ignore[arg-type]
    assert torch.allclose(tracker.capture(0)["seq"], torch.tensor(expected))


def test_the_mask_can_be_a_keyword_or_positional_input() -> None:
    expected = torch.tensor([[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]])
    by_name = Tracker(Sequence(), {"x": SEQ, "mask": PADDING}, Y, layers=["seq"], reduce="mean", mask="mask")
    by_index = Tracker(Sequence(), (SEQ, PADDING), Y, layers=["seq"], reduce="mean", mask=1, probe_size=3)
    assert torch.allclose(by_name.capture(0)["seq"], expected)
    assert torch.allclose(by_index.capture(0)["seq"], expected)


def test_mask_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"mask='pad' is not one of the keyword inputs \['x', 'mask'\]"):
        Tracker(Sequence(), {"x": SEQ, "mask": PADDING}, Y, layers=["seq"], reduce="mean", mask="pad")
    with pytest.raises(ValueError, match="mask= is used only by reduce='mean' or 'last'"):
        Tracker(Sequence(), SEQ, Y, layers=["seq"], mask=PADDING)
    with pytest.raises(ValueError, match="leaves 1 probe sample"):
        Tracker(Sequence(), SEQ, Y, layers=["seq"], reduce="mean", mask=torch.ones(3, 3, dtype=torch.bool).tril()).capture(0)
    with pytest.raises(ValueError, match="a float mask must be additive"):
        Tracker(Sequence(), SEQ, Y, layers=["seq"], reduce="mean", mask=torch.ones(3, 3)).capture(0)
    with pytest.raises(ValueError, match="reduce must be one of"):
        Tracker(Sequence(), SEQ, Y, layers=["seq"], reduce="max")  # type: ignore[arg-type]


def test_loader_batches_of_different_lengths_are_kept_as_batches() -> None:
    # two batches padded to their own length (3 and 2 tokens): they cannot be joined
    batches = [
        {"x": SEQ[:2], "mask": PADDING[:2], "labels": Y[:2]},
        {"x": SEQ[2:, :2], "mask": PADDING[2:, :2], "labels": Y[2:]},
    ]
    tracker = Tracker(Sequence(), iter(batches), layers=["seq"], reduce="mean", mask="mask")
    assert torch.allclose(tracker.capture(0)["seq"], torch.tensor([[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]]))
    assert tracker.inputs is None
    flat = Tracker(Sequence(), iter(batches), layers=["seq"])
    with pytest.raises(ValueError, match=r"layer 'seq' gave \[4, 6\] units on different probe batches.*reduce='mean'"):
        flat.capture(0)


def test_a_call_that_does_not_fit_the_model_says_how_the_tracker_called_it() -> None:
    loader = DataLoader(TensorDataset(X, Y), batch_size=3)  # (x, y) batches, yet labels given too
    tracker = Tracker(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), loader, Y)
    with pytest.raises(TypeError) as caught:
        tracker.capture(0)
    assert "drop labels= so they are split off" in "".join(getattr(caught.value, "__notes__", []))


def test_auto_without_activation_modules_in_a_transformer_points_to_blocks() -> None:
    model = TransformerClassifier()
    del model.pool_act
    model.pool_act = nn.Identity()
    tokens, padding, y = token_probe()
    with pytest.raises(ValueError, match=r"found no activation modules.*layers='blocks' \(\['encoder.layers.0'"):
        Tracker(model, (tokens, padding), y)


def test_a_mask_tensor_is_subset_with_the_probe() -> None:
    chosen = torch.randperm(3, generator=torch.Generator().manual_seed(1))[:2].sort().values
    tracker = Tracker(Sequence(), SEQ, Y, layers=["seq"], reduce="mean", mask=PADDING, probe_size=2, probe_seed=1)
    expected = torch.tensor([[2.0, 3.0], [2.0, 3.0], [-1.0, -1.0]])[chosen]
    assert torch.allclose(tracker.capture(0)["seq"], expected)
    assert tracker.to_run().metadata["reduce_mask"] == "tensor"
