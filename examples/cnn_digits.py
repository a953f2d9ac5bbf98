"""A plain training loop: a small CNN on scikit-learn's digits, tracked online.

The tracker estimates binned MI and KDE at each logged epoch while the activations are still on the
model's device and keeps only the numbers (``store="none"``), so the run file stays small whatever the
layer sizes. The report flags the convolutional layers: they are far wider than log2 N, so their
estimates sit at the ceiling and say little.

Run: ``python examples/cnn_digits.py --epochs 30 -o cnn-digits`` (then open cnn-digits/report.html).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import infoplane
from infoplane.cli import make_report
from infoplane.experiments import datasets, seeded_split


class SmallCNN(nn.Module):
    """8×8 digit → conv 8 → ReLU → pool → conv 16 → ReLU → pool → 32 (ReLU) → 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.act2 = nn.ReLU()
        self.fc = nn.Linear(16 * 2 * 2, 32)
        self.act3 = nn.ReLU()
        self.head = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(self.act1(self.conv1(x)), 2)
        h = F.max_pool2d(self.act2(self.conv2(h)), 2)
        return self.head(self.act3(self.fc(h.flatten(1))))


def main(epochs: int = 30, output: str | Path = "cnn-digits", seed: int = 0) -> tuple[infoplane.Run, Path]:
    """Train with a plain loop, track online, save the run and write the report; returns (run, report)."""
    torch.manual_seed(seed)
    x, y = datasets.digits()
    images = x.reshape(-1, 1, 8, 8)
    split = seeded_split(len(x), 0.8, seed)
    model = SmallCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    logged = set(infoplane.log_spaced_epochs(epochs, 40))
    online = [infoplane.estimators.get("binning", n_bins=30), infoplane.estimators.get("kde", noise_variance=0.1)]
    generator = torch.Generator().manual_seed(seed)
    metadata = {"dataset": "digits", "activation": "relu-cnn", "seed": seed}
    with infoplane.Tracker(model, images, y, estimators=online, store="none", metadata=metadata) as tracker:
        for epoch in range(epochs):
            model.train()
            order = split.train[torch.randperm(len(split.train), generator=generator)]
            for start in range(0, len(order), 64):
                batch = order[start : start + 64]
                loss = F.cross_entropy(model(images[batch]), y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            if epoch in logged:
                model.eval()
                with torch.no_grad():
                    accuracy = (model(images[split.test]).argmax(1) == y[split.test]).float().mean().item()
                tracker.capture(epoch, loss=loss.item(), test_accuracy=accuracy)
        folder = Path(output)
        tracker.save(str(folder / "cnn.pt"))
    run = infoplane.load_run(folder / "cnn.pt")
    report, _ = make_report([folder / "cnn.pt"], folder / "report.html", ["binning", "kde"], progress=False)
    return run, report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("-o", "--output", default="cnn-digits")
    args = parser.parse_args()
    run, report = main(args.epochs, args.output)
    size = (Path(args.output) / "cnn.pt").stat().st_size
    print(f"{len(run.epochs)} captures, {len(run.estimates)} online estimates, run file {size / 1e3:.0f} kB; report: {report}")
