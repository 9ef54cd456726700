"""Planning pooled rounds with PyVRP (hybrid genetic search). The only module that imports the solver.

A problem is depots, vehicles and orders. An order is a shipment (collected at a farm, delivered to a
customer), a delivery from the depot, or a collection to the depot; it has a weight, crates, a cold-chain
need (its own capacity dimension: only refrigerated space carries it), a value, service times and time
windows. Orders that cannot be served at all (no position, heavier than any vehicle, cold with no
refrigerated vehicle, a window that closes before it opens) are listed with the reason and the rest is
planned. Vehicles may come back to their depot to reload when `max_reloads` allows it.

A week is planned at once. Days are numbered from 0 (Monday); a vehicle works on its `days`, an order may
travel on any of its `days`, and times (windows, working hours, release) are seconds since that day's
midnight. Each (vehicle, day) is a PyVRP vehicle type whose shift sits on a week-long time line. An order
from or to the depot that may travel on several days is one client per day in a mutually exclusive group
(exactly one is served). PyVRP's shipments cannot be grouped, so a farm-to-customer order with several
possible days is first planned as a choice of deliveries at the customer, one per day with that day's
window (the search picks the day; the farm is left out of this pass), then the week is planned again with
the real shipment on that day.

An order may pass through a relay platform (`via`, a depot): it is planned in two echelons, collection
rounds bringing it to the platform and then the platform's own delivery rounds, each released when its
goods have arrived (`_two_echelon`).

Money is counted in 1/10,000 € so that PyVRP's integer costs keep cents exact: €/km becomes a cost per
metre, €/h a cost per second. `objective="distance"` plans for distance alone, `objective="fleet"` for
the fewest vehicles then distance (the benchmarks' conventions).
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from typing import Any

import numpy as np
from pyvrp import Activity, ActivityType, Model, Route, Solution
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

from terroir.lib.messages import Message

from .distances import Matrix
from .feasibility import (
    NEAR_PLATFORM_S,
    Checked,
    Competition,
    Floor,
    competition_floor,
    fastest_drives,
    lateness_floor,
    plan_check,
)

MONEY = 10_000  # cost units per euro
# With objective="fleet" (benchmarks: fewest vehicles, then distance) each vehicle used costs this much.
FLEET_COST = 10**5  # large against a route's length, not so large that infeasible plans look cheap
NO_LIMIT = 2**62
DAY = 24 * 3600


class Kind(StrEnum):
    SHIPMENT = "shipment"  # from a farm to a customer
    DELIVERY = "delivery"  # from the depot to a customer
    COLLECTION = "collection"  # from a farm to the depot


# The engine's own words, so that they are not taken for the models of the same things: a Site is a point
# on the map (a directory Place or Actor), a Base a depot, a Fleet identical vehicles, a Job one order.


@dataclass(frozen=True)
class Site:
    """Where goods are loaded or unloaded."""

    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Base:
    """A depot: where vehicles start and end their days, and reload."""

    id: str
    place: Site
    opens_s: int = 0
    closes_s: int = 24 * 3600


@dataclass(frozen=True)
class Fleet:
    """`count` identical vehicles based at the depot `depot` (one, from the models)."""

    id: str
    depot: str
    capacity_kg: float
    capacity_crates: int = NO_LIMIT
    cold_kg: float = 0.0  # refrigerated capacity
    count: int = 1
    per_km: float = 0.80
    per_hour: float = 15.0
    fixed_per_day: float = 0.0
    start_s: int = 6 * 3600
    end_s: int = 18 * 3600
    max_reloads: int = 0  # returns to `depot` to reload during a day
    days: tuple[int, ...] = (0,)  # 0 = Monday
    end_depot: str | None = None  # where its day ends, when not where it starts
    vehicle_type: str = "refrigerated_van"  # terroir.logistics.costs.VehicleType
    co2_per_km: float | None = None  # kg CO₂e per km, overriding the type's factor


@dataclass(frozen=True)
class Job:
    """One delivery order to plan: goods to carry from a pickup, to a delivery, or both."""

    id: str
    kind: Kind
    kg: float
    crates: int = 0
    cold: bool = False
    value: float = 0.0
    pickup: Site | None = None  # the farm (shipments, collections)
    delivery: Site | None = None  # the customer (shipments, deliveries)
    pickup_window: tuple[int, int] = (0, 24 * 3600)
    delivery_window: tuple[int, int] = (0, 24 * 3600)
    service_s: int = 300  # on site (at the pickup, and at the delivery unless delivery_service_s says)
    required: bool = True
    prize: float = 0.0  # € lost when an optional order is left out
    days: tuple[int, ...] = (0,)  # the days it may travel, 0 = Monday
    release_s: int = 0  # deliveries: when the goods are ready at the depot
    delivery_service_s: int | None = None  # shipments: on site at the customer, when not service_s
    producer: str = ""  # who sells the goods (costs and sharing are per producer)
    customer: str = ""  # who receives them
    via: str = ""  # shipments: the relay platform (a depot's id) where the goods change vehicle

    @property
    def unloading_s(self) -> int:
        return self.service_s if self.delivery_service_s is None else self.delivery_service_s


@dataclass(frozen=True)
class OwnVehicle:
    """What a producer delivers with today (the status quo): from their farm, on their own."""

    per_km: float = 0.60
    per_hour: float = 15.0
    capacity_kg: float = 800.0
    vehicle_type: str = "van"
    start_s: int = 6 * 3600
    end_s: int = 20 * 3600


@dataclass(frozen=True)
class Problem:
    depots: Sequence[Base]
    vehicles: Sequence[Fleet]
    orders: Sequence[Job]
    farms: dict[str, Site] = field(default_factory=dict)  # producer → where their own rounds start
    own_vehicle: OwnVehicle = field(default_factory=OwnVehicle)
    transfer_s: int = 900  # at a relay platform, from the goods' arrival to the earliest departure with them
    # Orders their producers deliver themselves: not planned, only costed as their own rounds (evaluate).
    own_deliveries: Sequence[Job] = ()


@dataclass(frozen=True)
class Stop:
    order: str | None  # None at the depot
    action: str  # "start", "load", "unload", "reload", "end"
    place: Site
    arrival_s: int  # seconds since Monday 00:00 of the planned week
    departure_s: int
    load_kg: float = 0.0  # on board when leaving the stop
    loaded: tuple[str, ...] = ()  # at the depot: orders to load for the next trip
    unloaded: tuple[str, ...] = ()  # at the depot: orders brought back by the last trip
    transfer: str | None = None  # the relay platform (a depot's id) where this unloading leaves the goods


@dataclass
class Round:
    vehicle: str
    stops: list[Stop]
    km: float
    seconds: int
    trips: int
    orders: list[str] = field(default_factory=list)
    day: int = 0
    time_warp_s: int = 0  # how late the round would be (PyVRP's time warp): 0 in a feasible plan


@dataclass
class Plan:
    rounds: list[Round]
    unserved: list[tuple[str, str]]  # (order, reason)
    km: float
    seconds: int
    objective: int
    feasible: bool
    # Orders late in every plan (feasibility.lateness_floor: how late at the least, and why): the week's data,
    # not the planner, makes them late. Said of two-echelon plans that are late.
    late_anyway: list[tuple[str, Floor]] = field(default_factory=list)
    # How late every plan is in all, at the least, once the orders only one vehicle can carry compete for its
    # days (feasibility.competition_floor); said of late two-echelon plans when it bounds more than the floors.
    late_together: Competition | None = None


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue (makemessages reads this name) without importing Django: the
    planning engine runs without it. The pages translate it through `ProblemError.template`."""
    return message


class ProblemError(ValueError):
    """Bad input, naming the order or vehicle at fault (and the field, where there is one). It carries its
    `message` (lib.messages.Message: the template marked for the catalogue, its values, a value itself a
    Message): `str()` is English (the logs, the command line), a page or the API says it in the reader's
    language (`error.message.text(gettext)`), a value given as `%(name)r` quoted the reader's way (“x”,
    « x »), never as Python writes it."""

    def __init__(self, message: str, **values: Any) -> None:
        self.message = Message(message, values)
        self.template, self.values = message, values
        super().__init__(self.message.text())


