"""From runs to MI tables, and from tables to claims."""

from infoplane.analysis.mi_table import COLUMNS, estimate, peak_and_drop

__all__ = ["COLUMNS", "estimate", "peak_and_drop"]
