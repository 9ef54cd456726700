"""One-off orders for a distribution (Poitiers' monthly neighbourhood groups): the only writers of order
rounds, the products offered in them and the members' order lines, and the selectors of their summaries.

A maximum quantity is kept by the product's running total `ordered`: every change of a member's line moves
it by a conditional UPDATE (`… WHERE ordered + delta <= max_quantity`), one statement that the database runs
atomically, so two members ordering the last jars at once cannot both get them — the second update finds
the total already moved and changes no row. A check constraint refuses the rest."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory import numbers
from terroir.directory.models import Actor
from terroir.directory.presenters import moment_text
from terroir.lib import spreadsheet

from .access import is_organiser
from .baskets import member_name, members_named
from .models import Distribution, GroupMember, OrderLine, OrderProduct, OrderRound

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("100000")


def distribution_start(distribution: Distribution) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(distribution.date, distribution.starts_at))


def amount_of(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


def is_open(order_round: OrderRound, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) < order_round.closes_at


def _when(moment: dt.datetime) -> str:
    return moment_text(moment, "j F Y")  # "12 décembre 2026, 18 h 30"


def _organiser_only(by: Any, distribution: Distribution) -> None:
    if not is_organiser(by, distribution.group):
        raise PermissionDenied(_("Only the group's organisers manage its order rounds."))


def producers_of_round(by: Any, order_round: OrderRound) -> list[Actor]:
    """The producers of the round the person acts for."""
    mine = actor_ids_of(by)
    return [p for p in order_round.producers.all() if p.pk in mine]


def can_offer_for(by: Any, order_round: OrderRound, producer: Actor) -> bool:
    """A producer's people list their products; the group's organisers may list them for a producer."""
    return is_organiser(by, order_round.distribution.group) or producer.pk in actor_ids_of(by)


# --- The round ------------------------------------------------------------------------------------------


@transaction.atomic
def order_round_save(
    *, distribution: Distribution, closes_at: dt.datetime, producers: Iterable[Actor], by: Any, note: str = "",
    now: dt.datetime | None = None,
) -> OrderRound:  # fmt: skip
    """Open the distribution's order round, or change its closing time, producers or note. The closing time
    lies before the distribution starts; a producer who already has orders stays in the round."""
    _organiser_only(by, distribution)
    chosen = list(producers)
    errors: dict[str, list[str]] = {}
    if distribution.cancelled:
        raise ValidationError(_("This distribution is cancelled."))
    if closes_at >= distribution_start(distribution):
        errors["closes_at"] = [_("Orders must close before the distribution starts.")]
    existing = OrderRound.objects.filter(distribution=distribution).first()
    if existing is None and closes_at <= (now or timezone.now()):
        errors["closes_at"] = [_("The closing time is already past.")]
    if not chosen:
        errors["producers"] = [_("Choose at least one producer taking part.")]
    elif any(not p.is_producer for p in chosen):
        errors["producers"] = [_("Only producers take part in an order round.")]
    if existing is not None:
        kept = {p.pk for p in chosen}
        ordered = OrderLine.objects.filter(product__round=existing).exclude(product__producer_id__in=kept)
        names = sorted(set(ordered.values_list("product__producer__name", flat=True)))
        if names:
            errors["producers"] = [_("Members have already ordered from %(names)s.") % {"names": ", ".join(names)}]
    if errors:
        raise ValidationError(errors)
    order_round = existing or OrderRound(distribution=distribution, created_by=by if getattr(by, "pk", None) else None)
    order_round.closes_at, order_round.note = closes_at, note.strip()
    order_round.save()
    order_round.producers.set(chosen)
    OrderProduct.objects.filter(round=order_round).exclude(producer__in=chosen).delete()
    audit_record(by=by, action="order_round_save", target=f"groups.orderround:{order_round.pk}",
                 summary=str(distribution))  # fmt: skip
    return order_round


# --- Products offered -----------------------------------------------------------------------------------


@transaction.atomic
def order_product_save(
    *, order_round: OrderRound, producer: Actor, name: str, unit: str, price: Decimal,
    max_quantity: Decimal | None, by: Any, product: OrderProduct | None = None, now: dt.datetime | None = None,
) -> OrderProduct:  # fmt: skip
    """List a product in the round, or change one. A maximum below what members already ordered is refused;
    so is a change of price once members ordered it (their lines keep the price they saw)."""
    if not can_offer_for(by, order_round, producer):
        raise PermissionDenied(_("You do not act for this producer."))
    if not order_round.producers.filter(pk=producer.pk).exists():
        raise ValidationError({"producer": _("This producer does not take part in this order round.")})
    if not is_open(order_round, now):
        raise ValidationError(_("This order round is closed."))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Name the product.")]
    if not unit.strip():
        errors["unit"] = [_("Say the unit (kg, jar, bunch…).")]
    if price < 0:
        errors["price"] = [_("A price cannot be negative.")]
    if max_quantity is not None and max_quantity <= 0:
        errors["max_quantity"] = [_("A maximum quantity is more than zero; leave it empty for no maximum.")]
    elif max_quantity is not None and not _whole_enough(max_quantity, unit):
        errors["max_quantity"] = [_("Counted in whole units (%(unit)s): give a whole maximum, not %(quantity)s.")
                                  % {"unit": unit.strip(), "quantity": quantity_text(max_quantity)}]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    if product is None:
        product = OrderProduct(round=order_round, producer=producer)
    else:
        product = OrderProduct.objects.select_for_update().get(pk=product.pk, round=order_round)
        if product.producer_id != producer.pk:
            raise ValidationError({"producer": _("A product stays with its producer.")})
        if max_quantity is not None and max_quantity < product.ordered:
            raise ValidationError({"max_quantity": _("Members have already ordered %(n)s.")
                                   % {"n": quantity_text(product.ordered)}})  # fmt: skip
        if price.quantize(CENT) != product.price and product.lines.exists():
            raise ValidationError({"price": _("Members have already ordered this product at its price.")})
    product.name, product.unit = name.strip(), unit.strip()
    product.price, product.max_quantity = price.quantize(CENT), max_quantity
    product.save()
    return product


def quantity_text(quantity: Decimal) -> str:
    return formats.number_format(quantity.normalize(), use_l10n=True) if quantity else "0"


def _whole_enough(quantity: Decimal, unit: str) -> bool:
    """A unit counted whole ("pièce", "douzaine", "pot de 500 g": numbers.counted_whole) takes whole numbers
    only; a weight or a volume takes fractions."""
    return quantity == quantity.to_integral_value() or not numbers.counted_whole(unit)


def _not_whole(product: OrderProduct, wanted: Decimal) -> str:
    """ "Pain de campagne se compte en unités entières (pièce) : commandez 2 ou 3, pas 2,5." """
    lower = wanted.to_integral_value(rounding=ROUND_FLOOR)
    return _("%(product)s is counted in whole units (%(unit)s): order %(lower)s or %(higher)s, not %(quantity)s.") % {
        "product": product.name, "unit": product.unit, "lower": quantity_text(lower),
        "higher": quantity_text(lower + 1), "quantity": quantity_text(wanted),
    }  # fmt: skip


# --- Members' orders ------------------------------------------------------------------------------------


class OrderRefused(ValidationError):
    """An order that cannot be taken as it is: closed, or more than is left."""


@transaction.atomic
def order_place(
    *, order_round: OrderRound, member: GroupMember, quantities: Mapping[int, Decimal], by: Any,
    now: dt.datetime | None = None,
) -> list[OrderLine]:  # fmt: skip
    """Set the member's quantities for the round's products (by product id; 0 removes a line). All or
    nothing: when one product has not enough left, nothing of the order is taken."""
    if member.user_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Members place their own orders."))
    if member.group_id != order_round.distribution.group_id:
        raise PermissionDenied(_("You are not a member of this group."))
    if order_round.distribution.cancelled:
        raise OrderRefused(_("This distribution is cancelled."))
    if not is_open(order_round, now):
        closed = _when(order_round.closes_at)
        raise OrderRefused(_("Orders for this distribution closed on %(when)s.") % {"when": closed})
    products = {p.pk: p for p in OrderProduct.objects.filter(round=order_round, pk__in=list(quantities))}
    lines = {line.product_id: line for line in OrderLine.objects.select_for_update()
             .filter(member=member, product__round=order_round)}  # fmt: skip
    errors: list[str] = []
    for product_id, wanted in sorted(quantities.items()):
        product = products.get(product_id)
        if product is None:
            raise ValidationError(_("This product is not offered in this order round."))
        if wanted < 0 or wanted > MAX_QUANTITY or wanted != wanted.quantize(Decimal("0.001")):
            errors.append(_("%(product)s: enter a quantity of zero or more.") % {"product": product.name})
            continue
        line = lines.get(product_id)
        delta = wanted - (line.quantity if line else Decimal(0))
        if delta == 0:
            continue
        if not _whole_enough(wanted, product.unit):
            errors.append(_not_whole(product, wanted))
            continue
        taken = OrderProduct.objects.filter(pk=product_id)
        if delta > 0:
            taken = taken.filter(Q(max_quantity__isnull=True) | Q(max_quantity__gte=F("ordered") + delta))
        if not taken.update(ordered=F("ordered") + delta):
            fresh = OrderProduct.objects.get(pk=product_id)
            left = (fresh.max_quantity or Decimal(0)) - fresh.ordered + (line.quantity if line else Decimal(0))
            # The unit agrees with the number: "only 1 pièce left", "only 4 pièces left".
            amount = numbers.quantity(max(left, Decimal(0)), product.unit)
            errors.append(_("%(product)s: only %(amount)s left.") % {"product": product.name, "amount": amount})
            continue
        if wanted == 0 and line is not None:
            line.delete()
        elif line is not None:
            line.quantity, line.price, line.updated_at = wanted, product.price, now or timezone.now()
            line.save(update_fields=["quantity", "price", "updated_at"])
        else:
            OrderLine.objects.create(product=product, member=member, quantity=wanted, price=product.price,
                                     updated_at=now or timezone.now())  # fmt: skip
    if errors:
        # Leaving the atomic block by an exception undoes the totals already moved: all or nothing.
        raise OrderRefused(errors)
    return list(OrderLine.objects.filter(member=member, product__round=order_round).select_related("product"))


# --- Summaries ------------------------------------------------------------------------------------------


@dataclass
class ProductRow:
    product: OrderProduct
    quantity: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    lines: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # member, quantity, amount


@dataclass
class ProducerSummary:
    producer: Actor
    products: list[ProductRow] = field(default_factory=list)
    total: Decimal = Decimal(0)


@dataclass
class MemberSummary:
    member: GroupMember
    name: str
    lines: list[tuple[OrderProduct, Decimal, Decimal]] = field(default_factory=list)  # product, quantity, amount
    total: Decimal = Decimal(0)


@dataclass
class Summary:
    round: OrderRound
    producers: list[ProducerSummary]
    members: list[MemberSummary]
    total: Decimal


def summary_of(order_round: OrderRound, *, producer_ids: Iterable[int] | None = None) -> Summary:
    """The round's quantities and amounts per producer (per product, with each member's line) and per member;
    limited to some producers for a producer's own view."""
    products = OrderProduct.objects.filter(round=order_round).select_related("producer")
    lines = OrderLine.objects.filter(product__round=order_round).select_related("product__producer", "member__user")
    if producer_ids is not None:
        ids = list(producer_ids)
        products, lines = products.filter(producer_id__in=ids), lines.filter(product__producer_id__in=ids)
    rows: dict[int, ProductRow] = {p.pk: ProductRow(p) for p in products}
    members: dict[int, MemberSummary] = {}
    ordered = list(lines.order_by("product__producer__name", "product__name", "member__user__last_name",
                                  "member__user__username"))  # fmt: skip
    members_named(line.member for line in ordered)
    for line in ordered:
        amount = amount_of(line.quantity, line.price)
        row = rows[line.product_id]
        row.quantity += line.quantity
        row.amount += amount
        name = member_name(line.member)
        row.lines.append((name, line.quantity, amount))
        summary = members.setdefault(line.member_id, MemberSummary(line.member, name))
        summary.lines.append((line.product, line.quantity, amount))
        summary.total += amount
    producers: dict[int, ProducerSummary] = {}
    for row in rows.values():
        of_producer = producers.setdefault(row.product.producer_id, ProducerSummary(row.product.producer))
        of_producer.products.append(row)
        of_producer.total += row.amount
    return Summary(
        round=order_round,
        producers=sorted(producers.values(), key=lambda s: s.producer.name),
        members=sorted(members.values(), key=lambda s: s.name.casefold()),
        total=sum((s.total for s in producers.values()), Decimal(0)),
    )


