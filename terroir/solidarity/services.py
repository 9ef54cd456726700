"""The only writers of programmes, agreed prices and orders; and the reads their pages share (current
prices, the budget's figures, the lines a period's totals add). Who may call which is the views' check
(terroir.solidarity.access); the rules of the data are here."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.directory import numbers
from terroir.directory.models import Actor, Place

from . import notify, shares
from .access import grocery_kinds
from .models import COMMITTED, AgreedPrice, Order, OrderLine, OrderStatus, Programme, ShareKind, Unit

ZERO = Decimal("0.00")
# What a line's quantity column holds (10 digits, 3 decimals), far above any grocery's order.
MAX_QUANTITY = Decimal("100000")


def _quantity_check(quantity: Decimal) -> Decimal:
    if not quantity.is_finite() or quantity > MAX_QUANTITY:
        raise ValidationError(_("A quantity is at most %(max)s.") % {"max": MAX_QUANTITY})
    return quantity.quantize(Decimal("0.001"))


def _rule_check(share_kind: str, share_rate: Decimal | None, share_amount: Decimal | None,
                share_cap: Decimal | None) -> tuple[Decimal | None, Decimal | None, Decimal | None]:  # fmt: skip
    if share_kind == ShareKind.PERCENT:
        if share_rate is None or not ZERO < share_rate <= 1:
            raise ValidationError({"share_rate": _("A percentage of the price lies above 0 and up to 100%.")})
        return share_rate.quantize(Decimal("0.0001")), None, share_cap
    if share_kind == ShareKind.PER_UNIT:
        if share_amount is None or share_amount <= 0:
            raise ValidationError({"share_amount": _("Say how many euros per unit the partner pays.")})
        return None, share_amount, share_cap
    raise ValidationError({"share_kind": _("Choose how the partner's share is computed.")})


@transaction.atomic
def programme_create(
    *, name: str, funder: Actor, groceries: Iterable[Place], producers: Iterable[Actor] = (), share_kind: str,
    share_rate: Decimal | None = None, share_amount: Decimal | None = None, share_cap: Decimal | None = None,
    budget: Decimal, starts: datetime.date, ends: datetime.date, by: Any = None,
) -> Programme:  # fmt: skip
    groceries, producers = list(groceries), list(producers)
    if not funder.is_organisation:
        raise ValidationError({"funder": _("The funder is an organisation of the directory.")})
    if not groceries:
        raise ValidationError({"groceries": _("Name at least one grocery.")})
    if any(place.kind not in grocery_kinds() for place in groceries):
        raise ValidationError({"groceries": _("A programme funds solidarity or cooperative groceries only.")})
    if any(not actor.is_producer for actor in producers):
        raise ValidationError({"producers": _("Only producers supply a programme.")})
    if ends < starts:
        raise ValidationError({"ends": _("The programme ends after it starts.")})
    if budget < 0:
        raise ValidationError({"budget": _("A budget is not negative.")})
    if share_cap is not None and share_cap <= 0:
        raise ValidationError({"share_cap": _("A cap per unit is above zero (leave it empty for none).")})
    rate, amount, cap = _rule_check(share_kind, share_rate, share_amount, share_cap)
    programme = Programme.objects.create(
        name=name, funder=funder, share_kind=share_kind, share_rate=rate, share_amount=amount, share_cap=cap,
        budget=budget, starts=starts, ends=ends, created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    programme.groceries.set(groceries)
    programme.producers.set(producers)
    return programme


@transaction.atomic
def programme_update(
    *, programme: Programme, budget: Decimal, ends: datetime.date, groceries: Iterable[Place],
    producers: Iterable[Actor] = (),
) -> Programme:  # fmt: skip
    """A new envelope, end date, groceries or producers. The budget never goes below what the orders already
    commit, nor the end before the last order; the share rule is not changed (the orders' shares follow it).
    A grocery or producer taken out keeps its orders, counted as before."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    groceries, producers = list(groceries), list(producers)
    committed = budget_of(programme).committed
    if budget < committed:
        raise ValidationError({"budget": _("The orders already commit %(committed)s: the budget cannot be less.")
                               % {"committed": numbers.money(committed)}})  # fmt: skip
    last = programme.orders.order_by("-ordered_on").values_list("ordered_on", flat=True).first()
    if ends < programme.starts or (last is not None and ends < last):
        raise ValidationError({"ends": _("The programme ends after it starts and after its last order.")})
    if not groceries:
        raise ValidationError({"groceries": _("Name at least one grocery.")})
    if any(place.kind not in grocery_kinds() for place in groceries):
        raise ValidationError({"groceries": _("A programme funds solidarity or cooperative groceries only.")})
    if any(not actor.is_producer for actor in producers):
        raise ValidationError({"producers": _("Only producers supply a programme.")})
    programme.budget, programme.ends = budget, ends
    programme.save(update_fields=["budget", "ends"])
    programme.groceries.set(groceries)
    programme.producers.set(producers)
    return programme


def is_supplier(programme: Programme, producer: Actor) -> bool:
    """A programme naming no producer takes any producer of the directory."""
    named = programme.producers.all()
    return producer.is_producer and (not named.exists() or named.filter(pk=producer.pk).exists())


@transaction.atomic
def price_set(
    *, programme: Programme, producer: Actor, product: str, unit: str, price: Decimal, valid_from: datetime.date,
    grocery: Place | None = None, by: Any = None,
) -> AgreedPrice:  # fmt: skip
    """A new agreed price from `valid_from`. The price it replaces (same product, unit, producer and grocery
    or programme) ends the day before and stays, with the orders made at it."""
    product = " ".join(product.split())
    if not product:
        raise ValidationError({"product": _("Name the product.")})
    if unit not in Unit.values:
        raise ValidationError({"unit": _("Choose a unit.")})
    if price <= 0:
        raise ValidationError({"price": _("A price is above zero.")})
    if not is_supplier(programme, producer):
        raise ValidationError({"producer": _("This programme does not name this producer.")})
    if grocery is not None and not programme.groceries.filter(pk=grocery.pk).exists():
        raise ValidationError({"grocery": _("This grocery is not in the programme.")})
    if not programme.starts <= valid_from <= programme.ends:
        raise ValidationError({"valid_from": _("A price starts within the programme's dates (%(starts)s – %(ends)s).")
                               % {"starts": programme.starts, "ends": programme.ends}})  # fmt: skip
    same = AgreedPrice.objects.select_for_update().filter(
        programme=programme, producer=producer, grocery=grocery, product__iexact=product, unit=unit
    )  # fmt: skip
    if same.filter(valid_from__gte=valid_from).exists():
        latest = same.order_by("-valid_from").first()
        assert latest is not None
        raise ValidationError({"valid_from": _("A new price starts after the current one (from %(day)s).")
                               % {"day": latest.valid_from.isoformat()}})  # fmt: skip
    same.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from)).update(
        valid_until=valid_from - datetime.timedelta(days=1)
    )
    return AgreedPrice.objects.create(
        programme=programme, producer=producer, grocery=grocery, product=product, unit=unit, price=price,
        valid_from=valid_from, created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip


def prices_current(*, programme: Programme, grocery: Place, producer: Actor, on: datetime.date) -> list[AgreedPrice]:
    """The prices a grocery orders at on a day: the grocery's own price of a product first, else the
    programme's."""
    rows = AgreedPrice.objects.filter(
        Q(grocery=grocery) | Q(grocery__isnull=True), programme=programme, producer=producer, valid_from__lte=on,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))  # fmt: skip
    chosen: dict[tuple[str, str], AgreedPrice] = {}
    for row in rows.order_by("grocery_id"):  # NULL (the programme's) first: a grocery's own replaces it
        key = (row.product.casefold(), row.unit)
        if row.grocery_id is not None or key not in chosen:
            chosen[key] = row
    return sorted(chosen.values(), key=lambda row: (row.product.casefold(), row.unit))


