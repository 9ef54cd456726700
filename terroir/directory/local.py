"""Local or not: how far a place's food comes from, measured from the farms of its producers.

For a place, its producers are those the directory links to it (its suppliers, and the producer who runs
it, as on its page). Each producer with a position gives one farm-to-shelf distance, in great-circle km
as the search measures (terroir.lib.geo). A producer is local when that distance is within the local
radius: the site's (TERROIR_LOCAL_RADIUS_KM, 150 km, the search's "local only"), or a territory's own in
the observatory. The share of local producers and the median distance describe the place; a place
without any producer with a position has no figure (unknown, not "0 % local").

Only directory data: the place page shows it, and the observatory sums it per territory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from terroir.lib.geo import great_circle_km_radians

from .models import Actor, Place


def local_radius_km() -> float:
    return float(settings.TERROIR_LOCAL_RADIUS_KM)


@dataclass(frozen=True, slots=True)
class Local:
    producers: int  # producers with a position
    unplaced: int  # producers without one (not counted)
    local: int  # of `producers`, within the radius
    radius_km: float
    median_km: float | None  # median farm-to-shelf distance; None: no producer with a position

    @property
    def share(self) -> float | None:
        return self.local / self.producers if self.producers else None


def farm_to_shelf_km(
    shelf_lat: np.ndarray, shelf_lon: np.ndarray, farm_lat: np.ndarray, farm_lon: np.ndarray
) -> np.ndarray:
    """Farm-to-shelf great-circle distances, element by element (degrees in, km out)."""
    radians = (np.radians(np.asarray(a, float)) for a in (shelf_lat, shelf_lon, farm_lat, farm_lon))
    return great_circle_km_radians(*radians)


def local_of(distances_km: Sequence[float] | np.ndarray, unplaced: int, radius_km: float) -> Local:
    km = np.asarray(distances_km, float)
    return Local(
        producers=int(km.size), unplaced=unplaced, local=int(np.count_nonzero(km <= radius_km)), radius_km=radius_km,
        median_km=round(float(np.median(km)), 1) if km.size else None,
    )  # fmt: skip


def place_local(place: Place, producers: Iterable[Actor], *, radius_km: float | None = None) -> Local | None:
    """A place's figures from its producers (the page's suppliers, already read); None for a place
    without a position (online) or without any producer."""
    producers = list(producers)
    if place.lat is None or place.lon is None or not producers:
        return None
    placed = [p for p in producers if p.lat is not None and p.lon is not None]
    km = farm_to_shelf_km(
        np.full(len(placed), place.lat), np.full(len(placed), place.lon),
        np.array([p.lat for p in placed], float), np.array([p.lon for p in placed], float),
    )  # fmt: skip
    return local_of(km, len(producers) - len(placed), local_radius_km() if radius_km is None else radius_km)


def local_json(found: Local | None) -> dict[str, object] | None:
    """A place's figures as the API gives them (None: no position or no producer)."""
    if found is None:
        return None
    share = found.share
    return {
        "producers": found.producers, "unplaced": found.unplaced, "local": found.local,
        "radius_km": found.radius_km, "share": None if share is None else round(share, 4),
        "median_km": found.median_km,
    }  # fmt: skip


@dataclass(frozen=True)
class Links:
    """Every (place, producer) link of the places asked, with both positions (NaN: unknown), one row
    per link: the place's producers and the producer that runs it, each once."""

    place_ids: np.ndarray
    actor_ids: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    farm_lat: np.ndarray
    farm_lon: np.ndarray


def links_read(places: QuerySet[Place] | None = None) -> Links:
    """The links of the open places of a query (all open places when None), read in two queries (the
    places stay a subquery: no list of ids for the database to take as parameters)."""
    through = Place.producers.through.objects.filter(place__closed_at__isnull=True)
    operated = Place.objects.filter(closed_at__isnull=True, operator__is_producer=True)
    if places is not None:
        wanted = places.values("pk")
        through, operated = through.filter(place_id__in=wanted), operated.filter(pk__in=wanted)
    rows: dict[tuple[int, int], tuple[float | None, float | None, float | None, float | None]] = {}
    fields = ("place_id", "actor_id", "place__lat", "place__lon", "actor__lat", "actor__lon")
    for place_id, actor_id, *position in through.values_list(*fields).iterator(chunk_size=20_000):
        rows[(place_id, actor_id)] = tuple(position)
    fields = ("id", "operator_id", "lat", "lon", "operator__lat", "operator__lon")
    for place_id, actor_id, *position in operated.values_list(*fields).iterator(chunk_size=20_000):
        rows[(place_id, actor_id)] = tuple(position)
    keys = np.array(list(rows), dtype=np.int64).reshape(-1, 2)
    values = np.array([[np.nan if v is None else v for v in value] for value in rows.values()], float).reshape(-1, 4)
    return Links(keys[:, 0], keys[:, 1], values[:, 0], values[:, 1], values[:, 2], values[:, 3])


def places_local(links: Links, *, radius_km: float) -> dict[int, Local]:
    """`place_local` for many places at once, vectorised (no loop over places in Python but to build the
    answer): the places with a position and at least one producer."""
    shelf = ~np.isnan(links.place_lat) & ~np.isnan(links.place_lon)
    farm = shelf & ~np.isnan(links.farm_lat) & ~np.isnan(links.farm_lon)
    ids = links.place_ids[shelf]
    if not ids.size:
        return {}
    places, inverse = np.unique(ids, return_inverse=True)
    total = np.bincount(inverse, minlength=places.size)
    km = farm_to_shelf_km(links.place_lat[farm], links.place_lon[farm], links.farm_lat[farm], links.farm_lon[farm])
    group = np.searchsorted(places, links.place_ids[farm])
    counted = np.bincount(group, minlength=places.size)
    local = np.bincount(group, weights=(km <= radius_km).astype(float), minlength=places.size)
    # Medians of every group at once: sort by (group, km), then read the middle one or two of each run.
    order = np.lexsort((km, group))
    sorted_km = km[order]
    starts = np.concatenate(([0], np.cumsum(counted)[:-1]))
    low = np.clip(starts + (counted - 1) // 2, 0, max(sorted_km.size - 1, 0))
    high = np.clip(starts + counted // 2, 0, max(sorted_km.size - 1, 0))
    medians = (sorted_km[low] + sorted_km[high]) / 2 if sorted_km.size else np.zeros(places.size)
    return {
        int(place): Local(
            producers=int(n), unplaced=int(t - n), local=int(k), radius_km=radius_km,
            median_km=round(float(m), 1) if n else None,
        )
        for place, t, n, k, m in zip(places, total, counted, local, medians, strict=True)
    }  # fmt: skip
