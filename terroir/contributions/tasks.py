"""Contributions' work on the worker."""

from __future__ import annotations

from django_tasks import task

from .verification import verification_reminders_send


@task()
def verification_reminders_task(dry_run: bool = False) -> int:
    """Owners of entries nobody confirmed for too long are reminded (daily, from cron)."""
    return verification_reminders_send(dry_run=dry_run)
