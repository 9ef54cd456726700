"""Events with the database: the organiser creates and publishes, producers sign up and withdraw, the
organiser accepts or refuses. Every write passes here; who may do what is asked of the `can_*` functions,
which the pages use too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory.models import Actor, Commune, Place
from terroir.lib.geo import BBox

from . import tasks
from .models import Event, Participation


def is_organiser(user: Any, event: Event) -> bool:
    return is_coordinator(user) or event.organiser_id in actor_ids_of(user)


def producers_of(user: Any) -> QuerySet[Actor]:
    """The producers the person acts for: those they may sign up."""
    return Actor.objects.filter(pk__in=actor_ids_of(user), is_producer=True).order_by("name")


def announced(event: Event) -> bool:
    """Published, or cancelled after it was published: a cancelled event stays visible, as cancelled, to
    those who could see it (a visitor who planned to come finds why it is off)."""
    return event.status == Event.Status.PUBLISHED or (
        event.status == Event.Status.CANCELLED and event.published_at is not None
    )


ANNOUNCED = Q(status=Event.Status.PUBLISHED) | Q(status=Event.Status.CANCELLED, published_at__isnull=False)


def can_see(user: Any, event: Event) -> bool:
    """A published public event is everybody's; a published professional one (not public) is for the
    producers who may sign up; a draft stays with its organiser and its producers; a cancelled one with
    those who saw it published."""
    if is_organiser(user, event):
        return True
    if announced(event) and event.public:
        return True
    mine = actor_ids_of(user)
    if event.participations.filter(producer_id__in=mine).exists():
        return True
    return announced(event) and producers_of(user).exists()


def events_visible(user: Any) -> QuerySet[Event]:
    """The events `user` may see (can_see, as one query)."""
    seen = ANNOUNCED & Q(public=True)
    if is_coordinator(user):
        return Event.objects.all()
    mine = actor_ids_of(user)
    if mine:
        seen |= Q(organiser_id__in=mine) | Q(participations__producer_id__in=mine)
        if producers_of(user).exists():
            seen |= ANNOUNCED
    return Event.objects.filter(seen).distinct()


def upcoming(
    rows: QuerySet[Event] | None = None, *, public_only: bool = True, cancelled: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Event]:  # fmt: skip
    """Published events not over yet, soonest first: the public ones, or all of `rows` (already narrowed to
    what a person may see, events_visible); with those cancelled after publication when `cancelled`."""
    rows = Event.objects.all() if rows is None else rows
    if public_only:
        rows = rows.filter(public=True)
    return (
        rows.filter(ANNOUNCED if cancelled else Q(status=Event.Status.PUBLISHED), ends_at__gt=now or timezone.now())
        .select_related("place__commune", "commune", "organiser")
        .order_by("starts_at", "pk")
    )


def _position(axis: str) -> Case:
    """The event's own coordinate, else its place's, else its commune's — each only with both of its pair,
    as Event.position reads them."""
    return Case(*[When(**{f"{prefix}lat__isnull": False, f"{prefix}lon__isnull": False}, then=F(f"{prefix}{axis}"))
                  for prefix in ("", "place__", "commune__")], output_field=FloatField())  # fmt: skip


def placed(rows: QuerySet[Event], box: BBox | None = None) -> QuerySet[Event]:
    """The events of `rows` that have a position, as `at_lat` and `at_lon` (Event.position, computed by the
    database), within `box` when given: the map's view filtered in the query, not in Python."""
    rows = rows.annotate(at_lat=_position("lat"), at_lon=_position("lon")).filter(at_lat__isnull=False)
    if box is not None:
        rows = rows.filter(at_lat__gte=box.south, at_lat__lte=box.north, at_lon__gte=box.west, at_lon__lte=box.east)
    return rows


