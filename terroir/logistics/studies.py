"""Relay platforms from the platform (the services of candidate sites and siting studies): candidate sites
kept like the other logistics rows (a carrier's, or the coordinators'), and a study built from the
candidates and a week's orders, computed on the worker (`relay_study`, then `siting`), kept on its row.
"""

from __future__ import annotations

import datetime
import time
import traceback
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.directory import background
from terroir.directory.communes import commune_at
from terroir.directory.fields import postcode_of_commune
from terroir.directory.geocoding import address_locate
from terroir.directory.models import Actor, Commune, PlaceKind
from terroir.lib import hours
from terroir.lib.messages import Message

from . import relay_study
from .models import DeliveryOrder, OrderKind, RelayCandidate, RunStatus, SitingStudy
from .services import dead_runs_fail, distances_provider
from .siting import SitingError

WORKDAYS = 5  # a candidate without opening hours: Monday to Friday
TOWN_MARGIN_DEG = 0.2  # communes around the study's points read to tell what is in town
STUDY_TIME_LIMIT_S = 60.0
MAX_RUNNING = 2  # studies computed at once per carrier


class StudiesBusy(Exception):
    """Too many studies are being computed for this carrier: try again when one ends."""


def candidate_save(*, candidate: RelayCandidate, owner: Actor | None) -> RelayCandidate:
    """Keep a candidate site. A new one belongs to `owner` (the carrier on the desk); an existing one keeps
    its carrier. Its position, commune and hours come from its place or depot when it has one and leaves
    them empty; a place must be a relay platform, a depot the carrier's own. Without either nor coordinates,
    its address is geocoded (outside the transaction: a service may take seconds), or its commune's centre
    stands for it."""
    if candidate.place is None and candidate.depot is None and candidate.lat is None and candidate.lon is None:
        _candidate_locate(candidate)
    with transaction.atomic():
        if candidate.pk is None:
            candidate.owner = owner
        place, depot = candidate.place, candidate.depot
        if place is not None and place.kind != PlaceKind.RELAY:
            raise ValidationError({"place": _("Only a place of kind relay platform can be a candidate site.")})
        if depot is not None and depot.operator_id != candidate.owner_id:
            raise ValidationError({"depot": _("This depot is not one of your carrier's.")})
        source = place or depot
        if source is not None and candidate.lat is None and candidate.lon is None:
            candidate.lat, candidate.lon = source.lat, source.lon
        if place is not None:
            candidate.commune = candidate.commune or place.commune
            candidate.address = candidate.address or place.address
            candidate.opening_hours = candidate.opening_hours or place.opening_hours
        if depot is not None:
            candidate.address = candidate.address or depot.address
        if (candidate.lat is None) != (candidate.lon is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        candidate.full_clean()
        candidate.save()
    return candidate


def _candidate_locate(candidate: RelayCandidate) -> None:
    """Place a site given by its address and commune: the geocoder's answer (its commune then the one the
    position falls in), else the commune's centre (left to `position`). Nothing to place it by is refused,
    as an address the geocoder cannot place (or not surely) without a commune."""
    commune = candidate.commune
    address = candidate.address.strip()
    if not address and commune is None:
        raise ValidationError(_("Say where the site is: a relay platform of the directory, one of your depots, "
                                "a commune, an address, or its latitude and longitude."))  # fmt: skip
    if not address:
        return  # a commune alone stands at its centre, without asking the geocoder
    postcode = postcode_of_commune(commune.postcodes) if commune else ""
    found = address_locate(address=address, postcode=postcode, commune=commune.name if commune else "")
    if found is None:
        if commune is None:
            raise ValidationError({"address": _(
                "This address could not be placed surely: give its commune (the site then stands at least at its "
                "centre), or its latitude and longitude."
            )})  # fmt: skip
        return
    candidate.lat, candidate.lon = found
    if commune is None:
        code = commune_at(*found)
        candidate.commune = Commune.objects.filter(code=code[0]).first() if code else None


def candidate_delete(*, candidate: RelayCandidate) -> None:
    with transaction.atomic():
        candidate.delete()


def position(candidate: RelayCandidate) -> tuple[float, float] | None:
    if candidate.lat is not None and candidate.lon is not None:
        return (candidate.lat, candidate.lon)
    commune = candidate.commune
    if commune is not None and commune.lat is not None and commune.lon is not None:
        return (commune.lat, commune.lon)  # a commune alone: its centre
    return None


def days_open(candidate: RelayCandidate, week: datetime.date) -> int:
    """How many days of the week the site opens (its hours; none given: Monday to Friday)."""
    if not candidate.opening_hours:
        return WORKDAYS
    try:
        return len(hours.recurring_weekdays(candidate.opening_hours, week, ZoneInfo(settings.TIME_ZONE), weeks=1))
    except hours.InvalidOpeningHours:
        return WORKDAYS


def _leg_json(leg: relay_study.Leg) -> dict[str, Any]:
    return {"vehicle_type": str(leg.vehicle_type), "per_km": leg.per_km, "per_hour": leg.per_hour,
            "load_kg": leg.load_kg}  # fmt: skip


def study_problem(
    candidates: Iterable[RelayCandidate], orders: Iterable[DeliveryOrder], *, week: datetime.date,
    legs: dict[str, relay_study.Leg] | None = None, town_population: int = relay_study.TOWN_POPULATION,
    single_source: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The study's problem (a snapshot of candidates and orders) and the labels naming its ids. Only orders
    from a farm to a customer (shipments) go through a platform: the others are counted and left out."""
    legs = legs or {"direct": relay_study.DIRECT, "trunk": relay_study.TRUNK, "last_mile": relay_study.LAST_MILE}
    problem: dict[str, Any] = {"candidates": [], "orders": [], "legs": {k: _leg_json(v) for k, v in legs.items()},
                               "town_population": town_population, "single_source": single_source,
                               "left_out": 0}  # fmt: skip
    labels: dict[str, Any] = {"candidates": {}, "parties": {}}
    for c in candidates:
        at = position(c)
        days = days_open(c, week)
        problem["candidates"].append({
            "id": f"r{c.pk}", "lat": at[0] if at else None, "lon": at[1] if at else None,
            "fixed_cost": float(c.fixed_cost_week), "capacity_kg": c.capacity_kg_day * days, "days": days,
            "cold_room": c.cold_room,
        })  # fmt: skip
        labels["candidates"][f"r{c.pk}"] = c.name
    for o in orders:
        if o.kind != OrderKind.SHIPMENT or (o.customer is None and o.delivery_place is None):
            problem["left_out"] += 1
            continue
        where = o.delivery_place or o.customer
        customer = f"c{o.customer_id}" if o.customer_id else f"l{o.delivery_place_id}"
        problem["orders"].append({
            "id": f"o{o.pk}", "farm": f"p{o.producer_id}", "farm_lat": o.producer.lat, "farm_lon": o.producer.lon,
            "customer": customer, "lat": where.lat if where else None, "lon": where.lon if where else None,
            "kg": float(o.kg), "cold": o.cold, "service_min": o.service_min,
        })  # fmt: skip
        labels["parties"][f"p{o.producer_id}"] = o.producer.name
        labels["parties"][customer] = where.name if where else ""
        labels.setdefault("orders", {})[f"o{o.pk}"] = f"{o.producer.name} → {where.name if where else ''}"
    return problem, labels


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def study_from_json(problem: dict[str, Any]) -> relay_study.Study:
    return relay_study.Study(
        candidates=[
            relay_study.Candidate(id=c["id"], at=_point(c["lat"], c["lon"]),
                                  fixed_cost=float(c["fixed_cost"]), capacity_kg=float(c["capacity_kg"]),
                                  cold_room=bool(c["cold_room"]))
            for c in problem["candidates"]
        ],
        orders=[
            relay_study.Order(id=o["id"], farm=o["farm"],
                              farm_at=_point(o["farm_lat"], o["farm_lon"]), customer=o["customer"],
                              customer_at=_point(o["lat"], o["lon"]), kg=float(o["kg"]), cold=bool(o["cold"]),
                              service_min=float(o["service_min"]))
            for o in problem["orders"]
        ],
        direct=relay_study.Leg(**problem["legs"]["direct"]),
        trunk=relay_study.Leg(**problem["legs"]["trunk"]),
        last_mile=relay_study.Leg(**problem["legs"]["last_mile"]),
        town_population=int(problem["town_population"]),
        single_source=bool(problem["single_source"]),
    )  # fmt: skip


def refusal_message(error: SitingError, labels: dict[str, Any]) -> Message:
    """The refusal with the candidate's or order's name rather than its id, to be said in the reader's
    language (a study that fails on the worker keeps it so: background.error_stored)."""
    names = labels.get("candidates", {}) | labels.get("orders", {})

    def kept(value: Any) -> Any:
        """A value as JSON keeps it: numpy's numbers as Python's, a shape as it prints."""
        if isinstance(value, str):
            return names.get(value, value)
        return value.item() if isinstance(value, np.generic) else str(value) if isinstance(value, tuple) else value

    return Message(error.template, {k: kept(v) for k, v in error.params.items()})


def refusal(error: SitingError, labels: dict[str, Any]) -> str:
    """The refusal with the candidate's or order's name rather than its id, in the reader's language."""
    return refusal_message(error, labels).text(_)


def study_start(
    *, problem: dict[str, Any], labels: dict[str, Any], week: datetime.date, by: Any, owner: Actor | None,
    background: bool = True,
) -> SitingStudy:  # fmt: skip
    """Check the study (StudyError, its message naming the candidate or order) and compute it on the worker.
    Each carrier (None: the coordinators) has MAX_RUNNING studies at once (StudiesBusy beyond)."""
    relay_study.check(study_from_json(problem))
    studies_reap()
    # Studies waiting longer than this wait for a worker that is not running: they do not hold a slot.
    recent = timezone.now() - datetime.timedelta(seconds=STUDY_TIME_LIMIT_S * 3 + settings.TERROIR_TASK_LEASE_S)
    mine = SitingStudy.objects.filter(owner=owner)
    busy = mine.filter(status=RunStatus.RUNNING) | mine.filter(status=RunStatus.QUEUED, created_at__gte=recent)
    if busy.count() >= MAX_RUNNING:
        raise StudiesBusy()
    study = SitingStudy.objects.create(
        week=week, owner=owner, created_by=by if getattr(by, "pk", None) else None, problem=problem, labels=labels,
        stage="queued",
    )  # fmt: skip
    if background:
        transaction.on_commit(lambda: _enqueue(study.pk))
    else:
        study_execute(study.pk)
        study.refresh_from_db()
    return study


def _enqueue(study_id: int) -> None:
    from .tasks import study_compute  # the task module imports this one

    study_compute.enqueue(study_id)


def town_of(problem: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The centres of the communes around the study's points, and whether each is a town."""
    lats = [p[k] for p in problem["candidates"] + problem["orders"] for k in ("lat", "farm_lat") if p.get(k)]
    lons = [p[k] for p in problem["candidates"] + problem["orders"] for k in ("lon", "farm_lon") if p.get(k)]
    if not lats:
        return np.zeros((0, 2)), np.zeros(0, dtype=bool)
    rows = list(
        Commune.objects.filter(
            lat__range=(min(lats) - TOWN_MARGIN_DEG, max(lats) + TOWN_MARGIN_DEG),
            lon__range=(min(lons) - TOWN_MARGIN_DEG, max(lons) + TOWN_MARGIN_DEG),
        ).values_list("lat", "lon", "population")
    )
    centres = np.array([(lat, lon) for lat, lon, _ in rows], dtype=float).reshape(-1, 2)
    town = np.array([(people or 0) >= int(problem["town_population"]) for _, _, people in rows], dtype=bool)
    return centres, town


def study_execute(study_id: int) -> None:
    """Compute a study: distances, then the scenarios of 0, 1, 2… platforms, each proven optimal or its gap."""
    study = SitingStudy.objects.get(pk=study_id)
    rows = SitingStudy.objects.filter(pk=study_id)
    rows.update(status=RunStatus.RUNNING, stage="distances", fraction=0.05, heartbeat_at=timezone.now())
    try:
        started = time.perf_counter()
        centres, town = town_of(study.problem)

        def told(fraction: float) -> None:
            rows.update(stage="siting", fraction=round(0.1 + 0.85 * fraction, 3), heartbeat_at=timezone.now())

        found = relay_study.scenarios(
            study_from_json(study.problem), matrix_for=distances_provider().matrix, centres=centres, town=town,
            time_limit=STUDY_TIME_LIMIT_S, progress=told,
        )  # fmt: skip
        result = {"scenarios": [relay_study.scenario_to_json(s) for s in found],
                  "seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
        rows.update(status=RunStatus.DONE, stage="done", fraction=1.0, result=result, finished_at=timezone.now())
    except SitingError as exc:
        # Kept as its message, said in the reader's language when read (not the worker's).
        rows.update(status=RunStatus.FAILED, stage="failed",
                    error=background.error_stored(refusal_message(exc, study.labels)),
                    finished_at=timezone.now())  # fmt: skip
    except Exception as exc:  # the page must learn that the study ended, whatever ended it
        traceback.print_exc()
        rows.update(status=RunStatus.FAILED, stage="failed", error=background.unexpected_stored(exc),
                    finished_at=timezone.now())  # fmt: skip


def studies_reap() -> int:
    """Fail the studies whose worker died (as planning runs)."""
    return dead_runs_fail(SitingStudy)
