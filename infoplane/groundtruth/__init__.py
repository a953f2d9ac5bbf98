"""Ground truth: distributions with known MI (tasks) and the scorer behind ``infoplane bench``."""

from infoplane.groundtruth.suites import SUITES, get_task, suite_tasks
from infoplane.groundtruth.tasks import (
    TRANSFORMS,
    Task,
    bivariate_gaussian,
    default_tasks,
    dense_gaussian,
    discrete_layer,
    echo_channel,
    gaussian,
    gaussian_mi_bits,
    sparse_gaussian,
    student_t,
    student_t_mi_bits,
    transformed,
)

__all__ = [
    "TRANSFORMS",
    "Task",
    "bivariate_gaussian",
    "default_tasks",
    "dense_gaussian",
    "discrete_layer",
    "echo_channel",
    "gaussian",
    "gaussian_mi_bits",
    "SUITES",
    "get_task",
    "suite_tasks",
    "sparse_gaussian",
    "student_t",
    "student_t_mi_bits",
    "transformed",
]
