"""Isolated producers: the last one in an area, the farm whose milk the dairy no longer collects.

A producer is isolated when somebody says so (a flag with its reason, set by a coordinator or by the
producer's own people through `isolation_flag`) or when a rule finds it:
- no outlet: no place open to the public and no stop of a planned round within OUTLET_KM of its farm;
- a single buyer: it sells through one place only;
- alone with its product: no other producer of one of its products within SAME_PRODUCT_KM.
For each, what could help, from the platform's own data: the open needs of the needs board that fit its
products and reach its farm, the rounds planned recently that pass nearby (the detour in km and €), the
relay platforms and depots within reach (where its goods could be dropped for a pooled round), and the
producers nearby to pool with. Distances are great-circle km for the rules (as the search), road estimates
(TERROIR_ROAD_FACTOR) for the detours and the needs' reach (as the needs board and the rounds).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory.models import PUBLIC_KINDS, Actor, Category, Offer, Place, PlaceFacet, PlaceKind
from terroir.lib.geo import EARTH_RADIUS_KM, haversine_km
from terroir.logistics.costs import CostModel
from terroir.logistics.models import Depot, PlanningRun, RunStatus
from terroir.needs.matching import category_fit
from terroir.needs.models import Need

from . import access
from .models import IsolationFlag, Territory

OUTLET_KM = 20.0
SAME_PRODUCT_KM = 30.0
POOL_KM = 15.0
RELAY_KM = 30.0  # a relay platform or depot within this (great-circle) distance of the farm
ROUNDS_SINCE = dt.timedelta(days=90)  # rounds planned in the last three months
SHOWN = 5  # of each kind of help

FLAGGED, NO_OUTLET, SINGLE_BUYER, ALONE = "flagged", "no_outlet", "single_buyer", "alone"
REASONS = {
    FLAGGED: gettext_lazy("flagged"),
    NO_OUTLET: gettext_lazy("no place open to the public nor any round within %(km)s km"),
    SINGLE_BUYER: gettext_lazy("sells through a single place"),
    ALONE: gettext_lazy("no other producer of its product within %(km)s km"),
}


# --- Flags ------------------------------------------------------------------------------------------


def can_flag(user: Any, producer: Actor) -> bool:
    """The producer's own people, and the coordinators (of the site, or of a territory it is in)."""
    if user is None or not user.is_authenticated:
        return False
    if is_coordinator(user) or producer.pk in actor_ids_of(user):
        return True
    return (
        producer.commune_id is not None
        and Territory.objects.filter(coordinators=user, communes=producer.commune_id).exists()
    )


@transaction.atomic
def isolation_flag(*, producer: Actor, reason: str, by: Any) -> IsolationFlag:
    """Say a producer is isolated, with why; replaces its open flag (one open flag a producer)."""
    if not can_flag(by, producer):
        raise PermissionDenied(_("Only the producer's people and the coordinators may flag it."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("say why the producer is isolated")})
    IsolationFlag.objects.filter(producer=producer, cleared_at__isnull=True).update(cleared_at=timezone.now())
    flag = IsolationFlag.objects.create(
        producer=producer, reason=reason[:300], by=by, by_producer=producer.pk in actor_ids_of(by)
    )
    audit_record(by=by, action="isolation_flag", target=f"actor:{producer.pk}", summary=reason)
    return flag


@transaction.atomic
def isolation_clear(*, producer: Actor, by: Any) -> int:
    """The producer is no longer isolated: its open flag is closed (kept, dated)."""
    if not can_flag(by, producer):
        raise PermissionDenied(_("Only the producer's people and the coordinators may flag it."))
    cleared = IsolationFlag.objects.filter(producer=producer, cleared_at__isnull=True).update(cleared_at=timezone.now())
    audit_record(by=by, action="isolation_clear", target=f"actor:{producer.pk}")
    return cleared


# --- Rules and help ---------------------------------------------------------------------------------


