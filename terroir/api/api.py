"""/api/v1: thin views over the directory's selectors, typed schemas, one error shape.

Every error is `{"error": {"code": ..., "parameter": ..., "message": ...}}` with a 4xx status.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from terroir.accounts.models import ApiToken
from terroir.accounts.permissions import can_edit, can_plan_rounds
from terroir.accounts.ratelimit import rate_hit
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Revision
from terroir.directory import editing, exports, presenters
from terroir.directory.models import Actor, Entity, Label, Place, PlaceKind
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
from terroir.logistics import access as logistics_access
from terroir.logistics import services as logistics_services
from terroir.logistics.models import PlanningRun
from terroir.logistics.problems import ProblemTooLarge
from terroir.logistics.routing import ProblemError

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
    PlacePatch,
    PlanIn,
    PlanOut,
    ProducerDetailOut,
    ProducerPage,
    ProducerPatch,
    SuggestionIn,
    SuggestionOut,
)

api = NinjaAPI(
    title="Terroir API",
    version="1",
    description="The directory of local producers and of the places where their food is sold.",
    urls_namespace="api",
    docs_url="/docs",
)

MAX_ID = 2**63 - 1
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut, 403: ErrorOut, 412: ErrorOut, 413: ErrorOut, 428: ErrorOut}


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


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return error(413, "body_too_large", f"The request body is larger than the {limit} KiB accepted.")
    if exc.status_code == 400 and "parse" in str(exc):
        return error(400, "invalid_body", "The request body is not valid JSON.")
    return error(exc.status_code, "error", str(exc))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(401, "unauthorized", "This operation needs an API key: Authorization: Bearer <key>.")
    response["WWW-Authenticate"] = 'Bearer realm="terroir"'
    return response


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(403, "forbidden", str(exc) or "not allowed")


@api.exception_handler(DjangoValidationError)
def on_invalid_value(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return error(400, "invalid_value", " ".join(messages), None if name == "__all__" else name)
    return error(400, "invalid_value", " ".join(exc.messages))


@api.exception_handler(revisions.EditConflict)
def on_conflict(request: HttpRequest, exc: revisions.EditConflict) -> HttpResponse:
    changed = ", ".join(exc.changed) or "the entry"
    return error(412, "precondition_failed", f"The entry changed since your version ({changed}): GET it again.")


class TokenBearer(HttpBearer):
    """API keys are checked by terroir.api.middleware; this declares them in the OpenAPI document."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return getattr(request, "api_token", None)


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


def etag(entry: Place | Actor) -> str:
    return f'"{editing.version_of(entry)}"'


