"""The directory through the API: searches of places and producers, the map, the exports, one entry,
and the vocabularies (categories, labels, kinds)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from terroir.directory import editing, exports, presenters
from terroir.directory.communes import communes_suggest
from terroir.directory.filters import MapFilters, PlaceFilters
from terroir.directory.models import Actor, Label, Place, PlaceKind
from terroir.directory.search import (
    PlaceQuery,
    map_producers,
    map_view,
    places_all,
    places_search,
    producers_search,
)

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS, MAX_ID
from ..schemas import (
    CategoryOut,
    CommuneOut,
    KindOut,
    LabelOut,
    MapOut,
    PlaceDetailOut,
    PlacePage,
    ProducerDetailOut,
    ProducerPage,
)

router = Router(tags=["directory"])


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def etag(entry: Place | Actor) -> str:
    return f'"{editing.version_of(entry)}"'


@router.get("/places", response={200: PlacePage, **ERRORS}, summary="Search places where food is sold")
def places(request: HttpRequest, filters: Query[PlaceFilters]) -> dict[str, Any]:
    query = filters.to_query()
    results = places_search(query)
    now = timezone.now()
    return {
        "count": results.count,
        "count_exact": results.count_exact,
        "page": query.page,
        "pages": results.pages,
        "results": [presenters.place_summary(h.place, h.distance_km, now=now) for h in results.hits],
    }


@router.get(
    "/places.geojson",
    response={200: dict[str, Any], **ERRORS},
    summary="Export a place search as GeoJSON (RFC 7946)",
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def places_geojson(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    hits = places_all(filters.to_query())
    return JsonResponse(exports.geojson(hits, base_url=_base_url(request)), content_type="application/geo+json")


@router.get(
    "/places.csv",
    response={200: str, **ERRORS},
    summary="Export a place search as CSV (semicolons, decimal commas, UTF-8 with BOM)",
    openapi_extra=CSV_OPENAPI,
)
def places_csv(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    hits = places_all(filters.to_query())
    return csv_attachment(exports.csv_text(hits, base_url=_base_url(request)), "lieux.csv")


@router.get(
    "/markets.ics",
    response={200: str, **ERRORS},
    summary="iCalendar feed of the market days of a search (next 8 weeks)",
    openapi_extra={"responses": {200: {"content": {"text/calendar": {}}}}},
)
def markets_ics(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    query = filters.to_query()
    query = PlaceQuery(**{**query.__dict__, "kinds": (PlaceKind.MARKET.value,)})
    hits = places_all(query, limit=5000)
    body = exports.markets_ical(hits, base_url=_base_url(request), start=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="marches.ics"'
    return response


@router.get("/places/{place_id}", response={200: PlaceDetailOut, **ERRORS}, summary="One place")
def place(request: HttpRequest, response: HttpResponse, place_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    found = get_object_or_404(Place.objects.select_related("commune", "operator"), pk=place_id)
    response["ETag"] = etag(found)
    return presenters.place_detail(found)


@router.get("/map", response={200: MapOut, **ERRORS}, summary="Places or clusters for a map view")
def map_features(request: HttpRequest, filters: Query[MapFilters]) -> dict[str, Any]:
    query = filters.to_query()
    view = map_view(query, bbox=filters.view_box(), zoom=filters.zoom)
    hours_by_place = presenters.map_hours([p.id for p in view.points])
    body: dict[str, Any] = {
        "total": view.total,
        "clusters": [asdict(c) for c in view.clusters],
        "places": [asdict(p) | hours_by_place.get(p.id, {}) for p in view.points],
    }
    if filters.producers:
        layer = map_producers(query, bbox=filters.view_box(), zoom=filters.zoom)
        body["producers_shown"] = layer.shown
        body["producers"] = [asdict(p) for p in layer.producers]
    return body


@router.get("/producers", response={200: ProducerPage, **ERRORS}, summary="Search producers")
def producers(request: HttpRequest, filters: Query[PlaceFilters]) -> dict[str, Any]:
    query = filters.to_query()
    results = producers_search(query)
    offers = presenters.offers_by_producer([h.producer.pk for h in results.hits])
    return {
        "count": results.count,
        "page": query.page,
        "pages": max(1, -(-results.count // query.page_size)),
        "results": [
            presenters.producer_summary(h.producer, h.distance_km, offers.get(h.producer.pk, [])) for h in results.hits
        ],
    }


@router.get("/producers/{producer_id}", response={200: ProducerDetailOut, **ERRORS}, summary="One producer")
def producer(
    request: HttpRequest, response: HttpResponse, producer_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    response["ETag"] = etag(found)
    return presenters.producer_detail(found)


@router.get("/categories", response=list[CategoryOut], summary="The product taxonomy (a tree)")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return presenters.category_tree()


@router.get("/labels", response=list[LabelOut], summary="Quality labels")
def labels(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "slug": label.slug,
            "name": label.name,
            "name_fr": label.name_fr,
            "name_en": label.name_en,
            "egalim": label.egalim,
        }
        for label in Label.objects.order_by("name_fr")
    ]


@router.get("/kinds", response=list[KindOut], summary="Kinds of places")
def kinds(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"slug": kind.value, "name": str(kind.label), "public": kind.public} for kind in PlaceKind]


class CommuneQuery(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="The start of a name or postcode.")
    limit: int = Field(10, ge=1, le=20)


@router.get("/communes", response={200: list[CommuneOut], **ERRORS}, summary="Communes for an autocomplete")
def communes(request: HttpRequest, params: Query[CommuneQuery]) -> list[dict[str, Any]]:
    """Communes whose name (accents, case, hyphens and "St" ignored) or postcode starts with `q`, the
    territory's first. `label` is what the searches' `commune` parameter reads back."""
    return [{**asdict(c), "label": c.label} for c in communes_suggest(params.q, limit=params.limit)]
