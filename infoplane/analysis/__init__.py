"""From runs to MI tables, and from tables to claims."""

from infoplane.analysis.compression import bootstrap_mean_interval, compression, per_run_phases
from infoplane.analysis.diagnostics import near_stated_ceiling, saturation
from infoplane.analysis.mi_table import COLUMNS, MI_COLUMNS, estimate, estimate_row, estimates_frame

__all__ = [
    "COLUMNS", "MI_COLUMNS", "bootstrap_mean_interval", "compression", "estimate", "estimate_row", "estimates_frame",
    "near_stated_ceiling", "per_run_phases", "saturation",
]  # fmt: skip
