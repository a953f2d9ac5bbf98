"""Reports: every figure (one function each, in :mod:`~infoplane.reports.figures`) and the pages that
assemble them. Reports read MI tables and :class:`RunSummary` objects only, never run files or
estimators; loading runs and estimating is :mod:`infoplane.pipeline`'s job."""

from infoplane.reports.figures import (
    bands_figure,
    information_plane_figure,
    mi_vs_epoch_figure,
    relative_error_heatmap,
    sensitivity_figure,
    training_figure,
    truth_scatter_figure,
)
from infoplane.reports.groups import group_key, run_groups
from infoplane.reports.page import render_report, write_pngs, write_report
from infoplane.reports.summary import RunSummary, epochs_trained, summarise

__all__ = [
    "RunSummary",
    "bands_figure",
    "epochs_trained",
    "group_key",
    "information_plane_figure",
    "mi_vs_epoch_figure",
    "relative_error_heatmap",
    "render_report",
    "run_groups",
    "sensitivity_figure",
    "summarise",
    "training_figure",
    "truth_scatter_figure",
    "write_pngs",
    "write_report",
]
