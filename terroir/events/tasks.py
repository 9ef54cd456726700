"""Events' e-mails on the worker (`manage.py worker`), queued by the services once their transaction is
committed: the request that signs a producer up or moves an event does not wait for the mail server, and
a mail server that fails does not undo it."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from . import notify
from .models import Event, Participation


@task()
def organiser_tell(participation_id: int, what: str) -> int:
    """`what`: "signup" or "withdraw"."""
    participation = Participation.objects.select_related("event__place__commune", "event__commune", "producer").filter(
        pk=participation_id
    ).first()  # fmt: skip
    return notify.organiser_told(participation=participation, what=what) if participation else 0


@task()
def participants_tell(event_id: int, what: str, before: dict[str, Any]) -> int:
    """`what`: "moved" (`before` holds the former starts_at, ends_at and where) or "cancelled"."""
    event = Event.objects.select_related("place__commune", "commune", "organiser").filter(pk=event_id).first()
    return notify.participants_told(event=event, what=what, before=before) if event else 0
