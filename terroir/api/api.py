"""/api/v1: thin views over the directory's selectors, typed schemas, one error shape.

Every error is `{"error": {"code": ..., "parameter": ..., "message": ...}}` with a 4xx status.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Path, Query
from ninja.errors import ValidationError

from terroir.directory import exports, presenters
from terroir.directory.models import Actor, Label, Place, PlaceKind
from terroir.directory.search import (
    InvalidParameter,
    PlaceQuery,
    map_view,
    parse_bbox,
    parse_place_query,
    places_all,
    places_search,
    producers_search,
)

from .schemas import (
    CategoryOut,
    ErrorOut,
    KindOut,
    LabelOut,
    MapFilters,
    MapOut,
    PlaceDetailOut,
    PlaceFilters,
    PlacePage,
    ProducerDetailOut,
    ProducerPage,
)

api = NinjaAPI(
    title="Terroir API",
    version="1",
    description="The directory of local producers and of the places where their food is sold.",
    urls_namespace="api",
    docs_url="/docs",
)

MAX_ID = 2**63 - 1
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut}


def error(status: int, code: str, message: str, parameter: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse({"error": body}, status=status)


@api.exception_handler(InvalidParameter)
def on_invalid_parameter(request: HttpRequest, exc: InvalidParameter) -> HttpResponse:
    return error(400, "invalid_parameter", exc.message, exc.parameter)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    parameter = location[-1] if location else ""
    return error(400, "invalid_parameter", str(first.get("msg", "invalid value")), parameter or None)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(404, "not_found", str(exc) or "not found")


def _query(request: HttpRequest) -> PlaceQuery:
    return parse_place_query(request.GET)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@api.get("/places", response={200: PlacePage, **ERRORS}, summary="Search places where food is sold")
def places(request: HttpRequest, filters: Query[PlaceFilters]) -> dict[str, Any]:
    query = _query(request)
    results = places_search(query)
    now = timezone.now()
    return {
        "count": results.count,
        "count_exact": results.count_exact,
        "page": query.page,
        "pages": results.pages,
        "results": [presenters.place_summary(h.place, h.distance_km, now=now) for h in results.hits],
    }


@api.get(
    "/places.geojson",
    response={200: dict[str, Any], **ERRORS},
    summary="Export a place search as GeoJSON (RFC 7946)",
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def places_geojson(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    hits = places_all(_query(request))
    return JsonResponse(exports.geojson(hits, base_url=_base_url(request)), content_type="application/geo+json")


@api.get(
    "/places.csv",
    response={200: str, **ERRORS},
    summary="Export a place search as CSV (semicolons, decimal commas, UTF-8 with BOM)",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def places_csv(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    hits = places_all(_query(request))
    response = HttpResponse(exports.csv_text(hits, base_url=_base_url(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux.csv"'
    return response


@api.get(
    "/markets.ics",
    response={200: str, **ERRORS},
    summary="iCalendar feed of the market days of a search (next 8 weeks)",
    openapi_extra={"responses": {200: {"content": {"text/calendar": {}}}}},
)
def markets_ics(request: HttpRequest, filters: Query[PlaceFilters]) -> HttpResponse:
    query = _query(request)
    query = PlaceQuery(**{**query.__dict__, "kinds": (PlaceKind.MARKET.value,)})
    hits = places_all(query, limit=5000)
    body = exports.markets_ical(hits, base_url=_base_url(request), start=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="marches.ics"'
    return response


@api.get("/places/{place_id}", response={200: PlaceDetailOut, **ERRORS}, summary="One place")
def place(request: HttpRequest, place_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    found = get_object_or_404(Place.objects.select_related("commune", "operator"), pk=place_id)
    return presenters.place_detail(found)


@api.get("/map", response={200: MapOut, **ERRORS}, summary="Places or clusters for a map view")
def map_features(request: HttpRequest, filters: Query[MapFilters]) -> dict[str, Any]:
    query = _query(request)
    bbox = parse_bbox("bbox", request.GET.get("bbox", ""))
    view = map_view(query, bbox=bbox, zoom=filters.zoom)
    return {
        "total": view.total,
        "clusters": [asdict(c) for c in view.clusters],
        "places": [asdict(p) for p in view.points],
    }


@api.get("/producers", response={200: ProducerPage, **ERRORS}, summary="Search producers")
def producers(request: HttpRequest, filters: Query[PlaceFilters]) -> dict[str, Any]:
    query = _query(request)
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


@api.get("/producers/{producer_id}", response={200: ProducerDetailOut, **ERRORS}, summary="One producer")
def producer(request: HttpRequest, producer_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    return presenters.producer_detail(found)


@api.get("/categories", response=list[CategoryOut], summary="The product taxonomy (a tree)")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return presenters.category_tree()


@api.get("/labels", response=list[LabelOut], summary="Quality labels")
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


@api.get("/kinds", response=list[KindOut], summary="Kinds of places")
def kinds(request: HttpRequest) -> list[dict[str, str]]:
    return [{"slug": value, "name": str(label)} for value, label in PlaceKind.choices]
