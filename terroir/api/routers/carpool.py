"""Food carpooling through the API: trips (offer, list, read, cancel), parcels (request, list, read,
cancel), the matches the engine proposes (accept, refuse) and the chain of responsibility's handovers
(append-only: record, list, sign).

Every operation needs an API key (reads: any scope; writes: scope write) and sees what the key's person
sees on the pages (terroir.carpool.services: a trip is its driver's and their organisation's, a parcel its
sender's, recipient's, holder's and driver's, coordinators see all): anything else is a 404. The rules'
refusals (a family that may not ride, a handover by someone who does not hold the parcel…) are 409
with the reason. The schemas live here: they are carpool's alone."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import field_validator

from terroir.accounts.models import ApiToken
from terroir.carpool import services
from terroir.carpool.models import FREE_KG_MAX, FREE_LITRES_MAX, Handover, HandoverKind, Parcel, Ride, Trip
from terroir.carpool.presenters import insiders, person_said, ride_explained
from terroir.directory.models import Actor, Category

from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, error
from ..schemas import ErrorOut
from ..security import TokenBearer

router = Router(tags=["carpool"])
READ_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut}
CARPOOL_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: ErrorOut}
STRICT = {"extra": "forbid"}
CONDITIONS = Literal["none", "insulated", "refrigerated"]


class Point(Schema):
    name: str = Field(..., min_length=1, max_length=200, description="Commune and address, as shown to the other side.")
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


def _naive(value: time) -> time:
    """Hours are the territory's local time, as on the pages: an offset is refused (the database keeps none)."""
    if value.tzinfo is not None:
        raise ValueError(_("give a local time without an offset (HH:MM)"))
    return value


class TripIn(Schema):
    model_config = STRICT  # type: ignore[assignment]

    origin: Point
    destination: Point
    stops: list[Point] = Field(default_factory=list, max_length=10)
    day: date = Field(..., description="The day, or the first day of a recurring trip.")
    weekdays: list[int] = Field(default_factory=list, max_length=7, description="Repeats on (0 = Monday).")
    until: date | None = None
    leaves: time
    arrives_by: time
    free_kg: int = Field(..., ge=1, le=FREE_KG_MAX)
    free_litres: int = Field(..., ge=1, le=FREE_LITRES_MAX)
    condition: CONDITIONS = "none"
    detour_minutes: int = Field(10, ge=0, le=240)
    price_rule: Literal["free", "per_km", "per_parcel"] = "free"
    price: Decimal = Field(Decimal(0), ge=0, le=99_999, decimal_places=2)
    note: str = Field("", max_length=300)
    organisation: int | None = Field(None, ge=1, le=MAX_ID, description="The organisation you drive for.")

    _local = field_validator("leaves", "arrives_by")(_naive)


class TripOut(Schema):
    id: int
    origin: str
    destination: str
    stops: list[str]
    day: date
    weekdays: list[int]
    until: date | None
    leaves: time
    arrives_by: time
    free_kg: int
    free_litres: int
    condition: str
    detour_minutes: int
    price_rule: str
    price: Decimal
    cancelled: bool
    driver: str = Field(..., description="Who drives, by the name they gave, else the organisation they drive for.")
    organisation: int | None


class ParcelIn(Schema):
    model_config = STRICT  # type: ignore[assignment]

    origin: Point
    destination: Point
    day: date
    ready_at: time
    due_by: time
    kg: Decimal = Field(..., gt=0, le=FREE_KG_MAX, decimal_places=2, description="At most a trip's room.")
    litres: Decimal = Field(..., gt=0, le=FREE_LITRES_MAX, decimal_places=1)
    category: str = Field(..., max_length=60, description="The product family's slug (GET /categories).")
    condition: CONDITIONS = "none"
    value: Decimal = Field(Decimal(0), ge=0, le=9_999_999, decimal_places=2)
    description: str = Field(..., min_length=1, max_length=200)
    recipient: str = Field(
        ...,
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description=(
            "The recipient's e-mail: their Terroir account, or, without one, where the one-time code they give at "
            "delivery is sent."
        ),
    )
    organisation: int | None = Field(None, ge=1, le=MAX_ID, description="The organisation you send for.")

    _local = field_validator("ready_at", "due_by")(_naive)


class MatchOut(Schema):
    id: int
    trip: int
    date: date
    status: str = Field(..., description="proposed, confirmed (by both) or declined.")
    explained: str = Field(..., description="“+6 min, refrigerated, arrives at 10:40”.")
    added_minutes: int
    pickup_at: time
    arrives_at: time
    price: Decimal
    driver_confirmed: bool
    sender_confirmed: bool


