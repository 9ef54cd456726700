"""Road distances and durations between points, from one pluggable provider.

Offline (the default): great-circle distance × a circuity factor (TERROIR_ROAD_FACTOR, 1.3 in rural
France) at an average speed (TERROIR_AVERAGE_SPEED_KMH). With TERROIR_ROUTING_URL set: an OSRM-compatible
`/table/v1/driving/` service (OSRM, or Valhalla/GraphHopper behind an OSRM-style proxy), with a timeout,
retries and a cache of the pairs already asked; a failed call falls back to the offline estimate and says so.
This is the only module that talks to a routing server. It reads no settings: the service layer builds the
provider the settings choose (terroir.logistics.services.distances_provider).
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from terroir.lib.geo import great_circle_km_radians

# The OSRM table service accepts this many coordinates per request in its default configuration.
OSRM_MAX_POINTS = 100


@dataclass(frozen=True)
class Matrix:
    km: np.ndarray  # km[i, j]: from point i to point j
    seconds: np.ndarray
    source: str  # "estimate" or "osrm"
    note: str = ""  # why the estimate was used when a server was configured


def great_circle_km(points: Sequence[tuple[float, float]]) -> np.ndarray:
    lat = np.radians(np.array([p[0] for p in points], dtype=float))
    lon = np.radians(np.array([p[1] for p in points], dtype=float))
    return great_circle_km_radians(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


@dataclass
class Estimate:
    """Great circle × circuity, at an average speed: needs nothing but the points."""

    circuity: float = 1.3
    speed_kmh: float = 50.0

    def matrix(self, points: Sequence[tuple[float, float]]) -> Matrix:
        km = great_circle_km(points) * self.circuity
        return Matrix(km=km, seconds=km / self.speed_kmh * 3600.0, source="estimate")


class RoutingError(Exception):
    pass


@dataclass
class OsrmTable:
    """An OSRM-compatible table service; pairs already answered are kept for the process's life."""

    url: str
    timeout_s: float = 10.0
    retries: int = 2
    fallback: Estimate = field(default_factory=Estimate)
    _cache: dict[tuple[tuple[float, float], tuple[float, float]], tuple[float, float]] = field(
        default_factory=dict, repr=False
    )

    def matrix(self, points: Sequence[tuple[float, float]]) -> Matrix:
        n = len(points)
        km, seconds = np.zeros((n, n)), np.zeros((n, n))
        missing = [(i, j) for i in range(n) for j in range(n) if i != j and (points[i], points[j]) not in self._cache]
        try:
            if missing:
                self._fetch(points)
        except RoutingError as exc:
            estimate = self.fallback.matrix(points)
            return Matrix(estimate.km, estimate.seconds, "estimate", note=str(exc))
        for i in range(n):
            for j in range(n):
                if i != j:
                    km[i, j], seconds[i, j] = self._cache[(points[i], points[j])]
        return Matrix(km=km, seconds=seconds, source="osrm")

    def _fetch(self, points: Sequence[tuple[float, float]]) -> None:
        for start in range(0, len(points), OSRM_MAX_POINTS // 2):
            for other in range(0, len(points), OSRM_MAX_POINTS // 2):
                sources = list(range(start, min(start + OSRM_MAX_POINTS // 2, len(points))))
                targets = list(range(other, min(other + OSRM_MAX_POINTS // 2, len(points))))
                self._fetch_block(points, sources, targets)

    def _fetch_block(self, points: Sequence[tuple[float, float]], sources: list[int], targets: list[int]) -> None:
        block = list(dict.fromkeys(sources + targets))
        index = {p: k for k, p in enumerate(block)}
        coordinates = ";".join(f"{points[p][1]:.6f},{points[p][0]:.6f}" for p in block)
        query = (
            f"sources={';'.join(str(index[s]) for s in sources)}"
            f"&destinations={';'.join(str(index[t]) for t in targets)}&annotations=distance,duration"
        )
        body = self._get(f"{self.url.rstrip('/')}/table/v1/driving/{coordinates}?{query}")
        distances, durations = body.get("distances"), body.get("durations")
        if body.get("code") != "Ok" or distances is None or durations is None:
            raise RoutingError(f"the routing server answered {body.get('code') or 'without a table'}")
        try:
            for a, s in enumerate(sources):
                for b, t in enumerate(targets):
                    if s == t:
                        continue
                    metres, secs = distances[a][b], durations[a][b]
                    if metres is None or secs is None or not math.isfinite(metres):
                        raise RoutingError(f"no road between point {s + 1} and point {t + 1}")
                    self._cache[(points[s], points[t])] = (float(metres) / 1000.0, float(secs))
        except (IndexError, TypeError, ValueError) as exc:
            raise RoutingError(f"the routing server's table is malformed ({exc})") from None

    def _get(self, url: str) -> dict[str, Any]:
        last = ""
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                    answer = json.loads(response.read().decode("utf-8"))
                    if not isinstance(answer, dict):
                        raise RoutingError("the routing server's answer is not a JSON object")
                    return answer
            except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
                last = str(exc)
                time.sleep(0.2 * (attempt + 1))
        raise RoutingError(f"the routing server did not answer ({last})")
