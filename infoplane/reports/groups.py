"""Which runs a report draws together: seeds of one setting, and the train / test probe sets of one model.

**The group key.** Runs share a group when they differ only in their seed (and probe set), and their
seeds differ (a repeated or unknown seed leaves each run on its own):

- runs whose metadata name a ``dataset`` or an ``activation`` (``infoplane train``, ``study``) group by
  :data:`GROUP_METADATA` — ``dataset``, ``activation``, ``widths``, ``optimizer`` and ``training``
  without its ``seed``;
- other runs (the user's own) group by their name with the seed stripped (``mlp-seed3`` → ``mlp``,
  ``mlp_s3`` is not a seed: only ``seed<digits>`` is recognised); a name without a seed is a group of
  its own.

**Probe sets.** A run whose metadata say ``probe="train"`` or ``probe="test"`` is drawn in the panel of
its group, beside the other probe set of the same model (test dashed). Produce them with two trackers on
one model, ``Tracker(model, x_train, y_train, metadata={"probe": "train", "name": "mlp-train"})`` and the
same with the test split and ``"probe": "test"``; a ``-train`` / ``-test`` suffix of the name is stripped
for the group key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infoplane.reports.summary import RunSummary

#: The metadata that identify a setting of ``infoplane train`` / ``study`` runs (``training`` without seed).
GROUP_METADATA = ("dataset", "activation", "widths", "optimizer", "training")
#: Probe-set names a run's metadata ``probe`` may take; others are shown as given, undashed.
PROBES = ("train", "test")

_SEED = re.compile(r"[-_.]?seed[-_=]?\d+", re.IGNORECASE)
_PROBE_SUFFIX = re.compile(r"[-_.](train|test)$", re.IGNORECASE)


@dataclass(frozen=True)
class Membership:
    """Where a run is drawn: its ``group`` (panel label), its ``probe`` set ("" when none) and the
    number of runs (seeds) of its group with that probe set."""

    group: str
    probe: str
    n_seeds: int


def probe_of(summary: RunSummary) -> str:
    """The run's probe set from its metadata ``probe`` ("" when it does not say)."""
    probe = summary.metadata.get("probe")
    return "" if probe is None else str(probe)


def _strip_seed(name: str) -> str:
    return _SEED.sub("", name).strip("-_.") or name


def group_key(summary: RunSummary) -> str:
    """The key runs of one setting share (see the module docstring), as a string."""
    meta = summary.metadata
    if any(k in meta for k in ("dataset", "activation")):
        key: dict[str, Any] = {}
        for k in GROUP_METADATA:
            if k in meta:
                value = meta[k]
                if isinstance(value, Mapping):
                    value = {kk: vv for kk, vv in value.items() if kk != "seed"}
                key[k] = value
        return "metadata:" + json.dumps(key, sort_keys=True, default=str)
    name = summary.name
    if probe_of(summary):
        name = _PROBE_SUFFIX.sub("", name) or name
    return "name:" + _strip_seed(name)


def _label(members: Sequence[RunSummary]) -> str:
    first = members[0]
    name = (_PROBE_SUFFIX.sub("", first.name) or first.name) if probe_of(first) else first.name
    seeds = max(sum(1 for m in members if probe_of(m) == probe_of(s)) for s in members)
    return _strip_seed(name) if seeds > 1 else name


def seed_of(summary: RunSummary) -> int | None:
    """The run's seed: its metadata ``seed``, else ``training.seed``, else ``seed<N>`` in its name."""
    if summary.seed is not None:
        return summary.seed
    training = summary.metadata.get("training")
    seed = training.get("seed") if isinstance(training, Mapping) else None
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    found = re.search(r"seed[-_=]?(\d+)", summary.name, re.IGNORECASE)
    return int(found.group(1)) if found else None


def run_groups(summaries: Sequence[RunSummary]) -> dict[str, Membership]:
    """Per run name, its :class:`Membership`: runs of one :func:`group_key` with distinct seeds
    (:func:`seed_of`) share a group label (the first run's name without its seed and probe suffix; ``#2``…
    appended where two keys would share a label). Runs of one key whose seeds repeat or are unknown (the
    same run twice, say) are not seeds of one setting: each is a group of its own."""
    by_key: dict[str, list[RunSummary]] = {}
    for s in summaries:
        by_key.setdefault(group_key(s), []).append(s)
    for key in list(by_key):
        members = by_key[key]
        per_probe: dict[str, list[int | None]] = {}
        for m in members:
            per_probe.setdefault(probe_of(m), []).append(seed_of(m))
        if any(len(seeds) > 1 and (None in seeds or len(set(seeds)) < len(seeds)) for seeds in per_probe.values()):
            # not seeds of one setting (a seed unknown or repeated: the same run twice): each on its own
            del by_key[key]
            for m in members:
                by_key[f"{key}/run:{m.name}"] = [m]
    labels: dict[str, str] = {}
    used: dict[str, int] = {}
    for key, members in by_key.items():
        label = _label(members)
        used[label] = used.get(label, 0) + 1
        labels[key] = label if used[label] == 1 else f"{label} #{used[label]}"
    out: dict[str, Membership] = {}
    for key, members in by_key.items():
        for s in members:
            same_probe = sum(1 for m in members if probe_of(m) == probe_of(s))
            out[s.name] = Membership(labels[key], probe_of(s), same_probe)
    return out


__all__ = ["GROUP_METADATA", "PROBES", "Membership", "group_key", "probe_of", "run_groups", "seed_of"]
