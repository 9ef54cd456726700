"""A siting study: which relay platforms to open for a week's orders, against today's direct deliveries,
and the scenarios of 0, 1, 2… platforms side by side. Pure (no Django): the service layer builds the
inputs from the database and keeps the result.

Each customer's goods of the week, split into what needs the cold chain and what does not, is one demand
of the facility location problem (`siting.site`). It may be served
- directly: each producer takes their orders to the customer themselves (the `direct` vehicle), or
- through an open platform: the producer brings the goods to the platform (`trunk`), and the delivery
  service takes them on to the customer in its rounds (`last_mile`). Cold goods only through a platform
  with a cold room.
Every leg is costed as the share of a return trip its kilograms fill (kg / the leg's typical load per
trip, at least the whole trip for a direct order heavier than that load), at the vehicle's €/km and the
driver's €/h over the road distance and duration of the project's estimate (or routing server), plus the
minutes on site at the customer. Linear in what each platform serves, as the facility location model
needs: it is an estimate for choosing sites; the planner then plans the real rounds.

"In town": a point is in town when the commune whose centre is nearest has at least `town_population`
inhabitants (10,000 by default, the size INSEE's urban units start to be called towns of some weight);
a leg's km in town are its road km × the share of points along the straight line between its ends that
are in town. "Heavy": trucks (3.5–12 t, refrigerated or not). CO₂e: km × the vehicle type's factor
(costs.CO2_KG_PER_KM, or the leg's own `co2_per_km`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from .costs import CO2_KG_PER_KM, VehicleType
from .distances import Matrix
from .siting import PROVEN_GAP, Siting, SitingError, gettext_noop, problem, site

HEAVY = frozenset({VehicleType.TRUCK, VehicleType.REFRIGERATED_TRUCK})
SAMPLES = 21  # points along a leg to tell its share in town
TOWN_POPULATION = 10_000
# The study's figures a person may give, the page's form and the API alike (lowest, highest): a leg's costs
# (the seed's refrigerated van is 0.80 € a km and a driver 15 € an hour: ten and more than ten times that
# are typos) and load (40 t, an articulated lorry's gross weight); a town from 3 million people is no town.
LEG_BOUNDS = {"per_km": (0, 10), "per_hour": (0, 200), "load_kg": (1, 40_000)}
TOWN_POPULATION_BOUNDS = (1, 3_000_000)
MAX_PLATFORMS = 5  # scenarios 0…5 platforms, then the best with no limit when there are more candidates

Point = tuple[float, float]


@dataclass(frozen=True)
class Leg:
    """How one leg is driven: the vehicle's type (its CO₂ factor), its costs and its typical load per trip."""

    vehicle_type: str = VehicleType.VAN
    per_km: float = 0.60
    per_hour: float = 15.0
    load_kg: float = 150.0  # kg a trip of this leg carries on average
    co2_per_km: float | None = None

    @property
    def co2(self) -> float:
        return self.co2_per_km if self.co2_per_km is not None else CO2_KG_PER_KM[VehicleType(self.vehicle_type)]

    @property
    def heavy(self) -> bool:
        return self.vehicle_type in HEAVY


DIRECT = Leg(VehicleType.VAN, 0.60, 15.0, 150.0)  # a producer's van, a few customers per trip
TRUNK = Leg(VehicleType.TRUCK, 1.10, 18.0, 600.0)  # farm (or group of farms) → platform
LAST_MILE = Leg(VehicleType.REFRIGERATED_VAN, 0.70, 18.0, 300.0)  # the delivery service's rounds


@dataclass(frozen=True)
class Candidate:
    id: str
    at: Point | None
    fixed_cost: float  # € per week
    capacity_kg: float  # kg per week (kg per day × days open)
    cold_room: bool = False


@dataclass(frozen=True)
class Order:
    id: str
    farm: str
    farm_at: Point | None
    customer: str
    customer_at: Point | None
    kg: float
    cold: bool = False
    service_min: float = 5.0


