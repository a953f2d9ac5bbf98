"""The Lightning callback with a real Trainer on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

pl = pytest.importorskip("lightning.pytorch", reason="the optional 'lightning' extra is not installed")

from infoplane import load_run  # noqa: E402
from infoplane.hooks.lightning import InfoPlaneCallback  # noqa: E402


class TinyModule(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss, on_epoch=True, on_step=False)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def test_callback_captures_each_logged_epoch_of_a_real_trainer(tmp_path: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(128, 4)
    y = (x[:, 0] > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32)
    module = TinyModule()
    callback = InfoPlaneCallback(x, y, epochs=[0, 2, 3], path=tmp_path / "run.pt")
    trainer = pl.Trainer(
        max_epochs=4, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )  # fmt: skip
    trainer.fit(module, loader)
    run = load_run(tmp_path / "run.pt")
    assert run.epochs == [0, 2, 3]
    assert run.layers == ["net.1", "output"]
    with torch.no_grad():
        expected = torch.tanh(module.net[0](x))  # the trained module, as captured after the last epoch
    assert torch.allclose(run.activations["net.1"][-1], expected, atol=1e-6)
    assert "train_loss" in run.metrics and all(v == v for v in run.metrics["train_loss"])
    assert run.metadata["trainer"] == "lightning" and callback.run is not None


def test_callback_takes_a_probe_loader_with_its_labels(tmp_path: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    module = TinyModule()
    callback = InfoPlaneCallback(loader, epochs=[1], layers=[nn.Tanh, "output"])  # labels: each batch's last element
    trainer = pl.Trainer(
        max_epochs=2, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )  # fmt: skip
    trainer.fit(module, loader)
    assert callback.run is not None and callback.run.epochs == [1]
    assert torch.equal(callback.run.labels, y) and torch.equal(callback.run.inputs, x)
    with torch.no_grad():
        expected = torch.tanh(module.net[0](x))
    assert torch.allclose(callback.run.activations["net.1"][-1], expected, atol=1e-6)