@dataclass
class Isolated:
    producer: Actor
    reasons: list[str]  # FLAGGED, NO_OUTLET, SINGLE_BUYER, ALONE
    flag: IsolationFlag | None = None
    nearest_outlet_km: float | None = None
    alone_with: list[str] = field(default_factory=list)  # the products nobody else makes nearby
    alone_paths: list[str] = field(default_factory=list)  # their categories (a snapshot keeps these)
    needs: list[dict[str, Any]] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    relays: list[dict[str, Any]] = field(default_factory=list)

    def reason_texts(self) -> list[str]:
        texts = []
        for reason in self.reasons:
            if reason == ALONE:
                texts.append(str(REASONS[ALONE]) % {"km": f"{SAME_PRODUCT_KM:g}"} + f" ({', '.join(self.alone_with)})")
            elif reason == FLAGGED and self.flag is not None:
                texts.append(_("flagged: “%(reason)s”") % {"reason": self.flag.reason})
            elif reason == NO_OUTLET:
                texts.append(str(REASONS[reason]) % {"km": f"{OUTLET_KM:g}"})
            else:
                texts.append(str(REASONS[reason]))
        return texts


def _nearest_other_km(makers: Sequence[tuple[int, float, float]], producers: Sequence[Actor]) -> list[float | None]:
    """For each producer (with a position), the great-circle km to the nearest of `makers` (id, lat, lon)
    other than itself: the two nearest from a k-d tree, itself being one of them when it is a maker."""
    if not makers:
        return [None] * len(producers)
    targets = access.Targets.of(makers)
    assert targets.tree is not None
    k = min(2, len(makers))
    lats = np.array([p.lat for p in producers], dtype=float)
    lons = np.array([p.lon for p in producers], dtype=float)
    phi, lam = np.radians(lats), np.radians(lons)
    vectors = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
    chords, indexes = targets.tree.query(vectors, k=k)
    chords, indexes = chords.reshape(len(producers), k), indexes.reshape(len(producers), k)
    found: list[float | None] = []
    for producer, row_chords, row_indexes in zip(producers, chords, indexes, strict=True):
        others = [c for c, i in zip(row_chords, row_indexes, strict=True) if int(targets.ids[i]) != producer.pk]
        found.append(2 * EARTH_RADIUS_KM * float(np.arcsin(min(others[0] / 2, 1.0))) if others else None)
    return found


def _road_factor() -> float:
    return float(settings.TERROIR_ROAD_FACTOR)


def recent_rounds() -> list[dict[str, Any]]:
    """The rounds of the planning runs done recently: vehicle name, day, € per km, stop positions."""
    runs = PlanningRun.objects.filter(status=RunStatus.DONE, finished_at__gte=timezone.now() - ROUNDS_SINCE)
    found = []
    for run in runs.only("pk", "plan", "labels", "problem").order_by("-finished_at")[:50]:
        vehicles = (run.problem or {}).get("vehicles", [])
        per_km = {str(v.get("id")): float(v.get("per_km", CostModel.per_km)) for v in vehicles}
        names = (run.labels or {}).get("vehicles", {})
        for index, round_ in enumerate((run.plan or {}).get("rounds", [])):
            stops = [(s["lat"], s["lon"]) for s in round_.get("stops", []) if s.get("lat") is not None]
            if len(stops) < 2:
                continue
            vehicle = str(round_.get("vehicle", ""))
            label = names.get(vehicle, {}).get("name") if isinstance(names.get(vehicle), dict) else None
            found.append({
                "run": run.pk, "round": index + 1, "vehicle": label or vehicle, "day": round_.get("day"),
                "per_km": per_km.get(vehicle, CostModel.per_km), "stops": stops,
            })  # fmt: skip
    return found