class ParcelOut(Schema):
    id: int
    origin: str
    destination: str
    day: date
    ready_at: time
    due_by: time
    kg: Decimal
    litres: Decimal
    category: str
    condition: str
    value: Decimal
    description: str
    status: str = Field(..., description="waiting, proposed, confirmed, on_its_way, delivered or cancelled.")
    sender: str
    recipient: str = Field(
        ...,
        description=(
            "Their account's name; a recipient without an account: their e-mail, in full for the parcel's sender "
            "and drivers, masked (m•••@example.org) for the others — as on the parcel's page."
        ),
    )
    holder: str = Field(..., description="Who is responsible for the goods now (named as the recipient is).")
    match: MatchOut | None = Field(None, description="The trip proposed or confirmed for it.")


class HandoverIn(Schema):
    model_config = STRICT  # type: ignore[assignment]

    kind: Literal["pickup", "transfer", "delivery"]
    place: str = Field(..., min_length=1, max_length=200)
    state: Literal["good", "damaged"] = "good"
    celsius: Decimal | None = Field(None, ge=-40, le=60, decimal_places=1)
    note: str = Field("", max_length=300)
    taker: str = Field("", max_length=254, description="For a transfer: the e-mail of the taker's account.")


class AcceptIn(Schema):
    model_config = STRICT  # type: ignore[assignment]

    state: Literal["good", "damaged"] = "good"
    celsius: Decimal | None = Field(None, ge=-40, le=60, decimal_places=1)
    note: str = Field("", max_length=300)


class HandoverOut(Schema):
    id: int
    rank: int
    kind: str
    giver: str
    taker: str
    at: datetime
    place: str
    state: str
    celsius: Decimal | None
    signed: bool = Field(..., description="Whether the taker signed (from then on they hold the parcel).")
    signed_at: datetime | None


