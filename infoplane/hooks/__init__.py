"""Capture: the tracker, layer selection, the probe set, the logging schedule and a run's capture metadata."""

from infoplane.hooks.metadata import run_metadata
from infoplane.hooks.probe import ProbeSet
from infoplane.hooks.schedule import log_spaced_epochs
from infoplane.hooks.tracker import ACTIVATION_TYPES, BLOCK_TYPES, LayerSelection, Tracker

__all__ = ["ACTIVATION_TYPES", "BLOCK_TYPES", "LayerSelection", "ProbeSet", "Tracker", "log_spaced_epochs", "run_metadata"]
