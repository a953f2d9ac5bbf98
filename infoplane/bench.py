"""``infoplane.bench.run``: score estimators against ground truth (the library behind ``infoplane bench``)."""

from infoplane.groundtruth.runner import RESULT_COLUMNS, EstimatorSpec, run, select_tasks, summary

__all__ = ["RESULT_COLUMNS", "EstimatorSpec", "run", "select_tasks", "summary"]
