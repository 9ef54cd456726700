"""Which parcel rides on which trip: cheapest insertion, then an exact assignment. Pure: no Django.

A trip occurrence is a fixed route (origin, its stops, destination) leaving at a time and due at its
destination by another; a parcel asks to be picked up at one point after a time and dropped at another
before a time. Putting a parcel on a trip inserts its pickup and its drop into the route (the drop after
the pickup) where that delays the arrival at the destination least: the parcel's *added time*. An insertion
is feasible when

- the trip's condition is at least the parcel's cold-chain need (none < insulated box < refrigerated):
  a refrigerated parcel never rides an ambient trip;
- the load on board, in kg and in litres, stays within the free space between pickup and drop;
- the pickup happens after the parcel is ready (the driver waits, and the wait counts as added time), the
  drop before it is due, every parcel already on board still arrives in time and the trip reaches its
  destination in time;
- the trip's whole delay stays within the detour its driver accepts.

Several parcels competing for the same trips are settled exactly: each round, every waiting parcel's best
insertion on each trip is a weighted edge, and a minimum-weight matching (scipy's LAPJVsp,
`min_weight_full_bipartite_matching`, with a dummy "unmatched" column per parcel) places as many parcels as
possible with the least added time in all, at most one more per trip. The routes that took a parcel are
updated and the next round places what is left, until a round places nothing. Parcels a trip already
carries (an earlier matching's, `Trip.carrying`) are inserted first and keep their deadlines.

Distances: points are projected on a plane around the mean latitude (km, exact to a few parts per thousand
over a département) and a road is that straight line × the circuity factor, at an average speed — the
platform's offline road estimate. With that metric the pruning below loses no feasible pair: a point
inserted between a and b with an added length δ lies in the ellipse of foci a and b (d(a,x) + d(x,b) ≤
|ab| + δ), itself inside the disc around the middle of ab of radius (|ab| + δ) / 2. A k-d tree (scipy's
cKDTree) of each day's pickups queried with those discs, then the exact ellipse test of both points, keeps
every pair a trip could take and few others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree

KM_PER_DEGREE = 111.195
NONE, INSULATED, REFRIGERATED = 0, 1, 2  # cold-chain conditions, ordered

# Why a parcel found no trip (`Outcome.reason`), put into words by the service layer.
NO_TRIP_NEAR = "no_trip_near"  # no trip of that day passes near enough both points
COLD_CHAIN = "cold_chain"  # trips pass near, but none offers the condition the parcel needs
NO_ROOM = "no_room"  # trips pass near with the condition, but none has the room, the time or the detour
TAKEN = "taken"  # a trip could have taken it alone, but the places went to parcels it competed with


@dataclass(frozen=True)
class Trip:
    key: int
    points: Sequence[tuple[float, float]]  # (lat, lon): origin, stops…, destination
    day: int  # any day number (the service uses date.toordinal())
    leaves_s: int  # leaves the origin at, seconds after midnight
    arrives_by_s: int  # due at its destination by
    capacity_kg: float
    capacity_l: float
    cold: int
    detour_s: int  # accepted delay at the destination, all parcels together
    carrying: Sequence[Parcel] = ()  # parcels it already took (an earlier matching): inserted first, in order


@dataclass(frozen=True)
class Parcel:
    key: int
    pickup: tuple[float, float]
    drop: tuple[float, float]
    day: int
    ready_s: int
    due_s: int
    kg: float
    litres: float
    cold: int  # the condition it needs: its own and its product family's, the stricter


@dataclass(frozen=True)
class Assignment:
    parcel: int
    trip: int
    added_s: int  # how much later the trip reaches its destination because of this parcel
    pickup_s: int  # when the driver picks it up
    arrive_s: int  # when it is dropped
    cold: int  # the trip's condition


@dataclass
class Outcome:
    assignments: list[Assignment] = field(default_factory=list)
    unmatched: dict[int, str] = field(default_factory=dict)  # parcel key → reason
    rounds: int = 0
    pairs: int = 0  # pairs (parcel, trip) left by the pruning and evaluated


@dataclass
class _Route:
    """A trip occurrence's current route: its points (plane km), arrival times, the latest arrival each point
    allows, the load on each leg (between point k and k + 1), and its parcels' positions."""

    trip: Trip
    xy: np.ndarray  # (n, 2)
    arrival: np.ndarray  # (n,)
    latest: np.ndarray  # (n,)
    kg: np.ndarray  # (n - 1,)
    litres: np.ndarray
    base_end: float
    due: np.ndarray  # (n,) the due time of a drop point, +inf elsewhere
    ready: np.ndarray  # (n,) the ready time of a pickup point, -inf elsewhere


