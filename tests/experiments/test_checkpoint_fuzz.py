"""Fuzzing checkpoints: whatever is done to a valid checkpoint, resuming from it either restores the
state or raises one ``ValueError`` whose one-line message names the file; never another exception, never
code executed (``torch.load(weights_only=True)`` underneath)."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infoplane.experiments import models
from infoplane.experiments.training import Checkpoint

EXAMPLES = int(os.environ.get("INFOPLANE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="INFOPLANE_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
_HOME = Path(tempfile.mkdtemp(prefix="infoplane-ckpt-fuzz-"))
MARKER = _HOME / "pwned"


def _parts() -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.Generator]:
    torch.manual_seed(0)
    model = models.mlp([4, 3, 2], "tanh")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.zeros(1, 4)).sum().backward()
    optimizer.step()  # an optimizer with state, as a real checkpoint has
    return model, optimizer, torch.Generator().manual_seed(3)


def _base_checkpoint() -> tuple[Checkpoint, bytes]:
    checkpoint = Checkpoint(_HOME / "base.pt.ckpt", _HOME / "base.pt.partial", every_s=0.0)
    model, optimizer, generator = _parts()
    checkpoint.maybe_save(4, model, optimizer, generator, None, last=True)
    return checkpoint, checkpoint.path.read_bytes()


BASE, BASE_BYTES = _base_checkpoint()
BASE_STATE: dict[str, Any] = torch.load(BASE.path, weights_only=True)


class Exploit:
    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(MARKER), "w"))


def _restore(data: bytes) -> None:
    """Write ``data`` as a checkpoint and resume from it: success, or one clear ValueError."""
    path = _HOME / "fuzz.pt.ckpt"
    path.write_bytes(data)
    checkpoint = Checkpoint(path, _HOME / "fuzz.pt.partial")
    model, optimizer, generator = _parts()
    try:
        assert checkpoint.restore(model, optimizer, generator, None) >= 1
    except ValueError as exc:
        message = str(exc)
        assert str(path) in message and "\n" not in message, message
        assert "weights_only" not in message  # never torch's advice to load unsafely
    assert not MARKER.exists()


def _saved(state: Any) -> bytes:
    path = _HOME / "state.bin"
    torch.save(state, path)
    return path.read_bytes()


def test_the_base_checkpoint_restores() -> None:
    model, optimizer, generator = _parts()
    assert Checkpoint(BASE.path, BASE.run_path).restore(model, optimizer, generator, None) == 5


@FUZZ
@given(cut=st.integers(0, len(BASE_BYTES) - 1), flips=st.lists(st.tuples(st.integers(0, len(BASE_BYTES) - 1),
       st.integers(1, 255)), max_size=8))  # fmt: skip
def test_damaged_bytes(cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(BASE_BYTES)
    for at, mask in flips:
        data[at] ^= mask
    _restore(bytes(data[: cut or len(data)]))


_VALUES = st.one_of(
    st.none(), st.integers(-5, 5), st.booleans(), st.text(max_size=4), st.lists(st.integers(), max_size=3),
    st.just({}), st.just([]), st.just(torch.zeros(2)), st.just({"weight": torch.zeros(1)}),
)  # fmt: skip


@FUZZ
@given(field=st.sampled_from(["epoch", "model", "optimizer", "generator", "settings"]), value=_VALUES,
       drop=st.booleans())  # fmt: skip
def test_damaged_fields(field: str, value: Any, drop: bool) -> None:
    state = dict(BASE_STATE)
    if drop:
        del state[field]
    else:
        state[field] = value
    _restore(_saved(state))


@pytest.mark.parametrize("protocol", [2, 5])
def test_an_injected_object_is_refused_without_running(protocol: int) -> None:
    _restore(_saved({**BASE_STATE, "model": Exploit()}))
    _restore(pickle.dumps({**BASE_STATE, "model": Exploit()}, protocol=protocol))
    assert not MARKER.exists()


@pytest.mark.parametrize("state", [[1, 2], {"epoch": 1}, {**BASE_STATE, "model": {}}], ids=["list", "no-model", "empty-model"])
def test_the_issue_cases_name_the_file(state: Any) -> None:
    path = _HOME / "case.pt.ckpt"
    path.write_bytes(_saved(state))
    model, optimizer, generator = _parts()
    with pytest.raises(ValueError, match=str(path)):
        Checkpoint(path, _HOME / "case.pt.partial").restore(model, optimizer, generator, None)
