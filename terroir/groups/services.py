"""Consumer groups with the database: every write passes here. Who may do what is asked of access.py,
which the pages use too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory.models import Actor, Place

from . import rules
from .access import is_organiser
from .models import Distribution, Group

# How far ahead a calendar is generated at most in one call: a season and some (a typo in a year must not
# write a thousand rows).
MAX_GENERATED_DAYS = 400


def _organiser_only(by: Any, group: Group) -> None:
    if not is_organiser(by, group):
        raise PermissionDenied(_("Only the group's organisers manage it."))


def _rule_checked(
    *, name: str, kind: str, frequency: str, weekday: int, week_of_month: int | None, starts_at: dt.time,
    ends_at: dt.time,
) -> None:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the group a name.")]
    if kind not in Group.Kind.values:
        errors["kind"] = [_("Unknown kind of group.")]
    if frequency not in Group.Frequency.values:
        errors["frequency"] = [_("Unknown distribution rule.")]
    if not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a day of the week.")]
    if frequency == rules.MONTHLY and week_of_month not in Group.WeekOfMonth.values:
        errors["week_of_month"] = [_("Say which week of the month (the first Thursday, the last Friday…).")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The distribution must end after it starts.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_create(
    *, by: Any, organiser: Actor, name: str, kind: str, place: Place | None, frequency: str, weekday: int,
    starts_on: dt.date, starts_at: dt.time, ends_at: dt.time, week_of_month: int | None = None,
    description: str = "",
) -> Group:  # fmt: skip
    """A group organised by `organiser` (the person acts for it, or is a coordinator)."""
    if not (is_coordinator(by) or organiser.pk in actor_ids_of(by)):
        raise PermissionDenied(_("You do not act for this organisation."))
    _rule_checked(name=name, kind=kind, frequency=frequency, weekday=weekday, week_of_month=week_of_month,
                  starts_at=starts_at, ends_at=ends_at)  # fmt: skip
    group = Group.objects.create(
        name=name.strip()[:200], kind=kind, organiser=organiser, place=place, description=description.strip(),
        frequency=frequency, weekday=weekday, week_of_month=week_of_month if frequency == rules.MONTHLY else None,
        starts_on=starts_on, starts_at=starts_at, ends_at=ends_at,
    )  # fmt: skip
    audit_record(by=by, action="group_create", target=f"groups.group:{group.pk}", summary=group.name)
    return group


@transaction.atomic
def group_update(
    *, group: Group, by: Any, name: str, kind: str, place: Place | None, frequency: str, weekday: int,
    starts_on: dt.date, starts_at: dt.time, ends_at: dt.time, week_of_month: int | None = None,
    description: str = "",
) -> Group:  # fmt: skip
    """Change the group; distributions already in the calendar stay as they are (generate again for the new
    rule's dates; cancel the ones the rule no longer holds)."""
    _organiser_only(by, group)
    _rule_checked(name=name, kind=kind, frequency=frequency, weekday=weekday, week_of_month=week_of_month,
                  starts_at=starts_at, ends_at=ends_at)  # fmt: skip
    group.name, group.kind, group.place, group.description = name.strip()[:200], kind, place, description.strip()
    group.frequency, group.weekday, group.starts_on = frequency, weekday, starts_on
    group.week_of_month = week_of_month if frequency == rules.MONTHLY else None
    group.starts_at, group.ends_at = starts_at, ends_at
    group.save()
    audit_record(by=by, action="group_update", target=f"groups.group:{group.pk}", summary=group.name)
    return group


@transaction.atomic
def distributions_generate(*, group: Group, start: dt.date, end: dt.date, by: Any) -> list[Distribution]:
    """The group's distributions from its rule between `start` and `end` (both included): the dates not in
    the calendar yet are added with the group's hours; those already there (moved, cancelled) are kept as
    they are. Returns the new ones. Running it twice adds nothing."""
    _organiser_only(by, group)
    if end < start:
        raise ValidationError({"end": [_("The end of the range comes before its start.")]})
    if (end - start).days > MAX_GENERATED_DAYS:
        raise ValidationError({"end": [_("Generate at most %(days)d days at a time.") % {"days": MAX_GENERATED_DAYS}]})
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one generation at a time per group
    known = set(Distribution.objects.filter(group=group, date__range=(start, end)).values_list("date", flat=True))
    created = Distribution.objects.bulk_create(
        Distribution(group=group, date=day, starts_at=group.starts_at, ends_at=group.ends_at)
        for day in rules.dates(group.rule, start, end)
        if day not in known
    )
    if created:
        span = f"{len(created)}: {created[0].date.isoformat()}…{created[-1].date.isoformat()}"
        audit_record(by=by, action="distributions_generate", target=f"groups.group:{group.pk}", summary=span)
    return created


@transaction.atomic
def distribution_cancel(*, distribution: Distribution, reason: str, by: Any) -> Distribution:
    _organiser_only(by, distribution.group)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the distribution is cancelled: the members will read it.")]})
    distribution.cancelled, distribution.cancel_reason = True, reason.strip()[:255]
    distribution.save(update_fields=["cancelled", "cancel_reason"])
    audit_record(by=by, action="distribution_cancel", target=f"groups.distribution:{distribution.pk}",
                 summary=distribution.cancel_reason)  # fmt: skip
    return distribution
