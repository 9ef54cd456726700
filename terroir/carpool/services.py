"""Carpooling's writes and the reads that cross relations: offering trips, requesting parcels, matching a
day (on the worker), confirming, and the chain of responsibility.

Who may see what: a trip is its driver's, a parcel its sender's, and each is also seen by the members of
the organisation it was made for, by the other side of a ride it is on (the driver sees the parcels on
his trips, the sender and the recipient the trip their parcel rides), and by the coordinators. What a
person may not see does not exist for them (404).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.models import Actor, Category

from . import matchmaking, notify, tasks
from .eligibility import eligibility_of, temperature_required
from .models import (
    Acceptance,
    GoodsState,
    Handover,
    HandoverKind,
    Incident,
    IncidentKind,
    Parcel,
    ParcelStatus,
    Ride,
    RideStatus,
    SigningCode,
    Trip,
)

LIVE = matchmaking.LIVE


class Refused(ValueError):
    """A write the rules refuse, with the reason in the reader's language."""


# Who sees what ------------------------------------------------------------------------------------------


def trips_of(user: Any) -> QuerySet[Trip]:
    trips = Trip.objects.all()
    if is_coordinator(user):
        return trips
    if not getattr(user, "is_authenticated", False):
        return trips.none()
    riding = Ride.objects.filter(Q(parcel__sender=user) | Q(parcel__recipient=user)).values("trip_id")
    return trips.filter(Q(driver=user) | Q(organisation_id__in=actor_ids_of(user)) | Q(pk__in=riding))


def parcels_of(user: Any) -> QuerySet[Parcel]:
    parcels = Parcel.objects.all()
    if is_coordinator(user):
        return parcels
    if not getattr(user, "is_authenticated", False):
        return parcels.none()
    carried = Ride.objects.filter(trip__driver=user).values("parcel_id")
    return parcels.filter(
        Q(sender=user) | Q(recipient=user) | Q(holder=user) | Q(organisation_id__in=actor_ids_of(user))
        | Q(pk__in=carried) | Q(handovers__taker=user)
    ).distinct()  # fmt: skip


def trip_get(user: Any, pk: int) -> Trip:
    trip = trips_of(user).filter(pk=pk).first()
    if trip is None:
        raise Http404("no such trip")
    return trip


def parcel_get(user: Any, pk: int) -> Parcel:
    parcel = parcels_of(user).filter(pk=pk).first()
    if parcel is None:
        raise Http404("no such parcel")
    return parcel


def may_manage_trip(user: Any, trip: Trip) -> bool:
    return trip.driver_id == user.pk or (
        trip.organisation_id is not None and trip.organisation_id in actor_ids_of(user)
    )


# Trips and parcels ---------------------------------------------------------------------------------------


def _organisation_check(by: Any, organisation: Actor | None) -> None:
    if organisation is not None and organisation.pk not in actor_ids_of(by) and not is_coordinator(by):
        raise PermissionDenied


def _day_check(day: datetime.date | None) -> None:
    """A trip or a parcel is for today or a day to come: a day gone by would be matched to nothing and told
    to nobody (the pages, the API and the orders' parcels all come through here)."""
    if day is not None and day < timezone.localdate():
        raise ValidationError({"day": _("This day has passed: choose today or a day to come.")})


@transaction.atomic
def trip_offer(*, by: Any, organisation: Actor | None = None, **fields: Any) -> Trip:
    """`fields`: the Trip's own (origin and its position, destination, stops, day, weekdays, until, leaves,
    arrives_by, free_kg, free_litres, condition, detour_minutes, price_rule, price, note). Its (first) day is
    today or later."""
    _organisation_check(by, organisation)
    _day_check(fields.get("day"))
    trip = Trip(driver=by, organisation=organisation, **fields)
    trip.full_clean()
    trip.save()
    days = {p.day for p in Parcel.objects.filter(status=ParcelStatus.WAITING, day__gte=trip.day)
            if trip.runs_on(p.day)}  # fmt: skip
    for day in sorted(days):
        _match_later(day)
    return trip