class Paging(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _person(request: HttpRequest) -> Any:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer found it
    return token.user


def _refused(exc: services.Refused) -> Any:
    return error(409, "refused", str(exc))


def _organisation(pk: int | None) -> Actor | None:
    return None if pk is None else get_object_or_404(Actor, pk=pk)


def _account(email: str, parameter: str) -> Any:
    found = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first() if email else None
    if found is None:
        raise Http404(f"No Terroir account has this e-mail ({parameter}).")
    return found


def _driver(trip: Trip) -> str:
    return person_said(trip.driver, parcel=None, reader_id=None, insiders=frozenset(), organisation=trip.organisation)


def _trip_out(trip: Trip) -> dict[str, Any]:
    return {
        "id": trip.pk, "origin": trip.origin, "destination": trip.destination,
        "stops": [str(s["name"]) for s in trip.stops], "day": trip.day,
        "weekdays": [d for d in range(7) if trip.weekdays & (1 << d)], "until": trip.until, "leaves": trip.leaves,
        "arrives_by": trip.arrives_by, "free_kg": trip.free_kg, "free_litres": trip.free_litres,
        "condition": trip.condition, "detour_minutes": trip.detour_minutes, "price_rule": trip.price_rule,
        "price": trip.price, "cancelled": trip.cancelled, "driver": _driver(trip),
        "organisation": trip.organisation_id,
    }  # fmt: skip


def _match_out(ride: Ride) -> dict[str, Any]:
    return {
        "id": ride.pk, "trip": ride.trip_id, "date": ride.date, "status": ride.status,
        "explained": ride_explained(ride), "added_minutes": ride.added_minutes, "pickup_at": ride.pickup_at,
        "arrives_at": ride.arrives_at, "price": ride.price, "driver_confirmed": ride.driver_confirmed_at is not None,
        "sender_confirmed": ride.sender_confirmed_at is not None,
    }  # fmt: skip


class _Names:
    """A parcel's people named for the key's person as its pages name them (`presenters.person_said`): a
    recipient without an account by their e-mail, in full for the sender and the drivers only — never by
    the guest account standing for them."""

    def __init__(self, parcel: Parcel, reader: Any) -> None:
        self.parcel, self.reader_id = parcel, reader.pk
        self.insiders = insiders(parcel) if parcel.recipient_email else frozenset()

    def __call__(self, user: Any) -> str:
        return person_said(user, parcel=self.parcel, reader_id=self.reader_id, insiders=self.insiders)


def _parcel_out(parcel: Parcel, reader: Any) -> dict[str, Any]:
    ride = services.live_ride(parcel)
    name = _Names(parcel, reader)
    return {
        "id": parcel.pk, "origin": parcel.origin, "destination": parcel.destination, "day": parcel.day,
        "ready_at": parcel.ready_at, "due_by": parcel.due_by, "kg": parcel.kg, "litres": parcel.litres,
        "category": parcel.category.slug, "condition": parcel.condition, "value": parcel.value,
        "description": parcel.description, "status": parcel.status, "sender": name(parcel.sender),
        "recipient": name(parcel.recipient), "holder": name(parcel.holder),
        "match": _match_out(ride) if ride else None,
    }  # fmt: skip


def _handover_out(handover: Handover, name: _Names) -> dict[str, Any]:
    signed = getattr(handover, "acceptance", None)
    return {
        "id": handover.pk, "rank": handover.rank, "kind": handover.kind, "giver": name(handover.giver),
        "taker": name(handover.taker), "at": handover.at, "place": handover.place, "state": handover.state,
        "celsius": handover.celsius, "signed": signed is not None, "signed_at": signed.at if signed else None,
    }  # fmt: skip


# Trips ---------------------------------------------------------------------------------------------------


@router.get("/carpool/trips", response={200: list[TripOut], **READ_ERRORS}, auth=TokenBearer(),
            summary="The trips you may see (yours, your organisations', those your parcels ride)")  # fmt: skip
def carpool_trips(request: HttpRequest, paging: Query[Paging]) -> Any:
    trips = services.trips_of(_person(request)).select_related("driver", "organisation").order_by("-day", "pk")
    return [_trip_out(t) for t in trips[paging.offset : paging.offset + paging.limit]]


@router.post("/carpool/trips", response={201: TripOut, **CARPOOL_ERRORS}, auth=TokenBearer(write=True),
             summary="Offer a trip (scope write)")  # fmt: skip
def carpool_trip_offer(request: HttpRequest, body: TripIn) -> Any:
    fields = body.model_dump(exclude={"origin", "destination", "stops", "weekdays", "organisation"})
    fields |= {
        "origin": body.origin.name, "origin_lat": body.origin.lat, "origin_lon": body.origin.lon,
        "destination": body.destination.name, "destination_lat": body.destination.lat,
        "destination_lon": body.destination.lon, "stops": [s.model_dump() for s in body.stops],
        "weekdays": sum(1 << d for d in set(body.weekdays) if 0 <= d <= 6),
    }  # fmt: skip
    trip = services.trip_offer(by=_person(request), organisation=_organisation(body.organisation), **fields)
    return Status(201, _trip_out(trip))


@router.get("/carpool/trips/{trip_id}", response={200: TripOut, **READ_ERRORS}, auth=TokenBearer(),
            summary="A trip you may see")  # fmt: skip
def carpool_trip(request: HttpRequest, trip_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    return _trip_out(services.trip_get(_person(request), trip_id))


@router.post("/carpool/trips/{trip_id}/cancel", response={200: TripOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True),
             summary="Cancel a trip you drive (its parcels go back to matching)")  # fmt: skip
def carpool_trip_cancel(request: HttpRequest, trip_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    return _trip_out(services.trip_cancel(trip=services.trip_get(person, trip_id), by=person))


# Parcels -------------------------------------------------------------------------------------------------


@router.get("/carpool/parcels", response={200: list[ParcelOut], **READ_ERRORS}, auth=TokenBearer(),
            summary="The parcels you may see (sent, received, held, carried)")  # fmt: skip
def carpool_parcels(request: HttpRequest, paging: Query[Paging]) -> Any:
    person = _person(request)
    parcels = services.parcels_of(person).select_related("category", "sender", "recipient", "holder")
    page = parcels.order_by("-day", "pk")[paging.offset : paging.offset + paging.limit]
    return [_parcel_out(p, person) for p in page]


@router.post("/carpool/parcels", response={201: ParcelOut, **CARPOOL_ERRORS}, auth=TokenBearer(write=True),
             summary="Request a parcel (scope write): refused when its family may not ride")  # fmt: skip
def carpool_parcel_request(request: HttpRequest, body: ParcelIn) -> Any:
    category = Category.objects.filter(slug=body.category).first()
    if category is None:
        return error(400, "invalid_value", "No product family has this slug.", "category")
    if body.due_by <= body.ready_at:
        return error(400, "invalid_value", "The delivery comes after the parcel is ready.", "due_by")
    fields = body.model_dump(exclude={"origin", "destination", "category", "recipient", "organisation"})
    fields |= {
        "origin": body.origin.name, "origin_lat": body.origin.lat, "origin_lon": body.origin.lon,
        "destination": body.destination.name, "destination_lat": body.destination.lat,
        "destination_lon": body.destination.lon,
    }  # fmt: skip
    person = _person(request)
    try:
        parcel = services.parcel_request(
            by=person, recipient=body.recipient, category=category,
            organisation=_organisation(body.organisation), **fields,
        )  # fmt: skip
    except services.Refused as exc:
        return _refused(exc)
    return Status(201, _parcel_out(parcel, person))


@router.get("/carpool/parcels/{parcel_id}", response={200: ParcelOut, **READ_ERRORS}, auth=TokenBearer(),
            summary="A parcel you may see, with the trip matched to it")  # fmt: skip
def carpool_parcel(request: HttpRequest, parcel_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    return _parcel_out(services.parcel_get(person, parcel_id), person)


@router.post("/carpool/parcels/{parcel_id}/cancel", response={200: ParcelOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True), summary="Cancel a parcel you sent, before its pickup")  # fmt: skip
def carpool_parcel_cancel(request: HttpRequest, parcel_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    try:
        parcel = services.parcel_cancel(parcel=services.parcel_get(person, parcel_id), by=person)
    except services.Refused as exc:
        return _refused(exc)
    return _parcel_out(parcel, person)


# Matches -------------------------------------------------------------------------------------------------


def _ride(person: Any, match_id: int) -> Ride:
    ride = Ride.objects.filter(pk=match_id, parcel__in=services.parcels_of(person)).first()
    if ride is None:
        raise Http404("no such match")
    return ride


@router.post("/carpool/matches/{match_id}/accept", response={200: MatchOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True), summary="Accept a proposed match, as its driver or its sender")  # fmt: skip
def carpool_match_accept(request: HttpRequest, match_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    try:
        return _match_out(services.ride_confirm(ride=_ride(person, match_id), by=person))
    except services.Refused as exc:
        return _refused(exc)


@router.post("/carpool/matches/{match_id}/refuse", response={200: MatchOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True), summary="Refuse a match (the parcel goes back to matching)")  # fmt: skip
def carpool_match_refuse(request: HttpRequest, match_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    try:
        return _match_out(services.ride_decline(ride=_ride(person, match_id), by=person))
    except services.Refused as exc:
        return _refused(exc)


# Handovers (append-only) ---------------------------------------------------------------------------------


@router.get("/carpool/parcels/{parcel_id}/handovers", response={200: list[HandoverOut], **READ_ERRORS},
            auth=TokenBearer(), summary="A parcel's chain of responsibility, in order")  # fmt: skip
def carpool_handovers(request: HttpRequest, parcel_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    parcel = services.parcel_get(person, parcel_id)
    chain = parcel.handovers.select_related("giver", "taker", "acceptance").order_by("rank")
    name = _Names(parcel, person)
    return [_handover_out(h, name) for h in chain]


@router.post("/carpool/parcels/{parcel_id}/handovers", response={201: HandoverOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True),
             summary="Hand over the parcel you hold (pickup: to the driver; delivery: to the recipient)")  # fmt: skip
def carpool_handover_record(request: HttpRequest, body: HandoverIn, parcel_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    parcel = services.parcel_get(person, parcel_id)
    if body.kind == HandoverKind.PICKUP:
        ride = services.live_ride(parcel)
        taker = ride.trip.driver if ride else None
    elif body.kind == HandoverKind.DELIVERY:
        taker = parcel.recipient
    else:
        taker = _account(body.taker, "taker")
    try:
        handover = services.handover_record(
            parcel=parcel, by=person, kind=body.kind, taker=taker, place=body.place, state=body.state,
            celsius=body.celsius, note=body.note,
        )  # fmt: skip
    except services.Refused as exc:
        return _refused(exc)
    return Status(201, _handover_out(handover, _Names(parcel, person)))


@router.post("/carpool/handovers/{handover_id}/accept", response={200: HandoverOut, **CARPOOL_ERRORS},
             auth=TokenBearer(write=True), summary="Sign for a parcel handed to you: you then hold it")  # fmt: skip
def carpool_handover_accept(request: HttpRequest, body: AcceptIn, handover_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = _person(request)
    handover = get_object_or_404(Handover, pk=handover_id, parcel__in=services.parcels_of(person))
    try:
        services.handover_accept(handover=handover, by=person, state=body.state, celsius=body.celsius, note=body.note)
    except services.Refused as exc:
        return _refused(exc)
    signed = Handover.objects.select_related("parcel", "giver", "taker", "acceptance").get(pk=handover.pk)
    return _handover_out(signed, _Names(signed.parcel, person))
