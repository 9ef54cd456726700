"""Relay platforms through the API: a carrier's (or the coordinators') candidate sites, and siting studies
of a week's orders computed on the worker — start one, follow its progress, read its scenarios.

Owned as on the pages (terroir.logistics.access): a person sees and changes only their carriers' sites and
studies, another carrier's answer 404, coordinators see everything. A candidate is checked by the page's
own form (`relay_views.CandidateForm`) and kept by the page's service (`studies.candidate_save`), so the
rules — a commune typed as the search reads it, an address geocoded — are the same."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from terroir.accounts.models import ApiToken
from terroir.accounts.permissions import can_plan_rounds, is_coordinator
from terroir.directory.background import task_error_text
from terroir.logistics import access as logistics_access
from terroir.logistics import relay_study, services, studies
from terroir.logistics.models import (
    RELAY_CAPACITY_KG_DAY_MAX,
    RELAY_COST_WEEK_MAX,
    DeliveryOrder,
    Depot,
    RelayCandidate,
    RunStatus,
    SitingStudy,
)
from terroir.logistics.relay_study import LEG_BOUNDS
from terroir.logistics.relay_views import CandidateForm
from terroir.logistics.siting import SitingError

from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, Refused, error
from ..schemas import ErrorOut
from ..security import TokenBearer

router = Router(tags=["relay platforms"])
READ_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut, 403: ErrorOut}
_STRICT = {"extra": "forbid"}
ORGANISATION = Field(
    None, ge=1, le=MAX_ID,
    description="The carrier (its producer id), when the key's person acts for several; a coordinator without "
    "one works for the whole territory.",
)  # fmt: skip


class CandidateIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    name: str = Field(..., max_length=120)
    place: int | None = Field(None, ge=1, le=MAX_ID, description="A relay platform of the directory (its id).")
    depot: int | None = Field(None, ge=1, le=MAX_ID, description="One of the carrier's depots (its id).")
    commune: str = Field("", max_length=120, description="A commune's name, name and postcode, or INSEE code.")
    address: str = Field("", max_length=255, description="Geocoded in its commune when no position is given.")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    fixed_cost_week: float = Field(..., ge=0, le=RELAY_COST_WEEK_MAX, description="€ per week: rent, energy, staff.")
    capacity_kg_day: int = Field(..., ge=1, le=RELAY_CAPACITY_KG_DAY_MAX, description="kg a day the site handles.")
    cold_room: bool = False
    opening_hours: str = Field("", max_length=255, description="OpenStreetMap syntax; empty: Monday to Friday.")
    organisation: int | None = ORGANISATION


class CandidateOut(Schema):
    id: int
    name: str
    place: int | None
    depot: int | None
    commune: str = Field(..., description="Its INSEE code, or empty.")
    commune_name: str
    address: str
    lat: float | None = Field(..., description="Where the site stands (its commune's centre when no better).")
    lon: float | None
    fixed_cost_week: float
    capacity_kg_day: int
    cold_room: bool
    opening_hours: str
    organisation: int | None = Field(..., description="Its carrier; null: the coordinators'.")


class CandidatesQuery(Schema):
    organisation: int | None = ORGANISATION


class LegIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    vehicle_type: str = Field(..., pattern="^(car|van|refrigerated_van|truck|refrigerated_truck)$")
    per_km: float = Field(..., ge=LEG_BOUNDS["per_km"][0], le=LEG_BOUNDS["per_km"][1])
    per_hour: float = Field(..., ge=LEG_BOUNDS["per_hour"][0], le=LEG_BOUNDS["per_hour"][1])
    load_kg: float = Field(..., ge=LEG_BOUNDS["load_kg"][0], le=LEG_BOUNDS["load_kg"][1],
                           description="kg a trip of this leg carries on average.")  # fmt: skip


class StudyIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    week: datetime.date = Field(..., description="Any day of the week studied (its Monday is taken).")
    single_source: bool = Field(False, description="Each customer served from one place.")
    town_population: int = Field(relay_study.TOWN_POPULATION, ge=relay_study.TOWN_POPULATION_BOUNDS[0],
                                 le=relay_study.TOWN_POPULATION_BOUNDS[1])  # fmt: skip
    direct: LegIn | None = Field(None, description="The producer's own delivery (default: van).")
    trunk: LegIn | None = Field(None, description="Farm → platform (default: truck).")
    last_mile: LegIn | None = Field(None, description="Platform → customer (default: refrigerated van).")
    organisation: int | None = ORGANISATION


class SiteOut(Schema):
    id: int
    name: str


class FlowOut(Schema):
    kind: str = Field(..., description="trunk (farm → platform), last_mile (platform → customer) or direct.")
    origin: str
    destination: str
    kg: float


class ScenarioOut(Schema):
    platforms: int | None = Field(..., description="At most so many platforms open; 0: direct; null: no limit.")
    open: list[SiteOut]
    cost: float = Field(..., description="€ per week, the open sites' fixed costs included.")
    fixed_cost: float
    km: float
    km_town: float
    km_town_heavy: float = Field(..., description="km in town driven by trucks.")
    co2_kg: float = Field(..., description="kg CO₂e.")
    optimal: bool = Field(..., description="Proven optimal; otherwise within `gap` of the optimum.")
    gap: float
    direct_kg: float = Field(..., description="kg still delivered by their producer.")
    flows: list[FlowOut]


class StudyOut(Schema):
    id: int
    week: datetime.date
    status: str = Field(..., description="queued, running, done or failed.")
    stage: str
    fraction: float = Field(..., description="How far the study is, 0 to 1.")
    error: str
    url: str = Field(..., description="This study in the API.")
    organisation: int | None
    candidates: list[SiteOut]
    orders: int = Field(..., description="Orders from a farm to a customer studied.")
    left_out: int = Field(..., description="The week's other orders (from or to a depot), not studied.")
    scenarios: list[ScenarioOut] = Field(..., description="Once done: direct, then at most 1, 2… platforms.")


def _token(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer found it
    if not can_plan_rounds(token.user):
        raise PermissionDenied("Relay platforms are studied by coordinators and carriers.")
    return token


def _owner(token: ApiToken, organisation: int | None) -> Any:
    """The carrier named (or the person's only one); None: a coordinator's whole territory. Neither: a 404
    that names the parameter (errors.Refused, answered by the API's handler)."""
    try:
        return logistics_access.carrier_get(token.user, organisation)
    except Http404:
        raise Refused(error(
            404, "not_found",
            "You work for several carriers: say which one in organisation." if organisation is None
            else f"No carrier {organisation} of yours.", "organisation",
        )) from None  # fmt: skip


def _candidate_out(c: RelayCandidate) -> dict[str, Any]:
    at = studies.position(c)
    return {
        "id": c.pk, "name": c.name, "place": c.place_id, "depot": c.depot_id, "commune": c.commune_id or "",
        "commune_name": c.commune.name if c.commune else "", "address": c.address,
        "lat": at[0] if at else None, "lon": at[1] if at else None, "fixed_cost_week": float(c.fixed_cost_week),
        "capacity_kg_day": c.capacity_kg_day, "cold_room": c.cold_room, "opening_hours": c.opening_hours,
        "organisation": c.owner_id,
    }  # fmt: skip


def _form_data(body: CandidateIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"organisation"})
    return {k: ("" if v is None else v) for k, v in data.items() if v is not False}


def _candidate_kept(body: CandidateIn, *, candidate: RelayCandidate | None, owner: Any, status: int) -> Any:
    """Adding and replacing alike, through the page's form and service: the site kept (with `status`), or
    a 400 saying the first field's refusal in the reader's language."""
    depots = Depot.objects.filter(operator=owner) if owner else Depot.objects.filter(operator__isnull=True)
    form = CandidateForm(_form_data(body), instance=candidate, depots=depots)
    if form.is_valid():
        try:
            return Status(status, _candidate_out(studies.candidate_save(candidate=form.save(), owner=owner)))
        except ValidationError as exc:
            form.add_error(None, exc)
    field, messages = next(iter(form.errors.items()))
    return error(400, "invalid_candidate", " ".join(str(m) for m in messages), None if field == "__all__" else field)


@router.get(
    "/relay-candidates",
    response={200: list[CandidateOut], **READ_ERRORS},
    auth=TokenBearer(),
    summary="The candidate relay sites you may study (your carriers', every one for a coordinator)",
)
def relay_candidates(request: HttpRequest, params: Query[CandidatesQuery]) -> Any:
    token = _token(request)
    rows = logistics_access.candidates_of(token.user).select_related("commune")
    if params.organisation is not None:
        rows = rows.filter(owner=_owner(token, params.organisation))
    return [_candidate_out(c) for c in rows]


@router.post(
    "/relay-candidates",
    response={201: CandidateOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Add a candidate relay site: a relay platform of the directory, a depot, a commune or an address",
)
def relay_candidate_create(request: HttpRequest, body: CandidateIn) -> Any:
    owner = _owner(_token(request), body.organisation)
    return _candidate_kept(body, candidate=None, owner=owner, status=201)


@router.get(
    "/relay-candidates/{candidate_id}",
    response={200: CandidateOut, **READ_ERRORS},
    auth=TokenBearer(),
    summary="One candidate relay site",
)
def relay_candidate(request: HttpRequest, candidate_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    token = _token(request)
    return _candidate_out(get_object_or_404(logistics_access.candidates_of(token.user), pk=candidate_id))


@router.put(
    "/relay-candidates/{candidate_id}",
    response={200: CandidateOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Replace a candidate relay site (it keeps its carrier; a new address or commune places it again)",
)
def relay_candidate_replace(
    request: HttpRequest, body: CandidateIn, candidate_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    token = _token(request)
    found = get_object_or_404(logistics_access.candidates_of(token.user), pk=candidate_id)
    return _candidate_kept(body, candidate=found, owner=found.owner, status=200)


@router.delete(
    "/relay-candidates/{candidate_id}",
    response={204: None, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Delete a candidate relay site (studies made with it keep their snapshot)",
)
def relay_candidate_delete(request: HttpRequest, candidate_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    token = _token(request)
    studies.candidate_delete(candidate=get_object_or_404(logistics_access.candidates_of(token.user), pk=candidate_id))
    return Status(204, None)


def _study_out(request: HttpRequest, study: SitingStudy) -> dict[str, Any]:
    names = study.labels.get("candidates", {})
    parties = study.labels.get("parties", {}) | names

    def site(key: str) -> dict[str, Any]:
        return {"id": int(key.removeprefix("r")), "name": names.get(key, key)}

    scenarios = []
    if study.status == RunStatus.DONE:
        for s in (study.result or {}).get("scenarios", []):
            flows = [{"kind": kind, "origin": parties.get(a, a), "destination": parties.get(b, b), "kg": kg}
                     for kind in ("trunk", "last_mile", "direct") for a, b, kg in s["flows"].get(kind, [])]  # fmt: skip
            scenarios.append({**{k: s[k] for k in ("platforms", "cost", "fixed_cost", "km", "km_town",
                                                   "km_town_heavy", "co2_kg", "optimal", "gap", "direct_kg")},
                              "open": [site(i) for i in s["open"]], "flows": flows})  # fmt: skip
    return {
        "id": study.pk, "week": study.week, "status": study.status, "stage": study.stage, "fraction": study.fraction,
        "error": task_error_text(study.error), "url": request.build_absolute_uri(f"/api/v1/relay-studies/{study.pk}"),
        "organisation": study.owner_id, "candidates": [site(c["id"]) for c in study.problem.get("candidates", [])],
        "orders": len(study.problem.get("orders", [])), "left_out": study.problem.get("left_out", 0),
        "scenarios": scenarios,
    }  # fmt: skip


def _leg(leg: LegIn | None, default: relay_study.Leg) -> relay_study.Leg:
    if leg is None:
        return default
    return relay_study.Leg(vehicle_type=leg.vehicle_type, per_km=leg.per_km, per_hour=leg.per_hour,
                           load_kg=leg.load_kg)  # fmt: skip


@router.post(
    "/relay-studies",
    response={202: StudyOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Study a week's orders against your candidate sites; computed in the background (poll its url)",
)
def relay_study_create(request: HttpRequest, body: StudyIn) -> Any:
    token = _token(request)
    owner = _owner(token, body.organisation)
    desk = logistics_access.Desk(coordinator=is_coordinator(token.user), carriers=(), current=owner)
    week = services.monday(body.week)
    candidates = list(logistics_access.on_desk(RelayCandidate.objects.all(), desk).select_related("commune"))
    orders = logistics_access.on_desk(DeliveryOrder.objects.filter(week=week), desk).select_related(
        "producer", "customer", "delivery_place"
    )
    legs = {"direct": _leg(body.direct, relay_study.DIRECT), "trunk": _leg(body.trunk, relay_study.TRUNK),
            "last_mile": _leg(body.last_mile, relay_study.LAST_MILE)}  # fmt: skip
    problem, labels = studies.study_problem(candidates, orders, week=week, legs=legs,
                                            town_population=body.town_population,
                                            single_source=body.single_source)  # fmt: skip
    try:
        study = studies.study_start(problem=problem, labels=labels, week=week, by=token.user, owner=owner)
    except SitingError as exc:
        return error(400, "invalid_study", studies.refusal(exc, labels))
    except studies.StudiesBusy:
        response = error(429, "studies_busy", "Two studies of yours are being computed: retry in a minute.")
        response["Retry-After"] = "60"
        return response
    return Status(202, _study_out(request, study))


@router.get(
    "/relay-studies/{study_id}",
    response={200: StudyOut, **READ_ERRORS},
    auth=TokenBearer(),
    summary="A relay study: its progress, then its scenarios (cost, km, km in town, CO₂e, optimal or gap)",
)
def relay_study_get(request: HttpRequest, study_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    token = _token(request)
    studies.studies_reap()
    return _study_out(request, get_object_or_404(logistics_access.studies_of(token.user), pk=study_id))
