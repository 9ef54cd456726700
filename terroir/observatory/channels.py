"""Channels compared: for each kind of place of a territory (markets, sales at the farm, AMAP pickups,
producers' shops, supermarkets…), what the directory and the rounds say of it, side by side, so that a
PAT can weigh the short circuits "with their pros and cons" from its own data.

Per kind, over the open places of the territory's communes (definitions shown on the page, `DEFINITIONS`):
- `places`: how many;
- `hours_per_week`: median over those with readable opening hours of their open hours per week, averaged
  over the 52 weeks of the year (a market every other Saturday morning counts 2 h, a seasonal one its
  season spread over the year; public holidays closed when the hours say so); `with_hours`: how many had;
- `population_10_km`, `population_10_km_share`: inhabitants of the territory's communes whose centre is
  within 10 km (great circle, as the search measures) of a place of that kind, and their share of the
  territory's population (communes without a population count in neither);
- `producers_per_place`: mean number of producers the directory links to a place of that kind (a place
  without any counts 0);
- `median_farm_km`: median great-circle distance from a linked producer's farm to the place, over the
  (place, producer) links with both positions;
- `products`: how many products (categories of the taxonomy) the places of the kind sell, from their
  own product lists and their producers' offers;
- `transport_share`: where pooled rounds deliver to places of that kind, the cost of carrying the goods
  as a share of their value (`transport_cost`, `transport_value`): each producer's cost in the plan
  spread over their orders by value, summed per kind of the delivery place; the latest finished plan
  of each week counts, for the orders delivered in the territory.

A figure with nothing to compute is None (shown as "no data"), never 0.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Offer, Place, PlaceKind
from terroir.lib import spreadsheet
from terroir.lib.geo import haversine_km
from terroir.logistics.models import DeliveryOrder, PlanningRun, RunStatus

from . import access, opening
from .models import Territory

REACH_KM = 10.0

DEFINITIONS = {
    "places": _("Open places of that kind in the territory's communes."),
    "hours_per_week": _(
        "Median, over the places whose opening hours are known, of their open hours per week averaged over "
        "the year (a market every other Saturday morning counts 2 h)."
    ),
    "population_10_km": _(
        "Inhabitants of the territory's communes whose centre is within 10 km (as the crow flies) of a place "
        "of that kind, and their share of the population."
    ),
    "producers_per_place": _("Mean number of producers the directory links to a place of that kind."),
    "median_farm_km": _(
        "Median distance as the crow flies from the farms of the linked producers to the place they supply."
    ),
    "products": _("Products of the taxonomy sold there: the places' own lists and their producers' offers."),
    "transport_share": _(
        "Where pooled rounds deliver to places of that kind: the cost of carrying the goods as a share of "
        "their value (each producer's cost spread over their orders by value; the latest plan of each week)."
    ),
}


def weekly_hours(expression: str, year: int) -> float | None:
    """Open hours per week of an OSM expression, averaged over the 52 weeks from 1 January of `year`;
    None when it cannot be read."""
    return opening.weekly_hours(expression, dt.date(year, 1, 1), settings.TIME_ZONE, weeks=52)


def _median(values: Iterable[float]) -> float | None:
    known = list(values)
    return statistics.median(known) if known else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def transport_by_kind(codes: Iterable[str] | QuerySet[Any]) -> dict[str, tuple[float, float]]:
    """kind -> (transport cost, value of the goods) of the orders the latest finished plan of each week
    delivers to a place of that kind in the communes `codes` (INSEE codes, or a query of them)."""
    latest: dict[tuple[Any, Any], PlanningRun] = {}
    runs = PlanningRun.objects.filter(status=RunStatus.DONE, report__isnull=False).order_by("created_at")
    for run in runs.only("week", "owner", "problem", "report", "created_at"):
        latest[(run.week, run.owner_id)] = run  # the later one replaces the earlier
    wanted: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # order pk -> (its order, its producer's costs)
    for run in latest.values():
        producers = {p.get("party"): p for p in (run.report or {}).get("producers", []) if isinstance(p, dict)}
        for order in (run.problem or {}).get("orders", []):
            ident = str(order.get("id", ""))
            if ident.startswith("o") and ident[1:].isdigit():
                wanted[int(ident[1:])] = (order, producers.get(order.get("producer")) or {})
    kinds = DeliveryOrder.objects.filter(pk__in=wanted, delivery_place__commune_id__in=codes).values_list(
        "pk", "delivery_place__kind"
    )
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pk, kind in kinds:
        order, producer = wanted[pk]
        value = float(order.get("value") or 0)
        if not producer.get("value") or producer.get("cost") is None:
            continue  # a producer whose goods have no value: no share to speak of
        totals[kind][0] += float(producer["cost"]) * value / float(producer["value"])
        totals[kind][1] += value
    return {kind: (cost, value) for kind, (cost, value) in totals.items()}


def channels_compared(territory: Territory, *, today: dt.date | None = None) -> dict[str, Any]:
    """The kinds of place of the territory compared (module docstring): one row per kind the territory
    has, in the order of the kinds; `no_data` when it has no open place at all."""
    today = today or timezone.localdate()
    communes = list(territory.communes.values_list("code", "population", "lat", "lon"))
    # Subqueries, not lists: a territory of a whole region names tens of thousands of communes and places.
    codes = territory.communes.values("code")
    open_places = Place.objects.filter(commune_id__in=codes).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=today))
    through = Place.producers.through.objects.filter(place_id__in=open_places.values("pk"))
    places = list(open_places.values_list("pk", "kind", "lat", "lon", "opening_hours"))
    kind_of = {pk: kind for pk, kind, *_rest in places}
    position = {
        pk: (float(lat), float(lon)) for pk, _kind, lat, lon, _hours in places if lat is not None and lon is not None
    }

    links = list(through.values_list("place_id", "actor_id"))
    suppliers = Actor.objects.filter(pk__in=through.values("actor_id"))
    farms: dict[int, tuple[float, float]] = {
        pk: (float(lat or 0.0), float(lon or 0.0))  # never null: filtered
        for pk, lat, lon in suppliers.filter(lat__isnull=False, lon__isnull=False).values_list("pk", "lat", "lon")
    }
    products: dict[int, set[int]] = defaultdict(set)
    sold = Place.categories.through.objects.filter(place_id__in=open_places.values("pk"))
    for place_id, category_id in sold.values_list("place_id", "category_id"):
        products[place_id].add(category_id)
    offers: dict[int, set[int]] = defaultdict(set)
    offered = Offer.objects.filter(producer__in=suppliers)
    for producer_id, category_id in offered.values_list("producer_id", "category_id"):
        offers[producer_id].add(category_id)
    producers_of: dict[int, list[int]] = defaultdict(list)
    for place_id, actor_id in links:
        producers_of[place_id].append(actor_id)
        products[place_id] |= offers.get(actor_id, set())

    placed = [(code, people, lat, lon) for code, people, lat, lon in communes if lat is not None and lon is not None]
    people_known = sum(p for _c, p, _la, _lo in placed if p is not None)
    transport = transport_by_kind(codes)

    rows = []
    for kind in PlaceKind.values:
        ids = [pk for pk, k in kind_of.items() if k == kind]
        if not ids and kind not in transport:
            continue
        weekly = [weekly_hours(e, today.year) for pk, k, _la, _lo, e in places if k == kind and e]
        known_hours = [w for w in weekly if w is not None]
        targets = access.Targets.of([(pk, *position[pk]) for pk in ids if pk in position])
        nearest = access.nearest(targets, [c[2] for c in placed], [c[3] for c in placed])
        [reach] = access.population_within([n.distance_km for n in nearest], [c[1] for c in placed], (REACH_KM,))
        distances = [
            haversine_km(*farms[actor], *position[pk])
            for pk in ids
            if pk in position
            for actor in producers_of.get(pk, ())
            if actor in farms
        ]
        cost, value = transport.get(kind, (0.0, 0.0))
        rows.append({
            "kind": kind,
            "label": str(PlaceKind(kind).label),
            "places": len(ids),
            "hours_per_week": _round(_median(known_hours), 1),
            "with_hours": len(known_hours),
            "population_10_km": reach.population if targets.tree is not None and people_known else None,
            "population_10_km_share": _round(reach.share, 4) if targets.tree is not None else None,
            "producers_per_place": _round(sum(len(producers_of.get(pk, ())) for pk in ids) / len(ids), 2)
            if ids else None,
            "median_farm_km": _round(_median(distances), 1),
            "products": len(set().union(*(products.get(pk, set()) for pk in ids))) if ids else None,
            "transport_cost": round(cost, 2) if value else None,
            "transport_value": round(value, 2) if value else None,
            "transport_share": round(cost / value, 4) if value else None,
        })  # fmt: skip
    return {
        "territory": territory.slug,
        "name": territory.name,
        "year": today.year,
        "reach_km": REACH_KM,
        "rows": rows,
        "definitions": {name: str(text) for name, text in DEFINITIONS.items()},
        "no_data": not rows,
    }


CSV_COLUMNS = (
    "kind", "label", "places", "hours_per_week", "with_hours", "population_10_km", "population_10_km_share",
    "producers_per_place", "median_farm_km", "products", "transport_cost", "transport_value", "transport_share",
)  # fmt: skip


def _cell(value: Any) -> Any:
    # French spreadsheets read "45,5" as a number and "45.5" as text or a date; no data is an empty cell.
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return value


def channels_csv(figures: Mapping[str, Any]) -> str:
    """channels_compared as CSV for French spreadsheets: semicolons, decimal commas, UTF-8 with BOM; an
    empty cell where there is no data."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in figures["rows"]:
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def channels_charts(figures: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The page's charts as groups for `chart_bars`: places and producers per place, reach, transport."""
    rows = figures["rows"]

    def bars(figure: str, unit: str, scale: float = 1.0) -> list[dict[str, Any]]:
        # A kind without the figure has no bar at all: an empty row would read as zero.
        return [
            {"label": r["label"], "values": [r[figure] * scale], "unit": unit} for r in rows if r[figure] is not None
        ]

    return {
        "hours": bars("hours_per_week", "h"),
        "reach": bars("population_10_km_share", "%", 100.0),
        "farm": bars("median_farm_km", "km"),
        "transport": bars("transport_share", "%", 100.0),
    }


def channels_said(found: Mapping[str, Any]) -> dict[str, Any]:
    """`channels_compared`'s figures with their labels and definitions in the reader's language (a
    snapshot's were written in the worker's)."""
    return dict(
        found,
        rows=[dict(row, label=str(PlaceKind(row["kind"]).label)) for row in found["rows"]],
        definitions={name: str(text) for name, text in DEFINITIONS.items()},
    )