def problem_check(problem: Problem) -> None:
    """ProblemError naming the first depot, vehicle or order at fault."""
    if not problem.depots or not problem.vehicles:
        raise ProblemError(gettext_noop("a plan needs a depot and a vehicle"))
    depots = {d.id for d in problem.depots}
    seen: set[str] = set()
    for vehicle in problem.vehicles:
        if vehicle.id in seen:
            raise ProblemError(gettext_noop("vehicle %(vehicle)s: named twice"), vehicle=vehicle.id)
        seen.add(vehicle.id)
        for depot_id in (vehicle.depot, vehicle.end_depot or vehicle.depot):
            if depot_id not in depots:
                raise ProblemError(
                    gettext_noop("vehicle %(vehicle)s: unknown depot %(depot)r"), vehicle=vehicle.id, depot=depot_id
                )
        if vehicle.capacity_kg <= 0 or vehicle.count < 1:
            raise ProblemError(gettext_noop("vehicle %(vehicle)s: it has no capacity"), vehicle=vehicle.id)
        if vehicle.end_s <= vehicle.start_s:
            raise ProblemError(
                gettext_noop("vehicle %(vehicle)s: its working hours end before they start"), vehicle=vehicle.id
            )
        if not vehicle.days or any(not 0 <= d <= 6 for d in vehicle.days):
            raise ProblemError(
                gettext_noop("vehicle %(vehicle)s: its days are numbered 0 (Monday) to 6 (Sunday)"), vehicle=vehicle.id
            )
    seen = set()
    for order in problem.orders:
        if order.id in seen:
            raise ProblemError(gettext_noop("order %(order)s: named twice"), order=order.id)
        seen.add(order.id)
        if order.kg < 0 or order.crates < 0 or order.value < 0 or order.prize < 0:
            raise ProblemError(gettext_noop("order %(order)s: negative quantity or value"), order=order.id)
        if not order.days or any(not 0 <= d <= 6 for d in order.days):
            raise ProblemError(
                gettext_noop("order %(order)s: its days are numbered 0 (Monday) to 6 (Sunday)"), order=order.id
            )
        if order.via and (order.via not in depots or order.kind != Kind.SHIPMENT):
            raise ProblemError(
                gettext_noop("order %(order)s: it passes through a relay platform %(via)r, which is not a depot of "
                             "the problem, or it does not go from a farm to a customer"),
                order=order.id, via=order.via,
            )  # fmt: skip
    platforms = {order.via for order in problem.orders if order.via}
    if platforms and all(vehicle.depot in platforms for vehicle in problem.vehicles):
        raise ProblemError(
            gettext_noop("every vehicle starts at a relay platform: the goods need another vehicle to bring them there")
        )


def _located(place: Site | None) -> bool:
    return place is not None and place.lat is not None and place.lon is not None


def unservable(problem: Problem) -> list[tuple[str, str]]:
    """Orders that no plan can serve, with why."""
    heaviest = max(v.capacity_kg for v in problem.vehicles)
    most_crates = max(v.capacity_crates for v in problem.vehicles)
    working = {d for v in problem.vehicles for d in v.days}
    reasons = []
    for order in problem.orders:
        needs_pickup = order.kind in (Kind.SHIPMENT, Kind.COLLECTION)
        needs_delivery = order.kind in (Kind.SHIPMENT, Kind.DELIVERY)
        if (needs_pickup and not _located(order.pickup)) or (needs_delivery and not _located(order.delivery)):
            reasons.append((order.id, "no position"))
        elif order.kg > heaviest or order.crates > most_crates:
            reasons.append((order.id, "heavier than any vehicle"))
        elif order.cold and not any(0 < v.cold_kg >= order.kg and set(v.days).intersection(order.days)
                                    for v in problem.vehicles):  # fmt: skip
            # (on the days it may travel: an ambient van never carries it, feasibility.plan_check)
            reasons.append((order.id, "cold chain: no refrigerated space large enough"))
        elif (needs_pickup and order.pickup_window[1] < order.pickup_window[0]) or (
            needs_delivery and order.delivery_window[1] < order.delivery_window[0]
        ):
            reasons.append((order.id, "time window closes before it opens"))
        elif order.kind == Kind.SHIPMENT and order.delivery_window[1] < order.pickup_window[0]:
            reasons.append((order.id, "delivery deadline before the pickup can happen"))
        elif not working.intersection(order.days):
            reasons.append((order.id, "no vehicle works on the days it may travel"))
    return reasons


@dataclass
class _Built:
    model: Model
    clients: list[tuple[Job, int]]  # PyVRP client index → (order, day)
    shipments: list[tuple[Job, int]]
    vehicle_types: list[tuple[Fleet, int]]  # PyVRP vehicle type index → (vehicle, day)


def _load(order: Job) -> list[int]:
    return [round(order.kg * 100), order.crates, round(order.kg * 100) if order.cold else 0]


def _build(
    problem: Problem, orders: list[Job], days: dict[str, tuple[int, ...]], stretch: set[str],
    places: list[Site], matrix: Matrix, objective: str, distance_scale: float,
) -> _Built:  # fmt: skip
    """The PyVRP model. `days`: the days each order may travel on (those a vehicle works);
    `stretch`: shipments with several days, relaxed to a choice of deliveries (first pass of the week)."""
    index = {place: i for i, place in enumerate(places)}
    model = Model()
    locations = [model.add_location(x=float(p.lon or 0.0), y=float(p.lat or 0.0)) for p in places]
    depots = {
        d.id: model.add_depot(locations[index[d.place]], tw_early=d.opens_s, tw_late=6 * DAY + d.closes_s)
        for d in problem.depots
    }
    vehicle_types = []
    for vehicle in problem.vehicles:
        depot = depots[vehicle.depot]
        for day in sorted(set(vehicle.days)):
            model.add_vehicle_type(
                num_available=vehicle.count,
                capacity=[
                    round(vehicle.capacity_kg * 100),
                    int(min(vehicle.capacity_crates, NO_LIMIT)),
                    round(vehicle.cold_kg * 100),
                ],
                start_depot=depot,
                end_depot=depots[vehicle.end_depot or vehicle.depot],
                fixed_cost={"cost": round(vehicle.fixed_per_day * MONEY), "fleet": FLEET_COST}.get(objective, 0),
                tw_early=day * DAY + vehicle.start_s,
                tw_late=day * DAY + vehicle.end_s,
                unit_distance_cost=max(1, round(vehicle.per_km * MONEY / distance_scale)) if objective == "cost" else 1,
                unit_duration_cost=round(vehicle.per_hour * MONEY / 3600) if objective == "cost" else 0,
                reload_depots=[depot] if vehicle.max_reloads else [],
                max_reloads=vehicle.max_reloads,
                name=f"{vehicle.id}@{day}",
            )
            vehicle_types.append((vehicle, day))
    clients: list[tuple[Job, int]] = []
    shipments: list[tuple[Job, int]] = []
    for order in orders:
        load = _load(order)
        prize = round(order.prize * MONEY) if not order.required else 0
        order_days = days[order.id]
        if order.kind == Kind.SHIPMENT and order.id not in stretch:
            assert order.pickup is not None and order.delivery is not None
            day = order_days[0] * DAY
            model.add_shipment(
                locations[index[order.pickup]], locations[index[order.delivery]],
                pickup_tw_early=day + order.pickup_window[0], pickup_tw_late=day + order.pickup_window[1],
                pickup_service_duration=order.service_s, delivery_tw_early=day + order.delivery_window[0],
                delivery_tw_late=day + order.delivery_window[1], delivery_service_duration=order.unloading_s,
                amount=load, prize=prize, required=order.required, name=order.id,
            )  # fmt: skip
            shipments.append((order, order_days[0]))
            continue
        if order.kind == Kind.SHIPMENT:
            # First pass: one delivery per possible day (exactly one served), with the day's true window and
            # the pickup's service time added; it chooses the day, the second pass plans the real shipment.
            assert order.delivery is not None
            choice = model.add_client_group(required=order.required, name=order.id)
            for day in order_days:
                model.add_client(
                    locations[index[order.delivery]], delivery=load,
                    service_duration=order.service_s + order.unloading_s,
                    tw_early=day * DAY + max(order.delivery_window[0], order.pickup_window[0]),
                    tw_late=day * DAY + order.delivery_window[1], prize=prize, required=False, group=choice,
                    name=order.id,
                )  # fmt: skip
                clients.append((order, day))
            continue
        place = order.delivery if order.kind == Kind.DELIVERY else order.pickup
        window = order.delivery_window if order.kind == Kind.DELIVERY else order.pickup_window
        assert place is not None
        group = model.add_client_group(required=order.required, name=order.id) if len(order_days) > 1 else None
        for day in order_days:
            model.add_client(
                locations[index[place]],
                delivery=load if order.kind == Kind.DELIVERY else [],
                pickup=load if order.kind == Kind.COLLECTION else [],
                service_duration=order.service_s, tw_early=day * DAY + window[0], tw_late=day * DAY + window[1],
                release_time=day * DAY + order.release_s if order.release_s else 0,
                prize=prize, required=order.required and group is None, group=group, name=order.id,
            )  # fmt: skip
            clients.append((order, day))
    distance = np.rint(matrix.km * distance_scale).astype(np.int64)
    duration = np.rint(matrix.seconds).astype(np.int64)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            model.add_edge(a, b, distance=int(distance[i, j]), duration=int(duration[i, j]))
    return _Built(model, clients, shipments, vehicle_types)


def plan(
    problem: Problem,
    *,
    matrix_for: Callable[[list[tuple[float, float]]], Matrix],
    seconds: float = 10.0,
    seed: int = 1,
    objective: str = "cost",
    distance_scale: float = 1000.0,
    patience: int | None = None,
    progress: Callable[[float], None] | None = None,
    iterations: int | None = None,
) -> Plan:
    """Plan the rounds of the week. `matrix_for` gives km and seconds between places
        (terroir.logistics.distances); `distance_scale` turns its km into the solver's integer distances
        (metres by default). `patience`: also stop after that many iterations without improvement. `iterations`:
    each search stops after that many iterations instead of by time (the same plan on any machine: tests).
        `progress(fraction)` is told how far the search is (by time), a few times a second.
    Orders passing through a relay platform (`via`) are planned in two echelons (`_two_echelon`)."""
    problem_check(problem)
    solve = _two_echelon if any(order.via for order in problem.orders) else _one_echelon
    return solve(
        problem, matrix_for=matrix_for, seconds=seconds, seed=seed, objective=objective,
        distance_scale=distance_scale, patience=patience, progress=progress, iterations=iterations,
    )  # fmt: skip


