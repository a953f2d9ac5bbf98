"""From runs to MI tables, and from tables to claims."""

from infoplane.analysis.compression import bootstrap_mean_interval, compression, per_run_phases
from infoplane.analysis.diagnostics import saturation
from infoplane.analysis.mi_table import COLUMNS, estimate

__all__ = ["COLUMNS", "bootstrap_mean_interval", "compression", "estimate", "per_run_phases", "saturation"]