@dataclass(frozen=True)
class Budget:
    budget: Decimal
    spent: Decimal  # partner's share of delivered orders
    open: Decimal  # of orders waiting or confirmed, not delivered yet
    committed: Decimal
    remaining: Decimal


def budget_of(programme: Programme, *, without: Order | None = None) -> Budget:
    orders = Order.objects.filter(programme=programme, status__in=COMMITTED)
    if without is not None:
        orders = orders.exclude(pk=without.pk)
    # Quantized: SQLite sums decimals as floats (35.7000000000000).
    spent = shares.cents(orders.filter(status=OrderStatus.DELIVERED).aggregate(s=Sum("partner_share"))["s"] or ZERO)
    pending = shares.cents(orders.exclude(status=OrderStatus.DELIVERED).aggregate(s=Sum("partner_share"))["s"] or ZERO)
    committed = spent + pending
    return Budget(programme.budget, spent, pending, committed, programme.budget - committed)


def _budget_check(programme: Programme, share: Decimal, *, without: Order | None = None) -> None:
    figures = budget_of(programme, without=without)
    if share > figures.remaining:
        raise ValidationError(_(
            "The programme's budget would be exceeded by %(over)s: this order's partner share is %(share)s and "
            "%(remaining)s is left of %(budget)s."
        ) % {"over": numbers.money(share - figures.remaining), "share": numbers.money(share),
             "remaining": numbers.money(figures.remaining), "budget": numbers.money(figures.budget)})  # fmt: skip


def _line_fill(line: OrderLine, rule: shares.Rule) -> None:
    figures = shares.line_figures(rule, line.unit_price, line.counted)
    line.amount, line.partner_share, line.grocery_share = figures.amount, figures.partner, figures.grocery


def _sums(order: Order, lines: list[OrderLine]) -> None:
    order.amount = sum((line.amount for line in lines), ZERO)
    order.partner_share = sum((line.partner_share for line in lines), ZERO)
    order.grocery_share = sum((line.grocery_share for line in lines), ZERO)