def _one_echelon(
    problem: Problem, *, matrix_for: Callable[[list[tuple[float, float]]], Matrix], seconds: float, seed: int,
    objective: str, distance_scale: float, patience: int | None, progress: Callable[[float], None] | None,
    iterations: int | None,
) -> Plan:  # fmt: skip
    """Every order in the vehicles that carry it from where it is to where it goes."""
    excluded = unservable(problem)
    skip = {order_id for order_id, _reason in excluded}
    orders = [o for o in problem.orders if o.id not in skip]
    places = places_of(problem, orders)
    matrix = matrix_for([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places])
    working = {d for v in problem.vehicles for d in v.days}
    days = {o.id: tuple(sorted(working.intersection(o.days))) for o in orders}
    stretch = {o.id for o in orders if o.kind == Kind.SHIPMENT and len(days[o.id]) > 1}
    budget = seconds
    if stretch:
        # First pass: the search chooses each such shipment's day; the second plans the real shipments.
        built = _build(problem, orders, days, stretch, places, matrix, objective, distance_scale)
        first = _solve(built, seconds * 0.4, seed, patience, progress, 0.0, 0.4, iterations=iterations)
        chosen = _read(first, problem, built, excluded, distance_scale)
        for r in chosen.rounds:
            for order_id in r.orders:
                if order_id in stretch:
                    days[order_id] = (r.day,)
        budget = seconds * 0.6
    built = _build(problem, orders, days, set(), places, matrix, objective, distance_scale)
    reduce = objective == "fleet" and len(problem.vehicles) == 1 and problem.vehicles[0].count > 1
    begun = 1 - budget / seconds if seconds else 0.0
    main = budget * 0.3 if reduce else budget
    solution = _solve(
        built, main, seed, patience, progress, begun, begun + (1 - begun) * main / budget, iterations=iterations
    )
    if reduce and solution.is_feasible():
        return _fewer_vehicles(
            problem,
            orders,
            days,
            places,
            matrix,
            distance_scale,
            solution,
            built,
            budget - main,
            seed,
            excluded,
            iterations,
        )
    return _read(solution, problem, built, excluded, distance_scale)


