"""Ground truth: distributions with known MI (tasks) and the scorer behind ``infoplane bench``."""

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
    get_task,
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
    "get_task",
    "sparse_gaussian",
    "student_t",
    "student_t_mi_bits",
    "transformed",
]