@transaction.atomic
def trip_cancel(*, trip: Trip, by: Any) -> Trip:
    if not may_manage_trip(by, trip):
        raise PermissionDenied
    trip.cancelled = True
    trip.save(update_fields=["cancelled"])
    for ride in trip.rides.filter(status__in=LIVE, parcel__status__in=[ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED]):
        _ride_drop(ride)
    return trip


GUEST_PREFIX = "destinataire-"


def recipient_for(email: str) -> tuple[Any, str]:
    """The account a parcel is delivered to, and the address its one-time code goes to: the active account
    of this e-mail (no code: they sign signed in), else a new guest account — inactive, without address nor
    password, so that a later sign-up with the address is not taken — and the address."""
    address = email.strip()
    found = get_user_model().objects.filter(email__iexact=address, is_active=True).first() if address else None
    if found is not None:
        return found, ""
    if not address:
        raise Refused(_("Say the recipient's e-mail."))
    guest = get_user_model().objects.create_user(username=f"{GUEST_PREFIX}{secrets.token_hex(5)}", email="",
                                                 password=None, is_active=False)  # fmt: skip
    return guest, address


@transaction.atomic
def parcel_request(*, by: Any, recipient: Any, category: Category, organisation: Actor | None = None,
                   **fields: Any) -> Parcel:  # fmt: skip
    """`fields`: origin and its position, destination and its position, day, ready_at, due_by, kg, litres,
    condition, value, description. `recipient`: an account, or an e-mail (`recipient_for`: a recipient
    without an account signs with a one-time code). Refused when the product family may not ride."""
    _organisation_check(by, organisation)
    _day_check(fields.get("day"))
    rule = eligibility_of(category)
    if rule is None or not rule.allowed:
        raise Refused(_("%(family)s may not travel by carpool (see the eligibility table).") % {"family": category})
    if isinstance(recipient, str):
        recipient, fields["recipient_email"] = recipient_for(recipient)
    parcel = Parcel(sender=by, holder=by, recipient=recipient, category=category, organisation=organisation, **fields)
    parcel.full_clean()
    parcel.save()
    _match_later(parcel.day)
    return parcel


@transaction.atomic
def parcel_cancel(*, parcel: Parcel, by: Any) -> Parcel:
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    if by.pk != parcel.sender_id:
        raise PermissionDenied
    if parcel.status not in (ParcelStatus.WAITING, ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED):
        raise Refused(_("The parcel is on its way: it can no longer be cancelled."))
    parcel.rides.filter(status__in=LIVE).update(status=RideStatus.DECLINED)
    parcel.status = ParcelStatus.CANCELLED
    parcel.save(update_fields=["status"])
    return parcel


CHANGEABLE = (ParcelStatus.WAITING, ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED)


