"""A day's matching on the worker: the day's waiting parcels and trips into the pure engine
(terroir.carpool.matching), its answer into rides proposed to both sides; and how reliable each recurring
trip has been."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import matching, notify
from .eligibility import condition_needed
from .models import LEVEL, Condition, Handover, HandoverKind, Parcel, ParcelStatus, PriceRule, Ride, RideStatus, Trip

LIVE = (RideStatus.PROPOSED, RideStatus.CONFIRMED)


def _seconds(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _time(seconds: int) -> datetime.time:
    seconds = max(0, min(seconds, 24 * 3600 - 60))
    return datetime.time(seconds // 3600, seconds % 3600 // 60)


def trips_on(day: datetime.date) -> list[Trip]:
    candidates = Trip.objects.filter(cancelled=False, day__lte=day).filter(
        Q(day=day) | (Q(weekdays__gt=0) & (Q(until__isnull=True) | Q(until__gte=day)))
    )
    return [trip for trip in candidates if trip.runs_on(day)]


@transaction.atomic
def day_match(*, day: datetime.date) -> list[Ride]:
    """Match the day's waiting parcels to the day's trips (the pure engine), propose each ride to both sides.
    Rides already proposed or confirmed keep their place: the engine puts their parcels on their trips first
    (`matching.Trip.carrying`), so new ones fit around them."""
    parcels = list(Parcel.objects.select_for_update().filter(day=day, status=ParcelStatus.WAITING)
                   .select_related("category"))  # fmt: skip
    if not parcels:
        return []
    carrying: dict[int, list[matching.Parcel]] = {}
    live = Ride.objects.filter(date=day, status__in=LIVE).select_related("parcel", "parcel__category")
    for ride in live.order_by("pickup_at", "pk"):
        carrying.setdefault(ride.trip_id, []).append(_engine_parcel(ride.parcel, day))
    trips = {trip.pk: trip for trip in trips_on(day)}
    engine_trips = [
        matching.Trip(
            key=trip.pk,
            points=trip.points(),
            day=day.toordinal(),
            leaves_s=_seconds(trip.leaves),
            arrives_by_s=_seconds(trip.arrives_by),
            capacity_kg=trip.free_kg,
            capacity_l=trip.free_litres,
            cold=LEVEL[Condition(trip.condition)],
            detour_s=60 * trip.detour_minutes,
            carrying=carrying.get(trip.pk, ()),
        )
        for trip in trips.values()
    ]
    engine_parcels = [_engine_parcel(p, day) for p in parcels]
    outcome = matching.match(
        engine_trips,
        engine_parcels,
        circuity=settings.TERROIR_ROAD_FACTOR,
        speed_kmh=settings.TERROIR_AVERAGE_SPEED_KMH,
    )
    by_pk = {p.pk: p for p in parcels}
    how_reliable = reliability([trips[a.trip] for a in outcome.assignments])
    rides = []
    for assignment in outcome.assignments:
        parcel, trip = by_pk[assignment.parcel], trips[assignment.trip]
        ride = Ride.objects.create(
            parcel=parcel, trip=trip, date=day, added_minutes=round(assignment.added_s / 60),
            pickup_at=_time(assignment.pickup_s), arrives_at=_time(assignment.arrive_s),
            price=_price(trip, assignment.added_s),
        )  # fmt: skip
        parcel.status, parcel.unmatched_reason = ParcelStatus.PROPOSED, ""
        parcel.save(update_fields=["status", "unmatched_reason"])
        rides.append(ride)
        transaction.on_commit(partial(notify.ride_proposed, ride=ride, reliability=how_reliable.get(trip.pk)))
    for key, reason in outcome.unmatched.items():
        Parcel.objects.filter(pk=key).update(unmatched_reason=reason)
    return rides


def _engine_parcel(parcel: Parcel, day: datetime.date) -> matching.Parcel:
    return matching.Parcel(
        key=parcel.pk, pickup=(parcel.origin_lat, parcel.origin_lon),
        drop=(parcel.destination_lat, parcel.destination_lon), day=day.toordinal(),
        ready_s=_seconds(parcel.ready_at), due_s=_seconds(parcel.due_by), kg=float(parcel.kg),
        litres=float(parcel.litres), cold=LEVEL[condition_needed(parcel)],
    )  # fmt: skip


def _price(trip: Trip, added_s: int) -> Decimal:
    if trip.price_rule == PriceRule.PER_PARCEL:
        return trip.price
    if trip.price_rule == PriceRule.PER_KM:
        km = Decimal(added_s) / 3600 * Decimal(settings.TERROIR_AVERAGE_SPEED_KMH)
        return (trip.price * km).quantize(Decimal("0.01"))
    return Decimal(0)


# Reliability ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    ran: int
    planned: int  # past days with a confirmed ride

    @property
    def share(self) -> float | None:
        return self.ran / self.planned if self.planned else None


def reliability(trips: Iterable[Trip], *, today: datetime.date | None = None) -> dict[int, Reliability]:
    """How often each trip really ran: of its past days that had a confirmed ride, those on which a pickup
    from it was accepted (a handover is the proof a driver came)."""
    today = today or timezone.localdate()
    keys = [t.pk for t in trips]
    planned: dict[int, set[datetime.date]] = {k: set() for k in keys}
    for trip_id, date in Ride.objects.filter(trip_id__in=keys, date__lt=today, status=RideStatus.CONFIRMED
                                             ).values_list("trip_id", "date"):  # fmt: skip
        planned[trip_id].add(date)
    ran: dict[int, set[datetime.date]] = {k: set() for k in keys}
    pickups = Handover.objects.filter(
        kind=HandoverKind.PICKUP,
        acceptance__isnull=False,
        parcel__rides__trip_id__in=keys,
        parcel__rides__status=RideStatus.CONFIRMED,
    )
    for trip_id, date in pickups.values_list("parcel__rides__trip_id", "parcel__rides__date"):  # fmt: skip
        if date in planned.get(trip_id, ()):
            ran[trip_id].add(date)
    return {k: Reliability(ran=len(ran[k]), planned=len(planned[k])) for k in keys}
