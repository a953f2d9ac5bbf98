"""A plain training loop: a small CNN on scikit-learn's digits (or MNIST), tracked online.

The tracker estimates binned MI and KDE at each logged epoch while the activations are still on the
model's device and keeps only the numbers (``store="none"``), so the run file stays small whatever the
layer sizes. The report flags the convolutional layers: they are far wider than log2 N, so their
estimates sit at the ceiling and say little.

Run: ``python examples/cnn_digits.py --epochs 30 -o cnn-digits`` (then open cnn-digits/report.html);
MNIST: ``python examples/cnn_digits.py --data mnist --data-dir ../shared/data/mnist --epochs 3 -o cnn-mnist``.
``--no-track`` trains the same way without the tracker, to measure what capturing costs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import infoplane
from infoplane.pipeline import build_report
from infoplane.experiments import datasets, seeded_split


class SmallCNN(nn.Module):
    """side×side image → conv 8 → ReLU → pool → conv 16 → ReLU → pool → 32 (ReLU) → 10 logits."""

    def __init__(self, side: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.act2 = nn.ReLU()
        self.fc = nn.Linear(16 * (side // 4) ** 2, 32)
        self.act3 = nn.ReLU()
        self.head = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(self.act1(self.conv1(x)), 2)
        h = F.max_pool2d(self.act2(self.conv2(h)), 2)
        return self.head(self.act3(self.fc(h.flatten(1))))


def main(
    epochs: int = 30,
    output: str | Path = "cnn-digits",
    seed: int = 0,
    data: str = "digits",
    data_dir: str | None = None,
    track: bool = True,
) -> tuple[infoplane.Run | None, Path | None, float]:
    """Train with a plain loop, track online, save the run and write the report.

    Returns:
        (run, report path, training seconds); run and report are None with ``track=False``.
    """
    torch.manual_seed(seed)
    x, y = datasets.load(data, data_dir)
    side = int(round(x.shape[1] ** 0.5))
    images = x.reshape(-1, 1, side, side)
    split = seeded_split(len(x), 0.8, seed)
    model = SmallCNN(side)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    logged = set(infoplane.log_spaced_epochs(epochs, 40))
    online = [infoplane.estimators.get("binning", n_bins=30), infoplane.estimators.get("kde", noise_variance=0.1)]
    generator = torch.Generator().manual_seed(seed)
    metadata = {"dataset": data, "activation": "relu-cnn", "seed": seed}
    # On MNIST a fixed subset of 2000 probe images keeps online estimation to seconds per capture.
    probe_size = min(2000, len(x)) if data == "mnist" else None
    tracker = (
        infoplane.Tracker(model, images, y, estimators=online, store="none", metadata=metadata, probe_size=probe_size)
        if track
        else None
    )
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = split.train[torch.randperm(len(split.train), generator=generator)]
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            loss = F.cross_entropy(model(images[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if tracker is not None and epoch in logged:
            model.eval()
            with torch.no_grad():
                accuracy = (model(images[split.test]).argmax(1) == y[split.test]).float().mean().item()
            tracker.capture(epoch, loss=loss.item(), test_accuracy=accuracy)
    seconds = time.perf_counter() - started
    if tracker is None:
        return None, None, seconds
    folder = Path(output)
    tracker.save(str(folder / "cnn.pt"))
    run = infoplane.load_run(folder / "cnn.pt")
    report, _, _ = build_report([folder / "cnn.pt"], folder / "report.html", ["binning", "kde"], progress=False)
    return run, report, seconds


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    parser.add_argument("--data-dir", default=None, help="folder of the MNIST IDX files")
    parser.add_argument("--no-track", action="store_true", help="train without the tracker (to time the overhead)")
    parser.add_argument("-o", "--output", default="cnn-digits")
    args = parser.parse_args()
    run, report, seconds = main(args.epochs, args.output, data=args.data, data_dir=args.data_dir, track=not args.no_track)
    if run is None:
        print(f"trained without tracking in {seconds:.1f} s")
    else:
        size = (Path(args.output) / "cnn.pt").stat().st_size
        print(
            f"trained in {seconds:.1f} s with {len(run.epochs)} captures, {len(run.estimates)} online estimates; "
            f"run file {size / 1e3:.0f} kB; report: {report}"
        )