def _submatrix(
    matrix_for: Callable[[list[tuple[float, float]]], Matrix], places: Sequence[Site]
) -> Callable[[list[tuple[float, float]]], Matrix]:
    """Distances asked once for every place, then read for each echelon's own places (a routing server is
    called once)."""
    points = [(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places]
    full = matrix_for(points)
    index = {point: i for i, point in enumerate(points)}

    def of(wanted: list[tuple[float, float]]) -> Matrix:
        rows = [index[point] for point in wanted]
        grid = np.ix_(rows, rows)
        return Matrix(full.km[grid], full.seconds[grid], full.source, full.note)

    return of


def _two_echelon(
    problem: Problem, *, matrix_for: Callable[[list[tuple[float, float]]], Matrix], seconds: float, seed: int,
    objective: str, distance_scale: float, patience: int | None, progress: Callable[[float], None] | None,
    iterations: int | None, spread: bool = True,
) -> Plan:  # fmt: skip
    """Orders through a relay platform, in two phases. First the collection rounds: the vehicles not based
    at a platform carry the direct orders and bring each transferred order's goods from the farm to its
    platform (a shipment whose customer is the platform, due early enough for the last mile). Then, per
    platform, the delivery rounds of the vehicles based there take the goods to the customers, each order
    released at the platform when its goods arrived there plus `transfer_s`: no delivery round leaves with
    goods that are not there yet. The last-mile vehicles do no collection; an order collected whose
    delivery round cannot be found is said unserved (its goods wait at the platform).
    The first phase cannot see how the last mile groups its deliveries, so this is only the first try (half
    the time): when its plan is late, the cold goods and the others are planned apart (`_cold_apart`, a
    tenth), and when that is not on time either, this whole scheme again with each customer's orders on the
    day that spreads the week's work (`_days_spread`, a fifth; `spread=False` inside: it runs once), then with
    waves and both echelons planned again last mile first and made to agree (`_synchronised`): 5/12 and 7/12
    of the rest (a fifth, or 2/5 without the days spread). The plan kept is the one leaving the fewest orders
    out, then the least late as `feasibility.plan_check` drives it, then the cheapest."""
    bases = {base.id: base for base in problem.depots}
    places = list(dict.fromkeys([*places_of(problem, problem.orders), *(b.place for b in problem.depots)]))
    matrix_of = _submatrix(matrix_for, places)
    index = {place: i for i, place in enumerate(places)}
    full = matrix_of([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places])
    platforms = sorted({order.via for order in problem.orders if order.via})
    last_mile = {p: [v for v in problem.vehicles if v.depot == p] for p in platforms}
    collectors = [v for v in problem.vehicles if v.depot not in platforms]
    deadlines: dict[str, int] = {}  # order id → when its goods must be at the platform
    for order in problem.orders:
        if order.via:
            base = bases[order.via]
            located = order.delivery is not None and order.delivery.lat is not None
            onward = int(full.seconds[index[base.place], index[order.delivery]]) if located else 0  # type: ignore[index]
            deadlines[order.id] = min(base.closes_s, order.delivery_window[1] - onward - problem.transfer_s
                                      - order.unloading_s)  # fmt: skip

    def part(start: float, end: float) -> Callable[[float], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda fraction: report(start + (end - start) * fraction)

    def search(phase: Problem, budget: float, start: float, end: float) -> Plan:
        return _one_echelon(
            phase, matrix_for=matrix_of, seconds=budget, seed=seed, objective=objective,
            distance_scale=distance_scale, patience=patience, progress=part(start, end), iterations=iterations,
        )  # fmt: skip

    def seconds_between(a: Site, b: Site) -> int:
        return int(full.seconds[index[a], index[b]])

    # When an order's goods can be at its platform at the earliest: a collector leaving its depot when its
    # day starts, at the farm when it opens, then straight to the platform (a bound no plan beats).
    earliest_at: dict[str, int] = {}
    for order in problem.orders:
        if order.via and order.pickup is not None and order.pickup.lat is not None:
            reach = min((v.start_s + seconds_between(bases[v.depot].place, order.pickup) for v in collectors),
                        default=order.pickup_window[0])  # fmt: skip
            at_farm = max(order.pickup_window[0], reach)
            earliest_at[order.id] = at_farm + order.service_s + seconds_between(order.pickup, bases[order.via].place)

    def attempt(budget: float, start: float, end: float, due: dict[str, int] | None = None) -> Plan:
        """Both phases, each order due at its platform as if it were alone in its van (or by `due`, seconds
        since its day's midnight, when given: the waves)."""
        excluded: list[tuple[str, str]] = []
        legs: dict[str, Job] = {}
        first_orders: list[Job] = []
        for order in problem.orders:
            if not order.via:
                first_orders.append(order)
                continue
            days = tuple(sorted({d for v in last_mile[order.via] for d in v.days}.intersection(order.days)))
            earliest = max(bases[order.via].opens_s, order.pickup_window[0])
            if not last_mile[order.via]:
                excluded.append((order.id, "no vehicle leaves its relay platform"))
            elif not days:
                excluded.append((order.id, "no vehicle works on the days it may travel"))
            elif deadlines[order.id] < earliest:
                excluded.append((order.id, "no time to pass through the relay platform"))
            else:
                legs[order.id] = order
                by = deadlines[order.id] if due is None else max(earliest, due.get(order.id, deadlines[order.id]))
                first_orders.append(
                    replace(order, via="", delivery=bases[order.via].place, days=days,
                            delivery_window=(earliest, by), delivery_service_s=order.service_s)
                )  # fmt: skip
        share = max(0.3, min(0.8, len(first_orders) / max(1, len(problem.orders))))
        middle = start + (end - start) * share
        first = search(replace(problem, vehicles=collectors, orders=first_orders), budget * share, start, middle)
        rounds = _transfers_marked(first.rounds, legs)
        # When the goods are really there: a collection round late for a deadline at the platform has its times
        # warped back in the solver's schedule (vans released by those times left before their goods).
        arrived = plan_check(problem, Plan(rounds, [], 0, 0, 0, True), travel).at_platform
        unserved = [*excluded, *first.unserved]
        km, duration, objective_sum, feasible = first.km, first.seconds, first.objective, first.feasible
        waiting = [legs[o] for o in legs if o in arrived]
        for n, platform in enumerate(platforms):
            mine = [o for o in waiting if o.via == platform]
            if not mine:
                continue
            deliveries = []
            for order in mine:
                ready = arrived[order.id] + problem.transfer_s
                deliveries.append(_van_job(order, (ready // DAY,), max(1, ready % DAY)))
            step = (end - middle) / len(platforms)
            second = search(
                Problem([bases[platform]], last_mile[platform], deliveries, problem.farms, problem.own_vehicle),
                budget * (1 - share) / len(platforms),
                middle + step * n,
                middle + step * (n + 1),
            )
            rounds.extend(second.rounds)
            unserved.extend(second.unserved)
            km, duration = km + second.km, duration + second.seconds
            objective_sum, feasible = objective_sum + second.objective, feasible and second.feasible
        rounds.sort(key=lambda r: (r.day, r.vehicle))
        return Plan(rounds, unserved, km, duration, objective_sum, feasible)

    def travel(a: Site, b: Site) -> int:
        return int(np.rint(full.seconds[index[a], index[b]]))  # as the solver rounds them

    result = attempt(seconds / 2, 0.0, 0.5)
    # The independent check decides: the collections' deadlines at the platform are the scheme's, not the
    # customers' (a collection late for one is no fault when the van still makes it), and only the check
    # knows whether the vans left with goods that were there.
    checked = plan_check(problem, result, travel)
    result.feasible = checked.on_time
    apart: Plan | None = None
    apart_checked: Checked | None = None
    echelons: _Echelons | None = None
    if not result.feasible:
        echelons = _Echelons(
            bases=bases, platforms=platforms, last_mile=last_mile, collectors=collectors, deadlines=deadlines,
            earliest_at=earliest_at, travel=travel, places=places, matrix_of=matrix_of, search=search, part=part,
            settings=dict(seed=seed, objective=objective, distance_scale=distance_scale, patience=patience,
                          iterations=iterations),
        )  # fmt: skip
        # The cold goods and the others planned apart (the refrigerated collectors only for what only they can
        # carry): when on time, the plan; else one more candidate, the best kept at the end.
        apart = _cold_apart(problem, echelons, matrix_of, budget=seconds / 10)
        if apart is not None:
            apart_checked = plan_check(problem, apart, travel)
            apart.feasible = apart_checked.on_time
    spreads: Plan | None = None
    spreads_checked: Checked | None = None
    rest = 0.4  # of the time, for the waves and the synchronised scheme
    if echelons is not None and spread and not (apart is not None and apart.feasible and not apart.unserved):
        # The days spread (`_days_spread`): each customer's orders on one of its days, the week's work spread
        # over them, and this whole scheme again on those days (without this try: it runs once).
        chosen = {order_id: r.day for r in result.rounds for order_id in r.orders}
        days = _days_spread(problem, travel, chosen)
        if any(len(o.days) > 1 for o in problem.orders):
            rest = 0.2
            spreads = _two_echelon(
                replace(problem, orders=[replace(o, days=(days[o.id],)) if o.id in days else o
                                         for o in problem.orders]),
                matrix_for=matrix_of, seconds=seconds / 5, seed=seed, objective=objective,
                distance_scale=distance_scale, patience=patience, progress=None, iterations=iterations, spread=False,
            )  # fmt: skip
            spreads_checked = plan_check(problem, spreads, travel)
            spreads.feasible = spreads_checked.on_time
    settled = any(p is not None and p.feasible and not p.unserved for p in (apart, spreads))
    if echelons is not None and not settled:
        # Waves: each order due at its platform for the latest of the platform's fixed departures (WAVES) that
        # still reaches its customer in time with a trip's other stops (WAVE_MARGIN_S) — a deadline with room
        # for the vans to group their goods, which the first try's (as if alone in its van) has not.
        waves = attempt(seconds * rest * 5 / 12, 0.5, 0.6,
                        _wave_deadlines(problem, bases, deadlines, earliest_at, travel))  # fmt: skip
        waves_checked = plan_check(problem, waves, travel)
        waves.feasible = waves_checked.on_time
        if _rank(waves, waves_checked) < _rank(result, checked):
            result, checked = waves, waves_checked
        if not result.feasible:
            synchronised, synchronised_checked = _synchronised(problem, result, echelons,
                                                               budget=seconds * rest * 7 / 12, begun=0.6)  # fmt: skip
            if _rank(synchronised, synchronised_checked) < _rank(result, checked):
                result, checked = synchronised, synchronised_checked
    for candidate, verdict in ((apart, apart_checked), (spreads, spreads_checked)):
        if candidate is not None and verdict is not None and _rank(candidate, verdict) < _rank(result, checked):
            result, checked = candidate, verdict
    if checked.late_s:
        # Which of the lateness the week's data makes unavoidable: told to the user with the plan.
        # Both bounds from one computation of the shortest drives and of the floors (the week's).
        left_out = {order_id for order_id, _reason in result.unserved}
        drive = fastest_drives(problem, travel)
        floors = lateness_floor(problem, travel, drive=drive)
        result.late_anyway = [(order_id, floor) for order_id, floor in floors.items() if order_id not in left_out]
        carried = replace(problem, orders=[o for o in problem.orders if o.id not in left_out])
        together = competition_floor(carried, travel, floors=floors, drive=drive)
        result.late_together = together if together.late_s > together.floors_s else None
    if progress is not None:
        progress(1.0)
    return result


WAVES = tuple(range(7 * 3600, 15 * 3600 + 1, 1800))  # the platform's vans' departures for the waves (every half hour)
WAVE_MARGIN_S = 2700  # a wave's trip reaches an order's customer at most this much later than driving straight there


def _wave_deadlines(
    problem: Problem, bases: dict[str, Base], deadlines: dict[str, int], earliest_at: dict[str, int],
    travel: Callable[[Site, Site], int],
) -> dict[str, int]:  # fmt: skip
    """Order through a platform → when its goods must be there (seconds since its day's midnight) to leave
    with the latest wave (WAVES) that reaches its customer straight in time with WAVE_MARGIN_S to spare for
    the trip's other stops, and that its goods can make (`earliest_at` + `transfer_s`); an order no wave
    fits keeps its deadline as if alone in its van."""
    due = {}
    for order in problem.orders:
        if not order.via or order.id not in earliest_at or order.delivery is None or order.delivery.lat is None:
            continue
        onward = travel(bases[order.via].place, order.delivery)
        ready = earliest_at[order.id] + problem.transfer_s
        fitting = [wave for wave in WAVES if wave >= ready
                   and wave + onward + order.unloading_s + WAVE_MARGIN_S <= order.delivery_window[1]]  # fmt: skip
        if fitting:
            due[order.id] = min(deadlines[order.id], max(fitting) - problem.transfer_s - order.service_s)
    return due


def _rank(plan_: Plan, checked: Checked) -> tuple[int, int, int, int]:
    """Which of two plans of the same problem is better (smaller): the fewer orders left out first (a plan
    that drops orders to look on time is no better), then the fewer faults and the less lateness the
    independent check finds, then the cheaper."""
    return (len(plan_.unserved), len(checked.problems), checked.late_s, plan_.objective)


@dataclass(frozen=True)
class _Echelons:
    """What `_two_echelon` knows of the problem and passes to `_synchronised`: the platforms, who works
    where, when each order must (`deadlines`) and can at the earliest (`earliest_at`) be at its platform
    (seconds since its day's midnight), the travel times, and its searches."""

    bases: dict[str, Base]
    platforms: list[str]
    last_mile: dict[str, list[Fleet]]  # platform → the vehicles based there
    collectors: list[Fleet]  # the vehicles based elsewhere
    deadlines: dict[str, int]
    earliest_at: dict[str, int]
    travel: Callable[[Site, Site], int]
    places: list[Site]
    matrix_of: Callable[[list[tuple[float, float]]], Matrix]
    search: Callable[[Problem, float, float, float], Plan]  # (problem, seconds, progress from, progress to)
    part: Callable[[float, float], Callable[[float], None] | None]  # the progress of a part of the search
    settings: dict[str, Any]


SYNC_ROUNDS = 3  # rounds of the synchronised scheme sharing its time (it stops earlier at a fixed point or on time)
SYNC_MAX_ROUNDS = 8  # then rounds with the vans collecting near farms while each improves (iteration-bounded searches)
# A farm is on a platform van's way when near the platform (the check's rule) and adding at most this much.
ON_THE_WAY_S = NEAR_PLATFORM_S
RELEASE_STEP = 300  # s: a release at the platform raised by a round moves by at least this much


def _synchronised(
    problem: Problem, forward: Plan, echelons: _Echelons, *, budget: float, begun: float
) -> tuple[Plan, Checked]:
    """Both echelons made to agree, the last mile first. Each order through a platform has a release there
    (when its goods can be ready for a van), first the earliest any plan could bring them (a collector
    leaving its depot at the start of its day, straight to the farm when it opens, then to the platform,
    plus `transfer_s`): a bound no plan beats. After the first SYNC_ROUNDS rounds, an order whose farm is near its
    platform and on the way to its customer (ON_THE_WAY_S) is collected there by the platform's vans
    themselves (a shipment in the last mile, no collection round). A round is:

    1. the last mile with those releases: which van trip carries each order, on which day; a backward pass
       over each van round gives the latest its trip may leave with every later stop still on time;
    2. the collection rounds, each order due at its platform (on its van's day) by that latest departure less
       the transfer and its unloading;
    3. the last mile again, each order released when the collection really brought it (the independent
       check's times, not the solver's warped ones), from step 1's rounds: PyVRP keeps the best of what it
       finds and where it starts, so when every order came in time — each release then no later than its
       trip's latest departure — the vans' plan stays on time.

    If the plan is late because collections could not meet some deadlines, those orders' releases are raised
    to when their goods came (by RELEASE_STEP at least), so that the next round's last mile takes them on a
    later trip, and again. Termination: a release only rises, by RELEASE_STEP or more, and never beyond the
    end of the platform's vans' working day, so there are at most (orders × day length / RELEASE_STEP)
    rounds before a fixed point (no release rises: the next round would be the same); SYNC_ROUNDS share the
    time, and when the searches count iterations rather than time, rounds go on while each finds a better
    plan, up to SYNC_MAX_ROUNDS. The plan kept is the least late of the rounds, judged by the independent
    check (returned with its verdict)."""
    bases, platforms, last_mile = echelons.bases, echelons.platforms, echelons.last_mile
    collectors, deadlines, earliest_at = echelons.collectors, echelons.deadlines, echelons.earliest_at
    travel, search, part, settings = echelons.travel, echelons.search, echelons.part, echelons.settings
    jobs = {order.id: order for order in problem.orders}
    collector_days = {d for v in collectors for d in v.days}
    transferred = [o for o in problem.orders if o.via and o.id in earliest_at and last_mile[o.via]]
    release = {o.id: earliest_at[o.id] + problem.transfer_s for o in transferred}
    ceiling = {p: max((v.end_s for v in last_mile[p]), default=0) for p in platforms}
    # The day of each order is the one the first try's collections chose (the vans' search, blind to the
    # collections' loads, would pick days no collection round can keep).
    collected_on = {s.order: r.day for r in forward.rounds for s in r.stops if s.transfer and s.order}
    served_on = {order_id: r.day for r in forward.rounds for order_id in r.orders}
    # Orders whose farm is near their platform and on the way to their customer: its vans may collect them there,
    # in the rounds after the first SYNC_ROUNDS (`van_rounds`), when those are still late.
    near = {o.id for o in transferred if o.pickup is not None and o.delivery is not None
              and travel(bases[o.via].place, o.pickup) <= ON_THE_WAY_S
              and travel(bases[o.via].place, o.pickup) + o.service_s + travel(o.pickup, o.delivery)
              - travel(bases[o.via].place, o.delivery) <= ON_THE_WAY_S}  # fmt: skip
    best: tuple[Plan, Checked] | None = None
    improved, van_rounds = True, False
    share = 1.0 / (SYNC_ROUNDS * 3)
    for round_ in range(SYNC_MAX_ROUNDS):
        if round_ >= SYNC_ROUNDS and not van_rounds:
            if not (settings["iterations"] and near):
                break
            van_rounds = improved = True  # then rounds with the vans collecting near farms, while they improve
        if van_rounds and not improved:
            break
        by_van = near if van_rounds else set()
        stage = min(1.0, begun + (1 - begun) * round_ / SYNC_ROUNDS)

        def window(n: int) -> tuple[float, float]:
            return min(1.0, stage + (1 - begun) * share * n), min(1.0, stage + (1 - begun) * share * (n + 1))  # noqa: B023

        def days_of(order: Job) -> tuple[int, ...]:
            """The day of an order through a platform: the first try's, or those its vans and collectors work."""
            if order.id in collected_on:
                return (collected_on[order.id],)
            return tuple(sorted({d for v in last_mile[order.via] for d in v.days}
                                .intersection(order.days).intersection(collector_days)))  # fmt: skip

        def van_jobs(orders: list[Job], day: Callable[[Job], tuple[int, ...]]) -> list[Job]:
            """The vans' orders: a delivery from the platform, released when its goods can be there, or, for a
            farm on the way, a shipment from the farm (the van collects it)."""
            return [replace(o, via="", days=day(o)) if o.id in by_van else _van_job(o, day(o), release[o.id])  # noqa: B023
                    for o in orders if day(o)]  # fmt: skip

        # 1. The last mile with the releases as they are.
        vans: dict[str, Plan] = {}
        for platform in platforms:
            deliveries = van_jobs([o for o in transferred if o.via == platform], days_of)
            if deliveries:
                sub = Problem([bases[platform]], last_mile[platform], deliveries, problem.farms, problem.own_vehicle)
                vans[platform] = _day_by_day(sub, lambda one, n_days: search(one, budget * share / n_days,
                                                                              *window(0)))  # fmt: skip
        day_of: dict[str, int] = {}
        latest: dict[str, int] = {}  # order → latest departure of its van trip (seconds since Monday)
        for platform, van_plan in vans.items():
            for r in van_plan.rounds:
                for order_id, leaves in _latest_departures(r, last_mile[platform], jobs, travel).items():
                    day_of[order_id], latest[order_id] = r.day, leaves
        # 2. The collections, each due at the platform in time for its van trip.
        first_orders: list[Job] = []
        legs: dict[str, Job] = {}
        for order in problem.orders:
            if not order.via:
                first_orders.append(order)
                continue
            if order.id not in release or order.id in by_van:
                continue
            earliest = max(bases[order.via].opens_s, order.pickup_window[0])
            days: tuple[int, ...]
            if order.id in day_of:
                day = day_of[order.id]
                due = latest[order.id] - day * DAY - problem.transfer_s - order.service_s
                due, days = max(earliest, min(deadlines[order.id], due)), (day,)
            else:  # the vans' search left it out: due as if alone in its van, on any day
                due = max(earliest, deadlines[order.id])
                days = tuple(sorted({d for v in last_mile[order.via] for d in v.days}.intersection(order.days)))
                if not days:
                    continue
            legs[order.id] = order
            first_orders.append(replace(order, via="", delivery=bases[order.via].place, days=days,
                                        delivery_window=(earliest, due),
                                        delivery_service_s=order.service_s))  # fmt: skip
        # One day at a time, each order on the day the first try carried it (a week-long model, tight, moved
        # orders to another day's vehicle).
        first_orders = [replace(o, days=(served_on[o.id],)) if o.id in served_on and not o.via and
                        served_on[o.id] in o.days else o for o in first_orders]  # fmt: skip
        first = _day_by_day(replace(problem, vehicles=collectors, orders=first_orders),
                            lambda one, n_days: search(one, budget * share / n_days, *window(1)))  # fmt: skip
        rounds = _transfers_marked(first.rounds, legs)
        collected = Plan(rounds, [], first.km, first.seconds, first.objective, first.feasible)
        at_platform = plan_check(problem, collected, travel).at_platform
        # 3. The last mile again, each order released when its goods really are at the platform.
        unserved = [*first.unserved]
        km, duration, objective_sum, feasible = first.km, first.seconds, first.objective, first.feasible
        for platform in platforms:
            deliveries = []
            for order in legs.values():
                if order.via == platform and order.id in at_platform:
                    ready = at_platform[order.id] + problem.transfer_s
                    deliveries.append(_van_job(order, (ready // DAY,), max(1, ready % DAY)))
            collecting = [o for o in transferred if o.via == platform and o.id in by_van]
            deliveries += van_jobs(collecting, days_of)
            if not deliveries:
                continue
            sub = Problem([bases[platform]], last_mile[platform], deliveries, problem.farms, problem.own_vehicle)
            start = vans[platform].rounds if platform in vans else []
            second = _day_by_day(sub, lambda one, n_days: _from_rounds(
                one, start, echelons.places, echelons.matrix_of, budget * share / n_days, part(*window(2)),  # noqa: B023
                settings))  # fmt: skip
            rounds.extend(second.rounds)
            unserved.extend(second.unserved)
            km, duration = km + second.km, duration + second.seconds
            objective_sum, feasible = objective_sum + second.objective, feasible and second.feasible
        carried = {order_id for order_id, _reason in unserved}
        excluded = [(o.id, "no vehicle leaves its relay platform" if not last_mile[o.via] else
                     "no position" if o.id not in release else "no vehicle works on the days it may travel")
                    for o in problem.orders if o.via and o.id not in legs and o.id not in carried
                    and o.id not in by_van]  # fmt: skip
        rounds.sort(key=lambda r: (r.day, r.vehicle))
        candidate = Plan(rounds, [*excluded, *unserved], km, duration, objective_sum, feasible)
        checked = plan_check(problem, candidate, travel)
        candidate.feasible = checked.on_time
        improved = best is None or _rank(candidate, checked) < _rank(*best)
        if improved:
            best = candidate, checked
        if candidate.feasible and not candidate.unserved:
            break
        # Orders whose goods came after their van trip's latest departure: released later next round.
        raised = False
        for order_id, leaves in latest.items():
            came = at_platform.get(order_id)
            if came is None or came + problem.transfer_s <= leaves:
                continue
            ready = min(ceiling[jobs[order_id].via], max(release[order_id] + RELEASE_STEP,
                                                          came % DAY + problem.transfer_s))  # fmt: skip
            if ready > release[order_id]:
                release[order_id], raised = ready, True
        if not raised:  # a fixed point: the next round would plan the same
            if van_rounds or not (settings["iterations"] and near):
                break
            van_rounds = improved = True
    assert best is not None
    return best


def _cold_apart(
    problem: Problem, echelons: _Echelons, matrix_of: Callable[[list[tuple[float, float]]], Matrix], *, budget: float
) -> Plan | None:
    """The cold goods and the others planned apart, then the platform's vans for all: a try for a late plan
    when the collectors are refrigerated and not (None otherwise). The refrigerated vehicle is the only one
    that may carry the cold goods (the workshop's meat, its carcasses, the cheese for the platform); in one
    search of every collection it also takes ambient goods and its cold work then comes late (the bench's
    weeks 2–3: the truck collects vegetables for the platform before loading the meat). Here:

    1. the cold orders alone, with the refrigerated collectors and the platforms' vans, by the whole
       two-echelon scheme (`_two_echelon`: first try, waves, the echelons made to agree);
    2. the other orders alone, with the collectors without refrigerated space and the platforms' vans, the
       same way;
    3. both halves' collection rounds kept as they are, and the platforms' vans planned again for every order
       (one day at a time, on the day its goods reach the platform), each released when its goods really are
       there (the independent check's times), or collected at its farm on the way when a half's van did so.

    The vans of the two halves cannot simply be put together: there are only as many as the platform has."""
    bases, platforms, last_mile, search = echelons.bases, echelons.platforms, echelons.last_mile, echelons.search
    refrigerated = [v for v in echelons.collectors if v.cold_kg > 0]
    ambient = [v for v in echelons.collectors if v.cold_kg <= 0]
    cold = [o for o in problem.orders if o.cold]
    other = [o for o in problem.orders if not o.cold]
    if not refrigerated or not ambient or not cold or not other:
        return None
    vans = [v for p in platforms for v in last_mile[p]]
    settings = echelons.settings
    halves = []
    for vehicles, orders in ((refrigerated, cold), (ambient, other)):
        through = any(o.via for o in orders)  # (a platform's vans carry nothing else: the check's rule)
        half = replace(problem, vehicles=[*vehicles, *vans] if through else vehicles, orders=orders)
        solve = partial(_two_echelon, spread=False) if through else _one_echelon
        halves.append(solve(
            half, matrix_for=matrix_of, seconds=budget * 0.4, seed=settings["seed"], objective=settings["objective"],
            distance_scale=settings["distance_scale"], patience=settings["patience"], progress=None,
            iterations=settings["iterations"],
        ))  # fmt: skip
    mine = {v.id for v in vans}
    collections = [r for half in halves for r in half.rounds if r.vehicle not in mine]
    at_platform = plan_check(problem, Plan(collections, [], 0, 0, 0, True), echelons.travel).at_platform
    # Orders a half's van collected at their farm on its way (ON_THE_WAY_S): collected so again, that day.
    by_van = {s.order: r.day for half in halves for r in half.rounds if r.vehicle in mine
              for s in r.stops if s.action == "load" and s.order}  # fmt: skip
    carried = {o for half in halves for r in half.rounds for o in r.orders}
    unserved = [(o, why) for half in halves for o, why in half.unserved]
    rounds = list(collections)
    km = sum(r.km for r in collections)
    duration = sum(r.seconds for r in collections)
    fleets = {v.id: v for v in problem.vehicles}
    objective_sum = sum(_objective_of(r, fleets[r.vehicle], settings) for r in collections)
    for platform in platforms:
        deliveries = []
        for order in problem.orders:
            if order.via != platform:
                continue
            if order.id in at_platform:
                ready = at_platform[order.id] + problem.transfer_s
                deliveries.append(_van_job(order, (ready // DAY,), max(1, ready % DAY)))
            elif order.id in by_van:
                deliveries.append(replace(order, via="", days=(by_van[order.id],)))
            elif order.id in carried:  # collected but its goods never reached the platform
                unserved.append((order.id, "left out by the plan"))
        if not deliveries:
            continue
        sub = Problem([bases[platform]], last_mile[platform], deliveries, problem.farms, problem.own_vehicle)
        second = _day_by_day(sub, lambda one, n_days: search(one, budget * 0.2 / len(platforms) / n_days, 1.0, 1.0))
        rounds.extend(second.rounds)
        unserved.extend(second.unserved)
        km, duration, objective_sum = km + second.km, duration + second.seconds, objective_sum + second.objective
    rounds.sort(key=lambda r: (r.day, r.vehicle))
    return Plan(rounds, unserved, km, duration, objective_sum, False)


def _days_spread(problem: Problem, travel: Callable[[Site, Site], int], chosen: dict[str, int]) -> dict[str, int]:
    """Order → one of its days, the week's work spread over the days (a try for a late plan, `_two_echelon`).

    The days of orders that may travel on several are chosen by the first pass of the collections' search,
    which sees each order through a platform as a drop at the platform — not its farm, nor the vans' stop at
    its customer — and so piles them on the days the collectors go to the platform anyway (the bench's week
    3: 35 orders on Wednesday, 18 on Thursday). Here each customer's orders of the same days move together
    (one stop at the customer), starting from the days of `chosen` (order → day, a plan's), and a customer is
    moved to another of its days while that lowers the sum over the days of the squares of three loads:
    the collectors' work (service at every stop of theirs, and one entry into each place they visit, from
    the nearest of their depots and the day's other places), the part of it only refrigerated collectors may
    do (cold goods), and the platforms' vans' work (their customers), each divided by the vehicles that can
    do it. Deterministic (the customers in order, passes until none moves; each tries its other days in
    order and keeps the one that lowers the sum most); a move strictly lowers the sum, so it stops."""
    platforms = {order.via for order in problem.orders if order.via}
    bases = {base.id: base.place for base in problem.depots}
    collectors = [v for v in problem.vehicles if v.depot not in platforms]
    vans = [v for v in problem.vehicles if v.depot in platforms]
    scale = {
        "collect": max(1, sum(v.count for v in collectors)),
        "cold": max(1, sum(v.count for v in collectors if v.cold_kg > 0)),
        "last": max(1, sum(v.count for v in vans)),
    }
    collecting_days = {d for v in collectors for d in v.days}
    van_days = {d for v in vans for d in v.days}
    starts = {"collect": [bases[v.depot] for v in collectors], "last": [bases[v.depot] for v in vans]}
    # What each order asks of each echelon: (load, seconds of service, places entered).
    asks: dict[str, list[tuple[str, int, Site | None]]] = {}
    allowed: dict[str, tuple[int, ...]] = {}
    for order in problem.orders:
        days = set(order.days).intersection(collecting_days)
        if order.via:
            days &= van_days
        allowed[order.id] = tuple(sorted(days))
        load = "cold" if order.cold else "collect"
        if order.kind == Kind.DELIVERY:
            ask = [(load, order.service_s, order.delivery)]
        elif order.kind == Kind.COLLECTION:
            ask = [(load, order.service_s, order.pickup)]
        elif order.via:
            ask = [(load, 2 * order.service_s, order.pickup), ("last", order.unloading_s, order.delivery)]
        else:
            ask = [(load, order.service_s, order.pickup), (load, order.unloading_s, order.delivery)]
        asks[order.id] = [(k, s, p) for k, s, p in ask if p is None or _located(p)]
    groups: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for order in problem.orders:
        if len(allowed[order.id]) > 1:
            groups.setdefault((order.customer or order.id, allowed[order.id]), []).append(order.id)
    day_of = {o.id: (chosen[o.id] if chosen.get(o.id) in allowed[o.id] else allowed[o.id][0])
              for o in problem.orders if allowed[o.id]}  # fmt: skip
    for members in groups.values():
        first = Counter(day_of[m] for m in members).most_common(1)[0][0]
        day_of.update(dict.fromkeys(members, first))

    def loads() -> float:
        total = 0.0
        for day in sorted({*day_of.values()}):
            work = {"collect": 0.0, "cold": 0.0, "last": 0.0}
            visited: dict[str, set[Site]] = {"collect": set(), "last": set()}
            cold_places: set[Site] = set()
            for order_id, d in day_of.items():
                if d != day:
                    continue
                for load, service, place in asks[order_id]:
                    echelon = "last" if load == "last" else "collect"
                    work[echelon] += service
                    if load == "cold":
                        work["cold"] += service
                    if place is not None:
                        visited[echelon].add(place)
                        if load == "cold":
                            cold_places.add(place)
            for echelon, places in visited.items():
                for place in places:
                    entry = min((travel(other, place) for other in (*places, *starts[echelon]) if other != place),
                                default=0)  # fmt: skip
                    work[echelon] += entry
                    if echelon == "collect" and place in cold_places:
                        work["cold"] += entry
            total += sum((work[k] / scale[k]) ** 2 for k in work)
        return total

    best = loads()
    moved = True
    while moved:
        moved = False
        for (_customer, options), members in sorted(groups.items()):
            here = day_of[members[0]]
            for day in options:
                if day == here:
                    continue
                day_of.update(dict.fromkeys(members, day))
                value = loads()
                if value < best - 1e-6:
                    best, here, moved = value, day, True
                day_of.update(dict.fromkeys(members, here))
    return day_of


def _objective_of(r: Round, vehicle: Fleet, settings: dict[str, Any]) -> int:
    """A round's part of the search's objective (as `_build` prices it), for a plan put together from rounds
    of several searches."""
    if settings["objective"] == "cost":
        return round(r.km * vehicle.per_km * MONEY + r.seconds * vehicle.per_hour * MONEY / 3600
                     + vehicle.fixed_per_day * MONEY)  # fmt: skip
    return round(r.km * settings["distance_scale"]) + (FLEET_COST if settings["objective"] == "fleet" else 0)


def _transfers_marked(rounds: list[Round], legs: dict[str, Job]) -> list[Round]:
    """Collection rounds whose unloading of an order through a platform (`legs`) says it leaves the goods
    at that platform (`Stop.transfer`)."""
    return [replace(r, stops=[replace(s, transfer=legs[s.order].via) if s.order in legs and s.action == "unload"
                              else s for s in r.stops]) for r in rounds]  # fmt: skip


def _day_by_day(problem: Problem, solve: Callable[[Problem, int], Plan]) -> Plan:
    """A platform's last mile planned one day at a time (each order on its first day): a week-long model let
    the search put an order on another day's van when the week was tight (a fault the check counts)."""
    days = sorted({order.days[0] for order in problem.orders})
    plans = []
    for day in days:
        vehicles = [replace(v, days=(day,)) for v in problem.vehicles if day in v.days]
        orders = [replace(o, days=(day,)) for o in problem.orders if o.days[0] == day]
        if not vehicles:
            plans.append(Plan([], [(o.id, "no vehicle works on the days it may travel") for o in orders], 0, 0, 0,
                              True))  # fmt: skip
            continue
        plans.append(solve(replace(problem, vehicles=vehicles, orders=orders), len(days)))
    return Plan([r for p in plans for r in p.rounds], [u for p in plans for u in p.unserved],
                sum(p.km for p in plans), sum(p.seconds for p in plans), sum(p.objective for p in plans),
                all(p.feasible for p in plans))  # fmt: skip


def _van_job(order: Job, days: tuple[int, ...], release_s: int) -> Job:
    """An order through a platform as the platform's vans see it: a delivery from there, released when its
    goods are ready. Goods ready only after the customer's window closes are late whatever the vans do; PyVRP
    refuses a release after a window's end, so the window given to the vans then closes at the release (the
    van leaves with them as soon as it can, each second later counted as lateness by the search): the
    release is never brought before the goods (a van left without them when it was clamped to the window's
    end). Moving the window to *open* at the release instead made week 2 of bench/two_echelon.py
    293 → 3,743 minutes late (the vans' searches then planned other trips)."""
    window = (order.delivery_window[0], max(order.delivery_window[1], release_s))
    return Job(id=order.id, kind=Kind.DELIVERY, kg=order.kg, crates=order.crates, cold=order.cold, value=order.value,
               delivery=order.delivery, delivery_window=window, service_s=order.unloading_s,
               required=order.required, prize=order.prize, days=days, release_s=release_s, producer=order.producer,
               customer=order.customer)  # fmt: skip


def _latest_departures(
    r: Round, vehicles: list[Fleet], jobs: dict[str, Job], travel: Callable[[Site, Site], int]
) -> dict[str, int]:
    """Order → the latest its trip of the platform's round `r` may leave with every later stop of the round
    still on time (a backward pass: each stop's latest start is its window's end or the next stop's latest
    start less the service and the drive, whichever is earlier)."""
    vehicle = next(v for v in vehicles if v.id == r.vehicle)
    latest = r.day * DAY + vehicle.end_s
    after = r.stops[-1].place
    leaves: dict[str, int] = {}
    for stop in reversed(r.stops[:-1]):
        latest -= travel(stop.place, after)
        if stop.order is None:
            leaves.update(dict.fromkeys(stop.loaded, latest))
        else:  # a customer, or a farm on the van's way (ON_THE_WAY_S)
            job = jobs[stop.order]
            collects = stop.action == "load"
            closes = job.pickup_window[1] if collects else job.delivery_window[1]
            latest = min(r.day * DAY + closes, latest - (job.service_s if collects else job.unloading_s))
        after = stop.place
    return leaves


def _from_rounds(
    problem: Problem, rounds: list[Round], places: list[Site], matrix_of: Callable[[list[tuple[float, float]]], Matrix],
    seconds: float, progress: Callable[[float], None] | None, settings: dict[str, Any],
) -> Plan:  # fmt: skip
    """A one-depot plan of deliveries (each on one day) searched from `rounds`, the same orders' rounds of
    another plan: the stops of those orders in the same order. PyVRP starts from it and keeps the best it
    finds, which is that start itself when the search finds nothing better."""
    orders = list(problem.orders)
    mine = places_of(problem, orders)
    matrix = matrix_of([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in mine])
    days = {o.id: o.days for o in orders}
    built = _build(problem, orders, days, set(), mine, matrix, settings["objective"], settings["distance_scale"])
    data = built.model.data()
    client = {(order.id, day): i for i, (order, day) in enumerate(built.clients)}
    shipment = {(order.id, day): i for i, (order, day) in enumerate(built.shipments)}  # farms on the vans' way
    kinds = {(vehicle.id, day): i for i, (vehicle, day) in enumerate(built.vehicle_types)}
    routes = []
    for r in rounds:
        if (r.vehicle, r.day) not in kinds:
            continue
        trips: list[list[Activity]] = [[]]
        for stop in r.stops[1:-1]:
            if stop.order is None:
                trips.append([])
            elif (stop.order, r.day) in client:
                trips[-1].append(Activity(ActivityType.CLIENT, client[(stop.order, r.day)]))
            elif (stop.order, r.day) in shipment:
                kind = ActivityType.PICKUP if stop.action == "load" else ActivityType.DELIVERY
                trips[-1].append(Activity(kind, shipment[(stop.order, r.day)]))
        trips = [trip for trip in trips if trip]
        if trips:
            activities = [*trips[0]]
            for trip in trips[1:]:
                activities += [Activity(ActivityType.DEPOT, 0), *trip]
            routes.append(Route(data, activities, kinds[(r.vehicle, r.day)]))
    initial = Solution(data, routes) if routes else None
    solution = _solve(built, seconds, settings["seed"], settings["patience"], progress, 0.0, 1.0, initial,
                      iterations=settings["iterations"])  # fmt: skip
    return _read(solution, problem, built, [], settings["distance_scale"])


def _fewer_vehicles(
    problem: Problem, orders: list[Job], days: dict[str, tuple[int, ...]], places: list[Site], matrix: Matrix,
    distance_scale: float, solution: Any, built: _Built, seconds: float, seed: int, excluded: list[tuple[str, str]],
    iterations: int | None = None,
) -> Plan:  # fmt: skip
    """Fewest vehicles first (the benchmarks' objective): try the same orders with one vehicle fewer, from
    scratch and from the plan without its smallest round (the search puts its orders back); keep a
    feasible plan with fewer vehicles when one is found."""
    fewer = replace(problem, vehicles=[replace(problem.vehicles[0], count=len(solution.routes()) - 1)])
    smaller = _build(fewer, orders, days, set(), places, matrix, "fleet", distance_scale)
    data = smaller.model.data()
    routes = sorted(solution.routes(), key=lambda r: r.num_clients() + 2 * r.num_shipments())[1:]
    start = Solution(
        data, [Route(data, [Activity(a.type, a.idx) for a in list(r.schedule())[1:-1]], 0) for r in routes]
    )
    best, best_built = solution, built
    for initial in (None, start):
        found = _solve(smaller, seconds / 2, seed, None, None, 0.0, 1.0, initial, iterations=iterations)
        if found.is_feasible() and len(found.routes()) < len(best.routes()):
            best, best_built = found, smaller
            break
    return _read(best, problem, best_built, excluded, distance_scale)


def places_of(problem: Problem, orders: Sequence[Job]) -> list[Site]:
    """Every distinct place of the problem, depots first."""
    places: list[Site] = [d.place for d in problem.depots]
    for order in orders:
        for place in (order.pickup, order.delivery):
            if place is not None and _located(place):
                places.append(place)
    return list(dict.fromkeys(places))


class _Watch:
    """A stopping criterion (PyVRP calls it once per iteration) that also reports progress by time."""

    def __init__(self, stop: Any, seconds: float, report: Callable[[float], None], start: float, end: float):
        self.stop, self.seconds, self.report, self.start, self.end = stop, seconds, report, start, end
        self.began = time.perf_counter()
        self.told = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if now - self.told >= 0.25:
            self.told = now
            done = min(1.0, (now - self.began) / self.seconds) if self.seconds > 0 else 1.0
            self.report(self.start + (self.end - self.start) * done)
        return bool(self.stop(best_cost))


def _solve(
    built: _Built, seconds: float, seed: int, patience: int | None,
    progress: Callable[[float], None] | None = None, start: float = 0.0, end: float = 1.0, initial: Any = None,
    *, iterations: int | None = None,
) -> Any:  # fmt: skip
    stop: Any = MaxIterations(iterations) if iterations else MaxRuntime(seconds)
    if patience:
        stop = MultipleCriteria([stop, NoImprovement(patience)])
    if progress is not None:
        stop = _Watch(stop, seconds, progress, start, end)
    with warnings.catch_warnings():
        # PyVRP warns when its penalties reach their bound on a hard instance; the plan says it is infeasible.
        warnings.filterwarnings("ignore", category=PenaltyBoundWarning)
        return built.model.solve(stop, seed=seed, display=False, initial_solution=initial).best


def _cold_chain_kept(solution: Any, built: _Built) -> Any:
    """The solution with no cold order aboard a vehicle without refrigerated space for it. Capacities are
    penalties in PyVRP's search: when it finds no feasible plan (a week too tight for the refrigerated
    vehicles' hours), its best may trade minutes late for cold kg in an ambient van — a plan that cannot be
    driven as printed, whatever its lateness. Each such order is moved, whole (a shipment's pickup and
    delivery in one trip), to where it adds the least to a route of a vehicle with refrigerated space on the
    same day — least excess load, then least lateness (PyVRP's time warp), then least cost — or to a vehicle
    of that day still unused; with none, it is left out (said unserved). Other solutions are returned as
    they are."""
    cold_of = [vehicle.cold_kg for vehicle, _day in built.vehicle_types]
    routes: list[tuple[int, list[Activity]]] = [
        (r.vehicle_type(), [Activity(a.type, a.idx) for a in list(r.schedule())[1:-1]]) for r in solution.routes()
    ]

    def job(activity: Activity) -> tuple[Job, int]:
        return built.clients[activity.idx] if activity.is_client() else built.shipments[activity.idx]

    def cold_excess(vehicle_type: int, activities: list[Activity], data: Any) -> bool:
        if not activities:
            return False
        if cold_of[vehicle_type] <= 0:
            return any(not a.is_depot() and job(a)[0].cold for a in activities)
        return Route(data, activities, vehicle_type).excess_load()[2] > 0

    data = built.model.data()
    if not any(cold_excess(vt, activities, data) for vt, activities in routes):
        return solution
    for n in range(len(routes)):
        vehicle_type, activities = routes[n]
        while cold_excess(vehicle_type, activities, data):
            cold = [a for a in activities if not a.is_depot() and job(a)[0].cold]
            if not cold:
                break
            moved = max(cold, key=lambda a: job(a)[0].kg)  # the heaviest first: the fewest moves
            shipment = not moved.is_client()
            kind = ActivityType.PICKUP if shipment else ActivityType.CLIENT
            activities = _trips_tidied([a for a in activities if a.is_depot() or a.idx != moved.idx
                                        or a.is_client() == shipment])  # fmt: skip
            routes[n] = (vehicle_type, activities)
            order, day = job(moved)
            placed = _cheapest_insertion(data, routes, n, kind, moved.idx, order, day, built, cold_of)
            if placed is not None:  # else left out: _read finds it missing and says it unserved
                target, better = placed
                if target < len(routes):
                    routes[target] = (routes[target][0], better)
                else:  # a vehicle unused so far
                    routes.append((target - len(routes), better))
    kept = [Route(data, activities, vt) for vt, activities in routes if activities]
    return Solution(data, kept)


def _trips_tidied(activities: list[Activity]) -> list[Activity]:
    """A route's visits without empty trips (no reload at either end, nor two in a row)."""
    tidied: list[Activity] = []
    for activity in activities:
        if activity.is_depot() and (not tidied or tidied[-1].is_depot()):
            continue
        tidied.append(activity)
    while tidied and tidied[-1].is_depot():
        tidied.pop()
    return tidied


def _cheapest_insertion(
    data: Any, routes: list[tuple[int, list[Activity]]], source: int, kind: ActivityType, idx: int, order: Job,
    day: int, built: _Built, cold_of: list[float],
) -> tuple[int, list[Activity]] | None:  # fmt: skip
    """Where a cold order (a client, or a shipment's pickup then delivery in one trip) adds the least to a
    route of a refrigerated vehicle working on `day`, other than `routes[source]` (where it was): the
    route's index in `routes` (or len(routes) + the vehicle type, for a vehicle unused so far) and its
    visits; None when no such vehicle exists."""

    def penalties(vehicle_type: int, activities: list[Activity]) -> tuple[int, int, int]:
        if not activities:
            return (0, 0, 0)
        route = Route(data, activities, vehicle_type)
        return (sum(route.excess_load()), route.time_warp(), route.distance_cost() + route.duration_cost())

    def variants(activities: list[Activity]) -> list[list[Activity]]:
        if kind == ActivityType.CLIENT:
            visit = Activity(ActivityType.CLIENT, idx)
            return [[*activities[:i], visit, *activities[i:]] for i in range(len(activities) + 1)]
        pickup, delivery = Activity(ActivityType.PICKUP, idx), Activity(ActivityType.DELIVERY, idx)
        found = []
        for i in range(len(activities) + 1):
            for j in range(i, len(activities) + 1):
                if any(a.is_depot() for a in activities[i:j]):
                    break  # a shipment stays within one trip
                found.append([*activities[:i], pickup, *activities[i:j], delivery, *activities[j:]])
        return found

    def fits(vehicle_type: int) -> bool:
        vehicle, vehicle_day = built.vehicle_types[vehicle_type]
        return vehicle_day == day and vehicle.cold_kg > 0 and cold_of[vehicle_type] >= order.kg

    best: tuple[tuple[int, int, int], int, list[Activity]] | None = None
    for n, (vehicle_type, activities) in enumerate(routes):
        if n == source or not fits(vehicle_type):
            continue
        before = penalties(vehicle_type, activities)
        for candidate in variants(activities):
            after = penalties(vehicle_type, candidate)
            added = (after[0] - before[0], after[1] - before[1], after[2] - before[2])
            if best is None or added < best[0]:
                best = added, n, candidate
    used: dict[int, int] = {}
    for vehicle_type, activities in routes:
        if activities:
            used[vehicle_type] = used.get(vehicle_type, 0) + 1
    for vehicle_type in range(len(built.vehicle_types)):
        if fits(vehicle_type) and used.get(vehicle_type, 0) < data.vehicle_type(vehicle_type).num_available:
            candidate = variants([])[0]
            after = penalties(vehicle_type, candidate)
            added = (after[0], after[1], after[2] + data.vehicle_type(vehicle_type).fixed_cost)
            if best is None or added < best[0]:
                best = added, len(routes) + vehicle_type, candidate
    return None if best is None else (best[1], best[2])


def _empty_trips_dropped(solution: Any, built: _Built) -> Any:
    """The solution without empty trips: no reload at either end of a round, nor two in a row
    (`_trips_tidied`). PyVRP's search takes out a reload next to a visit it looks at again
    (RemoveAdjacentDepot), but a move that takes a trip's last visit to another route leaves the trip's
    reload where no later move may look, and its best solution can keep it: a round then says "reload,
    reload, end" (week 3 of bench/two_echelon.py: the workshop's van, 20 of 139 solutions read). Each round
    with one is rebuilt without it, PyVRP timing it again: a reload is at the vehicle's own depot and no
    trip's goods wait for an empty one, so the round is no longer nor later (a reload before an end at
    another depot gives way to the direct drive). Other solutions are returned as they are."""
    data = built.model.data()
    routes, changed = [], False
    for route in solution.routes():
        activities = [Activity(a.type, a.idx) for a in list(route.schedule())[1:-1]]
        tidied = _trips_tidied(activities)
        if len(tidied) == len(activities):
            routes.append(route)
        else:
            changed = True
            if tidied:
                routes.append(Route(data, tidied, route.vehicle_type()))
    return Solution(data, routes) if changed else solution


def _read(
    solution: Any, problem: Problem, built: _Built, excluded: list[tuple[str, str]], distance_scale: float
) -> Plan:
    # Every plan's rounds are read here (one echelon, each phase of two, each try): what a user sees (the
    # route sheet, the saved plan, the API) has neither cold goods in an ambient van nor an empty trip.
    solution = _empty_trips_dropped(_cold_chain_kept(solution, built), built)
    rounds = []
    served: set[str] = set()
    for route in solution.routes():
        vehicle, day = built.vehicle_types[route.vehicle_type()]
        schedule = list(route.schedule())
        # The goods of each trip: deliveries leave the depot with it, collections come back.
        trips: list[list[Job]] = [[]]
        for activity in schedule[1:-1]:
            if activity.is_depot():
                trips.append([])
            elif activity.is_client():
                trips[-1].append(built.clients[activity.idx][0])
        stops: list[Stop] = []
        trip = 0
        load = 0.0
        for position, activity in enumerate(schedule):
            if activity.is_depot():
                last = position == len(schedule) - 1
                action = "start" if position == 0 else ("end" if last else "reload")
                unloaded = tuple(o.id for o in trips[trip - 1] if o.kind == Kind.COLLECTION) if position else ()
                loaded = tuple(o.id for o in trips[trip] if o.kind == Kind.DELIVERY) if not last else ()
                load = sum(o.kg for o in trips[trip] if o.kind == Kind.DELIVERY) if not last else 0.0
                place = problem.depots[activity.idx].place
                stops.append(Stop(None, action, place, activity.start_time, activity.end_time, load, loaded, unloaded))
                trip += 1
                continue
            if activity.is_client():
                order = built.clients[activity.idx][0]
                action = "unload" if order.kind == Kind.DELIVERY else "load"
                place = order.delivery if order.kind == Kind.DELIVERY else order.pickup
            else:
                order = built.shipments[activity.idx][0]
                action = "load" if activity.is_pickup() else "unload"
                place = order.pickup if activity.is_pickup() else order.delivery
            assert place is not None
            load += order.kg if action == "load" else -order.kg
            served.add(order.id)
            stops.append(Stop(order.id, action, place, activity.start_time, activity.end_time, round(load, 3)))
        orders = list(dict.fromkeys(stop.order for stop in stops if stop.order is not None))
        rounds.append(
            Round(
                vehicle=vehicle.id,
                stops=stops,
                km=route.distance() / distance_scale,
                seconds=route.duration(),
                trips=route.num_trips(),
                orders=orders,
                day=day,
                time_warp_s=int(route.time_warp()),
            )
        )
    rounds.sort(key=lambda r: (r.day, r.vehicle))
    skipped = {order_id for order_id, _reason in excluded}
    missing = [(o.id, "left out by the plan") for o in problem.orders if o.id not in served and o.id not in skipped]
    return Plan(
        rounds=rounds,
        unserved=[*excluded, *missing],
        km=sum(r.km for r in rounds),
        seconds=sum(r.seconds for r in rounds),
        objective=int(solution.distance_cost() + solution.duration_cost() + solution.fixed_vehicle_cost()),
        feasible=bool(solution.is_feasible()),
    )
