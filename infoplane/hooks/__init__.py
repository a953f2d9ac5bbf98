"""Capture: the tracker, layer selection and the logging schedule."""

from infoplane.hooks.schedule import log_spaced_epochs
from infoplane.hooks.tracker import ACTIVATION_TYPES, LayerSelection, Tracker

__all__ = ["ACTIVATION_TYPES", "LayerSelection", "Tracker", "log_spaced_epochs"]