@dataclass
class Study:
    candidates: list[Candidate]
    orders: list[Order]
    direct: Leg = DIRECT
    trunk: Leg = TRUNK
    last_mile: Leg = LAST_MILE
    town_population: int = TOWN_POPULATION
    single_source: bool = False


class StudyError(SitingError):
    """A study that cannot be computed as given (template + params, translated by the layer above)."""


@dataclass
class Scenario:
    platforms: int | None  # at most so many platforms; None: as many as pay
    cost: float
    fixed_cost: float
    km: float
    km_town: float
    km_town_heavy: float
    co2_kg: float
    open: list[str]  # candidate ids
    optimal: bool
    gap: float
    direct_kg: float
    flows: dict[str, Any] = field(default_factory=dict)


@dataclass
class Figures:
    """Per (option, demand) pair: what serving the whole demand that way costs, drives and emits. Option 0 is
    direct delivery, option i ≥ 1 the candidate i − 1."""

    cost: np.ndarray
    km: np.ndarray
    km_town: np.ndarray
    km_town_heavy: np.ndarray
    co2: np.ndarray


def demands(orders: Sequence[Order]) -> list[tuple[str, bool, list[int]]]:
    """(customer, cold, order indices): one demand per customer and cold chain need."""
    groups: dict[tuple[str, bool], list[int]] = {}
    for k, order in enumerate(orders):
        groups.setdefault((order.customer, order.cold), []).append(k)
    return [(customer, cold, ks) for (customer, cold), ks in groups.items()]


def check(study: Study) -> None:
    """Refuse what cannot be studied, naming the candidate or order."""
    if not study.candidates:
        raise StudyError(gettext_noop("no candidate site: add at least one"))
    for c in study.candidates:
        if c.at is None:
            raise StudyError(gettext_noop("candidate site %(name)s has no position on the map"), name=c.id)
        if not math.isfinite(c.fixed_cost) or c.fixed_cost < 0:
            raise StudyError(gettext_noop("candidate site %(name)s: its cost cannot be negative"), name=c.id)
        if not math.isfinite(c.capacity_kg) or c.capacity_kg <= 0:
            raise StudyError(
                gettext_noop("candidate site %(name)s: no capacity this week (open no day, or 0 kg a day)"), name=c.id
            )
    if not study.orders:
        raise StudyError(gettext_noop("no order in this week: nothing to deliver"))
    for o in study.orders:
        if o.farm_at is None or o.customer_at is None:
            raise StudyError(gettext_noop("order %(name)s: its farm or its customer has no position"), name=o.id)
        if not math.isfinite(o.kg) or o.kg < 0:
            raise StudyError(gettext_noop("order %(name)s: its weight cannot be negative"), name=o.id)
    for leg in (study.direct, study.trunk, study.last_mile):
        if min(leg.per_km, leg.per_hour) < 0 or leg.load_kg <= 0:
            raise StudyError(gettext_noop("a vehicle's costs cannot be negative and its load must be above zero"))


def in_town(points: np.ndarray, centres: np.ndarray, town: np.ndarray) -> np.ndarray:
    """Whether each point (lat, lon in degrees, shape (n, 2)) is in town: the nearest commune centre's."""
    if not len(centres):
        return np.zeros(len(points), dtype=bool)
    scale = math.cos(math.radians(float(np.mean(centres[:, 0]))))
    tree = cKDTree(np.column_stack([centres[:, 0], centres[:, 1] * scale]))
    _, nearest = tree.query(np.column_stack([points[:, 0], points[:, 1] * scale]))
    return np.asarray(town[nearest], dtype=bool)


def town_shares(starts: np.ndarray, ends: np.ndarray, centres: np.ndarray, town: np.ndarray) -> np.ndarray:
    """For each leg (start i, end i), the share of the points along it that are in town."""
    steps = np.linspace(0.0, 1.0, SAMPLES)
    along = starts[:, None, :] + (ends - starts)[:, None, :] * steps[None, :, None]  # (legs, samples, 2)
    inside = in_town(along.reshape(-1, 2), centres, town).reshape(len(starts), SAMPLES)
    return np.asarray(inside.mean(axis=1), dtype=float)