@dataclass(frozen=True)
class _Best:
    added: float
    pickup_s: float
    arrive_s: float
    i: int  # pickup inserted after route point i
    j: int  # drop inserted after route point j (j ≥ i; j == i: right after the pickup)


class _Metric:
    def __init__(self, lat0: float, circuity: float, speed_kmh: float) -> None:
        self.cos = math.cos(math.radians(lat0))
        self.circuity = circuity
        self.seconds_per_km = 3600.0 / speed_kmh * circuity  # per plane km

    def project(self, latlon: np.ndarray) -> np.ndarray:
        latlon = np.asarray(latlon, dtype=float).reshape(-1, 2)
        return np.column_stack((latlon[:, 1] * KM_PER_DEGREE * self.cos, latlon[:, 0] * KM_PER_DEGREE))

    def seconds(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1]) * self.seconds_per_km)


def match(
    trips: Sequence[Trip], parcels: Sequence[Parcel], *, circuity: float = 1.3, speed_kmh: float = 50.0,
    max_rounds: int = 50, lat0: float | None = None,
) -> Outcome:  # fmt: skip
    """Each parcel on at most one trip, as many as possible with the least added time (see the module).
    `lat0`: the latitude of the plane's projection (default: the mean of every point)."""
    outcome = Outcome()
    if not parcels:
        return outcome
    asked = len(parcels)
    # The parcels trips already carry ride along in the same arrays, placed from the start.
    carried = [(t, p) for t, trip in enumerate(trips) for p in trip.carrying]
    parcels = [*parcels, *(p for _, p in carried)]
    everything = [p for t in trips for p in t.points] + [p.pickup for p in parcels] + [p.drop for p in parcels]
    if lat0 is None:
        lat0 = float(np.mean([p[0] for p in everything]))
    metric = _Metric(lat0, circuity, speed_kmh)
    routes = [_route(t, metric) for t in trips]
    pick = metric.project(np.array([p.pickup for p in parcels]))
    drop = metric.project(np.array([p.drop for p in parcels]))
    day = np.array([p.day for p in parcels])
    near = _near(routes, pick, drop, day, metric)  # per trip: the parcels whose both points it passes near

    ready = np.array([p.ready_s for p in parcels], dtype=float)
    due = np.array([p.due_s for p in parcels], dtype=float)
    kg = np.array([p.kg for p in parcels], dtype=float)
    litres = np.array([p.litres for p in parcels], dtype=float)
    cold = np.array([p.cold for p in parcels])
    # Why each parcel failed, from the weakest reason to the strongest: passing near, then the condition.
    seen_near = np.zeros(len(parcels), dtype=bool)
    right_cold = np.zeros(len(parcels), dtype=bool)
    candidates: list[np.ndarray] = []
    for route, found in zip(routes, near, strict=True):
        trip = route.trip
        seen_near[found] = True
        found = found[cold[found] <= trip.cold]
        right_cold[found] = True
        keep = (kg[found] <= trip.capacity_kg) & (litres[found] <= trip.capacity_l)
        keep &= (ready[found] <= trip.arrives_by_s) & (due[found] >= trip.leaves_s)
        candidates.append(found[keep])
    outcome.pairs = int(sum(len(c) for c in candidates))

    placed = np.zeros(len(parcels), dtype=bool)
    placed[asked:] = True
    ever_feasible = np.zeros(len(parcels), dtype=bool)
    best: list[dict[int, _Best]] = [{} for _ in routes]
    dirty = set(range(len(routes)))
    columns = (pick, drop, ready, due, kg, litres)
    for k, (t, _parcel) in enumerate(carried, start=asked):
        kept = _insertions(routes[t], np.array([k]), columns, metric).get(k)
        if kept is None:  # no longer fits as planned (a trip changed): take nothing more on it
            routes[t].kg[:] = routes[t].trip.capacity_kg
        else:
            _insert(routes[t], kept, k, columns, metric)
    for round_number in range(1, max_rounds + 1):
        for t in dirty:
            waiting = candidates[t][~placed[candidates[t]]]
            candidates[t] = waiting
            best[t] = _insertions(routes[t], waiting, columns, metric)
            for parcel in best[t]:
                ever_feasible[parcel] = True
        rows, cols, costs = [], [], []
        for t, options in enumerate(best):
            for parcel, option in options.items():
                if not placed[parcel]:
                    rows.append(parcel)
                    cols.append(t)
                    costs.append(option.added)
        if not rows:
            break
        outcome.rounds = round_number
        chosen = _assign(np.array(rows), np.array(cols), np.array(costs), len(parcels), len(routes))
        dirty = set()
        for parcel, t in chosen:
            option = best[t][parcel]
            placed[parcel] = True
            trip = routes[t].trip
            outcome.assignments.append(Assignment(
                parcel=parcels[parcel].key, trip=trip.key, added_s=round(option.added),
                pickup_s=round(option.pickup_s), arrive_s=round(option.arrive_s), cold=trip.cold,
            ))  # fmt: skip
            _insert(routes[t], option, parcel, columns, metric)
            dirty.add(t)
        if not dirty:
            break
    for index, unplaced in enumerate(parcels[:asked]):
        if not placed[index]:
            if ever_feasible[index]:
                reason = TAKEN
            elif right_cold[index]:
                reason = NO_ROOM
            elif seen_near[index]:
                reason = COLD_CHAIN
            else:
                reason = NO_TRIP_NEAR
            outcome.unmatched[unplaced.key] = reason
    return outcome


