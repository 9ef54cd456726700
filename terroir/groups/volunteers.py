"""The volunteers' rota of a group's distributions: the only writers of its tasks and of the members'
sign-ups, the selector of the distributions still short of volunteers, and a volunteer's shifts as
iCalendar.

A task's places are counted under a lock on the task's row (`select_for_update`; SQLite's immediate
transactions serialise writers the same way), so two members taking the last place at once leave one
signed up and the other told the task is full."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .access import is_organiser
from .models import Distribution, Group, GroupMember, VolunteerShift, VolunteerTask
from .services import current_day

CALENDAR_SALT = "terroir.groups.volunteer-calendar"


def hours_of(task: VolunteerTask) -> tuple[dt.time, dt.time]:
    """The task's hours, the distribution's when the task has none of its own."""
    return (task.starts_at or task.distribution.starts_at, task.ends_at or task.distribution.ends_at)


def _organiser_only(by: Any, distribution: Distribution) -> None:
    if not is_organiser(by, distribution.group):
        raise PermissionDenied(_("Only the group's organisers set the volunteers' tasks."))


def _not_past(distribution: Distribution, today: dt.date | None) -> None:
    if distribution.cancelled:
        raise ValidationError(_("This distribution is cancelled."))
    if distribution.date < (today or current_day()):
        raise ValidationError(_("This distribution is past."))


@transaction.atomic
def volunteer_task_save(
    *, distribution: Distribution, name: str, needed: int, by: Any, starts_at: dt.time | None = None,
    ends_at: dt.time | None = None, task: VolunteerTask | None = None,
) -> VolunteerTask:  # fmt: skip
    """Add a task to a distribution, or change one; fewer places than volunteers signed up is refused."""
    _organiser_only(by, distribution)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Name the task.")]
    if not 1 <= needed <= 50:
        errors["needed"] = [_("Between 1 and 50 volunteers.")]
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = [_("The task must end after it starts.")]
    if task is not None:
        task = VolunteerTask.objects.select_for_update().get(pk=task.pk, distribution=distribution)
        signed = task.shifts.count()
        if needed < signed:
            errors["needed"] = [_("%(n)s volunteers have already signed up.") % {"n": signed}]
    if errors:
        raise ValidationError(errors)
    task = task or VolunteerTask(distribution=distribution)
    task.name, task.needed, task.starts_at, task.ends_at = name.strip(), needed, starts_at, ends_at
    task.save()
    return task


def usual_tasks() -> list[tuple[str, int]]:
    """What a distribution usually needs, in the organiser's language, for a group that has set none."""
    return [(_("Setting up"), 1), (_("Handing out"), 2), (_("Tidying up"), 1)]


@transaction.atomic
def volunteer_tasks_usual(*, distribution: Distribution, by: Any) -> list[VolunteerTask]:
    _organiser_only(by, distribution)
    if distribution.volunteer_tasks.exists():
        raise ValidationError(_("This distribution already has its tasks."))
    return [VolunteerTask.objects.create(distribution=distribution, name=name, needed=needed)
            for name, needed in usual_tasks()]  # fmt: skip


@transaction.atomic
def volunteer_task_delete(*, task: VolunteerTask, by: Any) -> None:
    _organiser_only(by, task.distribution)
    if task.shifts.exists():
        raise ValidationError(_("Volunteers have signed up for this task: they withdraw first."))
    task.delete()


@transaction.atomic
def volunteer_sign_up(
    *, task: VolunteerTask, member: GroupMember, by: Any, today: dt.date | None = None
) -> VolunteerShift:
    """The member takes a place in the task (their own, or an organiser signs them up)."""
    task = VolunteerTask.objects.select_for_update().select_related("distribution__group").get(pk=task.pk)
    distribution = task.distribution
    if member.group_id != distribution.group_id:
        raise PermissionDenied(_("Only the group's members volunteer."))
    if member.user_id != getattr(by, "pk", None) and not is_organiser(by, distribution.group):
        raise PermissionDenied(_("Members sign themselves up."))
    _not_past(distribution, today)
    if task.shifts.filter(member=member).exists():
        raise ValidationError(_("You have already signed up for this task."))
    if task.shifts.count() >= task.needed:
        raise ValidationError(_("This task has all its volunteers."))
    return VolunteerShift.objects.create(task=task, member=member)