def _checked(
    *, title: str, starts_at: dt.datetime, ends_at: dt.datetime, place_id: int | None, commune_code: str,
    now: dt.datetime, kind: str, started: dt.datetime | None = None,
) -> tuple[Place | None, Commune | None]:  # fmt: skip
    """The event's fields checked, its place or commune found. `started`: the start it has already (an
    event under way may be edited without moving its start)."""
    errors: dict[str, list[str]] = {}
    if kind not in Event.Kind.values:
        errors["kind"] = [_("Unknown kind of event.")]
    if not title.strip():
        errors["title"] = [_("Give the event a title.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The event must end after it starts.")]
    if starts_at < now and starts_at != started:
        errors["starts_at"] = [_("The event cannot start in the past.")]
    place = commune = None
    if place_id is not None:
        place = Place.objects.select_related("commune").filter(pk=place_id).first()
        if place is None:
            errors["place"] = [_("This place is not in the directory.")]
    elif commune_code:
        commune = Commune.objects.filter(code=commune_code).first()
        if commune is None:
            errors["commune"] = [_("Unknown commune.")]
    else:
        errors["place"] = [_("Choose a place of the directory, or give an address and its commune.")]
    if errors:
        raise ValidationError(errors)
    return place, commune


@transaction.atomic
def event_create(
    *, by: Any, organiser: Actor, title: str, kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
    place_id: int | None = None, address: str = "", commune_code: str = "", lat: float | None = None,
    lon: float | None = None, description: str = "", public: bool = True, open_signup: bool = False,
    now: dt.datetime | None = None,
) -> Event:  # fmt: skip
    """A draft event of `organiser` (the person acts for it, or is a coordinator)."""
    if not (is_coordinator(by) or organiser.pk in actor_ids_of(by)):
        raise PermissionDenied(_("You do not act for this organisation."))
    place, commune = _checked(title=title, starts_at=starts_at, ends_at=ends_at, place_id=place_id,
                              commune_code=commune_code, now=now or timezone.now(), kind=kind)  # fmt: skip
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):  # type: ignore[operator]
        raise ValidationError({"lat": [_("Give both latitude and longitude, in degrees.")]})
    event = Event.objects.create(
        title=title.strip()[:200], kind=kind, description=description.strip(), organiser=organiser, place=place,
        address="" if place else address.strip()[:255], commune=place.commune if place else commune, lat=lat,
        lon=lon, starts_at=starts_at, ends_at=ends_at, public=public, open_signup=open_signup, created_by=by,
        language=translation.get_language() or "",
    )  # fmt: skip
    audit_record(by=by, action="event_create", target=f"events.event:{event.pk}", summary=event.title)
    return event


def _organiser_only(by: Any, event: Event) -> None:
    if not is_organiser(by, event):
        raise PermissionDenied(_("Only the organiser manages this event."))


