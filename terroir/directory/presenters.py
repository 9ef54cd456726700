"""Plain-data views of directory records, shared by the JSON API, the exports and the pages.

Contact details appear only when the actor agreed to publish them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

from terroir.lib import hours, hours_prose

from .local import local_json, place_local
from .models import Actor, Category, Label, Offer, Place, PlaceKind


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def hours_text(expression: str) -> str:
    """The opening hours in the current language's prose, or the OSM expression when prose could be wrong."""
    return hours_prose.prose(expression, get_language() or settings.LANGUAGE_CODE) if expression else ""


def clock_text(value: dt.time | dt.datetime) -> str:
    """A time of day as the prose says it: "9 h", "18 h 30" in French, "6:30 pm" in English, never "09:00"
    (a moment is said in the reader's zone, as Django's `date` filter does)."""
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).time()
    return hours_prose.clock(value, get_language() or settings.LANGUAGE_CODE)


def moment_text(value: dt.datetime | dt.date, day_format: str = "l j F Y") -> str:
    """A day and its time of day: "samedi 12 décembre 2026, 18 h 30" (`day_format` in Django's `date`
    letters, the time always said as `clock_text` says it)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    day = date_format(value, day_format)
    return f"{day}, {clock_text(value)}" if isinstance(value, dt.datetime) else day


def hours_status(expression: str, *, now: dt.datetime | None = None) -> str:
    """ "ouvert maintenant · ferme à 19 h" / "fermé · ouvre mardi à 9 h", in the territory's time."""
    language = get_language() or settings.LANGUAGE_CODE
    return hours_prose.status(expression, now or timezone.now(), tz(), language) if expression else ""


def hours_today(expression: str, *, now: dt.datetime | None = None) -> str:
    """Today's slots in words ("aujourd’hui 9 h–12 h 30"), for the map's popups."""
    language = get_language() or settings.LANGUAGE_CODE
    return hours_prose.today(expression, now or timezone.now(), tz(), language) if expression else ""


def map_hours(place_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, dict[str, str]]:
    """Today's hours and the open-now status of the map's markers, by place id."""
    now = now or timezone.now()
    expressions = Place.objects.filter(pk__in=place_ids).exclude(opening_hours="").values_list("pk", "opening_hours")
    return {
        pk: {"hours_today": hours_today(expression, now=now), "hours_status": hours_status(expression, now=now)}
        for pk, expression in expressions
    }


def contact(record: Place | Actor) -> dict[str, str] | None:
    if not record.contact_public:
        return None
    return {"email": record.email, "phone": record.phone, "website": record.website}


def place_summary(place: Place, distance_km: float | None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": place.pk,
        "name": place.name,
        "kind": place.kind,
        "kind_label": str(PlaceKind(place.kind).label),
        "lat": place.lat,
        "lon": place.lon,
        "distance_km": round(distance_km, 2) if distance_km is not None else None,
        "address": place.address,
        "postcode": place.postcode,
        "commune": place.commune.name if place.commune else "",
        "commune_code": place.commune_id or "",
        "opening_hours": place.opening_hours,
        "open_now": hours.is_open_at(place.opening_hours, now, tz()) if place.opening_hours else None,
        "hours_text": hours_text(place.opening_hours),
        "hours_status": hours_status(place.opening_hours, now=now),
        "url": place.get_absolute_url(),
    }


def offers_by_producer(producer_ids: list[int]) -> dict[int, list[Offer]]:
    grouped: dict[int, list[Offer]] = defaultdict(list)
    for offer in (
        Offer.objects.filter(producer_id__in=producer_ids)
        .select_related("category")
        .prefetch_related("labels")
        .order_by("category__path")
    ):
        grouped[offer.producer_id].append(offer)
    return grouped


def months_text(mask: int) -> str:
    if mask & 4095 == 4095:
        return gettext("all year")
    # Abbreviated as in prose ("juil."): Django's three-letter months, made for reading dates, are "jui"
    # and "jul" in French.
    return ", ".join(str(MONTHS_AP[i + 1]) for i in range(12) if mask & (1 << i))


def labels_of(offers: list[Offer]) -> list[Label]:
    seen: dict[str, Label] = {}
    for offer in offers:
        for label in offer.labels.all():
            seen.setdefault(label.slug, label)
    return sorted(seen.values(), key=lambda label: label.name_fr)


@dataclass(frozen=True)
class PlaceSupply:
    """Who supplies a place and what is sold there."""

    producers: list[Actor]  # the place's producers, by name
    # Its producers and, when a producer runs it (a farm), that producer first: each with its offers.
    suppliers: list[tuple[Actor, list[Offer]]]
    # The categories of the suppliers' offers, in the taxonomy's order, each once.
    products: list[Category]
    offers: list[Offer]


