"""A day's carpool matching on the worker (`manage.py worker`): requested when a parcel is asked for, a trip
offered or a ride declined, after the request's transaction is committed."""

from __future__ import annotations

import datetime

from django_tasks import task

from . import matchmaking


@task()
def day_match(day: str) -> None:
    matchmaking.day_match(day=datetime.date.fromisoformat(day))