@transaction.atomic
def volunteer_withdraw(*, shift: VolunteerShift, by: Any, today: dt.date | None = None) -> None:
    distribution = shift.task.distribution
    if shift.member.user_id != getattr(by, "pk", None) and not is_organiser(by, distribution.group):
        raise PermissionDenied(_("Members withdraw their own sign-ups."))
    _not_past(distribution, today)
    shift.delete()


# --- Selectors ------------------------------------------------------------------------------------------


@dataclass
class Staffing:
    distribution: Distribution
    needed: int
    signed: int
    short: list[tuple[VolunteerTask, int]]  # the tasks still short, and of how many

    @property
    def missing(self) -> int:
        return sum(n for _task, n in self.short)


def staffing_of(distributions: Iterable[Distribution]) -> list[Staffing]:
    """Each distribution's places and sign-ups (a distribution without tasks needs none)."""
    chosen = list(distributions)
    tasks = (VolunteerTask.objects.filter(distribution__in=chosen).annotate(signed=Count("shifts"))
             .order_by("distribution_id", "starts_at", "pk"))  # fmt: skip
    by_distribution: dict[int, list[Any]] = {}
    for task in tasks:
        by_distribution.setdefault(task.distribution_id, []).append(task)
    rows = []
    for distribution in chosen:
        mine = by_distribution.get(distribution.pk, [])
        rows.append(Staffing(
            distribution=distribution, needed=sum(t.needed for t in mine), signed=sum(t.signed for t in mine),
            short=[(t, t.needed - t.signed) for t in mine if t.signed < t.needed],
        ))  # fmt: skip
    return rows


def coming_distributions(group: Group, *, today: dt.date | None = None, limit: int = 12) -> list[Distribution]:
    return list(group.distributions.filter(date__gte=today or current_day(), cancelled=False)
                .select_related("group").order_by("date")[:limit])  # fmt: skip


# --- A volunteer's calendar -----------------------------------------------------------------------------


def calendar_token(user: Any) -> str:
    """The secret part of a person's calendar address: a calendar application subscribes without signing
    in, so the address itself says whose shifts to give (signed, it cannot be guessed from another's)."""
    return signing.Signer(salt=CALENDAR_SALT).sign(str(user.pk))


def calendar_user_id(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=CALENDAR_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def shifts_ical(user_id: int) -> bytes:
    """A person's shifts in every group, from a month back, in the site's zone (Europe/Paris with its
    VTIMEZONE); the UID is the shift's, so a subscribed calendar updates rather than duplicates."""
    zone = timezone.get_default_timezone()
    calendar = Calendar()
    calendar.add("prodid", "-//Terroir//volunteers//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("My volunteer shifts"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.TERROIR_SITE_URL.split("//")[-1].split("/")[0]
    since = current_day() - dt.timedelta(days=31)
    shifts = (VolunteerShift.objects.filter(member__user_id=user_id, task__distribution__date__gte=since,
                                            task__distribution__cancelled=False)
              .select_related("task__distribution__group__place", "task__distribution__place")
              .order_by("task__distribution__date"))  # fmt: skip
    stamp = timezone.now()
    for shift in shifts:
        task, distribution = shift.task, shift.task.distribution
        starts, ends = hours_of(task)
        item = CalendarEvent()
        item.add("uid", f"terroir-volunteer-{shift.pk}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", dt.datetime.combine(distribution.date, starts, tzinfo=zone))
        item.add("dtend", dt.datetime.combine(distribution.date, ends, tzinfo=zone))
        item.add("summary", _("%(group)s — %(task)s") % {"group": distribution.group.name, "task": task.name})
        where = distribution.where
        if where is not None:
            item.add("location", where.address or where.name)
        item.add("url", settings.TERROIR_SITE_URL + reverse("groups:volunteers", args=[distribution.pk]))
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
