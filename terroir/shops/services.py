"""The producers' shops' only writers, and the selectors their pages, statements and rota read."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.accounts import notify
from terroir.directory import background, numbers
from terroir.directory.models import Actor, Place, PlaceKind, Unit
from terroir.directory.presenters import clock_text
from terroir.lib.messages import Message, gettext_noop

from . import rota as engine
from . import settlement
from .models import (
    Absence,
    CommissionRate,
    OpeningSlot,
    Product,
    Rota,
    RotaMember,
    RotaStatus,
    Sale,
    Seller,
    SellerKind,
    Shift,
    Shop,
    StatementSend,
    Swap,
    SwapStatus,
)

CENT = Decimal("0.01")
# Why a rota failed on the worker, kept as a message (said in the reader's language when read).
NO_ROTA_IN_TIME = gettext_noop("the time limit came before any rota was found")


def _by(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


# --- The shop, its sellers and products ----------------------------------------------------------------


@transaction.atomic
def shop_create(*, place: Place, owner: Actor | None = None, default_commission: Decimal | None = None) -> Shop:
    """A shop's management for a directory place; its owner is the organisation that runs the place unless
    another is given."""
    if place.kind != PlaceKind.PRODUCERS_SHOP:
        raise ValidationError({"place": _("A shop is a place of the producers' shop kind.")})
    owner = owner or place.operator
    if owner is None:
        raise ValidationError({"place": _("Say in the directory which organisation runs this place first.")})
    if not owner.is_organisation and not owner.is_producer:
        raise ValidationError({"owner": _("The owner is an organisation of the directory.")})
    shop = Shop(place=place, owner=owner)
    if default_commission is not None:
        shop.default_commission = _rate_check(default_commission)
    shop.save()
    CommissionRate.objects.create(shop=shop, valid_from=timezone.localdate(shop.created_at),
                                  rate=shop.default_commission)  # fmt: skip
    return shop


def _applies_from(day: datetime.date | None) -> datetime.date:
    """When a new rate starts: today unless later. Never earlier: a period's statement, once drawn and sent,
    must come out the same when drawn again."""
    today = timezone.localdate()
    if day is None:
        return today
    if day < today:
        raise ValidationError({"applies_from": _("A new rate applies from today or a later date: the statements "
                                                 "of past days keep the rate they were drawn with.")})  # fmt: skip
    return day


def _own_rate(kind: str, commission_rate: Decimal | None) -> Decimal | None:
    """What a seller's history row holds: their own rate, nothing for an associate, or None (a depositor on
    the shop's default of each day)."""
    if commission_rate is not None:
        return commission_rate
    return Decimal("0") if kind == SellerKind.ASSOCIATE else None


def _rate_keep(
    *, shop: Shop, seller: Seller | None, rate: Decimal | None, before: Decimal | None, applies_from: datetime.date
) -> None:
    """A row of the rates' history, unless the rate in force that day is the same already. A shop or seller
    without history yet (written outside the services) first gets its rate `before` from the shop's creation."""
    if not CommissionRate.objects.filter(shop=shop, seller=seller).exists():
        CommissionRate.objects.create(shop=shop, seller=seller, valid_from=timezone.localdate(shop.created_at),
                                      rate=before)  # fmt: skip
    rows = CommissionRate.objects.filter(shop=shop, seller=seller, valid_from__lte=applies_from)
    current = rows.order_by("-valid_from").first()
    if current is not None and current.rate == rate:
        return
    CommissionRate.objects.update_or_create(shop=shop, seller=seller, valid_from=applies_from,
                                            defaults={"rate": rate})  # fmt: skip


@transaction.atomic
def shop_commission_change(*, shop: Shop, rate: Decimal, applies_from: datetime.date | None = None) -> Shop:
    """A new default commission from a date on (today unless later): the statements of earlier days keep
    the rate in force on each day."""
    day = _applies_from(applies_from)
    before = shop.default_commission
    shop.default_commission = _rate_check(rate)
    shop.save(update_fields=["default_commission"])
    _rate_keep(shop=shop, seller=None, rate=shop.default_commission, before=before, applies_from=day)
    return shop


def rates_of(shop: Shop) -> settlement.Rates:
    """The shop's rates over time, read once for a page or a statement."""
    default: list[tuple[datetime.date, Decimal]] = []
    own: dict[Hashable, list[tuple[datetime.date, Decimal | None]]] = defaultdict(list)
    for seller_id, day, rate in (
        CommissionRate.objects.filter(shop=shop).order_by("valid_from").values_list("seller_id", "valid_from", "rate")
    ):
        if seller_id is None:
            default.append((day, rate))
        else:
            own[seller_id].append((day, rate))
    # Rows made before the history existed are migrated; a shop or seller written outside the services
    # (fixtures, the admin) follows its current fields.
    start = timezone.localdate(shop.created_at)
    if not default:
        default.append((start, shop.default_commission))
    for seller_id, kind, rate in Seller.objects.filter(shop=shop).values_list("pk", "kind", "commission_rate"):
        if seller_id not in own:
            own[seller_id].append((start, _own_rate(kind, rate)))
    return settlement.Rates(default, dict(own))


