"""A Transformer classifier with a padding mask (two inputs), tracked block by block.

The task is synthetic: sequences of 6 to 16 tokens, padded to 16, whose class is the "marker" token
(1, 2 or 3) that occurs most often among the real tokens (by one); the other tokens are noise. The model is an
``nn.TransformerEncoder`` called as ``model(tokens, src_key_padding_mask=padding)``.

Activations inside ``nn.TransformerEncoderLayer`` are functions (F.relu), invisible to hooks, so
``layers="auto"`` would record only the model's output. The tracker records each encoder block
instead (``layers="blocks"``); a block's output (batch, seq, d) is averaged over the REAL tokens of each
sequence (``reduce="mean"`` with the padding mask), so padding never enters the estimates. The run
keeps those activations and the report estimates them offline, with binning and KDE.

Run: ``python examples/transformer_mask.py --epochs 40 -o transformer-mask`` (then open
transformer-mask/report.html).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import infoplane
from infoplane.pipeline import build_report

VOCAB, MAX_LEN, N_CLASSES = 12, 16, 3
PAD = 0


def marker_sequences(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(tokens (n, 16), padding (n, 16) bool with True at padding, labels (n,)).

    Each sequence has a random length in [6, 16]; each marker token (1, 2, 3) occurs k times among its
    real tokens (k from 1 to 3) and its class marker (1 + label) once more; noise tokens (4…11) fill the
    rest. Telling the class means counting markers over the real tokens only.
    """
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, N_CLASSES, (n,), generator=generator)
    lengths = torch.randint(6, MAX_LEN + 1, (n,), generator=generator)
    tokens = torch.randint(1 + N_CLASSES, VOCAB, (n, MAX_LEN), generator=generator)
    padding = torch.arange(MAX_LEN).expand(n, MAX_LEN) >= lengths[:, None]
    for i in range(n):
        k = int(torch.randint(1, 1 + min(3, (int(lengths[i]) - 1) // N_CLASSES), (), generator=generator))
        markers = [1 + c for c in range(N_CLASSES) for _ in range(k)] + [1 + int(labels[i])]
        order = torch.randperm(int(lengths[i]), generator=generator)[: len(markers)]
        tokens[i, order] = torch.tensor(markers)
    tokens[padding] = PAD
    return tokens, padding, labels


class MarkerTransformer(nn.Module):
    """Embedding → 2 encoder blocks (d=16, 2 heads) → mean over real tokens → 3 logits."""

    def __init__(self, d_model: int = 16, n_blocks: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        block = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True)
        # no nested tensors (a prototype PyTorch warns about); the tracker records either way
        self.encoder = nn.TransformerEncoder(block, n_blocks, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, N_CLASSES)

    def forward(self, tokens: torch.Tensor, src_key_padding_mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.embed(tokens), src_key_padding_mask=src_key_padding_mask)
        keep = (~src_key_padding_mask).unsqueeze(-1).to(h.dtype)
        return self.head((h * keep).sum(dim=1) / keep.sum(dim=1))


def main(
    epochs: int = 40, output: str | Path = "transformer-mask", seed: int = 0, n_train: int = 1200, n_probe: int = 400
) -> tuple[infoplane.Run, Path, MarkerTransformer]:
    """Train, track the encoder blocks on a held-out probe set, save the run, write the report.

    Returns:
        (the run as saved, the report's path, the trained model).
    """
    torch.manual_seed(seed)
    tokens, padding, labels = marker_sequences(n_train + n_probe, seed)
    probe = slice(n_train, None)  # the first n_train sequences train the model, the rest probe it
    model = MarkerTransformer()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    tracker = infoplane.Tracker(
        model,
        {"tokens": tokens[probe], "src_key_padding_mask": padding[probe]},  # two inputs: model(**probe)
        labels[probe],
        layers="blocks",
        reduce="mean",
        mask="src_key_padding_mask",
        metadata={"dataset": "marker-sequences", "activation": "transformer", "seed": seed},
    )
    logged = set(infoplane.log_spaced_epochs(epochs, 20))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, 64):
            batch = order[start : start + 64]
            loss = F.cross_entropy(model(tokens[batch], padding[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch in logged:
            model.eval()
            with torch.no_grad():
                predicted = model(tokens[probe], padding[probe]).argmax(dim=1)
            accuracy = (predicted == labels[probe]).float().mean().item()
            tracker.capture(epoch, loss=loss.item(), test_accuracy=accuracy)
    folder = Path(output)
    tracker.save(str(folder / "transformer.pt"))
    report, _, runs = build_report(
        [folder / "transformer.pt"], folder / "report.html", ["binning", "kde"], progress=False
    )
    return runs[0], report, model


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="transformer-mask")
    args = parser.parse_args()
    run, report, _ = main(args.epochs, args.output, args.seed)
    print(
        f"{len(run.epochs)} captures of {run.layers} (mean over real tokens), probe accuracy "
        f"{run.metrics['test_accuracy'][-1]:.2f}; "
        f"report: {report}"
    )
