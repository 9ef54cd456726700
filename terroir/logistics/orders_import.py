"""A week's delivery orders from a spreadsheet (CSV in any usual encoding and delimiter, XLSX, JSON), read
with the shared tabular readers (terroir.lib.tabular). Every problem is reported with its line and column,
and nothing is kept unless every line is right: the coordinator corrects the file and sends it again.

Columns (French or English names, any case; only producer and kg are required):
producteur/producer, client/customer, type/kind (ramasse-livraison|shipment, livraison|delivery,
collecte|collection), marchandise/goods, kg, caisses/crates, froid/cold (oui/non), valeur/value (€),
jours/days ("mar mer jeu", "tue,thu"), enlevement/pickup ("06:00-12:00"), livraison_creneau/delivery
("07:00-11:00"), pret_a/ready_at ("10:00"), minutes (on site), obligatoire/required (oui/non),
livre_par/delivered_by (tournee|pooled, producteur|self, relais|relay, covoiturage|carpool) and
relais/relay (the relay platform: a depot's exact name or number, among the planning carrier's depots).
Producers and customers are found by SIRET, by their number on the platform, or by their exact name.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from terroir.directory import fields
from terroir.directory.models import Actor
from terroir.lib.messages import formatted
from terroir.lib.tabular import Limits, SourceError, number_parse, rows_read
from terroir.lib.text import fold

from . import followers
from .models import DeliveryMode, DeliveryOrder, Depot, OrderKind, delivery_mode_errors
from .services import preferences_apply

MAX_ROWS = 5000
COLUMNS = {
    "producer": ("producteur", "producer", "ferme", "farm"),
    "customer": ("client", "customer", "acheteur", "buyer"),
    "kind": ("type", "kind", "trajet"),
    "goods": ("marchandise", "goods", "produits", "description"),
    "kg": ("kg", "poids_kg", "poids", "weight_kg", "weight"),
    "crates": ("caisses", "crates", "cagettes"),
    "cold": ("froid", "cold", "frais"),
    "value": ("valeur", "value", "valeur_eur", "montant"),
    "days": ("jours", "days"),
    "pickup": ("enlevement", "pickup", "creneau_enlevement", "pickup_window"),
    "delivery": ("livraison_creneau", "delivery", "creneau_livraison", "delivery_window"),
    "ready_at": ("pret_a", "ready_at", "disponible_a"),
    "minutes": ("minutes", "service_min", "minutes_sur_place"),
    "required": ("obligatoire", "required"),
    "mode": ("livre_par", "delivered_by", "mode_de_livraison", "delivery_mode", "mode"),
    "relay": ("relais", "relay", "plateforme", "plateforme_relais", "platform"),
}
KINDS = {
    "ramasse_livraison": OrderKind.SHIPMENT, "shipment": OrderKind.SHIPMENT,
    "livraison": OrderKind.DELIVERY, "delivery": OrderKind.DELIVERY,
    "collecte": OrderKind.COLLECTION, "collection": OrderKind.COLLECTION,
}  # fmt: skip
DAYS = {
    "lun": 0, "mon": 0, "mar": 1, "tue": 1, "mer": 2, "wed": 2, "jeu": 3, "thu": 3, "ven": 4, "fri": 4,
    "sam": 5, "sat": 5, "dim": 6, "sun": 6,
}  # fmt: skip
MODES = {
    "tournee": DeliveryMode.POOLED, "tournee_mutualisee": DeliveryMode.POOLED, "pooled": DeliveryMode.POOLED,
    "producteur": DeliveryMode.SELF, "soi_meme": DeliveryMode.SELF, "lui_meme": DeliveryMode.SELF,
    "self": DeliveryMode.SELF, "producer": DeliveryMode.SELF,
    "relais": DeliveryMode.RELAY, "plateforme": DeliveryMode.RELAY, "relay": DeliveryMode.RELAY,
    "covoiturage": DeliveryMode.CARPOOL, "carpool": DeliveryMode.CARPOOL,
}  # fmt: skip
YES, NO = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}, {"non", "n", "no", "false", "faux", "0", ""}


@dataclass
class OrdersRead:
    orders: list[DeliveryOrder] = field(default_factory=list)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, column, message)
    # Lines that name no delivery mode: they take the producer's usual choice for the customer when kept.
    usual: list[DeliveryOrder] = field(default_factory=list)
    # Each column as the file names it ("Froid" for "cold"): a problem is said on the file's column.
    headers: dict[str, str] = field(default_factory=dict)

    def column_said(self, column: str) -> str:
        """`column` (a key of COLUMNS) as the file names it, else as the page lists it ("froid")."""
        return self.headers.get(column) or (COLUMNS[column][0] if column in COLUMNS else column)


def _key(text: str) -> str:
    """ "Livraison créneau" → "livraison_creneau": accents, case and punctuation folded."""
    return fold(text).replace(" ", "_")


def time_of_day(text: str) -> datetime.time:
    """ "07:30", "7h30" or "7h"."""
    match = re.fullmatch(r"(\d{1,2})[:h](\d{2})?", text.strip().lower())
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise ValueError(formatted(_("%(text)r is not a time (07:30 or 7h30)"), {"text": text}, _))
    return datetime.time(int(match.group(1)), int(match.group(2) or 0))


def _window(text: str) -> tuple[datetime.time, datetime.time]:
    parts = re.split(r"\s*[-–à]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(formatted(_("%(text)r is not a time window (06:00-12:00)"), {"text": text}, _))
    opens, closes = time_of_day(parts[0]), time_of_day(parts[1])
    if closes <= opens:
        raise ValueError(formatted(_("the window %(text)r closes before it opens"), {"text": text}, _))
    return opens, closes


def _number(text: str, *, integer: bool = False) -> Decimal:
    """A quantity or an amount in euros, written the French or the English way ("1 250,00 €")."""
    parsed = number_parse(text.replace("€", ""))
    if parsed is None or not math.isfinite(parsed):
        raise ValueError(formatted(_("%(text)r is not a number"), {"text": text}, _))
    if parsed < 0:
        raise ValueError(formatted(_("%(text)r: a quantity cannot be negative"), {"text": text}, _))
    if integer and not parsed.is_integer():
        raise ValueError(formatted(_("%(text)r is not a whole number"), {"text": text}, _))
    return Decimal(str(parsed))


def _yes(text: str) -> bool:
    value = _key(text)
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(formatted(_("%(text)r: say oui or non"), {"text": text}, _))


def _mode(text: str) -> DeliveryMode:
    if _key(text) not in MODES:
        raise ValueError(formatted(_("%(text)r: tournee, producteur, relais or covoiturage"), {"text": text}, _))
    return MODES[_key(text)]


def _days(text: str) -> int:
    mask = 0
    for word in fold(text).split():
        if not word:
            continue
        if word[:3] not in DAYS:
            raise ValueError(formatted(_("%(word)r is not a day (lun, mar, mer…)"), {"word": word}, _))
        mask |= 1 << DAYS[word[:3]]
    if not mask:
        raise ValueError(_("no day given"))
    return mask


def _actor(text: str, *, buyer: bool) -> Actor:
    value = text.strip()
    flag = Q(is_buyer=True) if buyer else Q(is_producer=True)
    try:
        siret = fields.siret_clean(value)  # "732 829 320 00074" or with dots: stored as the directory stores it
    except fields.FieldInvalid:
        siret = ""
    if siret:
        found = list(Actor.objects.filter(flag, siret=siret)[:2])
    elif value.isdigit():
        found = list(Actor.objects.filter(flag, pk=int(value))[:2])
    else:
        found = list(Actor.objects.filter(flag, name__iexact=value)[:2])
    if not found:
        message = (
            _("no customer %(name)r on the platform (name, SIRET or number)")
            if buyer
            else _("no producer %(name)r on the platform (name, SIRET or number)")
        )
        raise ValueError(formatted(message, {"name": value}, _))
    if len(found) > 1:
        raise ValueError(formatted(_("several are named %(name)r: give the SIRET or the number"), {"name": value}, _))
    return found[0]


def _depot(text: str, depots: QuerySet[Depot]) -> Depot:
    value = text.strip()
    found = list((depots.filter(pk=int(value)) if value.isdigit() else depots.filter(name__iexact=value))[:2])
    if len(found) != 1:
        raise ValueError(
            formatted(_("no relay platform %(name)r among your depots (name or number)"), {"name": value}, _)
            if not found
            else formatted(_("several depots are named %(name)r: give the number"), {"name": value}, _)
        )
    return found[0]


def orders_read(path: Path, *, week: datetime.date, depots: QuerySet[Depot] | None = None) -> OrdersRead:
    """The orders of a file, unsaved, with every problem found. `depots`: the relay platforms a line may
    name (the planning carrier's depots; none when not given)."""
    depots = Depot.objects.none() if depots is None else depots
    result = OrdersRead()
    try:
        rows = rows_read(path, limits=Limits.of(settings))
        for count, row in enumerate(rows, start=1):
            if count > MAX_ROWS:
                result.problems.append((row.line, "", _("more than %(n)d lines: split the file") % {"n": MAX_ROWS}))
                break
            _row(row.line, row.values, week, result, depots)
    except SourceError as exc:
        message = exc.text(_, lambda number: number_format(number, force_grouping=True))
        result.problems.append((exc.line, "", message))
    if not result.orders and not result.problems:
        result.problems.append((None, "", _("the file has no order")))
    return result


def _row(line: int, values: dict[str, Any], week: datetime.date, result: OrdersRead, depots: QuerySet[Depot]) -> None:
    cells = {_key(str(k)): ("" if v is None else str(v).strip()) for k, v in values.items()}
    found = {name: next((cells[a] for a in aliases if a in cells), "") for name, aliases in COLUMNS.items()}
    if not result.headers:
        headers = {_key(str(k)): str(k) for k in values}
        result.headers = {
            name: next((headers[a] for a in aliases if a in headers), "") for name, aliases in COLUMNS.items()
        }
    order = DeliveryOrder(week=week)
    before = len(result.problems)

    def take(column: str, apply: Any) -> None:
        try:
            apply(found[column])
        except ValueError as exc:
            result.problems.append((line, column, str(exc)))

    def producer(text: str) -> None:
        if not text:
            raise ValueError(_("the producer is required"))
        order.producer = _actor(text, buyer=False)
        if order.producer.lat is None:
            raise ValueError(_("%(name)s has no position on the map") % {"name": order.producer.name})

    def kind(text: str) -> None:
        if text:
            if _key(text) not in KINDS:
                raise ValueError(formatted(_("%(text)r: ramasse-livraison, livraison or collecte"), {"text": text}, _))
            order.kind = KINDS[_key(text)]

    def customer(text: str) -> None:
        if text:
            order.customer = _actor(text, buyer=True)
            if order.customer.lat is None:
                raise ValueError(_("%(name)s has no position on the map") % {"name": order.customer.name})

    def kg(text: str) -> None:
        if not text:
            raise ValueError(_("the weight in kg is required"))
        order.kg = _number(text)

    def window(attribute: str) -> Any:
        def apply(text: str) -> None:
            if text:
                opens, closes = _window(text)
                setattr(order, f"{attribute}_opens", opens)
                setattr(order, f"{attribute}_closes", closes)

        return apply

    take("producer", producer)
    take("kind", kind)
    take("customer", customer)
    take("kg", kg)
    take("goods", lambda text: setattr(order, "description", text[:200]))
    take("crates", lambda text: setattr(order, "crates", int(_number(text, integer=True))) if text else None)
    take("cold", lambda text: setattr(order, "cold", _yes(text)))
    take("value", lambda text: setattr(order, "value", _number(text)) if text else None)
    take("days", lambda text: setattr(order, "weekdays", _days(text)) if text else None)
    take("pickup", window("pickup"))
    take("delivery", window("delivery"))
    take("ready_at", lambda text: setattr(order, "ready_at", time_of_day(text)) if text else None)
    take("minutes", lambda text: setattr(order, "service_min", int(_number(text, integer=True))) if text else None)
    take("required", lambda text: setattr(order, "required", _yes(text)) if text else None)
    take("mode", lambda text: setattr(order, "delivery_mode", _mode(text)) if text else None)
    take("relay", lambda text: setattr(order, "relay", _depot(text, depots)) if text else None)
    if len(result.problems) > before:
        return
    # The order form's rule (models.delivery_mode_errors), said on the file's column.
    for attribute, message in delivery_mode_errors(
        mode=order.delivery_mode, kind=order.kind, relay=order.relay
    ).items():  # fmt: skip
        result.problems.append((line, "relay" if attribute == "relay" else "mode", message))
    if len(result.problems) > before:
        return
    if order.kind in (OrderKind.SHIPMENT, OrderKind.DELIVERY) and order.customer_id is None:
        result.problems.append((line, "customer", _("a delivery goes to a customer")))
    elif order.kind == OrderKind.SHIPMENT and order.delivery_closes <= order.pickup_opens:
        result.problems.append((line, "delivery", _("the delivery deadline comes before the pickup can happen")))
    else:
        result.orders.append(order)
        if not found["mode"] and not found["relay"]:
            result.usual.append(order)


@transaction.atomic
def orders_save(read: OrdersRead, *, by: Any, owner: Actor | None) -> int:
    """Keep the orders of a file without problems as orders of `owner` (the carrier planning). The apps that
    follow orders see those sent otherwise than by a round (a carpool order's parcel); one of them refusing
    an order (ValidationError) keeps none of the file."""
    if read.problems:
        raise ValueError("a file with problems is not kept")
    for order in read.orders:
        order.created_by, order.owner = by, owner
    preferences_apply(read.usual)
    made = DeliveryOrder.objects.bulk_create(read.orders)
    for order in made:
        if not order.planned:
            followers.order_saved(order=order, before=None, by=by)
    return len(read.orders)
