"""The agreements' recurring orders on the worker (`manage.py worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def agreements_extend_task() -> int:
    return services.agreements_extend()


def agreements_schedule() -> int:
    """The worker's periodic duty: queue the extension when an agreement's orders fall short of the
    horizon (one query when none does)."""
    if not services.agreements_due().exists():
        return 0
    agreements_extend_task.enqueue()
    return 1