def _route(trip: Trip, metric: _Metric) -> _Route:
    xy = metric.project(np.array(trip.points, dtype=float))
    legs = metric.seconds(xy[:-1], xy[1:])
    arrival = trip.leaves_s + np.concatenate(([0.0], np.cumsum(legs)))
    n = len(xy)
    route = _Route(
        trip=trip, xy=xy, arrival=arrival, latest=np.zeros(n), kg=np.zeros(n - 1), litres=np.zeros(n - 1),
        base_end=float(arrival[-1]), due=np.full(n, np.inf), ready=np.full(n, -np.inf),
    )  # fmt: skip
    route.due[-1] = trip.arrives_by_s
    _latest(route, metric)
    return route


def _latest(route: _Route, metric: _Metric) -> None:
    """The latest each point may be reached so that every later drop and the destination are in time. The
    detour the driver accepts is one more deadline at the destination."""
    legs = metric.seconds(route.xy[:-1], route.xy[1:])
    end = min(route.due[-1], route.base_end + route.trip.detour_s)
    route.latest[-1] = end
    for k in range(len(route.xy) - 2, -1, -1):
        route.latest[k] = min(route.due[k], route.latest[k + 1] - legs[k])


def _insertions(
    route: _Route, parcels: np.ndarray, columns: tuple[np.ndarray, ...], metric: _Metric
) -> dict[int, _Best]:
    """Every parcel's cheapest feasible insertion in this route, vectorised over the parcels."""
    if len(parcels) == 0:
        return {}
    pick_all, drop_all, ready_all, due_all, kg_all, litres_all = columns
    p, q = pick_all[parcels], drop_all[parcels]
    ready, due, kg, litres = ready_all[parcels], due_all[parcels], kg_all[parcels], litres_all[parcels]
    xy, arrival, latest = route.xy, route.arrival, route.latest
    n = len(xy)
    trip = route.trip
    pq = metric.seconds(p, q)
    to_p = metric.seconds(xy[:, None, :], p[None, :, :])  # (n, m): from route point k to the pickup
    to_q = metric.seconds(xy[:, None, :], q[None, :, :])  # from route point k to the drop (also drop → k)
    best_added = np.full(len(parcels), np.inf)
    best_i = np.zeros(len(parcels), dtype=int)
    best_j = np.zeros(len(parcels), dtype=int)
    best_pick = np.zeros(len(parcels))
    best_arrive = np.zeros(len(parcels))
    # Room: legs i..j carry the parcel too.
    room_kg, room_l = trip.capacity_kg - route.kg, trip.capacity_l - route.litres
    for i in range(n - 1):
        pick_time = np.maximum(arrival[i] + to_p[i], ready)
        for j in range(i, n - 1):
            legs = slice(i, j + 1)
            fits = (kg <= room_kg[legs].min()) & (litres <= room_l[legs].min())
            if not fits.any():
                break  # a longer stretch on board has no more room
            if j == i:
                drop_time = pick_time + pq
                shift_end = drop_time + to_q[i + 1] - arrival[i + 1]
                ok = fits & (drop_time <= due) & (arrival[i + 1] + shift_end <= latest[i + 1])
            else:
                shift = pick_time + to_p[i + 1] - arrival[i + 1]  # delay of points i+1..j
                between = slice(i + 1, j + 1)
                ok = fits & (shift <= (latest[between] - arrival[between]).min())
                drop_time = arrival[j] + shift + to_q[j]
                shift_end = drop_time + to_q[j + 1] - arrival[j + 1]
                ok &= (drop_time <= due) & (arrival[j + 1] + shift_end <= latest[j + 1])
            better = ok & (shift_end < best_added)
            if better.any():
                best_added[better] = shift_end[better]
                best_i[better], best_j[better] = i, j
                best_pick[better], best_arrive[better] = pick_time[better], drop_time[better]
    found = np.flatnonzero(np.isfinite(best_added))
    return {
        int(parcels[k]): _Best(
            float(max(best_added[k], 0.0)), float(best_pick[k]), float(best_arrive[k]), int(best_i[k]), int(best_j[k])
        )
        for k in found
    }