@api.get("/places/{place_id}", response={200: PlaceDetailOut, **ERRORS}, summary="One place")
def place(request: HttpRequest, response: HttpResponse, place_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    found = get_object_or_404(Place.objects.select_related("commune", "operator"), pk=place_id)
    response["ETag"] = etag(found)
    return presenters.place_detail(found)


def _writer(request: HttpRequest, entry: Place | Actor) -> ApiToken:
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is None:
        raise AuthenticationError()
    if token.scope != ApiToken.Scope.WRITE:
        raise PermissionDenied("This API key is read-only.")
    if not can_edit(token.user, entry):
        raise PermissionDenied("This API key may not change this entry.")
    return token


def _if_match(request: HttpRequest) -> str | HttpResponse:
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header:
        return error(428, "precondition_required", "Send If-Match with the ETag of your last GET of this entry.")
    return header.removeprefix("W/").strip('"')


def _patch(request: HttpRequest, response: HttpResponse, entry: Place | Actor, changes: dict[str, Any]) -> Any:
    token = _writer(request, entry)
    version = _if_match(request)
    if isinstance(version, HttpResponse):
        return version
    if "products" in changes and changes["products"] is not None:
        changes["products"] = [dict(item) for item in changes["products"]]
    revisions.entry_edit(entry=entry, changes=changes, by=token.user, version=version, origin=Revision.Origin.API)
    entry.refresh_from_db()
    response["ETag"] = etag(entry)
    return None


@api.patch(
    "/places/{place_id}",
    response={200: PlaceDetailOut, **WRITE_ERRORS},
    auth=TokenBearer(),
    summary="Change a place you manage (API key of scope write, If-Match required)",
)
def place_patch(
    request: HttpRequest, response: HttpResponse, body: PlacePatch, place_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = get_object_or_404(Place.objects.select_related("commune", "operator"), pk=place_id)
    refused = _patch(request, response, found, body.model_dump(exclude_unset=True))
    return refused if refused is not None else presenters.place_detail(found)


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
def producer(
    request: HttpRequest, response: HttpResponse, producer_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    response["ETag"] = etag(found)
    return presenters.producer_detail(found)


@api.patch(
    "/producers/{producer_id}",
    response={200: ProducerDetailOut, **WRITE_ERRORS},
    auth=TokenBearer(),
    summary="Change a producer you manage, products included (API key of scope write, If-Match required)",
)
def producer_patch(
    request: HttpRequest, response: HttpResponse, body: ProducerPatch, producer_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    refused = _patch(request, response, found, body.model_dump(exclude_unset=True))
    return refused if refused is not None else presenters.producer_detail(found)


@api.post(
    "/suggestions",
    response={201: SuggestionOut, 413: ErrorOut, **ERRORS},
    summary="Suggest a correction to a place or producer, or report a closed place (moderated)",
)
def suggestion_create(request: HttpRequest, body: SuggestionIn) -> Any:
    verdict = rate_hit(request, scope="suggestion")
    if not verdict.allowed:
        response = error(429, "rate_limited", f"Too many suggestions: retry in {verdict.retry_after} s.")
        response["Retry-After"] = str(verdict.retry_after)
        return response
    entry: Place | Actor = (
        get_object_or_404(Place, pk=body.id) if body.entity == Entity.PLACE else get_object_or_404(Actor, pk=body.id)
    )
    token: ApiToken | None = getattr(request, "api_token", None)
    proposal = suggestions.SuggestionInput(changes=body.changes, kind=body.kind, comment=body.comment, email=body.email)
    suggestion = suggestions.suggestion_submit(entry=entry, proposal=proposal, by=token.user if token else None)
    return Status(201, {"id": suggestion.pk, "status": suggestion.status})


def _planner(request: HttpRequest, *, write: bool) -> ApiToken:
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is None:
        raise AuthenticationError()
    if write and token.scope != ApiToken.Scope.WRITE:
        raise PermissionDenied("This API key is read-only.")
    if not can_plan_rounds(token.user):
        raise PermissionDenied("Pooled rounds are planned by coordinators and carriers.")
    return token


def _plan_out(request: HttpRequest, run: PlanningRun) -> dict[str, Any]:
    return {
        "id": run.pk, "status": run.status, "stage": run.stage, "fraction": run.fraction, "error": run.error,
        "url": request.build_absolute_uri(f"/api/v1/plans/{run.pk}"), "plan": run.plan, "report": run.report,
    }  # fmt: skip


@api.post(
    "/plans",
    response={202: PlanOut, **WRITE_ERRORS},
    auth=TokenBearer(),
    summary="Submit a pooled-rounds problem; it is planned in the background (poll its url)",
)
def plan_create(request: HttpRequest, body: PlanIn) -> Any:
    token = _planner(request, write=True)
    try:
        owner = logistics_access.carrier_get(token.user, body.organisation)
    except Http404:
        message = (
            "You plan for several carriers: say which one in organisation."
            if body.organisation is None
            else f"No carrier {body.organisation} of yours."
        )
        return error(404, "not_found", message, "organisation")
    try:
        run = logistics_services.run_start(
            body.problem, by=token.user, week=body.week, time_limit_s=body.time_limit_s, owner=owner
        )
    except ProblemTooLarge as exc:
        return error(413, "problem_too_large", str(exc), "problem")
    except ProblemError as exc:
        return error(400, "invalid_problem", str(exc), "problem")
    except logistics_services.PlannerBusy:
        response = error(429, "planner_busy", "Two plans of yours are being computed: retry in a minute.")
        response["Retry-After"] = "60"
        return response
    return Status(202, _plan_out(request, run))


@api.get(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS, 401: ErrorOut, 403: ErrorOut},
    auth=TokenBearer(),
    summary="A planning run: its progress, then its plan and report",
)
def plan_get(request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    token = _planner(request, write=False)
    return _plan_out(request, get_object_or_404(logistics_access.runs_of(token.user), pk=plan_id))


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
