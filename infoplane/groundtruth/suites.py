"""The named task suites of ``infoplane bench`` (``default``, ``bmi``, ``all``) and task look-up by id.

Apart from :mod:`~infoplane.groundtruth.tasks` and :mod:`~infoplane.groundtruth.bmi`, which both define tasks,
so that neither imports the other.
"""

from __future__ import annotations

from infoplane.groundtruth.bmi import bmi_tasks
from infoplane.groundtruth.tasks import Task, default_tasks

#: The named task suites of ``infoplane bench --suite``.
SUITES = ("default", "bmi", "all")


def suite_tasks(suite: str = "default") -> list[Task]:
    """The tasks of a suite: ``"default"`` (the tasks above), ``"bmi"`` (the 40 tasks of the bmi benchmark,
    :mod:`infoplane.groundtruth.bmi`) or ``"all"`` (both)."""
    if suite not in SUITES:
        raise ValueError(f"unknown task suite {suite!r}; choose one of {list(SUITES)}")
    return {"default": default_tasks, "bmi": bmi_tasks, "all": lambda: default_tasks() + bmi_tasks()}[suite]()


def get_task(task_id: str) -> Task:
    """A task of any suite by id."""
    for task in suite_tasks("all"):
        if task.id == task_id:
            return task
    raise ValueError(f"no task {task_id!r}; see `infoplane bench --list`")