def _insert(route: _Route, option: _Best, parcel: int, columns: tuple[np.ndarray, ...], metric: _Metric) -> None:
    """Put the parcel's pickup after point i and its drop after point j (right after the pickup when j == i)."""
    pick_all, drop_all, ready_all, due_all, kg_all, litres_all = columns
    i, j = option.i, option.j
    at_pick, at_drop = i + 1, j + 2  # positions in the new route
    xy = np.insert(route.xy, at_pick, pick_all[parcel], axis=0)
    xy = np.insert(xy, at_drop, drop_all[parcel], axis=0)
    due = np.insert(route.due, at_pick, np.inf)
    due = np.insert(due, at_drop, due_all[parcel])
    ready = np.insert(route.ready, at_pick, ready_all[parcel])
    ready = np.insert(ready, at_drop, -np.inf)
    # Legs: the old leg i is split in two by the pickup (same load), the stretch on board carries the parcel.
    kg = np.insert(route.kg, i, route.kg[i])
    litres = np.insert(route.litres, i, route.litres[i])
    kg = np.insert(kg, at_drop - 1, kg[at_drop - 1])
    litres = np.insert(litres, at_drop - 1, litres[at_drop - 1])
    kg[at_pick:at_drop] += kg_all[parcel]
    litres[at_pick:at_drop] += litres_all[parcel]
    legs = metric.seconds(xy[:-1], xy[1:])
    arrival = np.empty(len(xy))
    arrival[0] = route.arrival[0]
    for k in range(1, len(xy)):
        arrival[k] = max(arrival[k - 1] + legs[k - 1], ready[k])
    route.xy, route.due, route.ready, route.kg, route.litres, route.arrival = xy, due, ready, kg, litres, arrival
    route.latest = np.zeros(len(xy))
    _latest(route, metric)