def figures(
    study: Study,
    *,
    matrix_for: Callable[[Sequence[Point]], Matrix],
    centres: np.ndarray,
    town: np.ndarray,
) -> tuple[Figures, list[tuple[str, bool, list[int]]]]:
    """The cost, km, km in town and CO₂ of serving each demand directly or from each candidate."""
    points: list[Point] = []
    index: dict[Point, int] = {}

    def at(p: Point | None) -> int:
        assert p is not None  # check() refused the rest
        if p not in index:
            index[p] = len(points)
            points.append(p)
        return index[p]

    sites = [at(c.at) for c in study.candidates]
    farms = [at(o.farm_at) for o in study.orders]
    customers = [at(o.customer_at) for o in study.orders]
    matrix = matrix_for(points)
    km, hours = np.asarray(matrix.km), np.asarray(matrix.seconds) / 3600.0
    xy = np.array(points, dtype=float)
    groups = demands(study.orders)
    m, n = len(study.candidates) + 1, len(groups)
    shape = (m, n)
    out = Figures(*(np.zeros(shape) for _ in range(5)))

    # Every leg the figures need, for the town shares at once: (from, to) point indices.
    direct = {(farms[k], customers[k]) for k in range(len(study.orders))}
    trunk = {(f, s) for f in set(farms) for s in sites}
    legs = sorted(direct | trunk | {(s, c) for s in sites for c in set(customers)})
    leg_index = {leg: k for k, leg in enumerate(legs)}
    shares = town_shares(xy[[a for a, _ in legs]], xy[[b for _, b in legs]], centres, town)

    def add(i: int, j: int, leg: Leg, a: int, b: int, trips: float) -> None:
        distance = 2 * km[a, b] * trips
        share = shares[leg_index[(a, b)]] if a != b else 0.0
        out.cost[i, j] += trips * 2 * (km[a, b] * leg.per_km + hours[a, b] * leg.per_hour)
        out.km[i, j] += distance
        out.km_town[i, j] += distance * share
        out.km_town_heavy[i, j] += distance * share if leg.heavy else 0.0
        out.co2[i, j] += distance * leg.co2

    for j, (_, cold, ks) in enumerate(groups):
        for k in ks:
            order = study.orders[k]
            add(0, j, study.direct, farms[k], customers[k], max(1.0, order.kg / study.direct.load_kg))
            out.cost[0, j] += order.service_min / 60 * study.direct.per_hour
            for i, candidate in enumerate(study.candidates, start=1):
                if cold and not candidate.cold_room:
                    out.cost[i, j] = np.inf
                    continue
                add(i, j, study.trunk, farms[k], sites[i - 1], order.kg / study.trunk.load_kg)
                add(i, j, study.last_mile, sites[i - 1], customers[k], order.kg / study.last_mile.load_kg)
                out.cost[i, j] += order.service_min / 60 * study.last_mile.per_hour
    return out, groups


