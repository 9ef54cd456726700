"""A producer's usual way of delivering each customer (`DeliveryPreference`: the pooled round, themselves,
a relay platform, a carpool trip) through the API: new orders from that producer to that customer take it.

As on the page (terroir.logistics.access): a producer's people read, set, change and delete their
producer's choices, coordinators any producer's; a customer's people read the choices that concern them
(how goods come to them) but change none (403); anyone else finds nothing (an empty list, 404). A choice
is checked by the order's own rule (`models.delivery_mode_errors`, through `services.preference_set`), and
every refusal is a 4xx saying why in the reader's language (Accept-Language)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from terroir.accounts.models import ApiToken
from terroir.directory.models import Actor
from terroir.logistics import access, services
from terroir.logistics.models import DeliveryMode, DeliveryPreference, Depot

from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, error
from ..schemas import ErrorOut
from ..security import TokenBearer

router = Router(tags=["delivery preferences"])
READ_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut}
PREFERENCE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: ErrorOut}
_STRICT = {"extra": "forbid"}
MODES: list[str] = [mode.value for mode in DeliveryMode]
# Checked by hand (`_choice`) rather than as a Literal, so that a wrong mode is refused in the reader's
# language; the document still lists the modes.
LISTED: dict[str, Any] = {"enum": MODES}
MODE = Field(..., max_length=20, json_schema_extra=LISTED,
             description="pooled (the pooled round), self (the producer delivers), relay (through the relay "
             "platform named in `relay`) or carpool (a carpool trip).")  # fmt: skip
RELAY = Field(None, ge=1, le=MAX_ID, description="The relay platform's depot id: for `relay` only.")


class DeliveryPreferenceIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    producer: int = Field(..., ge=1, le=MAX_ID, description="A producer you act for (any, for a coordinator).")
    customer: int = Field(..., ge=1, le=MAX_ID, description="A customer of the directory (an organisation that buys).")
    delivery_mode: str = MODE
    relay: int | None = RELAY


class DeliveryPreferenceChangeIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    delivery_mode: str = MODE
    relay: int | None = RELAY


class DeliveryPreferenceOut(Schema):
    id: int
    producer: int
    producer_name: str
    customer: int
    customer_name: str
    delivery_mode: str = Field(..., description="pooled, self, relay or carpool.")
    delivery_mode_label: str = Field(..., description="The mode in the reader's language.")
    relay: int | None
    relay_name: str
    updated_at: datetime.datetime


class DeliveryPreferencesQuery(Schema):
    producer: int | None = Field(None, ge=1, le=MAX_ID, description="Only this producer's choices.")
    customer: int | None = Field(None, ge=1, le=MAX_ID, description="Only the choices for this customer.")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class _Refused(Exception):
    """Bad input named with its parameter: answered as a 400."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.response = error(400, "invalid_value", message, parameter)


def _person(request: HttpRequest) -> Any:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer found it
    return token.user


def _out(p: DeliveryPreference) -> dict[str, Any]:
    return {
        "id": p.pk, "producer": p.producer_id, "producer_name": p.producer.name, "customer": p.customer_id,
        "customer_name": p.customer.name, "delivery_mode": p.delivery_mode,
        "delivery_mode_label": str(p.get_delivery_mode_display()), "relay": p.relay_id,
        "relay_name": p.relay.name if p.relay else "", "updated_at": p.updated_at,
    }  # fmt: skip


def _seen(person: Any) -> Any:
    return access.preferences_of(person).select_related("producer", "customer", "relay")


def _choice(body: DeliveryPreferenceIn | DeliveryPreferenceChangeIn) -> tuple[str, Depot | None]:
    """The mode and its platform, each known: the rule between them is the service's."""
    if body.delivery_mode not in MODES:
        raise _Refused(_("Choose how the goods travel: %(modes)s.") % {"modes": ", ".join(MODES)}, "delivery_mode")
    relay = None if body.relay is None else Depot.objects.filter(pk=body.relay).first()
    if body.relay is not None and relay is None:
        raise _Refused(_("No relay platform has this id."), "relay")
    return body.delivery_mode, relay


