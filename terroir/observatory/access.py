"""Access to local food: the nearest place from each commune's centre, and the population within reach;
a pure engine (no Django).

Distances are great-circle kilometres, the ones the search shows and filters on (terroir.lib.geo), so
"within 10 km" here is what a search within 10 km of the commune's centre finds. The nearest place is
found with a k-d tree on points of the unit sphere: the straight chord between two points grows with
their great-circle distance, so the nearest by chord is the nearest on the Earth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from terroir.lib.geo import EARTH_RADIUS_KM

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

THRESHOLDS_KM = (5.0, 10.0, 20.0)


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


@dataclass(frozen=True)
class Targets:
    """Places as positions in degrees and their ids, searchable for the nearest one."""

    ids: np.ndarray
    tree: cKDTree | None

    @classmethod
    def of(cls, rows: Sequence[tuple[int, float, float]]) -> Targets:
        """`rows`: (id, lat, lon) of places with a position."""
        if not rows:
            return cls(ids=np.empty(0, dtype=np.int64), tree=None)
        # SciPy is loaded by the first search, not by every process that starts Django (the app registry
        # reaches this module through the snapshots): 0.25 s of processor.
        from scipy.spatial import cKDTree

        ids, lats, lons = (np.asarray(column) for column in zip(*rows, strict=True))
        return cls(ids=ids.astype(np.int64), tree=cKDTree(_unit_vectors(lats.astype(float), lons.astype(float))))


@dataclass(frozen=True, slots=True)
class Nearest:
    place_id: int | None
    distance_km: float | None  # None: no place at all


def nearest(targets: Targets, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray) -> list[Nearest]:
    """The nearest target of each origin (degrees), with its great-circle distance."""
    if targets.tree is None or not len(lats):
        return [Nearest(None, None) for _ in lats]
    chord, index = targets.tree.query(_unit_vectors(np.asarray(lats, float), np.asarray(lons, float)))
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2, 0.0, 1.0))
    return [
        Nearest(int(targets.ids[i]), float(d)) for i, d in zip(np.atleast_1d(index), np.atleast_1d(km), strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Reach:
    threshold_km: float
    population: int  # living in a commune whose centre is within the threshold of a place
    share: float | None  # of the population counted; None when no population is known


def population_within(
    distances: Sequence[float | None], populations: Sequence[int | None], thresholds: Sequence[float] = THRESHOLDS_KM
) -> list[Reach]:
    """For each threshold, the population of the communes whose nearest place is at most that far, and
    its share of the population of all communes given (a commune without a known population counts in
    neither; one with no place at all counts as beyond every threshold)."""
    known = [(d, p) for d, p in zip(distances, populations, strict=True) if p is not None]
    total = sum(p for _d, p in known)
    result = []
    for threshold in thresholds:
        within = sum(p for d, p in known if d is not None and d <= threshold)
        result.append(Reach(threshold, within, within / total if total else None))
    return result


def nearest_arrays(
    targets: Targets, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`nearest` for many origins as two arrays: the nearest target's id (-1: none) and its great-circle
    km (NaN: none). No object per origin: 35,000 communes × a dozen kinds stay arrays."""
    count = len(lats)
    if targets.tree is None or not count:
        return np.full(count, -1, dtype=np.int64), np.full(count, np.nan)
    chord, index = targets.tree.query(_unit_vectors(np.asarray(lats, float), np.asarray(lons, float)))
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, float) / 2, 0.0, 1.0))
    return targets.ids[np.asarray(index)], km


@dataclass(frozen=True)
class GroupReach:
    """Per group of communes (a territory, each département, France): the population counted (communes
    with a known population), the part of it within each threshold, and the median distance over the
    communes (each commune counts once, whatever its size; NaN when none has a place)."""

    population: np.ndarray  # (groups,)
    within: np.ndarray  # (groups, thresholds)
    median_km: np.ndarray  # (groups,)
    communes: np.ndarray  # (groups,) communes with a centre in the group


def reach_by_group(
    km: np.ndarray, population: np.ndarray, groups: np.ndarray, group_count: int,
    thresholds: Sequence[float] = THRESHOLDS_KM,
) -> GroupReach:  # fmt: skip
    """`km`: each commune's distance (NaN: no place at all, beyond every threshold); `population`: its
    inhabitants (NaN: unknown, counted on neither side of a share); `groups`: its group's index (-1: in
    none). Population-weighted reach and per-group medians, in a few vectorised passes."""
    member = groups >= 0
    known = member & ~np.isnan(population)
    weights = np.where(known, population, 0.0)
    at = np.where(member, groups, 0)
    total = np.bincount(at, weights=weights, minlength=group_count)
    within = np.column_stack([
        np.bincount(at, weights=np.where(known & (np.nan_to_num(km, nan=np.inf) <= t), weights, 0.0),
                    minlength=group_count)
        for t in thresholds
    ]) if thresholds else np.zeros((group_count, 0))  # fmt: skip
    communes = np.bincount(at, weights=member.astype(float), minlength=group_count)
    medians = np.full(group_count, np.nan)
    placed = member & ~np.isnan(km)
    if placed.any():
        order = np.lexsort((km[placed], groups[placed]))
        sorted_groups, sorted_km = groups[placed][order], km[placed][order]
        starts = np.searchsorted(sorted_groups, np.arange(group_count), side="left")
        ends = np.searchsorted(sorted_groups, np.arange(group_count), side="right")
        for group in np.nonzero(ends > starts)[0]:
            medians[group] = float(np.median(sorted_km[starts[group] : ends[group]]))
    return GroupReach(population=total, within=within, median_km=medians, communes=communes)
