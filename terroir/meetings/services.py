"""Meeting days ("speed dating") with the database: participants, their wishes, the schedule stored.

The scheduling itself is terroir.meetings.scheduling (pure); this module feeds it the event's wishes, stores
the meetings in one transaction (all or nothing) and gives each participant their personal schedule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.accounts import notify
from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory.models import Actor

from . import scheduling
from .models import Event, Meeting, MeetingWish, Participant


def reason_text(code: str) -> str:
    return {
        scheduling.PRODUCER_FULL: _("the producer’s rounds are all taken"),
        scheduling.BUYER_FULL: _("the buyer’s rounds are all taken"),
        scheduling.EVENT_FULL: _("every table of every round is taken"),
    }[code]


def _coordinator(by: Any) -> None:
    if not is_coordinator(by):
        raise PermissionDenied(_("Only a coordinator organises meeting days."))


@transaction.atomic
def event_create(
    *, by: Any, title: str, date: dt.date, start_time: dt.time, slot_minutes: int, slots: int, tables: int,
    location: str = "",
) -> Event:  # fmt: skip
    _coordinator(by)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("This field is required.")]
    for name, value, top in (("slots", slots, 200), ("tables", tables, 500), ("slot_minutes", slot_minutes, 240)):
        if not 1 <= value <= top:
            errors[name] = [_("Between 1 and %(top)s.") % {"top": top}]
    if errors:
        raise ValidationError(errors)
    event = Event.objects.create(
        title=title.strip()[:200], date=date, start_time=start_time, slot_minutes=slot_minutes, slots=slots,
        tables=tables, location=location.strip()[:255], created_by=by,
    )  # fmt: skip
    audit_record(by=by, action="event_create", target=f"event:{event.pk}", summary=event.title)
    return event


@transaction.atomic
def participant_add(*, event: Event, actor: Actor, by: Any) -> Participant:
    _coordinator(by)
    if actor.is_producer:
        side = Participant.Side.PRODUCER
    elif actor.is_buyer:
        side = Participant.Side.BUYER
    else:
        raise ValidationError({"actor": [_("Only producers and buyers take part in meetings.")]})
    participant, _created = Participant.objects.get_or_create(event=event, actor=actor, defaults={"side": side})
    return participant


INVITE_SALT = "terroir.event-invitation"
INVITE_MAX_AGE = dt.timedelta(days=90)


@transaction.atomic
def participant_invite(*, event: Event, email: str, side: str, by: Any, link: Callable[[str], str]) -> Participant:
    """Invite somebody who is not in the directory yet: they join with their organisation from the link."""
    _coordinator(by)
    if side not in Participant.Side.values:
        raise ValidationError({"side": [_("Unknown value.")]})
    email = email.strip().lower()
    participant, _created = Participant.objects.get_or_create(
        event=event, invited_email=email, actor=None, defaults={"side": side}
    )
    url = link(signing.TimestampSigner(salt=INVITE_SALT).sign(str(participant.pk)))
    transaction.on_commit(lambda: notify.event_invitation(event=event, to=email, url=url))
    return participant


@transaction.atomic
def participant_join(*, token: str, actor: Actor, by: Any) -> Participant:
    """The invited person takes their place in the event with the organisation they act for."""
    try:
        pk = signing.TimestampSigner(salt=INVITE_SALT).unsign(token, max_age=INVITE_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    participant = Participant.objects.select_for_update(of=("self",)).filter(pk=int(pk)).first()
    if participant is None or participant.actor_id is not None:
        raise ValidationError(_("This invitation was already used."))
    if actor.pk not in actor_ids_of(by):
        raise PermissionDenied(_("You do not act for this organisation."))
    wanted = actor.is_producer if participant.side == Participant.Side.PRODUCER else actor.is_buyer
    if not wanted:
        raise ValidationError(_("This invitation is for a %(side)s.") % {"side": participant.get_side_display()})
    if Participant.objects.filter(event=participant.event, actor=actor).exists():
        raise ValidationError(_("Your organisation already takes part."))
    participant.actor = actor
    participant.save(update_fields=["actor"])
    return participant


def can_mark(user: Any, participant: Participant) -> bool:
    return is_coordinator(user) or participant.actor_id in actor_ids_of(user)


@transaction.atomic
def wishes_set(*, participant: Participant, others: list[Participant], by: Any) -> int:
    """Whom this participant wants to meet (replaces their previous marks)."""
    if not can_mark(by, participant):
        raise PermissionDenied(_("You do not act for this participant."))
    wrong = [o for o in others if o.event_id != participant.event_id or o.side == participant.side]
    if wrong:
        raise ValidationError({"others": [_("Choose participants of the other side of this event.")]})
    MeetingWish.objects.filter(participant=participant).delete()
    MeetingWish.objects.bulk_create(MeetingWish(participant=participant, other=o) for o in others)
    return len(others)


@dataclass
class Outcome:
    meetings: int
    rounds_used: int
    lower_bound: int
    unplaced: list[tuple[Participant, Participant, bool, str]]  # producer, buyer, mutual, reason code
    wishes: int
    capacity: int


@transaction.atomic
def event_schedule(*, event: Event, by: Any) -> Outcome:
    """Compute and store the meetings (replacing any earlier schedule)."""
    _coordinator(by)
    event = Event.objects.select_for_update().get(pk=event.pk)
    people = {p.pk: p for p in Participant.objects.filter(event=event).select_related("actor")}
    marks = []
    for wish in MeetingWish.objects.filter(participant__event=event):
        who, other = people[wish.participant_id], people[wish.other_id]
        producer, buyer = (who, other) if who.side == Participant.Side.PRODUCER else (other, who)
        marks.append((who.side, producer.pk, buyer.pk))
    wishes = scheduling.wishes_from(marks)
    plan = scheduling.schedule(wishes, slots=event.slots, tables=event.tables)
    Meeting.objects.filter(event=event).delete()
    Meeting.objects.bulk_create(
        Meeting(event=event, producer_id=m.producer, buyer_id=m.buyer, slot=m.slot, table=m.table, mutual=m.mutual)
        for m in plan.pairings
    )
    event.scheduled_at = timezone.now()
    event.save(update_fields=["scheduled_at"])
    meetings = ngettext("%(n)s meeting", "%(n)s meetings", len(plan.pairings)) % {"n": len(plan.pairings)}
    audit_record(by=by, action="event_schedule", target=f"event:{event.pk}", summary=meetings)
    return Outcome(
        meetings=len(plan.pairings),
        rounds_used=plan.slots_used,
        lower_bound=plan.lower_bound,
        unplaced=[(people[u.producer], people[u.buyer], u.mutual, u.reason) for u in plan.unplaced],
        wishes=len(wishes),
        capacity=event.slots * event.tables,
    )


def slot_times(event: Event, slot: int) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(event.date, event.start_time, tzinfo=tz) + dt.timedelta(
        minutes=slot * event.slot_minutes
    )
    return start, start + dt.timedelta(minutes=event.slot_minutes)


def personal_schedules(event: Event) -> list[tuple[Participant, list[tuple[dt.datetime, int, Participant]]]]:
    """For each participant: (start, table, whom) of each of their meetings, in order."""
    rows: dict[int, list[tuple[dt.datetime, int, Participant]]] = defaultdict(list)
    people = {p.pk: p for p in Participant.objects.filter(event=event).select_related("actor")}
    for meeting in Meeting.objects.filter(event=event):
        start, _end = slot_times(event, meeting.slot)
        rows[meeting.producer_id].append((start, meeting.table + 1, people[meeting.buyer_id]))
        rows[meeting.buyer_id].append((start, meeting.table + 1, people[meeting.producer_id]))
    return [(p, sorted(rows.get(p.pk, []), key=lambda r: r[0])) for p in people.values()]


def ical(event: Event, participant: Participant | None = None) -> bytes:
    """iCalendar of the event's meetings (one participant's, or all of them)."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Terroir//meeting day//FR")
    calendar.add("version", "2.0")
    rows = Meeting.objects.filter(event=event).select_related("producer__actor", "buyer__actor")
    if participant is not None:
        rows = rows.filter(producer=participant) | rows.filter(buyer=participant)
    for meeting in rows:
        start, end = slot_times(event, meeting.slot)
        item = CalendarEvent()
        item.add("uid", f"terroir-meeting-{meeting.pk}@{settings.TERROIR_SITE_URL.split('//')[-1]}")
        item.add("dtstamp", timezone.now())
        item.add("dtstart", start)
        item.add("dtend", end)
        names = f"{meeting.producer.label} × {meeting.buyer.label}"
        item.add("summary", f"{event.title} — {names}")
        item.add("location", f"{event.location} — table {meeting.table + 1}".strip(" —"))
        calendar.add_component(item)
    return calendar.to_ical()
