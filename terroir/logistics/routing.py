"""Planning pooled rounds with PyVRP (hybrid genetic search). The only module that imports the solver.

A problem is depots, vehicles and orders. An order is a shipment (collected at a farm, delivered to a
customer), a delivery from the depot, or a collection to the depot; it has a weight, crates, a cold-chain
need (its own capacity dimension: only refrigerated space carries it), a value, service times and time
windows. Orders that cannot be served at all (no position, heavier than any vehicle, cold with no
refrigerated vehicle, a window that closes before it opens) are listed with the reason and the rest is
planned. Vehicles may come back to their depot to reload when `max_reloads` allows it.

Money is counted in 1/10,000 € so that PyVRP's integer costs keep cents exact: €/km becomes a cost per
metre, €/h a cost per second. `objective="distance"` plans for distance alone, `objective="fleet"` for
the fewest vehicles then distance (the benchmarks' conventions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from pyvrp import Model
from pyvrp.stop import MaxRuntime

from .distances import Matrix

MONEY = 10_000  # cost units per euro
# With objective="fleet" (benchmarks: fewest vehicles, then distance) each vehicle used costs this much.
FLEET_COST = 10**5  # large against a route's length, not so large that infeasible plans look cheap
NO_LIMIT = 2**62


class Kind(StrEnum):
    SHIPMENT = "shipment"  # from a farm to a customer
    DELIVERY = "delivery"  # from the depot to a customer
    COLLECTION = "collection"  # from a farm to the depot


@dataclass(frozen=True)
class Place:
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Depot:
    id: str
    place: Place
    opens_s: int = 0
    closes_s: int = 24 * 3600


@dataclass(frozen=True)
class Vehicle:
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
    max_reloads: int = 0


@dataclass(frozen=True)
class Order:
    id: str
    kind: Kind
    kg: float
    crates: int = 0
    cold: bool = False
    value: float = 0.0
    pickup: Place | None = None  # the farm (shipments, collections)
    delivery: Place | None = None  # the customer (shipments, deliveries)
    pickup_window: tuple[int, int] = (0, 24 * 3600)
    delivery_window: tuple[int, int] = (0, 24 * 3600)
    service_s: int = 300
    required: bool = True
    prize: float = 0.0  # € lost when an optional order is left out


@dataclass(frozen=True)
class Problem:
    depots: Sequence[Depot]
    vehicles: Sequence[Vehicle]
    orders: Sequence[Order]


@dataclass(frozen=True)
class Stop:
    order: str | None  # None at the depot
    action: str  # "start", "load", "unload", "reload", "end"
    place: Place
    arrival_s: int
    departure_s: int


@dataclass
class Round:
    vehicle: str
    stops: list[Stop]
    km: float
    seconds: int
    trips: int
    orders: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rounds: list[Round]
    unserved: list[tuple[str, str]]  # (order, reason)
    km: float
    seconds: int
    objective: int
    feasible: bool


class ProblemError(ValueError):
    """Bad input, naming the order or vehicle at fault."""


def _check(problem: Problem) -> None:
    depots = {d.id for d in problem.depots}
    for vehicle in problem.vehicles:
        if vehicle.depot not in depots:
            raise ProblemError(f"vehicle {vehicle.id}: unknown depot {vehicle.depot!r}")
        if vehicle.capacity_kg <= 0 or vehicle.count < 1:
            raise ProblemError(f"vehicle {vehicle.id}: it has no capacity")
        if vehicle.end_s <= vehicle.start_s:
            raise ProblemError(f"vehicle {vehicle.id}: its working hours end before they start")
    for order in problem.orders:
        if order.kg < 0 or order.crates < 0 or order.value < 0:
            raise ProblemError(f"order {order.id}: negative quantity or value")
    if not problem.depots or not problem.vehicles:
        raise ProblemError("a plan needs a depot and a vehicle")


def _located(place: Place | None) -> bool:
    return place is not None and place.lat is not None and place.lon is not None


def unservable(problem: Problem) -> list[tuple[str, str]]:
    """Orders that no plan can serve, with why."""
    heaviest = max(v.capacity_kg for v in problem.vehicles)
    coldest = max(v.cold_kg for v in problem.vehicles)
    most_crates = max(v.capacity_crates for v in problem.vehicles)
    reasons = []
    for order in problem.orders:
        needs_pickup = order.kind in (Kind.SHIPMENT, Kind.COLLECTION)
        needs_delivery = order.kind in (Kind.SHIPMENT, Kind.DELIVERY)
        if (needs_pickup and not _located(order.pickup)) or (needs_delivery and not _located(order.delivery)):
            reasons.append((order.id, "no position"))
        elif order.kg > heaviest or order.crates > most_crates:
            reasons.append((order.id, "heavier than any vehicle"))
        elif order.cold and order.kg > coldest:
            reasons.append((order.id, "cold chain: no refrigerated space large enough"))
        elif (needs_pickup and order.pickup_window[1] < order.pickup_window[0]) or (
            needs_delivery and order.delivery_window[1] < order.delivery_window[0]
        ):
            reasons.append((order.id, "time window closes before it opens"))
        elif order.kind == Kind.SHIPMENT and order.delivery_window[1] < order.pickup_window[0]:
            reasons.append((order.id, "delivery deadline before the pickup can happen"))
    return reasons


def plan(
    problem: Problem,
    *,
    matrix_for: Callable[[list[tuple[float, float]]], Matrix],
    seconds: float = 10.0,
    seed: int = 1,
    objective: str = "cost",
    distance_scale: float = 1000.0,
) -> Plan:
    """Plan the rounds. `matrix_for` gives km and seconds between places (terroir.logistics.distances);
    `distance_scale` turns its km into the solver's integer distances (metres by default)."""
    _check(problem)
    excluded = unservable(problem)
    skip = {order_id for order_id, _reason in excluded}
    orders = [o for o in problem.orders if o.id not in skip]
    places: list[Place] = [d.place for d in problem.depots]
    for order in orders:
        for place in (order.pickup, order.delivery):
            if place is not None and _located(place):
                places.append(place)
    index = {}
    unique: list[Place] = []
    for place in places:
        if place not in index:
            index[place] = len(unique)
            unique.append(place)
    matrix = matrix_for([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in unique])
    model = Model()
    locations = [model.add_location(x=float(p.lon or 0.0), y=float(p.lat or 0.0)) for p in unique]
    depots = {
        d.id: model.add_depot(locations[index[d.place]], tw_early=d.opens_s, tw_late=d.closes_s) for d in problem.depots
    }
    for vehicle in problem.vehicles:
        depot = depots[vehicle.depot]
        model.add_vehicle_type(
            num_available=vehicle.count,
            capacity=[
                round(vehicle.capacity_kg * 100),
                int(min(vehicle.capacity_crates, NO_LIMIT)),
                round(vehicle.cold_kg * 100),
            ],
            start_depot=depot,
            end_depot=depot,
            fixed_cost={"cost": round(vehicle.fixed_per_day * MONEY), "fleet": FLEET_COST}.get(objective, 0),
            tw_early=vehicle.start_s,
            tw_late=vehicle.end_s,
            unit_distance_cost=max(1, round(vehicle.per_km * MONEY / distance_scale)) if objective == "cost" else 1,
            unit_duration_cost=round(vehicle.per_hour * MONEY / 3600) if objective == "cost" else 0,
            reload_depots=[depot] if vehicle.max_reloads else [],
            max_reloads=vehicle.max_reloads,
            name=vehicle.id,
        )
    clients: list[Order] = []
    shipments: list[Order] = []
    for order in orders:
        load = [round(order.kg * 100), order.crates, round(order.kg * 100) if order.cold else 0]
        prize = round(order.prize * MONEY) if not order.required else 0
        if order.kind == Kind.SHIPMENT:
            assert order.pickup is not None and order.delivery is not None
            model.add_shipment(
                locations[index[order.pickup]], locations[index[order.delivery]],
                pickup_tw_early=order.pickup_window[0], pickup_tw_late=order.pickup_window[1],
                pickup_service_duration=order.service_s, delivery_tw_early=order.delivery_window[0],
                delivery_tw_late=order.delivery_window[1], delivery_service_duration=order.service_s,
                amount=load, prize=prize, required=order.required, name=order.id,
            )  # fmt: skip
            shipments.append(order)
        elif order.kind == Kind.DELIVERY:
            assert order.delivery is not None
            model.add_client(
                locations[index[order.delivery]], delivery=load, service_duration=order.service_s,
                tw_early=order.delivery_window[0], tw_late=order.delivery_window[1], prize=prize,
                required=order.required, name=order.id,
            )  # fmt: skip
            clients.append(order)
        else:
            assert order.pickup is not None
            model.add_client(
                locations[index[order.pickup]], pickup=load, service_duration=order.service_s,
                tw_early=order.pickup_window[0], tw_late=order.pickup_window[1], prize=prize,
                required=order.required, name=order.id,
            )  # fmt: skip
            clients.append(order)
    distance = np.rint(matrix.km * distance_scale).astype(np.int64)
    duration = np.rint(matrix.seconds).astype(np.int64)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            model.add_edge(a, b, distance=int(distance[i, j]), duration=int(duration[i, j]))
    result = model.solve(MaxRuntime(seconds), seed=seed, display=False)
    return _read(result.best, problem, clients, shipments, excluded, distance_scale)