def summary_csv(summary: Summary) -> str:
    """Per producer and product: the quantity and amount, then each member's line (for a producer
    preparing bags by name)."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    distribution = summary.round.distribution
    writer.writerow([_("Group"), distribution.group.name])
    writer.writerow([_("Distribution"), distribution.date.isoformat()])
    writer.writerow([])
    writer.writerow([_("Producer"), _("Product"), _("Unit"), _("Price per unit"), _("Member"), _("Quantity"),
                     _("Amount")])  # fmt: skip
    for producer in summary.producers:
        for row in producer.products:
            p = row.product
            writer.writerow([producer.producer.name, p.name, p.unit, str(p.price), _("all members"),
                             str(row.quantity.normalize()), str(row.amount)])  # fmt: skip
            for name, quantity, amount in row.lines:
                writer.writerow([producer.producer.name, p.name, p.unit, str(p.price), name,
                                 str(quantity.normalize()), str(amount)])  # fmt: skip
        writer.writerow([producer.producer.name, _("Total"), "", "", "", "", str(producer.total)])
    return "\ufeff" + buffer.getvalue()


def is_round_producer(user: Any, order_round: OrderRound) -> bool:
    mine = actor_ids_of(user)
    return bool(mine) and order_round.producers.filter(pk__in=mine).exists()


def can_see_summary(user: Any, order_round: OrderRound) -> bool:
    return is_coordinator(user) or is_organiser(user, order_round.distribution.group)