def detour_km(lat: float, lon: float, stops: Sequence[tuple[float, float]], road_factor: float) -> float:
    """The least road km added to a round by a visit at (lat, lon) between two of its consecutive stops."""
    best = float("inf")
    for (a_lat, a_lon), (b_lat, b_lon) in itertools.pairwise(stops):
        added = haversine_km(a_lat, a_lon, lat, lon) + haversine_km(lat, lon, b_lat, b_lon)
        added -= haversine_km(a_lat, a_lon, b_lat, b_lon)
        best = min(best, added)
    return max(best, 0.0) * road_factor


def _offers_by_producer(ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """(category path, name) of each producer's offers."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for producer_id, path, name_fr, name_en in Offer.objects.filter(producer_id__in=ids).values_list(
        "producer_id", "category__path", "category__name_fr", "category__name_en"
    ):
        name = name_en if (get_language() or "fr").startswith("en") else name_fr
        found[producer_id].append((path, name))
    return found


def isolated_producers(territory: Territory) -> list[Isolated]:
    """The producers of the territory's communes that a flag or a rule says isolated, with what could help."""
    producers = list(Actor.objects.filter(is_producer=True, commune__in=territory.communes.all()).order_by("name"))
    if not producers:
        return []
    ids = [p.pk for p in producers]
    flags = {f.producer_id: f for f in IsolationFlag.objects.filter(producer_id__in=ids, cleared_at__isnull=True)}
    places_of: dict[int, int] = defaultdict(int)
    for actor_id in Place.producers.through.objects.filter(actor_id__in=ids, place__closed_at__isnull=True).values_list(
        "actor_id", flat=True
    ):
        places_of[actor_id] += 1
    # Places open to the public and the stops of recent rounds: one k-d tree, one query of every farm.
    rounds = recent_rounds()
    public = PlaceFacet.objects.filter(facet__in=[f"k:{k}" for k in PUBLIC_KINDS], lat__isnull=False, lon__isnull=False)
    points = [(0, float(lat or 0.0), float(lon or 0.0)) for lat, lon in public.values_list("lat", "lon").distinct()]
    points += [(0, float(lat), float(lon)) for r in rounds for lat, lon in r["stops"]]
    placed = [p for p in producers if p.lat is not None and p.lon is not None]
    lats, lons = [float(p.lat or 0.0) for p in placed], [float(p.lon or 0.0) for p in placed]  # placed: not null
    outlets = dict(zip((p.pk for p in placed), access.nearest(access.Targets.of(points), lats, lons), strict=True))
    offers = _offers_by_producer(ids)
    paths = sorted({path for found in offers.values() for path, _name in found})
    makers: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for producer_id, path, lat, lon in Offer.objects.filter(
        category__path__in=paths, producer__lat__isnull=False, producer__lon__isnull=False
    ).values_list("producer_id", "category__path", "producer__lat", "producer__lon"):
        makers[path].append((producer_id, float(lat or 0.0), float(lon or 0.0)))  # never null: filtered
    alone: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for path in paths:
        offering = [p for p in placed if any(own == path for own, _name in offers.get(p.pk, []))]
        name = next(name for own, name in offers[offering[0].pk] if own == path) if offering else ""
        for producer, km in zip(offering, _nearest_other_km(makers[path], offering), strict=True):
            if km is None or km > SAME_PRODUCT_KM:
                alone[producer.pk].append((name, path))

    found = []
    for producer in producers:
        reasons, item = [], Isolated(producer, [], flag=flags.get(producer.pk))
        if item.flag is not None:
            reasons.append(FLAGGED)
        if producer.pk in outlets:
            item.nearest_outlet_km = outlets[producer.pk].distance_km
            if item.nearest_outlet_km is None or item.nearest_outlet_km > OUTLET_KM:
                reasons.append(NO_OUTLET)
            lonely = sorted(alone.get(producer.pk, []))
            item.alone_with, item.alone_paths = [name for name, _p in lonely], [path for _n, path in lonely]
            if item.alone_with:
                reasons.append(ALONE)
        if places_of.get(producer.pk, 0) == 1:
            reasons.append(SINGLE_BUYER)
        if reasons:
            item.reasons = reasons
            found.append(item)
    open_needs, relays = _open_needs(), relays_all()
    for item in found:
        help_find(item, offers.get(item.producer.pk, []), rounds, open_needs, relays)
    return found


def _open_needs() -> list[Need]:
    return list(
        Need.objects.filter(status=Need.Status.OPEN, delivery_place__lat__isnull=False).select_related(
            "category", "delivery_place", "buyer"
        )
    )


def relays_all() -> list[dict[str, Any]]:
    """Where a producer's goods could be dropped for a pooled round: the open places of kind relay
    platform (with their page) and the depots of the rounds' carriers, with their positions."""
    today = timezone.localdate()
    places = Place.objects.filter(kind=PlaceKind.RELAY, lat__isnull=False, lon__isnull=False).exclude(
        closed_at__lte=today
    )
    found: list[dict[str, Any]] = [
        {"kind": "relay", "place_id": pk, "name": name, "operator": "", "lat": float(lat or 0.0),
         "lon": float(lon or 0.0)}  # never null: filtered
        for pk, name, lat, lon in places.values_list("pk", "name", "lat", "lon")
    ]  # fmt: skip
    for name, lat, lon, operator in Depot.objects.values_list("name", "lat", "lon", "operator__name"):
        found.append({"kind": "depot", "place_id": None, "name": name, "operator": operator or "", "lat": lat,
                      "lon": lon})  # fmt: skip
    return found


def help_find(
    item: Isolated,
    offers: Sequence[tuple[str, str]],
    rounds: Sequence[dict[str, Any]],
    open_needs: Sequence[Need],
    relays: Sequence[dict[str, Any]] = (),
) -> None:
    """What the platform's own data offers the producer: fitting open needs, rounds nearby, relay
    platforms and depots within reach, neighbours."""
    producer = item.producer
    if producer.lat is None or producer.lon is None:
        return
    lat, lon, factor = producer.lat, producer.lon, _road_factor()
    paths = [path for path, _name in offers]
    needs: list[dict[str, Any]] = []
    for need in open_needs:
        if not any(category_fit(need.category.path, path) > 0 for path in paths):
            continue
        place = need.delivery_place
        assert place is not None and place.lat is not None and place.lon is not None  # filtered above
        road = haversine_km(lat, lon, place.lat, place.lon) * factor
        if road <= need.max_km:
            needs.append({"need": need, "road_km": road})
    item.needs = sorted(needs, key=lambda n: n["road_km"])[:SHOWN]
    nearby: list[dict[str, Any]] = []
    for round_ in rounds:
        detour = detour_km(lat, lon, round_["stops"], factor)
        if detour <= 2 * OUTLET_KM * factor:
            nearby.append(dict(round_, detour_km=detour, detour_eur=detour * round_["per_km"]))
    item.rounds = sorted(nearby, key=lambda r: r["detour_km"])[:SHOWN]
    within: list[dict[str, Any]] = []
    for relay in relays:
        km = haversine_km(lat, lon, relay["lat"], relay["lon"])
        if km <= RELAY_KM:
            within.append({k: relay[k] for k in ("kind", "place_id", "name", "operator")} | {"road_km": km * factor})
    item.relays = sorted(within, key=lambda r: r["road_km"])[:SHOWN]
    neighbours: list[dict[str, Any]] = []
    others = Actor.objects.filter(is_producer=True, lat__isnull=False, lon__isnull=False).exclude(pk=producer.pk)
    box = POOL_KM / 111.0  # degrees of latitude; of longitude, wider away from the equator
    wide = box / max(np.cos(np.radians(lat)), 0.01)
    near = others.filter(lat__range=(lat - box, lat + box), lon__range=(lon - wide, lon + wide))
    for other in near.only("pk", "name", "lat", "lon"):
        assert other.lat is not None and other.lon is not None  # filtered above
        km = haversine_km(lat, lon, other.lat, other.lon)
        if km <= POOL_KM:
            neighbours.append({"producer": other, "km": km})
    item.neighbours = sorted(neighbours, key=lambda n: n["km"])[:SHOWN]


# --- Kept in a snapshot ------------------------------------------------------------------------------
# The rules read the whole directory (0.33 s at 20,000 places, more as it grows): the snapshot, on the
# worker, keeps what they found as plain JSON (ids, not names, so the page reads today's names in the
# reader's language), and the coordination page reads it back. Flags are read live: one set after the
# snapshot shows at once, one cleared since drops its reason.


def isolated_dump(items: Sequence[Isolated]) -> list[dict[str, Any]]:
    return [
        {
            "producer": item.producer.pk, "reasons": [r for r in item.reasons if r != FLAGGED],
            "nearest_outlet_km": item.nearest_outlet_km, "alone_paths": item.alone_paths,
            "needs": [{"need": n["need"].pk, "road_km": n["road_km"]} for n in item.needs],
            "rounds": [{k: v for k, v in r.items() if k != "stops"} for r in item.rounds],
            "neighbours": [{"producer": n["producer"].pk, "km": n["km"]} for n in item.neighbours],
            "relays": item.relays,
        }
        for item in items
    ]  # fmt: skip


def _category_names(paths: set[str]) -> dict[str, str]:
    english = (get_language() or "fr").startswith("en")
    rows = Category.objects.filter(path__in=paths).values_list("path", "name_fr", "name_en")
    return {path: (name_en if english else name_fr) or name_fr for path, name_fr, name_en in rows}


def isolated_load(territory: Territory, rows: Sequence[dict[str, Any]] | None) -> list[Isolated]:
    """The isolated producers a snapshot found (`rows`, from isolated_dump), with today's flags: a
    producer flagged since is added with its help found now (a few producers: cheap); one whose only
    reason was a flag cleared since is dropped; needs no longer open and producers gone are left out.
    No snapshot (`rows` None): the flagged producers only, the rules wait for the worker."""
    rows = list(rows or [])
    flags = {
        f.producer_id: f
        for f in IsolationFlag.objects.filter(producer__commune__in=territory.communes.all(), cleared_at__isnull=True)
    }  # fmt: skip
    kept = [row["producer"] for row in rows]
    wanted = set(kept) | set(flags) | {n["producer"] for row in rows for n in row["neighbours"]}
    actors = Actor.objects.filter(pk__in=wanted, is_producer=True).in_bulk()
    need_ids = {n["need"] for row in rows for n in row["needs"]}
    needs = Need.objects.filter(pk__in=need_ids, status=Need.Status.OPEN).select_related("buyer").in_bulk()
    names = _category_names({path for row in rows for path in row["alone_paths"]})
    found: list[Isolated] = []
    for row in rows:
        producer = actors.get(row["producer"])
        reasons = ([FLAGGED] if row["producer"] in flags else []) + list(row["reasons"])
        if producer is None or not reasons:
            continue
        found.append(Isolated(
            producer, reasons, flag=flags.get(producer.pk), nearest_outlet_km=row["nearest_outlet_km"],
            alone_with=[names.get(path, path) for path in row["alone_paths"]], alone_paths=list(row["alone_paths"]),
            needs=[{"need": needs[n["need"]], "road_km": n["road_km"]} for n in row["needs"] if n["need"] in needs],
            rounds=list(row["rounds"]),
            neighbours=[{"producer": actors[n["producer"]], "km": n["km"]} for n in row["neighbours"]
                        if n["producer"] in actors],
            relays=list(row["relays"]),
        ))  # fmt: skip
    new = [actors[pk] for pk in flags if pk not in set(kept) and pk in actors]
    if new:
        offers = _offers_by_producer([p.pk for p in new])
        rounds, open_needs, relays = recent_rounds(), _open_needs(), relays_all()
        for producer in new:
            item = Isolated(producer, [FLAGGED], flag=flags[producer.pk])
            help_find(item, offers.get(producer.pk, []), rounds, open_needs, relays)
            found.append(item)
    return sorted(found, key=lambda item: item.producer.name)
