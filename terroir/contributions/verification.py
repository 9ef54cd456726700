"""Verification: owners confirm their entries are still true, and are reminded when nobody did for
TERROIR_VERIFY_MONTHS months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.models import Membership
from terroir.accounts.permissions import can_edit
from terroir.directory.editing import Entry, User, entity_of, verification_cutoff
from terroir.directory.models import Actor, Place

from . import notify
from .models import Revision
from .revisions import by_of, locked


@transaction.atomic
def entry_verify(*, entry: Entry, by: User | None) -> Entry:
    """The owner (or a coordinator) confirms the entry is still true today."""
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    current = locked(entry)
    today = timezone.localdate()
    old = current.verified_at.isoformat() if current.verified_at else None
    current.verified_at = today
    current.updated_at = timezone.now()
    current.save(update_fields=["verified_at", "updated_at"])
    Revision.objects.create(
        entity=entity_of(current), entity_id=current.pk, by=by_of(by), origin=Revision.Origin.VERIFY,
        changes={"verified_at": [old, today.isoformat()]},
    )  # fmt: skip
    entry.verified_at, entry.updated_at = current.verified_at, current.updated_at
    return current


def verification_reminders_send(*, today: dt.date | None = None, dry_run: bool = False) -> int:
    """E-mail each person whose organisation or places were not confirmed for TERROIR_VERIFY_MONTHS,
    at most once every TERROIR_REMIND_EVERY_DAYS. Returns the number of people written to."""
    today = today or timezone.localdate()
    cutoff = verification_cutoff(today)
    quiet_since = timezone.now() - dt.timedelta(days=settings.TERROIR_REMIND_EVERY_DAYS)
    overdue = Q(verified_at__isnull=True) | Q(verified_at__lt=cutoff)
    memberships = (
        Membership.objects.filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=quiet_since))
        .select_related("user", "actor")
        .order_by("user_id")
    )
    by_user: dict[int, tuple[Any, list[Membership], list[tuple[str, str]]]] = {}
    for membership in memberships:
        actor = membership.actor
        due: list[tuple[str, str]] = []
        if Actor.objects.filter(overdue, pk=actor.pk).exists():
            due.append((actor.name, reverse("directory:entry_edit", args=["actor", actor.pk])))
        for place in Place.objects.filter(overdue, operator=actor, closed_at=None).order_by("name"):
            due.append((place.name, reverse("directory:entry_edit", args=["place", place.pk])))
        if not due or not membership.user.is_active:
            continue
        user, rows, entries = by_user.setdefault(membership.user_id, (membership.user, [], []))
        rows.append(membership)
        entries.extend((name, settings.TERROIR_SITE_URL + path) for name, path in due)
    if dry_run:
        return len(by_user)
    for user, rows, entries in by_user.values():
        notify.verification_reminder(to=[user.email], entries=entries, months=settings.TERROIR_VERIFY_MONTHS)
        Membership.objects.filter(pk__in=[m.pk for m in rows]).update(reminded_at=timezone.now())
    return len(by_user)
