"""Capture: the tracker, layer selection, the logging schedule and a run's capture metadata."""

from infoplane.hooks.metadata import run_metadata
from infoplane.hooks.schedule import log_spaced_epochs
from infoplane.hooks.tracker import ACTIVATION_TYPES, LayerSelection, Tracker

__all__ = ["ACTIVATION_TYPES", "LayerSelection", "Tracker", "log_spaced_epochs", "run_metadata"]