@transaction.atomic
def parcel_change(*, parcel: Parcel, by: Any, recipient: Any = None, category: Category | None = None,
                  **fields: Any) -> Parcel:  # fmt: skip
    """The sender changes a parcel not yet picked up (the same fields as `parcel_request`): a ride proposed or
    confirmed no longer holds (the driver agreed to the parcel as it was), so it is declined and the day
    matched again. Refused once the parcel is on its way."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    if by.pk != parcel.sender_id:
        raise PermissionDenied
    before = Parcel.objects.get(pk=parcel.pk)
    if category is not None:
        parcel.category = category
    if isinstance(recipient, str):  # an address: the same guest as before, or the account or guest it names
        if recipient.strip().lower() != parcel.recipient_email.lower():
            recipient, fields["recipient_email"] = recipient_for(recipient)
        else:
            recipient = None
    elif recipient is not None:
        fields["recipient_email"] = ""
    if recipient is not None:
        parcel.recipient = recipient
    for name, value in fields.items():
        setattr(parcel, name, value)
    if all(getattr(before, name) == getattr(parcel, name) for name in ["recipient_id", "category_id", *fields]):
        return before
    if parcel.status not in CHANGEABLE:
        raise Refused(_("The parcel is on its way: it can no longer be changed."))
    if parcel.day != before.day:
        _day_check(parcel.day)
    if parcel.category_id != before.category_id:
        rule = eligibility_of(parcel.category)
        if rule is None or not rule.allowed:
            raise Refused(_("%(family)s may not travel by carpool (see the eligibility table).")
                          % {"family": parcel.category})  # fmt: skip
    parcel.full_clean()
    parcel.rides.filter(status__in=LIVE).update(status=RideStatus.DECLINED)
    parcel.status = ParcelStatus.WAITING
    parcel.unmatched_reason = ""
    parcel.save()
    _match_later(parcel.day)
    if before.day != parcel.day:
        _match_later(before.day)
    return parcel


def _match_later(day: datetime.date) -> None:
    """The day's matching runs on the worker once the request's transaction is committed."""
    transaction.on_commit(lambda: tasks.day_match.enqueue(day.isoformat()))


# Rides --------------------------


@transaction.atomic
def ride_confirm(*, ride: Ride, by: Any) -> Ride:
    ride = Ride.objects.select_for_update().select_related("parcel", "trip").get(pk=ride.pk)
    if ride.status != RideStatus.PROPOSED:
        raise Refused(_("This ride is no longer waiting for a confirmation."))
    now = timezone.now()
    if by.pk == ride.trip.driver_id and ride.driver_confirmed_at is None:
        ride.driver_confirmed_at = now
    elif by.pk == ride.parcel.sender_id and ride.sender_confirmed_at is None:
        ride.sender_confirmed_at = now
    else:
        raise PermissionDenied
    if ride.driver_confirmed_at and ride.sender_confirmed_at:
        ride.status = RideStatus.CONFIRMED
        Parcel.objects.filter(pk=ride.parcel_id).update(status=ParcelStatus.CONFIRMED)
        transaction.on_commit(lambda: notify.ride_confirmed(ride=ride))
    ride.save()
    return ride


@transaction.atomic
def ride_decline(*, ride: Ride, by: Any) -> Ride:
    ride = Ride.objects.select_for_update().select_related("parcel", "trip").get(pk=ride.pk)
    if by.pk not in (ride.trip.driver_id, ride.parcel.sender_id):
        raise PermissionDenied
    if ride.status not in LIVE or ride.parcel.status not in (ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED):
        raise Refused(_("This ride can no longer be declined."))
    _ride_drop(ride)
    return ride


def _ride_drop(ride: Ride) -> None:
    ride.status = RideStatus.DECLINED
    ride.save(update_fields=["status"])
    Parcel.objects.filter(pk=ride.parcel_id).update(status=ParcelStatus.WAITING)
    _match_later(ride.date)


def live_ride(parcel: Parcel) -> Ride | None:
    return parcel.rides.filter(status__in=LIVE).select_related("trip", "trip__driver").first()


# The chain of responsibility -----------------------------------------------------------------------------


def pending_handover(parcel: Parcel) -> Handover | None:
    last = parcel.handovers.order_by("-rank").select_related("giver", "taker").first()
    if last is None or Acceptance.objects.filter(handover=last).exists():
        return None
    return last


@dataclass(frozen=True)
class Photo:
    content: bytes  # already checked and re-encoded (terroir.directory.photos.image_clean)


def handover_record(
    *, parcel: Parcel, by: Any, kind: str, taker: Any, place: str, state: str = GoodsState.GOOD,
    celsius: Decimal | None = None, photo: Photo | None = None, note: str = "", at: datetime.datetime | None = None,
) -> Handover:  # fmt: skip
    """The person who holds the parcel hands it over; they stay responsible until the taker accepts. Only the
    holder may, one handover at a time (the rank is unique per parcel: of two attempts at once, one fails)."""
    try:
        with transaction.atomic():
            locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
            if locked.holder_id != by.pk:
                raise Refused(_("Only the person who holds the parcel can hand it over."))
            if pending_handover(locked) is not None:
                raise Refused(_("A handover of this parcel is waiting for its taker's signature."))
            _kind_check(locked, kind, taker, by)
            if temperature_required(locked) and celsius is None:
                raise Refused(_("This parcel travels in the cold chain: say the temperature."))
            rank = locked.handovers.count() + 1
            handover = Handover(
                parcel=locked, rank=rank, kind=kind, giver=by, taker=taker, at=at or timezone.now(), place=place,
                state=state, celsius=celsius, note=note,
            )  # fmt: skip
            if photo is not None:
                handover.photo.save(f"parcel-{locked.pk}-{rank}.jpg", ContentFile(photo.content), save=False)
            handover.save()
            _incidents_seen(locked, by=by, holder=by, state=state, celsius=celsius)
            transaction.on_commit(lambda: notify.handover_waiting(handover=handover))
            if kind == HandoverKind.DELIVERY and locked.recipient_email:
                _code_send(handover, locked.recipient_email)
            return handover
    except IntegrityError:
        raise Refused(_("Someone else recorded a handover of this parcel at the same moment.")) from None


CODE_VALID = datetime.timedelta(hours=48)
CODE_TRIES = 5


def _digest(handover: Handover, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"carpool:{handover.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_send(handover: Handover, address: str) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    SigningCode.objects.update_or_create(handover=handover, defaults={
        "digest": _digest(handover, code), "expires_at": timezone.now() + CODE_VALID, "attempts": 0, "used_at": None,
    })  # fmt: skip
    transaction.on_commit(lambda: notify.delivery_code(handover=handover, code=code, to=address))


@transaction.atomic
def delivery_code_resend(*, handover: Handover, by: Any) -> None:
    """A new code for a delivery still waiting for its signature (the old one expired, was tried too often,
    or the e-mail went astray); the old code no longer signs."""
    parcel = Parcel.objects.select_for_update().get(pk=handover.parcel_id)
    if by.pk != handover.giver_id or not parcel.recipient_email or handover.kind != HandoverKind.DELIVERY:
        raise PermissionDenied
    if pending_handover(parcel) != handover:
        raise Refused(_("This handover is no longer waiting for a signature."))
    _code_send(handover, parcel.recipient_email)


def handover_accept_with_code(
    *, handover: Handover, by: Any, code: str, state: str = GoodsState.GOOD, celsius: Decimal | None = None,
    note: str = "",
) -> Acceptance:  # fmt: skip
    """A recipient without an account signs for their parcel by giving the person delivering it the code they
    received by e-mail: that person types it on their phone, and the recipient's (guest) account signs. A
    wrong code counts; after CODE_TRIES, or once expired, the code no longer signs."""
    with transaction.atomic():
        found = SigningCode.objects.select_for_update().filter(handover=handover).first()
        if by.pk != handover.giver_id or found is None:
            raise PermissionDenied
        if found.used_at is not None or found.expires_at < timezone.now() or found.attempts >= CODE_TRIES:
            raise Refused(_("This code no longer signs: send the recipient a new one."))
        right = hmac.compare_digest(found.digest, _digest(handover, "".join(code.split())))
        if not right:
            found.attempts += 1
            found.save(update_fields=["attempts"])
    if not right:  # the try is counted (committed above) before the refusal
        raise Refused(_("Wrong code: ask the recipient for the code they received by e-mail."))
    with transaction.atomic():
        said = _("signed with the one-time code sent by e-mail")
        acceptance = handover_accept(handover=handover, by=handover.taker, state=state, celsius=celsius,
                                     note=f"{note} ({said})".strip()[:300])  # fmt: skip
        SigningCode.objects.filter(pk=found.pk).update(used_at=timezone.now())
    return acceptance


def _kind_check(parcel: Parcel, kind: str, taker: Any, by: Any) -> None:
    if taker is None or taker.pk == by.pk:
        raise Refused(_("Say who takes the parcel (another person than you)."))
    if parcel.status in (ParcelStatus.DELIVERED, ParcelStatus.CANCELLED):
        raise Refused(_("This parcel's journey is over."))
    ride = live_ride(parcel)
    if kind == HandoverKind.PICKUP:
        if parcel.status != ParcelStatus.CONFIRMED or ride is None or ride.status != RideStatus.CONFIRMED:
            raise Refused(_("A pickup needs a ride confirmed by both sides."))
        if taker.pk != ride.trip.driver_id:
            raise Refused(_("The parcel is picked up by the trip's driver."))
    elif kind == HandoverKind.DELIVERY:
        if parcel.status != ParcelStatus.ON_ITS_WAY:
            raise Refused(_("A parcel is delivered after its pickup."))
        if taker.pk != parcel.recipient_id:
            raise Refused(_("The parcel is delivered to its recipient."))
    elif kind == HandoverKind.TRANSFER:
        if parcel.status != ParcelStatus.ON_ITS_WAY:
            raise Refused(_("A parcel is transferred after its pickup."))
    else:
        raise Refused(_("Unknown kind of handover."))


def handover_accept(
    *, handover: Handover, by: Any, state: str = GoodsState.GOOD, celsius: Decimal | None = None, note: str = "",
) -> Acceptance:  # fmt: skip
    """The taker signs: from now on they hold the parcel."""
    try:
        with transaction.atomic():
            parcel = Parcel.objects.select_for_update().get(pk=handover.parcel_id)
            if by.pk != handover.taker_id:
                raise Refused(_("Only the person the parcel is handed to can accept it."))
            if parcel.holder_id != handover.giver_id or pending_handover(parcel) != handover:
                raise Refused(_("This handover is no longer waiting for a signature."))
            if temperature_required(parcel) and celsius is None:
                raise Refused(_("This parcel travels in the cold chain: say the temperature."))
            acceptance = Acceptance.objects.create(handover=handover, by=by, at=timezone.now(), state=state,
                                                   celsius=celsius, note=note)  # fmt: skip
            parcel.holder = by
            parcel.status = (
                ParcelStatus.DELIVERED if handover.kind == HandoverKind.DELIVERY else ParcelStatus.ON_ITS_WAY
            )
            parcel.save(update_fields=["holder", "status"])
            _incidents_seen(parcel, by=by, holder=by, state=state, celsius=celsius)
            return acceptance
    except IntegrityError:
        raise Refused(_("This handover was accepted already.")) from None


def _incidents_seen(parcel: Parcel, *, by: Any, holder: Any, state: str, celsius: Decimal | None) -> None:
    """What a handover shows is an incident too: damaged goods, a temperature over the family's highest."""
    if state == GoodsState.DAMAGED:
        Incident.objects.create(parcel=parcel, kind=IncidentKind.DAMAGED, at=timezone.now(), by=by, holder=holder,
                                note=_("seen at a handover"))  # fmt: skip
    rule = eligibility_of(parcel.category)
    if celsius is not None and rule is not None and rule.max_celsius is not None and celsius > rule.max_celsius:
        Incident.objects.create(parcel=parcel, kind=IncidentKind.TEMPERATURE, at=timezone.now(), by=by,
                                holder=holder, celsius=celsius,
                                note=_("above %(max)s °C") % {"max": rule.max_celsius})  # fmt: skip


def incident_record(*, parcel: Parcel, by: Any, kind: str, note: str = "", celsius: Decimal | None = None) -> Incident:
    """Anyone who may see the parcel says what went wrong; the incident names who held the parcel then."""
    with transaction.atomic():
        locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
        if not parcels_of(by).filter(pk=locked.pk).exists():
            raise PermissionDenied
        return Incident.objects.create(parcel=locked, kind=kind, at=timezone.now(), by=by, holder_id=locked.holder_id,
                                       celsius=celsius, note=note)  # fmt: skip
