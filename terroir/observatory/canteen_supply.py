"""Canteens below the EGalim targets, each with the local producers that could supply it.

Definitions (shown on the pages):
- below target: a canteen of the territory's communes whose declaration of the year gives less than 20 %
  organic or less than 50 % EGalim (organic included), compared as the canteens indicator compares them;
- producers that could supply it: producers of the directory with a known farm (a position) within the
  territory's local radius of the canteen's commune centre, as the crow flies; for a canteen short on
  organic, those with an organic-labelled offer (a label counting as BIO for EGalim: AB, Demeter…) come
  first; then by distance. A canteen whose commune has no centre gets none (unknown, not "none nearby");
- its open needs: when the canteen is itself an actor of the directory (same SIRET), its needs open on
  the needs board.

`below_target` ranks plain rows (no database): `canteens_below_target` reads them.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from terroir.directory.french import elided
from terroir.directory.local import farm_to_shelf_km
from terroir.directory.models import Actor, Offer
from terroir.lib import spreadsheet
from terroir.needs.models import Need

from . import egalim
from .indicators import Scope, declarations_of
from .models import Territory

PRODUCERS_PER_CANTEEN = 5
ORGANIC = "BIO"  # Label.egalim of the organic labels
KM_PER_DEGREE = 111.2


@dataclass(frozen=True, slots=True)
class CanteenRow:
    canteen_id: str
    name: str
    siret: str
    commune: str
    commune_name: str
    lat: float | None  # the commune's centre
    lon: float | None
    organic: float
    egalim_other: float


@dataclass(frozen=True, slots=True)
class ProducerRow:
    id: int
    name: str
    commune_name: str
    lat: float
    lon: float
    organic: bool


def _misses(row: CanteenRow) -> tuple[bool, bool]:
    declared = egalim.Declared(row.organic, row.egalim_other)
    return round(declared.organic, egalim.PRECISION) < egalim.ORGANIC_TARGET, declared.egalim < egalim.EGALIM_TARGET


def below_target(
    canteens: Sequence[CanteenRow],
    producers: Sequence[ProducerRow],
    *,
    radius_km: float,
    per_canteen: int = PRODUCERS_PER_CANTEEN,
    needs_of: Mapping[str, tuple[int, list[tuple[int, str]]]] | None = None,
) -> list[dict[str, Any]]:
    """The canteens below a target (in the order given), each with up to `per_canteen` producers within
    `radius_km` of its commune centre — organic ones first when it misses the organic target, then the
    nearest — and, by its SIRET, its actor id and open needs (`needs_of`: SIRET → (actor id, [(id, title)]))."""
    needs_of = needs_of or {}
    lat = np.array([p.lat for p in producers], float)
    lon = np.array([p.lon for p in producers], float)
    plain = np.array([not p.organic for p in producers], bool)
    # Ties in distance go by name: each producer's rank in the names' order, once.
    by_name = np.empty(len(producers), int)
    by_name[sorted(range(len(producers)), key=lambda i: producers[i].name)] = np.arange(len(producers))
    rows = []
    for canteen in canteens:
        short_organic, short_egalim = _misses(canteen)
        if not (short_organic or short_egalim):
            continue
        near: list[dict[str, Any]] = []
        if canteen.lat is not None and canteen.lon is not None and producers:
            km = farm_to_shelf_km(np.full(lat.size, canteen.lat), np.full(lon.size, canteen.lon), lat, lon)
            within = np.flatnonzero(km <= radius_km)
            first = plain[within] if short_organic else np.zeros(within.size, bool)
            ranked = within[np.lexsort((by_name[within], km[within], first))][:per_canteen]
            near = [
                {"id": producers[i].id, "name": producers[i].name, "commune": producers[i].commune_name,
                 "distance_km": round(float(km[i]), 1), "organic": producers[i].organic}
                for i in (int(i) for i in ranked)
            ]  # fmt: skip
        actor, needs = needs_of.get(canteen.siret, (None, [])) if canteen.siret else (None, [])
        rows.append({
            "canteen_id": canteen.canteen_id, "name": canteen.name, "siret": canteen.siret,
            "commune": canteen.commune, "commune_name": canteen.commune_name,
            "organic_share": round(canteen.organic, egalim.PRECISION),
            "egalim_share": egalim.Declared(canteen.organic, canteen.egalim_other).egalim,
            "misses_organic_target": short_organic, "misses_egalim_target": short_egalim,
            "located": canteen.lat is not None and canteen.lon is not None,
            "producers": near, "actor_id": actor,
            "open_needs": [{"id": pk, "title": title} for pk, title in needs],
        })  # fmt: skip
    return rows


def _canteens_read(territory: Territory, year: int) -> list[CanteenRow]:
    rows = declarations_of(Scope("territory", territory.slug, territory.name)).filter(year=year)
    fields = ("canteen_id", "name", "siret", "commune_id", "commune__name", "commune__lat", "commune__lon",
              "ratio_organic", "ratio_egalim_other")  # fmt: skip
    return [CanteenRow(*values) for values in rows.order_by("name", "canteen_id").values_list(*fields)]


def _producers_read(canteens: Sequence[CanteenRow], radius_km: float) -> list[ProducerRow]:
    """The producers with a farm in the box that holds every canteen's circle (the exact distance is
    measured afterwards)."""
    placed = [c for c in canteens if c.lat is not None and c.lon is not None]
    if not placed:
        return []
    lats = [c.lat for c in placed if c.lat is not None]
    lons = [c.lon for c in placed if c.lon is not None]
    dlat = radius_km / KM_PER_DEGREE
    widest = max(abs(min(lats) - dlat), abs(max(lats) + dlat), 0.0)
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(min(widest, 89.0))), 0.01))
    found = Actor.objects.filter(
        is_producer=True,
        lat__range=(min(lats) - dlat, max(lats) + dlat),
        lon__range=(min(lons) - dlon, max(lons) + dlon),
    )
    organic = set(
        Offer.objects.filter(producer__in=found.values("pk"), labels__egalim=ORGANIC).values_list(
            "producer_id", flat=True
        )
    )
    values = found.order_by("pk").values_list("pk", "name", "commune__name", "lat", "lon")
    return [
        ProducerRow(pk, name, commune or "", lat, lon, pk in organic)
        for pk, name, commune, lat, lon in values
        if lat is not None and lon is not None
    ]


def _needs_read(canteens: Sequence[CanteenRow]) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    sirets = {c.siret for c in canteens if c.siret}
    if not sirets:
        return {}
    actors: dict[str, int] = {}
    # Two actors with one SIRET (not yet merged): the buyer, else the first created.
    for siret, pk in Actor.objects.filter(siret__in=sirets).order_by("-is_buyer", "pk").values_list("siret", "pk"):
        actors.setdefault(siret, pk)
    needs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    open_needs = Need.objects.filter(buyer_id__in=actors.values(), status=Need.Status.OPEN).order_by(
        "-published_at", "pk"
    )
    for buyer, pk, title in open_needs.values_list("buyer_id", "pk", "title"):
        needs[buyer].append((pk, title))
    return {siret: (actor, needs.get(actor, [])) for siret, actor in actors.items()}


def canteens_below_target(
    territory: Territory, year: int | None = None, *, per_canteen: int = PRODUCERS_PER_CANTEEN
) -> dict[str, Any]:
    """The territory's canteens below a target for the year (the latest declared when none is given),
    each with its producers and open needs; `no_data` when no canteen declared (never an empty list)."""
    declared = declarations_of(Scope("territory", territory.slug, territory.name))
    years = sorted(set(declared.values_list("year", flat=True).order_by().distinct()))
    year = year if year is not None else (years[-1] if years else None)
    canteens = _canteens_read(territory, year) if year is not None else []
    radius = float(territory.local_radius_km)
    # per_canteen=0: the canteens only (the dashboard's short list), nothing else read.
    producers = _producers_read(canteens, radius) if per_canteen else []
    needs_of = _needs_read(canteens) if per_canteen else {}
    rows = below_target(canteens, producers, radius_km=radius, per_canteen=per_canteen, needs_of=needs_of)
    result: dict[str, Any] = {
        "territory": territory.slug, "name": territory.name, "year": year, "years": years, "radius_km": radius,
        "organic_target": egalim.ORGANIC_TARGET, "egalim_target": egalim.EGALIM_TARGET,
        "canteens": len(canteens) if canteens else None, "below": len(rows) if canteens else None,
        "rows": rows, "no_data": not canteens,
    }  # fmt: skip
    if not canteens:
        result["message"] = (
            _("No canteen declaration of %(scope)s has been imported.") % {"scope": territory.name}
            if year is None
            else _("No canteen of %(scope)s declared its purchases for %(year)s.")
            % {"scope": territory.name, "year": year}
        )
        result["message"] = elided(result["message"], territory.name)
    return result


def _share(value: float) -> str:
    return f"{value:.4f}".replace(".", ",")


def canteens_below_target_csv(found: Mapping[str, Any]) -> str:
    """One row per canteen and producer (a canteen without producers: one row, producer cells empty), for
    French spreadsheets (semicolons, decimal commas, UTF-8 with BOM)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["year", "canteen_id", "siret", "name", "commune", "organic_share", "egalim_share",
                     "misses_organic_target", "misses_egalim_target", "open_needs", "producer_id", "producer",
                     "producer_commune", "distance_km", "producer_organic"])  # fmt: skip
    for row in found["rows"]:
        head = [found["year"], row["canteen_id"], row["siret"], row["name"], row["commune"],
                _share(row["organic_share"]), _share(row["egalim_share"]), int(row["misses_organic_target"]),
                int(row["misses_egalim_target"]), len(row["open_needs"])]  # fmt: skip
        for producer in row["producers"] or [None]:
            tail = (
                ["", "", "", "", ""]
                if producer is None
                else [producer["id"], producer["name"], producer["commune"],
                      f"{producer['distance_km']:.1f}".replace(".", ","), int(producer["organic"])]
            )  # fmt: skip
            writer.writerow(head + tail)
    return out.getvalue()
