"""Writes of agreements: accepting an offer, making the weeks' delivery orders (idempotently), changing
and cancelling, each change told to both sides in the needs inbox and carried to the orders."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.models import Actor, Unit
from terroir.logistics import services as logistics
from terroir.logistics.models import DeliveryOrder, OrderKind
from terroir.needs import services as needs
from terroir.needs.models import Answer, Frequency, Notification

from . import schedule
from .models import Agreement, AgreementChange, AgreementOrder, AgreementPart

DEFAULT_WINDOW = (dt.time(7, 0), dt.time(12, 0))
# Pieces, dozens and crates have no weight here: their orders say how many, and the planner weighs them.
KG_PER_UNIT: dict[str, Decimal] = {Unit.KG: Decimal(1), Unit.LITRE: Decimal(1)}


def horizon_weeks() -> int:
    """How many weeks ahead an agreement's orders exist (TERROIR_AGREEMENT_WEEKS_AHEAD)."""
    return int(settings.TERROIR_AGREEMENT_WEEKS_AHEAD)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Who ------------------------------------------------------------------------------------------


def _producer_ids(agreement: Agreement) -> set[int]:
    return {agreement.answer.producer_id, *(p.producer_id for p in agreement.parts.all())}


def can_see(user: Any, agreement: Agreement) -> bool:
    """The buyer's people, every member producer's, the carrier's, and coordinators."""
    if is_coordinator(user):
        return True
    mine = actor_ids_of(user)
    return bool(mine & ({agreement.answer.need.buyer_id, agreement.carrier_id} | _producer_ids(agreement)))


def can_change(user: Any, agreement: Agreement) -> bool:
    """The buyer's people and the lead producer's (and coordinators): the members follow their lead."""
    if is_coordinator(user):
        return True
    return bool(actor_ids_of(user) & {agreement.answer.need.buyer_id, agreement.answer.producer_id})


def agreements_of(user: Any) -> QuerySet[Agreement]:
    rows = Agreement.objects.select_related("answer__need__buyer", "answer__producer", "answer__need__category")
    if is_coordinator(user):
        return rows
    mine = actor_ids_of(user)
    return rows.filter(
        Q(answer__need__buyer_id__in=mine) | Q(parts__producer_id__in=mine) | Q(carrier_id__in=mine)
    ).distinct()


def _sides(agreement: Agreement) -> list[Actor]:
    return [agreement.answer.need.buyer, *(p.producer for p in agreement.parts.select_related("producer"))]


# --- Accepting ------------------------------------------------------------------------------------


def _carrier(value: Any) -> Actor | None:
    if value in (None, ""):
        return None
    if isinstance(value, Actor):
        found: Actor | None = value
    else:
        text = str(value)
        found = Actor.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    if found is None or not found.is_carrier:
        raise ValidationError({"carrier": [_("Choose a carrier from the list.")]})
    return found


