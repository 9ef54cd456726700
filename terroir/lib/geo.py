"""Geographic helpers on WGS84 coordinates; pure functions, no database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0


class Precision:
    """How a position was found, from the most precise."""

    GIVEN = "given"  # the source gave the position
    ADDRESS = "address"
    STREET = "street"
    COMMUNE = "commune"  # the commune's centre: to be checked on the map


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def great_circle_km_radians(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """haversine_km on numpy arrays of radians, broadcast against each other (one to many, many to many)."""
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def bbox_around(point: Point, radius_km: float) -> BBox:
    """Smallest lat/lon box holding the circle of `radius_km` around `point`."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(min(89.0, abs(point.lat) + dlat)))
    dlon = min(180.0, radius_km / (KM_PER_DEGREE_LAT * max(cos_lat, 1e-6)))
    return BBox(
        south=max(-90.0, point.lat - dlat),
        west=max(-180.0, point.lon - dlon),
        north=min(90.0, point.lat + dlat),
        east=min(180.0, point.lon + dlon),
    )


def valid_lat(lat: float) -> bool:
    return math.isfinite(lat) and -90.0 <= lat <= 90.0


def valid_lon(lon: float) -> bool:
    return math.isfinite(lon) and -180.0 <= lon <= 180.0
