"""An order sent by a carpool trip has its parcel: the bridge between the planner's orders
(terroir.logistics) and food carpooling (terroir.carpool), two apps of one layer that never import each
other. It follows the planner's writes (`logistics.followers`, registered in `SupplyConfig.ready`):

- an order whose producer chooses a carpool trip (`delivery_mode` carpool) requests a parcel: from the
  producer's place to the customer's (or the delivery place), on the first day the order may travel that
  week, ready when the pickup opens, due when the delivery window closes, its weight, a volume from its
  crates or weight, its value, its product family and cold chain. The parcel is the producer's (a member
  of the farm hands it over at pickup) to a member of the customer (who signs at delivery);
- a family that may not ride, or that needs the cold chain when the order does not ask for it, is refused
  with the reason on the order's form, and the order keeps its previous mode (the write is undone);
- a change of the order changes the parcel (its ride, made for the parcel as it was, is dropped and the
  day matched again); another mode, or deleting the order, cancels the parcel; once the goods are on
  their way, the order can no longer leave carpool.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.models import Membership
from terroir.carpool import services as carpool
from terroir.carpool.eligibility import eligibility_of
from terroir.carpool.models import Condition, Parcel, ParcelStatus
from terroir.directory.models import Actor
from terroir.logistics.followers import Follower
from terroir.logistics.models import DeliveryMode, DeliveryOrder, OrderKind

from .models import OrderParcel

# A parcel's volume when the order gives none: a standard crate (60 × 40 × 17 cm) holds about 40 litres;
# without crates, two litres per kilogram (bread, vegetables and fruit are light for their bulk).
CRATE_LITRES = Decimal(40)
LITRES_PER_KG = Decimal(2)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"delivery_mode": [message]})


def _member(actor: Actor, prefer: Any) -> Any:
    """A person acting for the organisation: `prefer` when they are one, else its longest-standing member."""
    members = Membership.objects.filter(actor=actor).select_related("user").order_by("created_at", "pk")
    if prefer is not None and getattr(prefer, "pk", None) and members.filter(user_id=prefer.pk).exists():
        return prefer
    first = members.filter(user__is_active=True).first()
    return first.user if first else None


def _where(entry: Any) -> str:
    town = entry.commune.name if entry.commune_id else entry.postcode
    return ", ".join(part for part in (entry.name, entry.address, town) if part)[:200]


def _day(order: DeliveryOrder) -> dt.date:
    """The first day of the order's week it may travel, today or later when the week has begun."""
    days = [order.week + dt.timedelta(days=d) for d in range(7) if order.weekdays & (1 << d)] or [order.week]
    today = timezone.localdate()
    return next((day for day in days if day >= today), days[0])


def _litres(order: DeliveryOrder) -> Decimal:
    litres = CRATE_LITRES * order.crates if order.crates else LITRES_PER_KG * Decimal(order.kg)
    return max(litres, Decimal("0.1")).quantize(Decimal("0.1"))


def parcel_fields(order: DeliveryOrder) -> dict[str, Any]:
    """What the order's parcel carries, from the order as it is now (refused: ValidationError)."""
    if order.kind != OrderKind.SHIPMENT or order.customer is None:
        raise _refuse(_("Only goods going from the farm to a customer ride a carpool trip."))
    family = order.category
    if family is None:
        raise _refuse(_("Say the goods' product family: it decides whether they may ride a carpool trip."))
    rule = eligibility_of(family)
    if rule is None or not rule.allowed:
        raise _refuse(_("%(family)s may not travel by carpool (see the eligibility table).") % {"family": family})
    if rule.condition != Condition.NONE and not order.cold:
        raise _refuse(_(
            "%(family)s rides only in the cold chain (%(condition)s): say the order needs the cold chain, or "
            "choose another way to deliver it."
        ) % {"family": family, "condition": rule.get_condition_display()})  # fmt: skip
    producer, customer, place = order.producer, order.customer, order.delivery_place
    end = place if place is not None and place.lat is not None else customer
    if producer.lat is None or producer.lon is None or end.lat is None or end.lon is None:
        raise _refuse(_("A carpool trip needs the farm's and the customer's positions on the map."))
    return {
        "origin": _where(producer), "origin_lat": producer.lat, "origin_lon": producer.lon,
        "destination": _where(end), "destination_lat": end.lat, "destination_lon": end.lon,
        "day": _day(order), "ready_at": order.pickup_opens, "due_by": order.delivery_closes,
        "kg": max(Decimal(order.kg), Decimal("0.01")), "litres": _litres(order),
        "condition": Condition.REFRIGERATED if order.cold else Condition.NONE, "value": order.value,
        "description": (order.description or str(family))[:200],
    }  # fmt: skip