def rate_history(seller: Seller) -> list[tuple[datetime.date, Decimal]]:
    """The rates a seller's statements use, from each date they changed on (their own or the default)."""
    rates = rates_of(seller.shop)
    days = sorted({day for day, _r in rates.default} | {day for day, _r in rates.own.get(seller.pk, [])})
    history: list[tuple[datetime.date, Decimal]] = []
    for day in days:
        rate = rates.of(seller.pk, day)
        if not history or history[-1][1] != rate:
            history.append((day, rate))
    return history


def _rate_check(rate: Decimal) -> Decimal:
    if not Decimal("0") <= rate < Decimal("1"):
        raise ValidationError({"commission_rate": _("A commission rate lies between 0 and 100%.")})
    return rate.quantize(Decimal("0.0001"))


@transaction.atomic
def seller_add(*, shop: Shop, actor: Actor, kind: str, commission_rate: Decimal | None = None) -> Seller:
    if not actor.is_producer:
        raise ValidationError({"actor": _("Only producers sell in a producers' shop.")})
    if Seller.objects.filter(shop=shop, actor=actor).exists():
        raise ValidationError({"actor": _("%(name)s already sells in this shop.") % {"name": actor.name}})
    rate = _rate_check(commission_rate) if commission_rate is not None else None
    seller = Seller.objects.create(shop=shop, actor=actor, kind=kind, commission_rate=rate)
    CommissionRate.objects.create(shop=shop, seller=seller, valid_from=timezone.localdate(), rate=_own_rate(kind, rate))
    return seller


@transaction.atomic
def seller_update(
    *, seller: Seller, kind: str, commission_rate: Decimal | None = None, applies_from: datetime.date | None = None
) -> Seller:
    """Change how a producer sells in the shop. A new rate (or kind, which decides whether the default
    applies) counts from `applies_from`, today unless later: statements of earlier days keep theirs."""
    day = _applies_from(applies_from)
    if kind not in SellerKind.values:
        raise ValidationError({"kind": _("Choose associate or depositor.")})
    if kind != SellerKind.ASSOCIATE and seller.rota_members.exists():
        raise ValidationError({"kind": _("%(name)s has people on the rota, which only associates staff: take them "
                                         "off the rota first.") % {"name": seller.actor.name}})  # fmt: skip
    before = _own_rate(seller.kind, seller.commission_rate)
    seller.kind = kind
    seller.commission_rate = _rate_check(commission_rate) if commission_rate is not None else None
    seller.save(update_fields=["kind", "commission_rate"])
    _rate_keep(shop=seller.shop, seller=seller, rate=_own_rate(kind, seller.commission_rate), before=before,
               applies_from=day)  # fmt: skip
    return seller


def _left(seller: Seller) -> str:
    return _("%(name)s left the shop on %(date)s.") % {"name": seller.actor.name, "date": day_text(seller.ended_on)}


def day_text(day: datetime.date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


@transaction.atomic
def seller_end(*, seller: Seller, last_day: datetime.date | None) -> Seller:
    """A producer leaves the shop after `last_day` (None: they sell there again). Their sales, statements and
    rates stay; their products cannot be sold after that day, and they leave the current lists and the rotas
    of later days. Sales already recorded after that day would be orphaned: refused, with how many."""
    if last_day is not None:
        later = Sale.objects.filter(seller=seller, sold_on__gt=last_day).count()
        if later:
            raise ValidationError({"last_day": ngettext(
                "%(n)s sale is recorded in their name after that day: choose a later day.",
                "%(n)s sales are recorded in their name after that day: choose a later day.",
                later,
            ) % {"n": later}})  # fmt: skip
    seller.ended_on = last_day
    seller.save(update_fields=["ended_on"])
    return seller


def sellers_current(shop: Shop, day: datetime.date | None = None) -> Any:
    """The sellers still at the shop on `day` (today unless given)."""
    day = day or timezone.localdate()
    return Seller.objects.filter(shop=shop).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def seller_sales_count(seller: Seller) -> int:
    return Sale.objects.filter(seller=seller).count()


@transaction.atomic
def seller_delete(*, seller: Seller) -> None:
    """A producer leaves the shop's list with their products and rota people, as long as nothing was sold
    in their name: sales are money records the statements are drawn from, and stay."""
    sold = seller_sales_count(seller)
    if sold:
        raise ValidationError(
            ngettext(
                "%(name)s cannot be removed: %(n)s sale is recorded in their name and is kept for the statements.",
                "%(name)s cannot be removed: %(n)s sales are recorded in their name and are kept for the statements.",
                sold,
            ) % {"name": seller.actor.name, "n": sold}
        )  # fmt: skip
    Product.objects.filter(seller=seller).delete()
    seller.delete()


def _unit(unit: str) -> str:
    """The platform's one vocabulary of units (terroir.directory.models.Unit): a word that names one of them,
    in French or English, singular or plural ("pièces", "kilo"), is that unit; any other is refused."""
    key = numbers.UNIT_WORDS.get(unit.strip().lower())
    if key not in Unit.values:
        raise ValidationError({"unit": _("Choose a unit: %(units)s.") % {
            "units": ", ".join(str(numbers.UNIT_SINGULAR[k]) for k in Unit.values)}})  # fmt: skip
    return str(key)


@transaction.atomic
def product_update(
    *, product: Product, seller: Seller, code: str, name: str, unit_price: Decimal, unit: str = "piece"
) -> Product:
    """Change a product. Past sales keep the price and producer they were sold at and by: a sale stores both."""
    if seller.shop_id != product.shop_id:
        raise ValidationError({"seller": _("This producer does not sell in this shop.")})
    if not seller.sells_on(timezone.localdate()):
        raise ValidationError({"seller": _left(seller)})
    if unit_price < 0:
        raise ValidationError({"unit_price": _("A price cannot be negative.")})
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("The till code is required.")})
    if Product.objects.filter(shop_id=product.shop_id, code=code).exclude(pk=product.pk).exists():
        raise ValidationError({"code": _("Another product has the till code %(code)s.") % {"code": code}})
    product.seller, product.code, product.name = seller, code, name.strip()
    product.unit_price, product.unit = unit_price.quantize(CENT), _unit(unit)
    product.save()
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    sold = Sale.objects.filter(product=product).count()
    if sold:
        raise ValidationError(
            ngettext(
                "%(name)s cannot be deleted: %(n)s sale of it is recorded and kept for the statements.",
                "%(name)s cannot be deleted: %(n)s sales of it are recorded and kept for the statements.",
                sold,
            ) % {"name": product.name, "n": sold}
        )  # fmt: skip
    product.delete()


