"""The 12-bit network trained by a Lightning ``Trainer``, tracked by ``InfoPlaneCallback``.

Needs the optional extra: ``pip install 'infoplane[lightning]'``.
Run: ``python examples/lightning_szt12.py --epochs 300 -o lightning-run.pt``, then
``infoplane report lightning-run.pt -o lightning-report.html``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import lightning.pytorch as pl
import torch
import torch.nn.functional as F

from infoplane.experiments import datasets, models, seeded_split
from infoplane.hooks.lightning import InfoPlaneCallback
from infoplane.run import Run


class SZT12Module(pl.LightningModule):
    """The 12-10-7-5-4-3-2 network of Shwartz-Ziv & Tishby (2017) as a LightningModule."""

    def __init__(self, activation: str = "tanh", lr: float = 4e-4) -> None:
        super().__init__()
        self.net = models.mlp(models.SZT12_WIDTHS, activation)
        self.lr = lr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("loss", loss, on_epoch=True, on_step=False)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def main(epochs: int = 300, output: str | Path = "lightning-run.pt", activation: str = "tanh", seed: int = 0) -> Run:
    """Fit with a Trainer and the callback; the run (every activation layer and the output) is saved."""
    pl.seed_everything(seed, verbose=False)
    x, y = datasets.szt12()
    split = seeded_split(len(x), 0.8, seed)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x[split.train], y[split.train]), batch_size=256, shuffle=True
    )
    callback = InfoPlaneCallback(x, y, path=output, metadata={"dataset": "szt12", "activation": activation, "seed": seed})
    trainer = pl.Trainer(
        max_epochs=epochs, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(SZT12Module(activation), loader)
    assert callback.run is not None
    return callback.run


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    parser.add_argument("-o", "--output", default="lightning-run.pt")
    args = parser.parse_args()
    run = main(args.epochs, args.output, args.activation)
    print(f"wrote {args.output}: {len(run.epochs)} logged epochs, layers {run.layers}")