def _near(
    routes: list[_Route], pick: np.ndarray, drop: np.ndarray, day: np.ndarray, metric: _Metric
) -> list[np.ndarray]:
    """For each route, the parcels of its day whose pickup and drop could both be inserted within its detour:
    each lies in the ellipse of one of the route's legs (foci its ends, d(a,x) + d(x,b) ≤ L + δ). The k-d tree
    finds the pickups in the disc that holds each ellipse (centre the leg's middle, radius (L + δ) / 2), then
    both points are checked against the ellipses exactly."""
    found: list[np.ndarray] = [np.zeros(0, dtype=int) for _ in routes]
    by_day: dict[int, list[int]] = {}
    for t, route in enumerate(routes):
        by_day.setdefault(route.trip.day, []).append(t)
    for today, trips in by_day.items():
        parcels = np.flatnonzero(day == today)
        if len(parcels) == 0:
            continue
        centres, radii, spans = [], [], []
        count = 0
        for t in trips:
            route = routes[t]
            budget_km = route.trip.detour_s / metric.seconds_per_km  # plane km of added length
            lengths = np.hypot(*(route.xy[1:] - route.xy[:-1]).T)
            centres.append((route.xy[1:] + route.xy[:-1]) / 2)
            radii.append((lengths + budget_km) / 2)
            spans.append((t, count, count + len(lengths), budget_km))
            count += len(lengths)
        hits = cKDTree(pick[parcels]).query_ball_point(
            np.concatenate(centres), np.concatenate(radii), return_sorted=False
        )
        day_pick, day_drop = pick[parcels], drop[parcels]
        for t, first, last, budget_km in spans:
            near = np.fromiter(chain.from_iterable(hits[first:last]), dtype=int)
            if len(near) == 0:
                continue
            if last - first > 1:
                near = np.unique(near)
            xy = routes[t].xy
            a, b = xy[:-1, None, :], xy[1:, None, :]
            length = np.hypot(*(xy[1:] - xy[:-1]).T)[:, None] + budget_km
            p, q = day_pick[near][None, :, :], day_drop[near][None, :, :]
            inside_p = length >= (np.hypot(*(p - a).T) + np.hypot(*(p - b).T)).T
            inside_q = length >= (np.hypot(*(q - a).T) + np.hypot(*(q - b).T)).T
            found[t] = parcels[near[inside_p.any(axis=0) & inside_q.any(axis=0)]]
    return found


def _assign(rows: np.ndarray, cols: np.ndarray, costs: np.ndarray, parcels: int, trips: int) -> list[tuple[int, int]]:
    """An exact minimum-cost matching of parcels to trips (one parcel per trip this round) that places as many
    parcels as it can: each parcel also has its own "unmatched" column, dearer than any real placement."""
    waiting = np.unique(rows)
    used = np.unique(cols)
    row_of = {p: k for k, p in enumerate(waiting.tolist())}
    col_of = {t: k for k, t in enumerate(used.tolist())}
    r = np.array([row_of[p] for p in rows.tolist()])
    c = np.array([col_of[t] for t in cols.tolist()])
    # Weights must be positive (a zero is no edge); the dummy costs more than every real edge put together.
    dummy = float(costs.sum()) + len(costs) + 1.0
    weights = np.concatenate((costs + 1.0, np.full(len(waiting), dummy)))
    all_rows = np.concatenate((r, np.arange(len(waiting))))
    all_cols = np.concatenate((c, len(used) + np.arange(len(waiting))))
    graph = csr_matrix((weights, (all_rows, all_cols)), shape=(len(waiting), len(used) + len(waiting)))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    return [
        (int(waiting[k]), int(used[col]))
        for k, col in zip(matched_rows.tolist(), matched_cols.tolist(), strict=True)
        if col < len(used)
    ]