@transaction.atomic
def product_save(
    *, shop: Shop, seller: Seller, code: str, name: str, unit_price: Decimal, unit: str = "piece"
) -> Product:
    """Add a product, or change the name, price or producer of the one with this till code."""
    if seller.shop_id != shop.pk:
        raise ValidationError({"seller": _("This producer does not sell in this shop.")})
    if not seller.sells_on(timezone.localdate()):
        raise ValidationError({"seller": _left(seller)})
    if unit_price < 0:
        raise ValidationError({"unit_price": _("A price cannot be negative.")})
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("The till code is required.")})
    product, _created = Product.objects.update_or_create(
        shop=shop, code=code,
        defaults={"seller": seller, "name": name.strip(), "unit_price": unit_price.quantize(CENT), "unit": _unit(unit)},
    )  # fmt: skip
    return product


@transaction.atomic
def sale_record(
    *, shop: Shop, product: Product, sold_on: datetime.date, quantity: Decimal,
    unit_price: Decimal | None = None, amount: Decimal | None = None, ticket: str = "", by: Any = None,
) -> Sale:  # fmt: skip
    """A sale entered by hand (a negative quantity is a refund). The amount, when not given, is the
    quantity times the price rounded to the cent half up, as a till does."""
    if product.shop_id != shop.pk:
        raise ValidationError({"product": _("This product is not sold in this shop.")})
    if not product.seller.sells_on(sold_on):
        raise ValidationError({"sold_on": _("%(left)s Their products cannot be sold after that day.")
                               % {"left": _left(product.seller)}})  # fmt: skip
    if quantity == 0:
        raise ValidationError({"quantity": _("A sale has a quantity (negative for a refund).")})
    price = product.unit_price if unit_price is None else unit_price
    total = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP) if amount is None else amount.quantize(CENT)
    return Sale.objects.create(
        shop=shop, seller_id=product.seller_id, product=product, sold_on=sold_on, quantity=quantity,
        unit_price=price, amount=total, ticket=ticket[:40], created_by=_by(by),
    )  # fmt: skip


def directory_deletion_refusals(model: type[Actor] | type[Place], ids: Sequence[int]) -> list[str]:
    """Why directory entries cannot be deleted while a shop keeps records of them (registered with the
    directory's delete services, terroir.directory.services.deletion_guard_register)."""
    if model is Place:
        shops = Shop.objects.filter(place_id__in=ids).select_related("place").annotate(sold=Count("sales"))
        return [
            _("%(place)s holds the accounts of a producers' shop (%(n)s till lines), which are kept: it cannot be "
              "deleted. Mark the place closed instead (“closed since”).") % {"place": s.place.name, "n": s.sold}
            for s in shops
        ]  # fmt: skip
    reasons = [
        _("%(name)s owns the producers' shop %(shop)s, whose accounts are kept: it cannot be deleted.")
        % {"name": s.owner.name, "shop": s.place.name}
        for s in Shop.objects.filter(owner_id__in=ids).select_related("owner", "place")
    ]
    for seller in (
        Seller.objects.filter(actor_id__in=ids).select_related("actor", "shop__place").annotate(sold=Count("sales"))
    ):
        values = {"name": seller.actor.name, "shop": seller.shop.place.name, "n": seller.sold}
        if seller.sold:
            reasons.append(ngettext(
                "%(name)s sells at %(shop)s, where %(n)s sale is recorded in their name and kept for the shop's "
                "statements: it cannot be deleted. If it duplicates another entry, merging them moves the sales "
                "to the entry kept.",
                "%(name)s sells at %(shop)s, where %(n)s sales are recorded in their name and kept for the "
                "shop's statements: it cannot be deleted. If it duplicates another entry, merging them moves the "
                "sales to the entry kept.",
                seller.sold,
            ) % values)  # fmt: skip
        else:
            reasons.append(_("%(name)s sells at %(shop)s: the shop's managers remove it from the shop's producers "
                             "first (its page in the shop's catalogue).") % values)  # fmt: skip
    return reasons