def _people(order: DeliveryOrder, by: Any) -> tuple[Any, Any]:
    assert order.customer is not None
    sender = _member(order.producer, by)
    if sender is None:
        raise _refuse(_("%(name)s has nobody with an account on Terroir: someone of the farm signs the parcel "
                        "over at pickup.") % {"name": order.producer.name})  # fmt: skip
    # Nobody of the customer on Terroir: their address receives the one-time code they sign with.
    recipient = _member(order.customer, None) or order.customer.email or None
    if recipient is None:
        raise _refuse(_("%(name)s has nobody with an account on Terroir nor an e-mail: someone there signs for "
                        "the parcel at delivery.") % {"name": order.customer.name})  # fmt: skip
    return sender, recipient


def _live(link: OrderParcel | None) -> Parcel | None:
    if link is None or link.parcel.status == ParcelStatus.CANCELLED:
        return None
    return link.parcel


def _let_go(link: OrderParcel, *, keeping: bool) -> None:
    """Cancel the order's parcel if it has not left; `keeping`: the order stays, and must not leave carpool
    while its goods travel by it (a deleted order lets its travelling parcel finish its journey)."""
    parcel = link.parcel
    if parcel.status in carpool.CHANGEABLE:
        carpool.parcel_cancel(parcel=parcel, by=parcel.sender)
    elif keeping and parcel.status != ParcelStatus.CANCELLED:
        raise _refuse(_("The goods already travel by carpool (%(status)s): the order can no longer change its "
                        "way of delivery.") % {"status": parcel.get_status_display()})  # fmt: skip
    link.delete()


def order_saved(*, order: DeliveryOrder, before: DeliveryOrder | None, by: Any) -> None:
    """Keep the order's parcel in step with the order (see the module's words)."""
    link = OrderParcel.objects.select_related("parcel").filter(order=order).first()
    if order.delivery_mode != DeliveryMode.CARPOOL:
        if link is not None:
            _let_go(link, keeping=True)
        return
    fields = parcel_fields(order)
    sender, recipient = _people(order, by)
    assert order.category is not None
    try:
        parcel = _live(link)
        if parcel is not None:
            carpool.parcel_change(parcel=parcel, by=parcel.sender, recipient=recipient, category=order.category,
                                  **fields)  # fmt: skip
            return
        if link is not None:
            link.delete()
        parcel = carpool.parcel_request(by=sender, recipient=recipient, category=order.category,
                                        organisation=order.producer, **fields)  # fmt: skip
    except carpool.Refused as exc:
        raise _refuse(str(exc)) from None
    except ValidationError as exc:
        # A week whose delivery days are all past (`_day`): no trip runs on a day gone by.
        if "day" in getattr(exc, "error_dict", {}):
            raise _refuse(_("This order's delivery days have passed: its goods can no longer ride a carpool "
                            "trip.")) from None  # fmt: skip
        raise
    OrderParcel.objects.create(order=order, parcel=parcel)


def orders_leaving(*, ids: list[int]) -> None:
    for link in OrderParcel.objects.select_related("parcel").filter(order_id__in=ids):
        _let_go(link, keeping=False)


FOLLOWER = Follower(saved=order_saved, leaving=orders_leaving)
