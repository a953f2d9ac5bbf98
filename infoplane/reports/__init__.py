"""Reports: Plotly figures (one function each) and the HTML page that assembles them."""

from infoplane.reports.figures import information_plane_figure, mi_vs_epoch_figure, training_figure
from infoplane.reports.page import label_entropy_bits, render_report, write_report

__all__ = [
    "information_plane_figure",
    "label_entropy_bits",
    "mi_vs_epoch_figure",
    "render_report",
    "training_figure",
    "write_report",
]