def directory_merge_refusals(entry: Actor | Place, into: Actor | Place) -> list[str]:
    """Two places that both hold a shop's accounts are not merged (registered with the directory's merge,
    terroir.directory.references.merge_guard_register): Shop.place is one-to-one, and mixing two shops'
    sellers, till codes, sales and rotas is a decision for their managers, not a side effect of a duplicate
    in the directory. Producers merge freely: their sellers move to the producer kept."""
    if not isinstance(entry, Place) or not isinstance(into, Place):
        return []
    shops = {s.place_id: s for s in Shop.objects.filter(place_id__in=[entry.pk, into.pk]).annotate(sold=Count("sales"))}
    if len(shops) < 2:
        return []
    return [
        _("%(a)s and %(b)s both hold a producers' shop's accounts (%(n_a)s and %(n_b)s till lines): merging the two "
          "places would mix two shops' sellers, sales and rotas, so they stay apart. If they are one shop, keep "
          "the place whose accounts are used and mark the other one closed.")
        % {"a": entry.name, "b": into.name, "n_a": shops[entry.pk].sold, "n_b": shops[into.pk].sold}
    ]  # fmt: skip


# --- Statements and totals -----------------------------------------------------------------------------


def _sales(
    shop: Shop, first: datetime.date, last: datetime.date, seller: Seller | None = None,
    after: datetime.datetime | None = None, until: datetime.datetime | None = None,
) -> Any:  # fmt: skip
    """The period's sales (of one seller), recorded after `after` and up to `until` when given."""
    rows = Sale.objects.filter(shop=shop, sold_on__gte=first, sold_on__lte=last)
    if seller is not None:
        rows = rows.filter(seller=seller)
    if after is not None:
        rows = rows.filter(recorded_at__gt=after)
    if until is not None:
        rows = rows.filter(recorded_at__lte=until)
    return rows


def _lines(rows: Any, rates: settlement.Rates) -> list[settlement.Line]:
    """Till lines, each with the rate in force on its day."""
    return [
        settlement.Line(seller_id, name, sold_on, quantity, amount, rates.of(seller_id, sold_on))
        for seller_id, name, sold_on, quantity, amount in rows.values_list(
            "seller_id", "product__name", "sold_on", "quantity", "amount"
        )
    ]


@dataclass(frozen=True)
class StatementPart:
    """A seller's statement of a period as sent (or to send), or a correcting statement of the sales recorded
    after the previous send (`previous`). `send` is None for the part not sent yet; `late` lists a
    correction's sales."""

    statement: settlement.Statement
    send: StatementSend | None
    previous: StatementSend | None = None
    late: list[Sale] = field(default_factory=list)

    @property
    def correction(self) -> bool:
        return self.previous is not None


def statement_parts(*, seller: Seller, first: datetime.date, last: datetime.date) -> list[StatementPart]:
    """The statement of a period as it was sent (or as it stands, before it is sent), then each correcting
    statement: the sales of the period recorded after a send — a till file received late, a sale entered
    since — go to the next correction, never into what was sent. The last part, not sent yet, is listed when
    it has sales (or when nothing was ever sent)."""
    shop, rates = seller.shop, rates_of(seller.shop)
    rate = rates.of(seller.pk, last)
    parts: list[StatementPart] = []
    previous: StatementSend | None = None
    sends = list(StatementSend.objects.filter(seller=seller, first=first, last=last).order_by("sent_at", "pk"))
    for send in [*sends, None]:
        rows = _sales(shop, first, last, seller, after=previous.sent_at if previous else None,
                      until=send.sent_at if send else None)  # fmt: skip
        late = [] if previous is None else list(rows.select_related("product", "till_import").order_by("sold_on"))
        if send is None and previous is not None and not late:
            break
        parts.append(StatementPart(settlement.statement(seller.pk, rate, _lines(rows, rates)), send, previous, late))
        previous = send
    return parts


def statement_of(*, seller: Seller, first: datetime.date, last: datetime.date) -> settlement.Statement:
    """A seller's statement of a period: once sent, as it was sent (the sales recorded later make correcting
    statements, `statement_parts`); before, as it stands. The same whenever it is drawn, since each sale
    counts at the rate in force on its day and rates change from today on only."""
    return statement_parts(seller=seller, first=first, last=last)[0].statement


@transaction.atomic
def statement_send(*, seller: Seller, first: datetime.date, last: datetime.date, by: Any) -> StatementSend:
    """Mark the statement of a period (the first time) or its correcting statement (the sales recorded since
    the last send) as sent to the producer; its figures are kept as sent. Nothing new to send: refused."""
    Seller.objects.select_for_update().filter(pk=seller.pk).first()  # two managers sending at once: one send
    part = statement_parts(seller=seller, first=first, last=last)[-1]
    if part.send is not None:
        raise ValidationError(_("This statement was sent on %(date)s and no sale of the period was recorded "
                                "since: there is nothing new to send.") % {"date": day_text(
                                    timezone.localdate(part.send.sent_at))})  # fmt: skip
    result = part.statement
    return StatementSend.objects.create(
        seller=seller, first=first, last=last, sent_by=_by(by), lines=result.lines, gross=result.gross,
        commission=result.commission, due=result.due,
    )  # fmt: skip