@transaction.atomic
def agreement_accept(*, answer: Answer, by: Any, carrier: Any = None, today: dt.date | None = None) -> Agreement:
    """The buyer accepts an offer: the answer is marked accepted (the producers told), the agreement takes
    the need's delivery days, window, place, months and frequency with the offer's price and volume, and
    the coming weeks' orders are made in the planner of `carrier` (none: the coordinators')."""
    chosen = _carrier(carrier)
    answer = needs.answer_accept(answer=answer, by=by)
    need = answer.need
    assert answer.price is not None and answer.volume is not None
    today = _today(today)
    starts = max(answer.first_delivery or need.start_date or today, today)
    window = (need.window_start, need.window_end) if need.window_start and need.window_end else DEFAULT_WINDOW
    agreement = Agreement.objects.create(
        answer=answer, carrier=chosen, price=answer.price, volume=answer.volume, frequency=need.frequency,
        months=need.months, weekdays=need.delivery_weekdays, window_start=window[0], window_end=window[1],
        delivery_place=need.delivery_place, starts=starts, ends=starts if need.frequency == Frequency.ONCE else None,
        accepted_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    shares = list(answer.shares.all())
    parts = [(s.producer_id, s.volume) for s in shares] or [(answer.producer_id, answer.volume)]
    AgreementPart.objects.bulk_create(
        AgreementPart(agreement=agreement, producer_id=pk, volume=volume, lead=pk == answer.producer_id)
        for pk, volume in parts
    )
    orders_generate(agreement=agreement, today=today)
    return agreement


# --- Orders ---------------------------------------------------------------------------------------


def _kg(agreement: Agreement, volume: Decimal) -> Decimal:
    per_unit = KG_PER_UNIT.get(agreement.answer.need.unit, Decimal(0))
    return (volume * per_unit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _order_values(agreement: Agreement, part: AgreementPart) -> dict[str, Any]:
    """What an order of this part carries, from the agreement as it is now."""
    need = agreement.answer.need
    goods = f"{need.category.name} — {need.title}"
    if need.unit not in KG_PER_UNIT:
        goods = f"{part.volume.normalize():f} {Unit(need.unit).label} · {goods}"
    return {
        "kg": _kg(agreement, part.volume), "value": (part.volume * agreement.price).quantize(Decimal("0.01")),
        "weekdays": agreement.weekdays, "delivery_opens": agreement.window_start,
        "delivery_closes": agreement.window_end, "delivery_place": agreement.delivery_place,
        "description": goods[:200], "category": need.category, "cold": "cold_chain" in (need.requirements or []),
    }  # fmt: skip


def orders_generate(*, agreement: Agreement, today: dt.date | None = None) -> int:
    """Make the orders of the weeks from this one to the horizon that have none yet; how many were made.
    Running it again makes nothing (one row per part and week, the week kept even when a carrier deleted
    its order)."""
    today = _today(today)
    first = schedule.monday(today)
    last = first + dt.timedelta(weeks=horizon_weeks() - 1)
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("answer__need__buyer", "answer__need__category", "delivery_place")
            .get(pk=agreement.pk)
        )
        if agreement.status != Agreement.Status.ACTIVE:
            return 0
        weeks = schedule.weeks_in_segments(
            segments=segments(agreement), ends=agreement.ends, months=agreement.months, first=first, last=last
        )
        need = agreement.answer.need
        parts = list(agreement.parts.select_related("producer"))
        done = set(AgreementOrder.objects.filter(part__in=parts).values_list("part_id", "week"))
        wanted = [(part, week, days) for part in parts for week, days in weeks if (part.pk, week) not in done]
        orders = logistics.orders_create(orders=[
            DeliveryOrder(
                week=week, owner=agreement.carrier, kind=OrderKind.SHIPMENT, producer=part.producer,
                customer=need.buyer, **(_order_values(agreement, part) | {"weekdays": days}),
            )
            for part, week, days in wanted
        ], usual=True)  # each producer's usual way of delivering this buyer  # fmt: skip
        links = zip(wanted, orders, strict=True)
        AgreementOrder.objects.bulk_create(AgreementOrder(part=p, week=w, order=o) for (p, w, _d), o in links)
        made = len(orders)
        Agreement.objects.filter(pk=agreement.pk).update(generated_until=last)
    return made


def segments(agreement: Agreement) -> list[tuple[dt.date, str, int]]:
    """The agreement's schedule as (from, frequency, delivery days) pieces: from the first delivery, then
    from each new schedule's week (the history keeps what each replaced)."""
    changes = list(agreement.changes.filter(kind=AgreementChange.Kind.SCHEDULE).order_by("effective_from", "pk"))
    if not changes:
        return [(agreement.starts, agreement.frequency, agreement.weekdays)]

    def before(change: AgreementChange) -> tuple[str, int]:
        old = change.changes
        return (old.get("frequency", [agreement.frequency])[0], old.get("weekdays", [agreement.weekdays])[0])

    pieces = [(agreement.starts, *before(changes[0]))]
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        now = before(following) if following else (agreement.frequency, agreement.weekdays)
        pieces.append((change.effective_from, *now))
    return pieces


def agreements_due(*, today: dt.date | None = None) -> QuerySet[Agreement]:
    """The running agreements whose orders do not yet reach the horizon (one query: the worker asks every
    minute)."""
    today = _today(today)
    last = schedule.monday(today) + dt.timedelta(weeks=horizon_weeks() - 1)
    return (
        Agreement.objects.filter(status=Agreement.Status.ACTIVE)
        .filter(Q(generated_until__isnull=True) | Q(generated_until__lt=last))
        .exclude(ends__lt=schedule.monday(today))
    )


def agreements_extend(*, today: dt.date | None = None) -> int:
    """The worker's side: every due agreement's coming orders; how many orders were made."""
    return sum(orders_generate(agreement=a, today=today) for a in agreements_due(today=today))


def orders_ahead(agreement: Agreement, today: dt.date | None = None) -> QuerySet[AgreementOrder]:
    """Links of the orders not yet travelled: this week's and later (past weeks' stay as they were)."""
    return AgreementOrder.objects.filter(part__agreement=agreement, week__gte=schedule.monday(_today(today)))


# --- Changing and cancelling ----------------------------------------------------------------------


def _split(volume: Decimal, parts: list[AgreementPart]) -> dict[int, Decimal]:
    """The new volume shared among the parts in their present proportions; the rounding's cents go to the
    lead, so the shares still add up."""
    total = sum((p.volume for p in parts), Decimal(0))
    shares = {p.pk: (volume * p.volume / total).quantize(Decimal("0.01")) for p in parts}
    lead = next((p for p in parts if p.lead), parts[0])
    shares[lead.pk] += volume - sum(shares.values())
    return shares


@transaction.atomic
def agreement_change(
    *, agreement: Agreement, by: Any, volume: Any = None, weekdays: int | None = None,
    window_start: dt.time | None = None, window_end: dt.time | None = None, today: dt.date | None = None,
) -> Agreement:  # fmt: skip
    """Change the volume per delivery (a joint agreement's parts keep their proportions), the delivery
    days or the window: the orders not yet travelled follow, and the other side is told."""
    if not can_change(by, agreement):
        raise PermissionDenied(_("Only the buyer and the lead producer change an agreement."))
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"__all__": [_("This agreement is cancelled.")]})
    errors: dict[str, list[str]] = {}
    new_volume = agreement.volume
    if volume not in (None, ""):
        try:
            number = Decimal(str(volume).replace(",", "."))
        except ArithmeticError:
            number = Decimal(-1)
        if not number.is_finite() or number <= 0 or number >= Decimal("1e8"):
            errors["volume"] = [_("Must be more than zero.")]
        else:
            new_volume = number.quantize(Decimal("0.01"))
    if weekdays is not None and not 0 < weekdays <= 127:
        errors["weekdays"] = [_("Choose at least one.")]
    start, end = window_start or agreement.window_start, window_end or agreement.window_end
    if end <= start:
        errors["window_end"] = [_("The time window ends before it starts.")]
    if errors:
        raise ValidationError(errors)
    today = _today(today)
    parts = list(agreement.parts.all())
    if new_volume != agreement.volume:
        shares = _split(new_volume, parts)
        for part in parts:
            part.volume = shares[part.pk]
            part.save(update_fields=["volume"])
    before = {"volume": str(agreement.volume), "weekdays": agreement.weekdays,
              "window_start": agreement.window_start.strftime("%H:%M"),
              "window_end": agreement.window_end.strftime("%H:%M")}  # fmt: skip
    agreement.volume, agreement.window_start, agreement.window_end = new_volume, start, end
    if weekdays is not None:
        agreement.weekdays = weekdays
    after = {"volume": str(agreement.volume), "weekdays": agreement.weekdays,
             "window_start": start.strftime("%H:%M"), "window_end": end.strftime("%H:%M")}  # fmt: skip
    AgreementChange.objects.create(
        agreement=agreement, kind=AgreementChange.Kind.CHANGE, by=by if getattr(by, "pk", None) else None,
        effective_from=schedule.monday(today),
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )  # fmt: skip
    agreement.changed_at = timezone.now()
    agreement.save(update_fields=["volume", "window_start", "window_end", "weekdays", "changed_at"])
    by_part = {p.pk: p for p in parts}
    for link in orders_ahead(agreement, today).exclude(order=None).select_related("order"):
        order = link.order
        assert order is not None
        for name, value in _order_values(agreement, by_part[link.part_id]).items():
            setattr(order, name, value)
        logistics.order_save(order=order)
    needs.people_notify(need=agreement.answer.need, actors=_sides(agreement), kind=Notification.Kind.AGREEMENT, by=by)
    return agreement