def _read(
    solution: Any, problem: Problem, clients: list[Order], shipments: list[Order],
    excluded: list[tuple[str, str]], distance_scale: float,
) -> Plan:  # fmt: skip
    vehicles = list(problem.vehicles)
    depots = {d.id: d.place for d in problem.depots}
    rounds = []
    served: set[str] = set()
    for route in solution.routes():
        vehicle = vehicles[route.vehicle_type()]
        schedule = list(route.schedule())
        stops: list[Stop] = []
        for position, activity in enumerate(schedule):
            if activity.is_depot():
                action = "start" if position == 0 else ("end" if position == len(schedule) - 1 else "reload")
                stops.append(Stop(None, action, depots[vehicle.depot], activity.start_time, activity.end_time))
                continue
            if activity.is_client():
                order = clients[activity.idx]
                action = "unload" if order.kind == Kind.DELIVERY else "load"
                place = order.delivery if order.kind == Kind.DELIVERY else order.pickup
            else:
                order = shipments[activity.idx]
                action = "load" if activity.is_pickup() else "unload"
                place = order.pickup if activity.is_pickup() else order.delivery
            assert place is not None
            served.add(order.id)
            stops.append(Stop(order.id, action, place, activity.start_time, activity.end_time))
        orders = list(dict.fromkeys(stop.order for stop in stops if stop.order is not None))
        rounds.append(
            Round(
                vehicle=vehicle.id,
                stops=stops,
                km=route.distance() / distance_scale,
                seconds=route.duration(),
                trips=route.num_trips(),
                orders=orders,
            )
        )
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