def statements_sent(shop: Shop, first: datetime.date, last: datetime.date) -> dict[int, tuple[datetime.date, int]]:
    """Per seller whose statement of the period was sent: the day of the last send, and how many sales of the
    period were recorded since (a correcting statement to send)."""
    last_sent: dict[int, datetime.datetime] = {}
    for seller_id, sent_at in StatementSend.objects.filter(seller__shop=shop, first=first, last=last).values_list(
        "seller_id", "sent_at"
    ):
        last_sent[seller_id] = max(sent_at, last_sent.get(seller_id, sent_at))
    return {
        seller_id: (timezone.localdate(sent_at),
                    _sales(shop, first, last).filter(seller_id=seller_id, recorded_at__gt=sent_at).count())
        for seller_id, sent_at in last_sent.items()
    }  # fmt: skip


def late_reason(part: StatementPart) -> str:
    """Why a correcting statement exists, in the reader's language."""
    if part.previous is None:
        return ""
    files = sorted({s.till_import.file_name for s in part.late if s.till_import is not None})
    by_hand = sum(1 for s in part.late if s.till_import is None)
    values = {"n": len(part.late), "date": day_text(timezone.localdate(part.previous.sent_at)),
              "files": ", ".join(files), "hand": by_hand}  # fmt: skip
    text = ngettext(
        "%(n)s sale of the period was recorded after the statement was sent on %(date)s.",
        "%(n)s sales of the period were recorded after the statement was sent on %(date)s.", len(part.late),
    ) % values  # fmt: skip
    if files:
        text += " " + _("Till file received late: %(files)s.") % values
    if by_hand:
        text += " " + ngettext("%(hand)s entered by hand since.", "%(hand)s entered by hand since.", by_hand) % values
    return text + " " + _("The statement as sent stays as it was: they make this correcting statement.")


def statements_of(
    *, shop: Shop, first: datetime.date, last: datetime.date
) -> list[tuple[Seller, settlement.Statement]]:
    rates = rates_of(shop)
    lines = _lines(_sales(shop, first, last), rates)
    # The sellers of the period: one who left before it is not listed (their statements of earlier ones are).
    sellers = sellers_current(shop, first).select_related("actor", "shop")
    return [(s, settlement.statement(s.pk, rates.of(s.pk, last), lines)) for s in sellers]


@dataclass(frozen=True)
class Seasonal:
    months: list[tuple[int, int]]  # (year, month), oldest first
    rows: list[tuple[str, str, list[Decimal | None]]]  # (product, producer, amount per month; None: a gap)
    totals: list[Decimal]  # per month


def seasonal(*, shop: Shop, last: datetime.date, months: int = 12) -> Seasonal:
    """Sales per product and month over the `months` ending with `last`'s month; a month without any sale
    of a product the shop sold in the period is a gap (the seasonal hollows Le Local has to manage)."""
    year, month = last.year, last.month
    keys = []
    for _i in range(months):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first = datetime.date(keys[0][0], keys[0][1], 1)
    rows = (
        Sale.objects.filter(shop=shop, sold_on__gte=first, sold_on__lte=last)
        .annotate(y=ExtractYear("sold_on"), m=ExtractMonth("sold_on"))
        .values("product__name", "seller__actor__name", "y", "m")
        .annotate(total=Sum("amount"))
    )
    cells: dict[tuple[str, str], dict[tuple[int, int], Decimal]] = defaultdict(dict)
    for row in rows:
        # SQLite sums decimals as floats (12.8000000000000): back to cents.
        total = Decimal(str(row["total"])).quantize(CENT)
        cells[(row["product__name"], row["seller__actor__name"])][(row["y"], row["m"])] = total
    table = [(name, producer, [by_month.get(k) for k in keys]) for (name, producer), by_month in sorted(cells.items())]
    totals = [sum((by_month.get(k) or Decimal(0) for by_month in cells.values()), Decimal("0.00")) for k in keys]
    return Seasonal(keys, table, totals)


# --- The rota --------------------------------------------------------------------------------------------


@transaction.atomic
def opening_slot_add(
    *, shop: Shop, weekday: int, starts: datetime.time, ends: datetime.time, needed: int
) -> OpeningSlot:
    if ends <= starts:
        raise ValidationError({"ends": _("An opening ends after it starts.")})
    if not 0 <= weekday <= 6 or needed < 1:
        raise ValidationError(_("A day of the week and at least one person."))
    return OpeningSlot.objects.create(shop=shop, weekday=weekday, starts=starts, ends=ends, needed=needed)


@transaction.atomic
def opening_slot_update(
    *, slot: OpeningSlot, weekday: int, starts: datetime.time, ends: datetime.time, needed: int
) -> OpeningSlot:
    """Change an opening: the rotas computed afterwards use it; those computed before keep the hours their
    shifts were given (a shift holds its own)."""
    if ends <= starts:
        raise ValidationError({"ends": _("An opening ends after it starts.")})
    if not 0 <= weekday <= 6 or needed < 1:
        raise ValidationError(_("A day of the week and at least one person."))
    slot.weekday, slot.starts, slot.ends, slot.needed = weekday, starts, ends, needed
    slot.save()
    return slot


def slot_shifts(slot: OpeningSlot) -> Any:
    """The shifts of the rotas computed that are on an opening: what deleting it would take off those rotas."""
    return Shift.objects.filter(slot=slot).select_related("member").order_by("date", "starts", "member__name")