def place_supply(place: Place) -> PlaceSupply:
    """What the search index knows of a place (terroir.directory.index reads the same links), for its
    page and the API: a place is found by "cheese" exactly when its page says cheese is sold there."""
    producers = list(place.producers.select_related("commune").order_by("name"))
    suppliers = list(producers)
    operator = place.operator
    if operator is not None and operator.is_producer and operator.pk not in {p.pk for p in producers}:
        suppliers.insert(0, operator)
    offers = offers_by_producer([p.pk for p in suppliers])
    all_offers = [o for p in suppliers for o in offers.get(p.pk, [])]
    products = {o.category.pk: o.category for o in all_offers}
    products.update({c.pk: c for c in place.categories.all()})  # what a source says is sold there itself
    return PlaceSupply(
        producers=producers,
        suppliers=[(p, offers.get(p.pk, [])) for p in suppliers],
        products=sorted(products.values(), key=lambda c: c.path),
        offers=all_offers,
    )


def _producer_ref(producer: Actor, offers: list[Offer]) -> dict[str, Any]:
    return {
        "id": producer.pk,
        "name": producer.name,
        "url": producer.get_absolute_url(),
        "categories": [o.category.slug for o in offers],
    }


def place_detail(place: Place, *, now: dt.datetime | None = None, supply: PlaceSupply | None = None) -> dict[str, Any]:
    supply = supply or place_supply(place)
    offers = dict((p.pk, o) for p, o in supply.suppliers)
    data = place_summary(place, None, now=now)
    data.update(
        {
            "description": place.description,
            "contact": contact(place),
            "operator": {"id": place.operator.pk, "name": place.operator.name} if place.operator else None,
            "producers": [_producer_ref(p, offers.get(p.pk, [])) for p in supply.producers],
            "suppliers": [_producer_ref(p, o) for p, o in supply.suppliers],
            "categories": sorted({c.slug for c in supply.products}),
            "products": [{"slug": c.slug, "name": c.name} for c in supply.products],
            "labels": [label.slug for label in labels_of(supply.offers)],
            "source": place.source,
            "verified_at": place.verified_at.isoformat() if place.verified_at else None,
            # Local or not, as the place's page shows it: from the farms of its suppliers.
            "local": local_json(place_local(place, [producer for producer, _offers in supply.suppliers])),
        }
    )
    return data


def producer_summary(producer: Actor, distance_km: float | None, offers: list[Offer]) -> dict[str, Any]:
    return {
        "id": producer.pk,
        "name": producer.name,
        "legal_form": producer.legal_form,
        "lat": producer.lat,
        "lon": producer.lon,
        "distance_km": round(distance_km, 2) if distance_km is not None else None,
        "commune": producer.commune.name if producer.commune else "",
        "commune_code": producer.commune_id or "",
        "categories": [o.category.slug for o in offers],
        "labels": [label.slug for label in labels_of(offers)],
        "url": producer.get_absolute_url(),
    }


def producer_places(producer: Actor) -> list[Place]:
    """Where to buy from a producer: the places it supplies and those it runs (its farm shop)."""
    return list(
        Place.objects.filter(Q(producers=producer) | Q(operator=producer))
        .distinct()
        .select_related("commune")
        .order_by("kind", "name")
    )


def producer_detail(producer: Actor, *, now: dt.datetime | None = None) -> dict[str, Any]:
    offers = offers_by_producer([producer.pk]).get(producer.pk, [])
    places = producer_places(producer)
    data = producer_summary(producer, None, offers)
    data.update(
        {
            "description": producer.description,
            "siret": producer.siret,
            "roles": producer.roles,
            "contact": contact(producer),
            "order_url": producer.order_url,
            "offers": [
                {
                    "category": o.category.slug,
                    "category_name": o.category.name,
                    "months": [i + 1 for i in range(12) if o.months & (1 << i)],
                    "labels": [label.slug for label in o.labels.all()],
                    "note": o.note,
                }
                for o in offers
            ],
            "places": [place_summary(p, None, now=now) for p in places],
            "source": producer.source,
            "verified_at": producer.verified_at.isoformat() if producer.verified_at else None,
        }
    )
    return data


def category_tree() -> list[dict[str, Any]]:
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for category in Category.objects.order_by("path"):
        item = {
            "slug": category.slug,
            "name_fr": category.name_fr,
            "name_en": category.name_en,
            "name": category.name,
            "depth": category.depth,
            "season_months": [i + 1 for i in range(12) if category.season & (1 << i)],
            "children": [],
        }
        nodes[category.pk] = item
        if category.parent_id is None:
            roots.append(item)
        else:
            nodes[category.parent_id]["children"].append(item)
    return roots
