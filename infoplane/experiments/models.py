"""Model builders for the built-in experiments."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

Activation = Literal[
    "tanh", "hardtanh", "relu", "sigmoid", "gelu", "elu", "leaky_relu", "softplus", "linear"
]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "softplus": nn.Softplus,
    # double-sided saturation without tanh's curvature (Saxe et al. 2018 compare saturating units)
    "hardtanh": nn.Hardtanh,
    # no non-linearity: a deep linear network, which Saxe et al. (2018) find does not compress
    "linear": nn.Identity,
}

#: The canonical 12-bit network of Shwartz-Ziv & Tishby (2017): 12-10-7-5-4-3-2.
SZT12_WIDTHS: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2)


def mlp(widths: Sequence[int], activation: Activation | str = "tanh") -> nn.Sequential:
    """A fully connected network ``widths[0] → … → widths[-1]`` with one activation after each hidden layer.

    The last layer is linear (logits; the softmax lives in the cross-entropy loss). Weights are drawn
    from a normal distribution truncated at two standard deviations, std ``1/sqrt(fan_in)``; biases
    are zero (docs/science.md §2). Draws use torch's global generator: seed it for reproducible weights.

    Args:
        widths: layer widths, input first, at least two entries.
        activation: one of ``ACTIVATIONS``.

    Returns:
        An ``nn.Sequential`` of ``Linear`` and activation modules, named ``"0"``, ``"1"``, ….
    """
    if len(widths) < 2 or any(int(w) < 1 for w in widths):
        raise ValueError(f"widths must list at least two positive layer sizes, got {list(widths)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(int(fan_in), int(fan_out))
        std = 1.0 / math.sqrt(fan_in)
        with torch.no_grad():
            nn.init.trunc_normal_(linear.weight, std=std, a=-2 * std, b=2 * std)
            linear.bias.zero_()
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)