@transaction.atomic
def opening_slot_delete(*, slot: OpeningSlot, shifts_seen: int = 0) -> None:
    """The opening, and its shifts in the rotas computed only when the person deleting it was shown them:
    `shifts_seen` is how many the page listed and they confirmed. Otherwise (none confirmed, or a rota
    computed since added some) it is refused, saying how many shifts and on which days — people's rotas
    are never lost unseen."""
    shifts = list(slot_shifts(slot).select_for_update())
    if shifts and len(shifts) != shifts_seen:
        first, last = shifts[0].date, shifts[-1].date
        when = day_text(first) if first == last else _("from %(first)s to %(last)s") % {
            "first": day_text(first), "last": day_text(last)}  # fmt: skip
        raise ValidationError(ngettext(
            "%(n)s shift of the rotas computed is on this opening (%(when)s): it would go with it. Read it on the "
            "opening's page and confirm to delete both.",
            "%(n)s shifts of the rotas computed are on this opening (%(when)s): they would go with it. Read them "
            "on the opening's page and confirm to delete them all.",
            len(shifts),
        ) % {"n": len(shifts), "when": when})  # fmt: skip
    slot.delete()


def member_shifts(member: RotaMember) -> Any:
    """The shifts of the rotas computed that a person is on: what taking them off the rota removes."""
    return Shift.objects.filter(member=member).order_by("date", "starts")


def shift_text(shift: Shift) -> str:
    """A shift as the pages name it: its day and hours ("10/03/2026 15 h–19 h", as the opening hours say)."""
    return f"{day_text(shift.date)} {clock_text(shift.starts)}–{clock_text(shift.ends)}"


@transaction.atomic
def rota_member_delete(*, member: RotaMember) -> list[Shift]:
    """The person leaves the rota, with their absences and their shifts in the rotas computed; returns the
    shifts removed (read before the deletion), so that the page can say which."""
    removed = list(member_shifts(member).select_for_update())
    member.delete()
    return removed


@transaction.atomic
def rota_member_save(
    *, shop: Shop, seller: Seller, name: str, user: Any = None, min_minutes: int = 360, max_minutes: int = 480,
    twice_a_day: bool = False, slots: Iterable[OpeningSlot] | None = None, member: RotaMember | None = None,
) -> RotaMember:  # fmt: skip
    if seller.shop_id != shop.pk or seller.kind != SellerKind.ASSOCIATE:
        raise ValidationError({"seller": _("The rota is staffed by the associates' people.")})
    if min_minutes > max_minutes:
        raise ValidationError({"max_minutes": _("The most is at least the least.")})
    member = member or RotaMember(shop=shop)
    member.seller, member.name, member.user = seller, name.strip(), _by(user)
    member.min_minutes, member.max_minutes, member.twice_a_day = min_minutes, max_minutes, twice_a_day
    member.save()
    if slots is not None:
        member.slots.set([s for s in slots if s.shop_id == shop.pk])
    return member


@transaction.atomic
def absence_add(*, member: RotaMember, first_day: datetime.date, last_day: datetime.date, note: str = "") -> Absence:
    if last_day < first_day:
        raise ValidationError({"last_day": _("An absence ends on or after its first day.")})
    return Absence.objects.create(member=member, first_day=first_day, last_day=last_day, note=note[:120])


def rota_problem(
    shop: Shop, first_day: datetime.date, weeks: int
) -> tuple[engine.Problem, dict[Any, tuple[OpeningSlot, datetime.date]]]:
    """The engine's problem for a period: an opening per weekly slot and date; each member available
    for their weekly slots (all when none is chosen) outside their absences."""
    days = 7 * weeks
    weekly = list(OpeningSlot.objects.filter(shop=shop))
    occurrences: dict[Any, tuple[OpeningSlot, datetime.date]] = {}
    slots = []
    for day in range(days):
        date = first_day + datetime.timedelta(days=day)
        for slot in weekly:
            if slot.weekday == date.weekday():
                key = f"{slot.pk}@{date.isoformat()}"
                occurrences[key] = (slot, date)
                slots.append(engine.Slot(key, day, slot.minutes, slot.needed))
    # The people of a farm that left the shop before the period are not on its rota; one that leaves within
    # it staffs no opening after its last day.
    members = list(RotaMember.objects.filter(shop=shop, seller__in=sellers_current(shop, first_day))
                   .select_related("seller").prefetch_related("slots", "absences"))  # fmt: skip
    people: list[engine.Person] = []
    available: dict[Any, frozenset[Any]] = {}
    for member in members:
        people.append(engine.Person(member.pk, member.min_minutes, member.max_minutes, member.twice_a_day))
        chosen = {s.pk for s in member.slots.all()} or {s.pk for s in weekly}
        away = [(a.first_day, a.last_day) for a in member.absences.all()]
        if member.seller.ended_on is not None:
            away.append((member.seller.ended_on + datetime.timedelta(days=1), datetime.date.max))
        available[member.pk] = frozenset(
            key for key, (slot, date) in occurrences.items()
            if slot.pk in chosen and not any(first <= date <= last for first, last in away)
        )  # fmt: skip
    return engine.Problem(slots, people, available, days), occurrences