@transaction.atomic
def agreement_cancel(*, agreement: Agreement, by: Any, reason: str = "", today: dt.date | None = None) -> Agreement:
    """End the agreement: the orders not yet travelled leave the planner, past weeks' stay; both sides
    are told."""
    if not can_change(by, agreement):
        raise PermissionDenied(_("Only the buyer and the lead producer change an agreement."))
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"__all__": [_("This agreement is already cancelled.")]})
    today = _today(today)
    ahead = orders_ahead(agreement, today)
    logistics.orders_delete(ids=[pk for pk in ahead.values_list("order_id", flat=True) if pk is not None])
    ahead.delete()
    agreement.status, agreement.cancelled_at = Agreement.Status.CANCELLED, timezone.now()
    agreement.reason = reason.strip()[:300]
    agreement.save(update_fields=["status", "cancelled_at", "reason"])
    AgreementChange.objects.create(
        agreement=agreement, kind=AgreementChange.Kind.CANCEL, by=by if getattr(by, "pk", None) else None,
        effective_from=schedule.monday(today), changes={"status": ["active", "cancelled"]},
    )  # fmt: skip
    needs.people_notify(need=agreement.answer.need, actors=_sides(agreement), kind=Notification.Kind.CANCELLED, by=by)
    return agreement


SCHEDULES = (Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY)


