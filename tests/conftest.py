"""Shared fixtures. Importing this module has no side effects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch thread for the test: small networks train fastest so, and fairly on a shared machine."""
    import torch  # here, not at the top: importing this module stays free of torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def shared_data() -> Path:
    """The project's shared data folder; tests that need it skip with a reason where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present (it lies beside the checkout, not in the package)")
    return SHARED_DATA