@transaction.atomic
def rota_request(*, shop: Shop, first_day: datetime.date, weeks: int, by: Any) -> Rota:
    """A rota to compute on the worker (even a small one: a page never waits for the solver)."""
    if first_day.weekday() != 0:
        raise ValidationError({"first_day": _("A rota starts on a Monday.")})
    if not 1 <= weeks <= 26:
        raise ValidationError({"weeks": _("A rota covers 1 to 26 weeks.")})
    if not OpeningSlot.objects.filter(shop=shop).exists():
        raise ValidationError(_("Add the shop's opening slots first."))
    rota = Rota.objects.create(shop=shop, first_day=first_day, weeks=weeks, created_by=_by(by), stage="queued")
    transaction.on_commit(lambda: _enqueue(rota.pk))
    return rota


def _enqueue(rota_id: int) -> None:
    from .tasks import rota_compute  # the task module imports this one

    rota_compute.enqueue(rota_id)


def rota_execute(rota_id: int, *, time_limit_s: float = 60.0) -> None:
    """Compute and store a rota (on the worker): its shifts, or the reasons none exists."""
    rota = Rota.objects.select_related("shop").get(pk=rota_id)
    Rota.objects.filter(pk=rota_id).update(status=RotaStatus.RUNNING, stage="build")  # also when run directly
    problem, occurrences = rota_problem(rota.shop, rota.first_day, rota.weeks)

    def stage(name: str) -> None:
        Rota.objects.filter(pk=rota_id).update(stage=name)

    outcome = engine.solve(problem, time_limit_s=time_limit_s, progress=stage)
    with transaction.atomic():
        Shift.objects.filter(rota_id=rota_id).delete()
        # Each shift keeps the opening's hours of now: the rota stays as given when the opening changes.
        Shift.objects.bulk_create(
            Shift(rota_id=rota_id, slot=slot, date=date, member_id=int(str(member)), starts=slot.starts, ends=slot.ends)
            for key, members in outcome.assignments.items()
            for slot, date in [occurrences[key]]
            for member in members
        )
        status = {
            engine.OPTIMAL: RotaStatus.OPTIMAL, engine.FEASIBLE: RotaStatus.FEASIBLE,
            engine.INFEASIBLE: RotaStatus.INFEASIBLE,
        }.get(outcome.status, RotaStatus.FAILED)  # fmt: skip
        Rota.objects.filter(pk=rota_id).update(
            status=status, stage="done", max_deviation=outcome.max_deviation, seconds=outcome.seconds,
            reasons=[_reason_stored(r, occurrences) for r in outcome.reasons], finished_at=timezone.now(),
            error="" if status != RotaStatus.FAILED else background.error_stored(Message(NO_ROTA_IN_TIME)),
        )  # fmt: skip


def _reason_stored(reason: engine.Reason, occurrences: dict[Any, tuple[OpeningSlot, datetime.date]]) -> dict[str, Any]:
    """A reason with its keys resolved to what a page shows (the words are chosen when it is read)."""
    values: dict[str, Any] = dict(reason.values)
    if "slot" in values:
        slot, date = occurrences[values["slot"]]
        values["slot"] = {"date": date.isoformat(), "starts": slot.starts.strftime("%H:%M"),
                          "ends": slot.ends.strftime("%H:%M")}  # fmt: skip
    names = dict(RotaMember.objects.values_list("pk", "name"))
    if "person" in values:
        values["person"] = names.get(values["person"], "?")
    if "available" in values:
        values["available"] = [names.get(pk, "?") for pk in values["available"]]
    return {"code": reason.code, "values": values}