@transaction.atomic
def order_place(
    *, programme: Programme, grocery: Place, producer: Actor, quantities: Mapping[int, Decimal], by: Any = None,
    ordered_on: datetime.date | None = None, note: str = "",
) -> Order:  # fmt: skip
    """An order at the day's agreed prices (`quantities`: agreed price id → quantity; zero or less leaves
    the product out). Refused when its partner share would take the programme past its budget."""
    # Locked: two orders placed at once cannot both take the budget's last euros.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    day = ordered_on or timezone.localdate()
    if not programme.starts <= day <= programme.ends:
        dates = {"starts": programme.starts.isoformat(), "ends": programme.ends.isoformat()}
        raise ValidationError(_("The programme runs from %(starts)s to %(ends)s.") % dates)
    if not programme.groceries.filter(pk=grocery.pk).exists():
        raise ValidationError(_("This grocery is not in the programme."))
    if not is_supplier(programme, producer):
        raise ValidationError(_("This programme does not name this producer."))
    prices = {row.pk: row for row in prices_current(programme=programme, grocery=grocery, producer=producer, on=day)}
    wanted = {pk: quantity for pk, quantity in quantities.items() if quantity > 0}
    if not wanted:
        raise ValidationError(_("Order at least one product."))
    unknown = set(wanted) - set(prices)
    if unknown:
        raise ValidationError(_("A product of the order has no agreed price today; reload the page."))
    order = Order(programme=programme, grocery=grocery, producer=producer, ordered_on=day, note=note.strip(),
                  created_by=by if getattr(by, "pk", None) else None)  # fmt: skip
    lines = []
    for pk, quantity in wanted.items():
        row = prices[pk]
        line = OrderLine(price=row, product=row.product, unit=row.unit, unit_price=row.price,
                         quantity=_quantity_check(quantity))  # fmt: skip
        _line_fill(line, programme.rule)
        lines.append(line)
    _sums(order, lines)
    _budget_check(programme, order.partner_share)
    order.save()
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    transaction.on_commit(lambda: notify.order_placed(order=order))
    return order


def _status_check(order: Order, *allowed: str) -> None:
    if order.status not in allowed:
        raise ValidationError(_("This order is %(status)s: it cannot be changed so.")
                              % {"status": order.get_status_display()})  # fmt: skip


@transaction.atomic
def order_answer(*, order: Order, accept: bool, by: Any = None) -> Order:
    """The producer confirms or declines a waiting order (a declined one no longer counts on the budget)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    _status_check(order, OrderStatus.SUBMITTED)
    order.status = OrderStatus.CONFIRMED if accept else OrderStatus.DECLINED
    order.answered_by, order.answered_at = (by if getattr(by, "pk", None) else None), timezone.now()
    order.save(update_fields=["status", "answered_by", "answered_at"])
    transaction.on_commit(lambda: notify.order_changed(order=order))
    return order


@transaction.atomic
def order_cancel(*, order: Order, by: Any = None) -> Order:
    """The grocery withdraws an order not delivered yet."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    _status_check(order, OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def order_deliver(
    *, order: Order, delivered: Mapping[int, Decimal], by: Any = None, delivered_on: datetime.date | None = None
) -> Order:  # fmt: skip
    """The producer marks a confirmed order delivered, with the quantities delivered per line (a line not
    given: as ordered); the amounts and shares follow what was delivered, and the budget is checked again."""
    programme = Programme.objects.select_for_update().get(pk=order.programme_id)
    order = Order.objects.select_for_update().get(pk=order.pk)
    _status_check(order, OrderStatus.CONFIRMED)
    lines = list(order.lines.all())
    for line in lines:
        quantity = delivered.get(line.pk, line.quantity)
        if quantity < 0:
            raise ValidationError(_("A quantity delivered is not negative."))
        line.delivered = _quantity_check(quantity)
        _line_fill(line, programme.rule)
    _sums(order, lines)
    _budget_check(programme, order.partner_share, without=order)
    OrderLine.objects.bulk_update(lines, ["delivered", "amount", "partner_share", "grocery_share"])
    order.status = OrderStatus.DELIVERED
    order.delivered_on = delivered_on or timezone.localdate()
    order.save(update_fields=["status", "delivered_on", "amount", "partner_share", "grocery_share"])
    transaction.on_commit(lambda: notify.order_changed(order=order))
    return order


def delivered_lines(orders: QuerySet[Order], first: datetime.date, last: datetime.date) -> list[shares.Line]:
    """The delivered orders' lines of a period (by the day they were delivered), as the totals read them."""
    rows = OrderLine.objects.filter(
        order__in=orders, order__status=OrderStatus.DELIVERED, order__delivered_on__range=(first, last)
    ).values_list("order_id", "order__grocery_id", "order__producer_id", "unit", "delivered", "amount",
                  "partner_share", "grocery_share")  # fmt: skip
    return [shares.Line(order, grocery, producer, unit, delivered or Decimal(0), amount, partner, grocery_share)
            for order, grocery, producer, unit, delivered, amount, partner, grocery_share in rows]  # fmt: skip