def _changeable(person: Any, preference_id: int) -> DeliveryPreference:
    """A choice the person reads; the customer's people read it but only the producer's set it (403)."""
    found = get_object_or_404(_seen(person), pk=preference_id)
    if not access.preference_producers_of(person).filter(pk=found.producer_id).exists():
        raise PermissionDenied(_("Only the producer's people and coordinators change how it delivers."))
    return found


@router.get("/delivery-preferences", response={200: list[DeliveryPreferenceOut], **READ_ERRORS},
            auth=TokenBearer(), summary="The usual delivery choices you read: your producers', and those "
            "concerning your organisations as customers")  # fmt: skip
def delivery_preferences(request: HttpRequest, params: Query[DeliveryPreferencesQuery]) -> Any:
    rows = _seen(_person(request)).order_by("producer__name", "customer__name", "pk")
    if params.producer is not None:
        rows = rows.filter(producer_id=params.producer)
    if params.customer is not None:
        rows = rows.filter(customer_id=params.customer)
    return [_out(p) for p in rows[params.offset : params.offset + params.limit]]


@router.post("/delivery-preferences", response={201: DeliveryPreferenceOut, **PREFERENCE_ERRORS},
             auth=TokenBearer(write=True),
             summary="Choose how a producer usually delivers a customer (scope write): new orders take it")  # fmt: skip
def delivery_preference_create(request: HttpRequest, body: DeliveryPreferenceIn) -> Any:
    person = _person(request)
    producer = access.preference_producers_of(person).filter(pk=body.producer).first()
    if producer is None:
        return error(404, "not_found", _("No producer of yours has this id."), "producer")
    customer = Actor.objects.filter(pk=body.customer, is_buyer=True).exclude(pk=producer.pk).first()
    if customer is None:
        return error(400, "invalid_value", _("No customer of the directory has this id."), "customer")
    try:
        mode, relay = _choice(body)
    except _Refused as exc:
        return exc.response
    taken = _("This producer already has a usual choice for this customer: change it "
              "(PUT /api/v1/delivery-preferences/%(id)s).")  # fmt: skip
    known = DeliveryPreference.objects.filter(producer=producer, customer=customer).first()
    if known is not None:
        return error(409, "exists", taken % {"id": known.pk})
    try:
        made = services.preference_set(producer=producer, customer=customer, mode=mode, relay=relay, by=person)
    except IntegrityError:  # made by another request meanwhile
        known = DeliveryPreference.objects.get(producer=producer, customer=customer)
        return error(409, "exists", taken % {"id": known.pk})
    return Status(201, _out(_seen(person).get(pk=made.pk)))


@router.get("/delivery-preferences/{preference_id}", response={200: DeliveryPreferenceOut, **READ_ERRORS},
            auth=TokenBearer(), summary="One usual delivery choice")  # fmt: skip
def delivery_preference(request: HttpRequest, preference_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    return _out(get_object_or_404(_seen(_person(request)), pk=preference_id))


@router.put("/delivery-preferences/{preference_id}", response={200: DeliveryPreferenceOut, **PREFERENCE_ERRORS},
            auth=TokenBearer(write=True),
            summary="Change a usual delivery choice (orders already made keep theirs)")  # fmt: skip
def delivery_preference_change(
    request: HttpRequest, body: DeliveryPreferenceChangeIn, preference_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    person = _person(request)
    found = _changeable(person, preference_id)
    try:
        mode, relay = _choice(body)
    except _Refused as exc:
        return exc.response
    services.preference_set(producer=found.producer, customer=found.customer, mode=mode, relay=relay, by=person)
    return _out(_seen(person).get(pk=found.pk))


@router.delete("/delivery-preferences/{preference_id}", response={204: None, **PREFERENCE_ERRORS},
               auth=TokenBearer(write=True),
               summary="Forget a usual delivery choice: new orders go by the pooled round")  # fmt: skip
def delivery_preference_delete(request: HttpRequest, preference_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    services.preference_delete(preference=_changeable(_person(request), preference_id))
    return Status(204, None)