def _hours(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def reason_text(stored: dict[str, Any]) -> str:
    """A stored reason in the reader's language."""
    code, values = stored["code"], stored["values"]
    if code == engine.SLOT_UNSTAFFED:
        slot = values["slot"]
        when = datetime.date.fromisoformat(slot["date"])
        free = ", ".join(values["available"]) or _("nobody")
        return _(
            "The opening of %(date)s %(starts)s–%(ends)s cannot be staffed (people needed: %(needed)s, missing: "
            "%(short)s). Available for it: %(free)s (the others are absent, not available at that time, or already "
            "needed elsewhere)."
        ) % {"date": when.strftime("%d/%m/%Y"), "starts": clock_text(datetime.time.fromisoformat(slot["starts"])),
             "ends": clock_text(datetime.time.fromisoformat(slot["ends"])),
             "needed": values["needed"], "short": values["short"], "free": free}  # fmt: skip
    if code == engine.FORTNIGHT_SHORT:
        return _("Fortnight %(n)s needs %(needed)s of staffing; everybody's maximum adds up to %(most)s only.") % {
            "n": values["fortnight"],
            "needed": _hours(values["needed"]),
            "most": _hours(values["most"]),
        }
    if code == engine.FORTNIGHT_OVER:
        return _(
            "Fortnight %(n)s has %(needed)s of staffing; everybody's minimum adds up to %(least)s: lower the "
            "minimums or open longer."
        ) % {"n": values["fortnight"], "needed": _hours(values["needed"]), "least": _hours(values["least"])}
    if code == engine.HOURS_UNDER:
        return _(
            "%(person)s cannot reach their minimum of %(minimum)s in fortnight %(n)s (at most %(reachable)s "
            "with their availability)."
        ) % {"person": values["person"], "minimum": _hours(values["minimum"]), "n": values["fortnight"],
             "reachable": _hours(values["reachable"])}  # fmt: skip
    if code == engine.HOURS_OVER:
        return _(
            "%(person)s would have to give %(needed)s in fortnight %(n)s, over their maximum of %(maximum)s."
        ) % {"person": values["person"], "needed": _hours(values["needed"]), "n": values["fortnight"],
             "maximum": _hours(values["maximum"])}  # fmt: skip
    return code


@transaction.atomic
def swap_ask(*, shift: Shift, to: RotaMember, by: Any) -> Swap:
    """The shift's member asks `to` to take it; nothing changes until `to` accepts."""
    if shift.member.user_id != getattr(by, "pk", None):
        raise ValidationError(_("Only the person on this shift may offer it."))
    if to.shop_id != shift.member.shop_id or to.pk == shift.member_id:
        raise ValidationError({"to": _("Choose another member of this shop's rota.")})
    if Shift.objects.filter(rota=shift.rota, slot=shift.slot, date=shift.date, member=to).exists():
        raise ValidationError({"to": _("%(name)s is already on this opening.") % {"name": to.name}})
    if Swap.objects.filter(shift=shift, to=to, status=SwapStatus.PENDING).exists():
        raise ValidationError({"to": _("%(name)s has already been asked.") % {"name": to.name}})
    swap = Swap.objects.create(shift=shift, asked_by=shift.member, to=to)
    transaction.on_commit(lambda: _swap_tell(swap, asked=True))
    return swap


def _swap_tell(swap: Swap, *, asked: bool) -> int:
    """An e-mail to the person asked (a swap waits for them) or to the one who asked (the answer)."""
    whom = swap.to if asked else swap.asked_by
    address = getattr(whom.user, "email", "")
    if not address:
        return 0
    shift = swap.shift
    values = {
        "name": (swap.asked_by if asked else swap.to).name,
        "shop": shift.rota.shop.place.name,
        "date": shift.date.strftime("%d/%m/%Y"),
        "url": settings.TERROIR_SITE_URL + shift.rota.get_absolute_url(),
    }
    sent = 0
    for addresses in notify.by_language([address]):
        values["starts"] = clock_text(shift.starts)  # "15 h" or "3 pm", in the reader's language
        if asked:
            subject = _("%(name)s asks you to take a shift at %(shop)s") % values
            body = _("Hello,\n\n%(name)s asks you to take their shift of %(date)s at %(starts)s at %(shop)s. "
                     "Accept or decline here:\n\n%(url)s\n") % values  # fmt: skip
        elif swap.status == SwapStatus.ACCEPTED:
            subject = _("%(name)s takes your shift at %(shop)s") % values
            body = _("Hello,\n\n%(name)s accepted your shift of %(date)s at %(starts)s: it is theirs now.\n\n"
                     "%(url)s\n") % values  # fmt: skip
        else:
            subject = _("%(name)s cannot take your shift at %(shop)s") % values
            body = _("Hello,\n\n%(name)s declined your shift of %(date)s at %(starts)s: it is still yours.\n\n"
                     "%(url)s\n") % values  # fmt: skip
        sent += notify.send(subject, body, addresses)
    return sent


@transaction.atomic
def swap_answer(*, swap: Swap, accept: bool, by: Any) -> Swap:
    """The person asked accepts (the shift becomes theirs) or declines."""
    swap = Swap.objects.select_for_update().select_related("shift", "to").get(pk=swap.pk)
    if swap.to.user_id != getattr(by, "pk", None):
        raise ValidationError(_("Only the person asked may answer."))
    if swap.status != SwapStatus.PENDING:
        raise ValidationError(_("This swap has already been answered."))
    shift = Shift.objects.select_for_update().get(pk=swap.shift_id)
    if accept:
        if shift.member_id != swap.asked_by_id:
            raise ValidationError(_("The shift has changed hands since it was offered."))
        if Shift.objects.filter(rota_id=shift.rota_id, slot_id=shift.slot_id, date=shift.date, member=swap.to).exists():
            raise ValidationError(_("You are already on this opening."))
        shift.member = swap.to
        shift.save(update_fields=["member"])
        Swap.objects.filter(shift=shift, status=SwapStatus.PENDING).exclude(pk=swap.pk).update(
            status=SwapStatus.DECLINED, decided_at=timezone.now()
        )
    swap.status = SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED
    swap.decided_at = timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    transaction.on_commit(lambda: _swap_tell(swap, asked=False))
    return swap


def rota_ical(rota: Rota, member: RotaMember | None = None) -> bytes:
    """The rota's shifts (one member's, or all) as iCalendar, in the shop's time zone."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    zone = timezone.get_default_timezone()
    calendar = Calendar()
    calendar.add("prodid", "-//Terroir//rota//FR")
    calendar.add("version", "2.0")
    shifts = Shift.objects.filter(rota=rota).select_related("member")
    if member is not None:
        shifts = shifts.filter(member=member)
    name = rota.shop.place.name
    host = settings.TERROIR_SITE_URL.split("//")[-1]
    for shift in shifts:
        item = CalendarEvent()
        item.add("uid", f"terroir-shift-{shift.pk}@{host}")
        item.add("dtstamp", timezone.now())
        item.add("dtstart", datetime.datetime.combine(shift.date, shift.starts, tzinfo=zone))
        item.add("dtend", datetime.datetime.combine(shift.date, shift.ends, tzinfo=zone))
        item.add("summary", _("%(shop)s — on duty: %(name)s") % {"shop": name, "name": shift.member.name})
        item.add("location", rota.shop.place.address or name)
        calendar.add_component(item)
    return calendar.to_ical()
