"""A model probed through a DataLoader of dict batches, as data pipelines deliver them.

The data set yields dicts ``{"pixels": image, "label": class}``; the model takes its input by keyword,
``model(pixels=...)``. The tracker is given the probe DataLoader itself: it reads it once (the loader
must not shuffle, or the tracker warns), keeps the batches, takes the labels from each batch's
``"label"`` entry and calls ``model(**batch)`` with the rest. Binning is estimated online, at each
capture, with a fixed range (the activations are tanh, in [-1, 1]), and the activations are kept, so
the report can estimate offline too.

Run: ``python examples/dataloader_probe.py --epochs 30 -o dataloader-probe`` (then open
dataloader-probe/report.html).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

import infoplane
from infoplane.experiments import datasets, seeded_split
from infoplane.pipeline import build_report


class DigitDicts(Dataset):
    """scikit-learn's digits as ``{"pixels": (64,) float, "label": int}`` samples."""

    def __init__(self, pixels: torch.Tensor, labels: torch.Tensor) -> None:
        self.pixels, self.labels = pixels, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"pixels": self.pixels[i], "label": self.labels[i]}


class KeywordMLP(nn.Module):
    """64 → 32 → 16 → 10, tanh, called as ``model(pixels=x)``."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.act1 = nn.Linear(64, 32), nn.Tanh()
        self.fc2, self.act2 = nn.Linear(32, 16), nn.Tanh()
        self.head = nn.Linear(16, 10)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.head(self.act2(self.fc2(self.act1(self.fc1(pixels)))))


def main(
    epochs: int = 30, output: str | Path = "dataloader-probe", seed: int = 0
) -> tuple[infoplane.Run, Path, infoplane.Tracker]:
    """Train on dict batches, track through the probe DataLoader, save the run and write the report.

    Returns:
        (the run as saved, the report's path, the tracker).
    """
    torch.manual_seed(seed)
    x, y = datasets.digits()
    split = seeded_split(len(x), 0.8, seed)
    train_loader = DataLoader(
        DigitDicts(x[split.train], y[split.train]),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    probe_loader = DataLoader(DigitDicts(x[split.test], y[split.test]), batch_size=128, shuffle=False)
    model = KeywordMLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    tracker = infoplane.Tracker(
        model,
        probe_loader,  # labels from each batch's "label"; model(**batch) with the rest
        estimators=[infoplane.estimators.get("binning", n_bins=30, range=(-1.0, 1.0))],
        metadata={"dataset": "digits", "activation": "tanh", "seed": seed},
    )
    logged = set(infoplane.log_spaced_epochs(epochs, 20))
    for epoch in range(epochs):
        model.train()
        for batch in train_loader:
            loss = F.cross_entropy(model(pixels=batch["pixels"]), batch["label"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch in logged:
            tracker.capture(epoch, loss=loss.item())
    folder = Path(output)
    tracker.save(str(folder / "dataloader.pt"))
    report, _, runs = build_report([folder / "dataloader.pt"], folder / "report.html", ["binning"], progress=False)
    return runs[0], report, tracker


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="dataloader-probe")
    args = parser.parse_args()
    run, report, tracker = main(args.epochs, args.output, args.seed)
    print(
        f"{len(run.epochs)} captures of {run.layers} on {len(run.labels)} probe samples "
        f"({run.metadata['probe_inputs']}); report: {report}"
    )
