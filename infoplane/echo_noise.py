"""The echo-noise channel :class:`EchoNoise` (Brekelmans et al. 2019): a layer users put in their models, whose rate I(X;Z) is exact."""

from __future__ import annotations

import torch
from torch import nn

#: Largest scale kept by :class:`EchoNoise`: with s ≤ r the tail of the echo series after
#: ``max_terms = 100`` terms is below r^100/(1 − r) < 2^-23 (float32 precision) times max|f|;
#: solving r^100/(1 − r) = 2^-23 gives r = 0.837292…, so we keep 0.8372, just below.
ECHO_MAX_SCALE = 0.8372
#: Smallest scale kept, so that log s stays finite (a rate of at most −log2(1e-6) ≈ 19.9 bits per unit).
ECHO_MIN_SCALE = 1e-6
_FLOAT32_PRECISION = 2.0**-24


class EchoNoise(nn.Module):
    """The echo noise channel z = f(x) + s(x)·ε of Brekelmans et al. (2019), with an exact rate.

    The noise ε is built from the other samples of the batch,
    ε_i = Σ_{l≥0} (Π_{l'<l} s(x^{(l')})) f(x^{(l)}), where x^{(0)}, x^{(1)}, … are other samples in a
    shuffled order (never sample i itself). With diagonal S(x) = diag(s(x)) the noise then has the
    distribution of z itself, and the rate is exactly I(X;Z) = −E_x Σ_i log s_i(x) for any input
    distribution (their eq. 9), reported here in bits.

    The series is truncated once every running product falls below float32 precision or after
    ``max_terms`` terms. So that it converges within ``max_terms``, s is clipped to
    [``ECHO_MIN_SCALE``, ``ECHO_MAX_SCALE``] = [1e-6, 0.8372] (the authors scale a sigmoid by
    c = 0.8359 for the same reason); the rate uses the clipped s.

    Caveat (SCIENCE.md): the exact rate needs ε to have a density. With discrete f(X) and small s the
    series can be singular (binary f with constant s < 0.5 is Cantor-like); use continuous inputs.

    Args:
        max_terms: most terms of the series (100, as the authors' d_max).
        sample_in_eval: add the noise in eval mode too (the channel is part of the representation);
            if False, eval mode returns f(x).

    Shapes: ``f`` and ``s`` are (B, d) with B ≥ 2; the output is (B, d).
    """

    def __init__(self, max_terms: int = 100, sample_in_eval: bool = True) -> None:
        super().__init__()
        if max_terms < 1:
            raise ValueError(f"max_terms must be at least 1, got {max_terms}")
        self.max_terms = max_terms
        self.sample_in_eval = sample_in_eval
        self.last_rate_bits: float | None = None
        self._last_log2_scale: torch.Tensor | None = None

    @staticmethod
    def clip_scale(s: torch.Tensor) -> torch.Tensor:
        """s clipped to [ECHO_MIN_SCALE, ECHO_MAX_SCALE] (see the class docstring)."""
        return s.clamp(ECHO_MIN_SCALE, ECHO_MAX_SCALE)

    def noise(self, f: torch.Tensor, s: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The echo noise ε (B, d) for a batch, from the other samples of the batch."""
        if f.ndim != 2 or f.shape != s.shape:
            raise ValueError(f"EchoNoise needs f and s of the same shape (B, d), got {tuple(f.shape)} and {tuple(s.shape)}")
        batch = f.shape[0]
        if batch < 2:
            raise ValueError("EchoNoise needs at least 2 samples in a batch: the noise is built from the other samples")
        s = self.clip_scale(s)
        order = torch.randperm(batch, generator=generator, device="cpu").to(f.device)
        position = torch.empty_like(order)
        position[order] = torch.arange(batch, device=f.device)
        eps = torch.zeros_like(f)
        product = torch.ones_like(f)
        for lag in range(1, self.max_terms + 1):
            # The sample `lag` places after i in the shuffled cycle: never i itself when lag % B ≠ 0.
            shift = lag % batch or 1
            source = order[(position + shift) % batch]
            eps = eps + product * f[source]
            product = product * s[source]
            if float(product.detach().max()) < _FLOAT32_PRECISION:
                break
        return eps

    def forward(self, f: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """z = f + s·ε; records the batch's rate in ``last_rate_bits`` (bits, mean over the batch)."""
        clipped = self.clip_scale(s)
        log2_scale = torch.log2(clipped)
        self._last_log2_scale = log2_scale.detach()
        self.last_rate_bits = float(-log2_scale.detach().sum(dim=1).mean())
        if not self.training and not self.sample_in_eval:
            return f
        return f + clipped * self.noise(f, clipped)

    def rate_bits(self, s: torch.Tensor) -> torch.Tensor:
        """Per-sample rate −Σ_i log2 s_i(x) (B,), in bits, of scales ``s`` (B, d) after clipping.

        Use its mean as the rate term of an information-bottleneck loss.
        """
        return -torch.log2(self.clip_scale(s)).sum(dim=1)

    def infoplane_aux(self, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> dict[str, torch.Tensor]:
        """What the tracker records beside z: ``log2_scale`` (B, d), from which I(X;Z) is exact."""
        if self._last_log2_scale is None:
            raise RuntimeError("EchoNoise has not run a forward pass yet")
        return {"log2_scale": self._last_log2_scale}

    def extra_repr(self) -> str:
        return f"max_terms={self.max_terms}, sample_in_eval={self.sample_in_eval}, scale in [{ECHO_MIN_SCALE:g}, {ECHO_MAX_SCALE}]"


__all__ = ["ECHO_MAX_SCALE", "ECHO_MIN_SCALE", "EchoNoise"]