def scenarios(
    study: Study,
    *,
    matrix_for: Callable[[Sequence[Point]], Matrix],
    centres: np.ndarray,
    town: np.ndarray,
    time_limit: float = 30.0,
    progress: Callable[[float], None] | None = None,
) -> list[Scenario]:
    """Today's direct deliveries (0 platforms), then at most 1, 2… platforms (direct delivery still open to
    the customers no platform serves better), and the best with no limit when there are more candidates."""
    check(study)
    found, groups = figures(study, matrix_for=matrix_for, centres=centres, town=town)
    kg = np.array([sum(study.orders[k].kg for k in ks) for _, _, ks in groups])
    fixed = np.array([0.0] + [c.fixed_cost for c in study.candidates])
    capacity = np.array([max(kg.sum(), 1.0)] + [c.capacity_kg for c in study.candidates])
    p = problem(fixed=fixed, capacity=capacity, demand=kg, cost=found.cost)
    limits: list[int | None] = list(range(1, min(len(study.candidates), MAX_PLATFORMS) + 1))
    if len(study.candidates) > MAX_PLATFORMS:
        limits.append(None)
    direct = Siting(cost=float(found.cost[0].sum()), open=[0], assignment=[[(0, 1.0)] for _ in groups],
                    bound=float(found.cost[0].sum()), optimal=True, seconds=0.0, cpu_seconds=0.0)  # fmt: skip
    out = [_scenario(study, groups, found, fixed, direct, 0)]
    share = time_limit / 2 / max(len(limits), 1)
    # With no limit first (the Lagrangian stage proves it fast): its optimum is a lower bound of every
    # scenario with a limit, which HiGHS may not bound in its time on hundreds of customers.
    free = site(p, always_open=(0,), single_source=study.single_source, time_limit=time_limit / 2)
    previous = direct
    for n, limit in enumerate(limits, start=1):
        if progress:
            progress(n / (len(limits) + 1))
        if limit is None:
            solved = free
        else:
            solved = site(p, max_open=limit, always_open=(0,), single_source=study.single_source, time_limit=share)
            # At most k sites allows what at most k − 1 did: never report a dearer choice than the last one.
            if previous.cost < solved.cost:
                solved = Siting(cost=previous.cost, open=previous.open, assignment=previous.assignment,
                                bound=solved.bound, optimal=False, seconds=solved.seconds,
                                cpu_seconds=solved.cpu_seconds)  # fmt: skip
            solved.bound = max(solved.bound, free.bound)
            solved.optimal = solved.optimal or (solved.cost - solved.bound) <= PROVEN_GAP * max(abs(solved.cost), 1)
        out.append(_scenario(study, groups, found, fixed, solved, limit))
        previous = solved
    return out


def _scenario(
    study: Study,
    groups: list[tuple[str, bool, list[int]]],
    found: Figures,
    fixed: np.ndarray,
    solved: Siting,
    limit: int | None,
) -> Scenario:
    totals = dict.fromkeys(("cost", "km", "km_town", "km_town_heavy", "co2"), 0.0)
    direct_kg = 0.0
    trunk: dict[tuple[str, str], float] = {}  # (farm, site) → kg
    last: dict[tuple[str, str], float] = {}  # (site, customer) → kg
    straight: dict[tuple[str, str], float] = {}  # (farm, customer) → kg, delivered directly
    for j, pairs in enumerate(solved.assignment):
        for i, share in pairs:
            for name in totals:
                totals[name] += share * float(getattr(found, name)[i, j])
            for k in groups[j][2]:
                order = study.orders[k]
                if i == 0:
                    direct_kg += share * order.kg
                    key = (order.farm, order.customer)
                    straight[key] = straight.get(key, 0.0) + share * order.kg
                else:
                    site_id = study.candidates[i - 1].id
                    trunk[(order.farm, site_id)] = trunk.get((order.farm, site_id), 0.0) + share * order.kg
                    last[(site_id, order.customer)] = last.get((site_id, order.customer), 0.0) + share * order.kg
    opened = [i for i in solved.open if i > 0]
    fixed_cost = float(fixed[opened].sum()) if opened else 0.0
    return Scenario(
        platforms=limit, cost=totals["cost"] + fixed_cost, fixed_cost=fixed_cost, km=totals["km"],
        km_town=totals["km_town"], km_town_heavy=totals["km_town_heavy"], co2_kg=totals["co2"],
        open=[study.candidates[i - 1].id for i in opened], optimal=solved.optimal, gap=solved.gap,
        direct_kg=direct_kg,
        flows={
            "trunk": [[f, s, round(w, 1)] for (f, s), w in sorted(trunk.items())],
            "last_mile": [[s, c, round(w, 1)] for (s, c), w in sorted(last.items())],
            "direct": [[f, c, round(w, 1)] for (f, c), w in sorted(straight.items())],
        },
    )  # fmt: skip


def scenario_to_json(s: Scenario) -> dict[str, Any]:
    data = asdict(s)
    for key in ("cost", "fixed_cost", "km", "km_town", "km_town_heavy", "co2_kg", "direct_kg"):
        data[key] = round(data[key], 2)
    data["gap"] = round(data["gap"], 6)
    return data
