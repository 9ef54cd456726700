"""The needs board's work on the worker."""

from __future__ import annotations

from django_tasks import task

from .services import digests_send


@task()
def digests_send_task() -> int:
    """Each producer's alert gets the open needs published since its last digest (weekly, from cron)."""
    return digests_send()