@transaction.atomic
def event_publish(*, event: Event, by: Any, now: dt.datetime | None = None) -> Event:
    _organiser_only(by, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        raise ValidationError(_("Only a draft is published."))
    if event.starts_at < (now or timezone.now()):
        raise ValidationError(_("The event cannot start in the past."))
    event.status, event.published_at = Event.Status.PUBLISHED, now or timezone.now()
    event.save(update_fields=["status", "published_at"])
    audit_record(by=by, action="event_publish", target=f"events.event:{event.pk}", summary=event.title)
    return event


@transaction.atomic
def event_update(
    *, event: Event, by: Any, title: str, kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
    place_id: int | None = None, address: str = "", commune_code: str = "", description: str = "",
    public: bool = True, open_signup: bool = False, signups_closed: bool = False, now: dt.datetime | None = None,
) -> Event:  # fmt: skip
    """The organiser changes a draft or a published event not over yet. When a published event moves (its
    dates or where), the producers signed up are told, each in their language, on the worker."""
    _organiser_only(by, event)
    now = now or timezone.now()
    event = Event.objects.select_for_update(of=("self",)).select_related("place__commune", "commune").get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("A cancelled event is no longer changed."))
    if event.ends_at <= now:
        raise ValidationError(_("This event is over."))
    place, commune = _checked(title=title, starts_at=starts_at, ends_at=ends_at, place_id=place_id,
                              commune_code=commune_code, now=now, kind=kind, started=event.starts_at)  # fmt: skip
    before = {"starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(), "where": event.where}
    where_before = (event.place_id, event.address, event.commune_id)
    event.title, event.kind, event.description = title.strip()[:200], kind, description.strip()
    event.place, event.address = place, "" if place else address.strip()[:255]
    event.commune = place.commune if place else commune
    if (event.place_id, event.address, event.commune_id) != where_before:
        event.lat = event.lon = None  # the position given belonged to the former address
    moved = (event.starts_at, event.ends_at) != (starts_at, ends_at)
    moved = moved or (event.place_id, event.address, event.commune_id) != where_before
    event.starts_at, event.ends_at = starts_at, ends_at
    event.public, event.open_signup, event.signups_closed = public, open_signup, signups_closed
    event.save()
    audit_record(by=by, action="event_update", target=f"events.event:{event.pk}", summary=event.title)
    if moved and event.status == Event.Status.PUBLISHED:
        event_id = event.pk
        transaction.on_commit(lambda: tasks.participants_tell.enqueue(event_id, "moved", before))
    return event


@transaction.atomic
def event_cancel(*, event: Event, by: Any, reason: str, now: dt.datetime | None = None) -> Event:
    """Cancelled with the reason, which its page shows from then on; the producers signed up to a
    published event are told, each in their language, on the worker."""
    _organiser_only(by, event)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the event is cancelled: producers and visitors will read it.")]})
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event is already cancelled."))
    was_published = event.status == Event.Status.PUBLISHED
    event.status, event.cancel_reason = Event.Status.CANCELLED, reason.strip()[:2000]
    event.cancelled_at = now or timezone.now()
    event.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    audit_record(by=by, action="event_cancel", target=f"events.event:{event.pk}", summary=event.title)
    if was_published and event.ends_at > event.cancelled_at:
        event_id = event.pk
        transaction.on_commit(lambda: tasks.participants_tell.enqueue(event_id, "cancelled", {}))
    return event


@transaction.atomic
def participation_signup(*, event: Event, producer: Actor, by: Any, now: dt.datetime | None = None) -> Participation:
    """The producer signs up: taking part at once when the event is open to all, else waiting for the
    organiser. Signing up again after withdrawing asks again."""
    if not producer.is_producer:
        raise ValidationError(_("Only producers sign up to an event."))
    if producer.pk not in actor_ids_of(by):
        raise PermissionDenied(_("You do not act for this producer."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("This event is not open for sign-up."))
    if event.ends_at <= (now or timezone.now()):
        raise ValidationError(_("This event is over."))
    if event.signups_closed:
        raise ValidationError(_("The organiser has closed the sign-up to this event."))
    status = Participation.Status.ACCEPTED if event.open_signup else Participation.Status.PENDING
    language = translation.get_language() or ""
    participation, created = Participation.objects.get_or_create(
        event=event, producer=producer, defaults={"status": status, "language": language}
    )
    if not created:
        if participation.status == Participation.Status.REFUSED:
            raise ValidationError(_("The organiser did not accept this producer."))
        if participation.status != Participation.Status.WITHDRAWN:
            raise ValidationError(_("This producer has already signed up."))
        participation.status, participation.signed_up_at = status, now or timezone.now()
        participation.language = language
        participation.save(update_fields=["status", "signed_up_at", "language"])
    participation_id = participation.pk
    transaction.on_commit(lambda: tasks.organiser_tell.enqueue(participation_id, "signup"))
    return participation


@transaction.atomic
def participation_withdraw(*, participation: Participation, by: Any) -> Participation:
    if participation.producer_id not in actor_ids_of(by) and not is_coordinator(by):
        raise PermissionDenied(_("You do not act for this producer."))
    if participation.status == Participation.Status.WITHDRAWN:
        return participation
    participation.status = Participation.Status.WITHDRAWN
    participation.save(update_fields=["status"])
    participation_id = participation.pk
    transaction.on_commit(lambda: tasks.organiser_tell.enqueue(participation_id, "withdraw"))
    return participation


@transaction.atomic
def participation_decide(*, participation: Participation, accept: bool, by: Any) -> Participation:
    _organiser_only(by, participation.event)
    if participation.status == Participation.Status.WITHDRAWN:
        raise ValidationError(_("This producer has withdrawn."))
    participation.status = Participation.Status.ACCEPTED if accept else Participation.Status.REFUSED
    participation.decided_at = timezone.now()
    participation.save(update_fields=["status", "decided_at"])
    return participation
