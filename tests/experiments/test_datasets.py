"""Built-in data: the 12-bit set against the original file, and digits."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from infoplane.experiments import datasets, models
from infoplane.experiments.datasets import POSITIVE_COUNTS, szt12, szt12_counts, szt12_patterns


def test_szt12_matches_the_original_file_bit_for_bit(shared_data: Path) -> None:
    from scipy.io import loadmat

    original = loadmat(shared_data / "var_u.mat")
    x, y = szt12()
    assert x.dtype == torch.float32 and x.shape == (4096, 12)
    assert y.dtype == torch.int64 and y.shape == (4096,)
    assert np.array_equal(x.numpy().astype(np.uint8), original["F"])
    assert np.array_equal(y.numpy(), original["y"].reshape(-1).astype(np.int64))


def test_the_encoded_rule_is_the_shared_table(shared_data: Path) -> None:
    with open(shared_data / "szt12_rule.csv", newline="") as handle:
        rows = [tuple(int(v) for v in row.values()) for row in csv.DictReader(handle)]
    assert len(rows) == 64
    assert {r[:3] for r in rows if r[3] == 1} == POSITIVE_COUNTS
    occurring = {tuple(c) for c in szt12_counts(szt12_patterns()).tolist()}
    assert occurring == {r[:3] for r in rows}  # the table covers every triple that occurs


def test_szt12_known_facts() -> None:
    x, y = szt12()
    assert x[1].tolist() == [0.0] * 11 + [1.0]  # row i is the big-endian binary of i
    assert x[4095].tolist() == [1.0] * 12
    assert int(y.sum()) == 2118
    p = 2118 / 4096
    assert -(p * np.log2(p) + (1 - p) * np.log2(1 - p)) == pytest.approx(0.9992, abs=1e-4)
    # The label is invariant under a symmetry of the icosahedron: the antipodal map swaps each pair.
    patterns = szt12_patterns()
    swap = list(range(12))
    for a, b in datasets.ANTIPODAL_PAIRS:
        swap[a], swap[b] = b, a
    weights = 1 << np.arange(11, -1, -1)
    mapped = patterns[:, swap] @ weights
    assert torch.equal(y[torch.from_numpy(mapped)], y)


def test_digits_are_real_images_scaled_to_unit_range() -> None:
    x, y = datasets.digits()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        datasets.load("cifar")


def test_mlp_shape_and_init() -> None:
    torch.manual_seed(0)
    net = models.mlp(models.SZT12_WIDTHS, "tanh")
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(12, 10), (10, 7), (7, 5), (5, 4), (4, 3), (3, 2)]
    assert sum(isinstance(m, torch.nn.Tanh) for m in net) == 5
    for m in linears:
        std = 1 / np.sqrt(m.in_features)
        assert torch.all(m.bias == 0)
        assert float(m.weight.detach().abs().max()) <= 2 * std + 1e-7  # truncated at two standard deviations
    big = models.mlp([400, 300], "relu")[0].weight.detach()
    assert float(big.std()) == pytest.approx(0.05 * 0.8796, rel=0.02)  # std of a normal truncated at ±2σ
    with pytest.raises(ValueError, match="unknown activation"):
        models.mlp([2, 2], "swishy")
