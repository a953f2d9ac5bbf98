"""Echo noise: the exact rate, the key distributional property, and the tracked estimator."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from infoplane import EchoNoise, Tracker, estimate
from infoplane.echo_noise import ECHO_MAX_SCALE
from infoplane.estimators import Echo, get
from infoplane.estimators.echo import echo_rate_bits


def test_rate_of_a_constant_scale_is_minus_d_log2_s() -> None:
    layer = EchoNoise()
    f = torch.randn(64, 5)
    layer(f, torch.full((64, 5), 0.5))
    assert layer.last_rate_bits == pytest.approx(5.0)  # −5·log2(1/2)
    layer(f, torch.full((64, 5), 0.25))
    assert layer.last_rate_bits == pytest.approx(10.0)
    assert echo_rate_bits(np.full((10, 3), -2.0)) == pytest.approx(6.0)


def test_scales_are_clipped_so_the_series_converges() -> None:
    layer = EchoNoise()
    layer(torch.randn(8, 2), torch.full((8, 2), 0.99))
    assert layer.last_rate_bits == pytest.approx(-2 * math.log2(ECHO_MAX_SCALE))
    # r^100 / (1 − r) < 2^-23 at the clip: the truncated tail is below float32 precision.
    assert ECHO_MAX_SCALE**100 / (1 - ECHO_MAX_SCALE) < 2.0**-23


def test_science_reference_rate_is_one_nat() -> None:
    # X ~ U(−1, 1), f(x) = x, s(x) = (1 + |x|)/4: I(X;Z) = −E ln s = 1 nat exactly (SCIENCE.md §4).
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(200_000, 1, generator=generator, dtype=torch.float64) * 2 - 1
    layer = EchoNoise()
    layer(x, (1 + x.abs()) / 4)
    assert layer.last_rate_bits == pytest.approx(1.0 / math.log(2), abs=0.005)


def test_echo_noise_has_the_distribution_of_z() -> None:
    # The key property (Brekelmans et al. 2019): ε =d z = f(x) + s(x)·ε'. Compare two independent
    # batches: the noise of one against the outputs of the other.
    generator = torch.Generator().manual_seed(1)
    layer = EchoNoise()

    def batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.rand(n, 1, generator=generator, dtype=torch.float64) * 2 - 1
        return x, (1 + x.abs()) / 4

    f1, s1 = batch(20_000)
    noise = layer.noise(f1, s1, generator=generator).reshape(-1).numpy()
    f2, s2 = batch(20_000)
    z = (f2 + s2 * layer.noise(f2, s2, generator=generator)).reshape(-1).numpy()
    assert noise.mean() == pytest.approx(z.mean(), abs=0.03)
    assert noise.var() == pytest.approx(z.var(), rel=0.05)
    assert stats.ks_2samp(noise, z).pvalue > 0.01
    # and it is not trivially so: the noise differs in distribution from f itself
    assert stats.ks_2samp(noise, f2.reshape(-1).numpy()).pvalue < 1e-6


def test_noise_never_uses_the_sample_itself() -> None:
    layer = EchoNoise(max_terms=1)
    f = torch.arange(6.0)[:, None]
    eps = layer.noise(f, torch.full((6, 1), 0.5))
    assert torch.all(eps[:, 0] != f[:, 0])  # one term: the value of another sample


def test_bad_shapes_and_batches() -> None:
    layer = EchoNoise()
    with pytest.raises(ValueError, match="at least 2 samples"):
        layer.noise(torch.ones(1, 2), torch.full((1, 2), 0.5))
    with pytest.raises(ValueError, match="same shape"):
        layer.noise(torch.ones(4, 2), torch.full((4, 3), 0.5))


class EchoNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Linear(3, 2)
        self.s = nn.Linear(3, 2)
        self.echo = EchoNoise()
        self.head = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.echo(torch.tanh(self.f(x)), torch.sigmoid(self.s(x))))


def test_tracker_records_scales_and_echo_reads_the_exact_rate(tmp_path: object) -> None:
    torch.manual_seed(0)
    net = EchoNet()
    x = torch.randn(500, 3)
    y = (x[:, 0] > 0).long()
    with Tracker(net, x, y) as tracker:
        assert tracker.layers == ["echo", "output"]  # auto finds EchoNoise layers
        tracker.capture(0)
        tracker.capture(1)
    run = tracker.to_run()
    assert set(run.aux) == {"echo"} and run.aux["echo"]["log2_scale"].shape == (2, 500, 2)
    with torch.no_grad():
        s = EchoNoise.clip_scale(torch.sigmoid(net.s(x)))
    expected = float(-torch.log2(s).sum(1).mean())
    table = estimate(run, [Echo()], progress=False)
    assert set(table["layer"]) == {"echo"}  # layers without scales are skipped
    assert table["I_XT"].tolist() == pytest.approx([expected, expected], rel=1e-6)
    assert (table["I_TY"] > 0.1).all()  # z carries the sign of x[:, 0] through tanh
    loaded = run.save(tmp_path / "echo.pt")  # type: ignore[operator]
    from infoplane import load_run

    assert torch.equal(load_run(loaded).aux["echo"]["log2_scale"], run.aux["echo"]["log2_scale"])


def test_echo_refuses_what_it_cannot_measure() -> None:
    est = get("echo")
    with pytest.raises(ValueError, match="only EchoNoise layers"):
        est.information_plane(None, np.ones((4, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="use binning, kde, ksg or mine"):
        est.mutual_information(np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="scales must lie in"):
        echo_rate_bits(np.ones((4, 2)))


def test_estimate_says_when_no_layer_has_scales() -> None:
    from infoplane import Run

    run = Run(epochs=[0], layers=["a"], activations={"a": torch.zeros(1, 4, 1)}, labels=torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="needs per-sample \\['log2_scale'\\] records"):
        estimate(run, ["echo"], progress=False)