@transaction.atomic
def agreement_reschedule(
    *, agreement: Agreement, by: Any, frequency: str, weekdays: int, effective_from: dt.date,
    today: dt.date | None = None,
) -> Agreement:  # fmt: skip
    """A new frequency and delivery days from the week of `effective_from` on (this week or later): the
    orders of the weeks before stay as they are, those of that week and later are taken out of the planner
    and made again by the new schedule (counted from that week); the change is kept in the history and the
    other side is told."""
    if not can_change(by, agreement):
        raise PermissionDenied(_("Only the buyer and the lead producer change an agreement."))
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"__all__": [_("This agreement is cancelled.")]})
    if agreement.frequency == Frequency.ONCE:
        raise ValidationError({"__all__": [_("A one-off delivery has no schedule to change.")]})
    today = _today(today)
    week = schedule.monday(effective_from)
    errors: dict[str, list[str]] = {}
    if frequency not in SCHEDULES:
        errors["frequency"] = [_("Choose every week, every other week or once a month.")]
    if not 0 < weekdays <= 127:
        errors["weekdays"] = [_("Choose at least one.")]
    if week < schedule.monday(today):
        errors["effective_from"] = [_("The weeks gone by keep their orders: choose this week or a later one.")]
    elif agreement.ends is not None and week > schedule.monday(agreement.ends):
        errors["effective_from"] = [_("The agreement ends before that week.")]
    later = agreement.changes.filter(kind=AgreementChange.Kind.SCHEDULE, effective_from__gt=week).first()
    if later is not None:
        errors["effective_from"] = [
            _("A new schedule already applies from the week of %(day)s: choose that week or a later one.")
            % {"day": later.effective_from.strftime("%d/%m/%Y")}
        ]
    if not errors and (frequency, weekdays) == (agreement.frequency, agreement.weekdays):
        errors["__all__"] = [_("This is already the agreement's schedule.")]
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
    ahead = AgreementOrder.objects.filter(part__agreement=agreement, week__gte=week)
    logistics.orders_delete(ids=[pk for pk in ahead.values_list("order_id", flat=True) if pk is not None])
    ahead.delete()
    AgreementChange.objects.create(
        agreement=agreement, kind=AgreementChange.Kind.SCHEDULE, by=by if getattr(by, "pk", None) else None,
        effective_from=week,
        changes={"frequency": [agreement.frequency, frequency], "weekdays": [agreement.weekdays, weekdays]},
    )  # fmt: skip
    agreement.frequency, agreement.weekdays, agreement.changed_at = frequency, weekdays, timezone.now()
    agreement.save(update_fields=["frequency", "weekdays", "changed_at"])
    orders_generate(agreement=agreement, today=today)
    needs.people_notify(need=agreement.answer.need, actors=_sides(agreement), kind=Notification.Kind.AGREEMENT, by=by)
    return agreement
