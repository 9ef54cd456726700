"""What a plan costs, per round, per producer and per customer; what it saves against the status quo; and
how its cost is shared fairly among producers. Pure (plans the status quo with routing.plan).

- A round's cost is its vehicle's fixed cost for the day + €/km × km + driver €/h × hours
  (terroir.logistics.costs), against the value of the goods it carries.
- The cost an order carries is its round's cost split in proportion to the tonne-kilometres the order
  travels on board (the usual key of freight cost allocation); a producer's or a customer's cost is the
  sum over their orders, shown against the value of those orders.
- Status quo: each producer delivers their own customers (and brings their collections to the depot)
  from their farm with their own vehicle (`Problem.own_vehicle`), on the days the pooled plan uses.
- Sharing among producers: proportional to what each producer's status quo costs them, and the Shapley
  value of the pooled cost game, where a coalition's cost is the plan's rounds visiting only its stops (in
  the same order, the others skipped), scaled so that the shares add up to the plan's real cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import sharing
from .costs import CostModel, RoundCost, VehicleType, round_cost, saving
from .distances import Matrix
from .routing import DAY, Base, Fleet, Job, Kind, Plan, Problem, Round, Site, places_of, plan


@dataclass(frozen=True)
class PartyCost:
    """A producer's or customer's orders: their value, the transport cost they carry, the share."""

    party: str
    orders: int
    kg: float
    value: float
    cost: float

    @property
    def share(self) -> float | None:
        return self.cost / self.value if self.value > 0 else None

    @property
    def verdict(self) -> str:
        return RoundCost(0, 0, 0, self.cost, 0, self.value, self.share).verdict


@dataclass
class Report:
    rounds: list[RoundCost]
    total: RoundCost
    order_costs: dict[str, float]
    producers: list[PartyCost]
    customers: list[PartyCost]
    status_quo: RoundCost | None
    status_quo_by_producer: dict[str, float]
    saved: dict[str, float] | None
    proportional: list[sharing.Share] = field(default_factory=list)
    shapley: list[sharing.Share] = field(default_factory=list)
    own_deliveries: OwnDeliveries | None = None


@dataclass
class OwnDeliveries:
    """What the orders their producers deliver themselves cost them: each producer's own rounds from the farm,
    costed as the status quo's (the own vehicle's €/km and €/h), each order paying its share of the kg × km."""

    total: RoundCost
    orders: dict[str, RoundCost]
    producers: list[PartyCost]
    customers: list[PartyCost]


def cost_model(vehicle: Fleet) -> CostModel:
    return CostModel(
        per_km=vehicle.per_km,
        per_hour=vehicle.per_hour,
        fixed_per_day=vehicle.fixed_per_day,
        vehicle_type=VehicleType(vehicle.vehicle_type),
        co2_per_km=vehicle.co2_per_km,
    )


def _tonne_km(round_: Round, km: Callable[[Site, Site], float], orders: dict[str, Job]) -> dict[str, float]:
    """kg × km each order of the round travels on board."""
    on_board: set[str] = set()
    weights = dict.fromkeys(round_.orders, 0.0)
    for before, after in zip(round_.stops, round_.stops[1:], strict=False):
        if before.order is None:
            on_board.difference_update(before.unloaded)
            on_board.update(before.loaded)
        elif before.action == "load":
            on_board.add(before.order)
        else:
            on_board.discard(before.order)
        leg = km(before.place, after.place)
        for order_id in on_board:
            weights[order_id] += orders[order_id].kg * leg
    return weights


def evaluate(
    problem: Problem,
    result: Plan,
    *,
    matrix_for: Callable[[list[tuple[float, float]]], Matrix],
    status_quo_seconds: float = 0.5,
    samples: int = 400,
    seed: int = 1,
) -> Report:
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}
    places = places_of(problem, problem.orders)
    places = list(dict.fromkeys([*places, *[p for p in problem.farms.values() if p.lat is not None]]))
    index = {p: i for i, p in enumerate(places)}
    matrix = matrix_for([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places])

    def km(a: Site, b: Site) -> float:
        return float(matrix.km[index[a], index[b]])

    round_costs: list[RoundCost] = []
    order_costs: dict[str, float] = {}
    for r in result.rounds:
        value = sum(orders[o].value for o in r.orders)
        cost = round_cost(cost_model(vehicles[r.vehicle]), km=r.km, hours=r.seconds / 3600, value=value)
        round_costs.append(cost)
        weights = _tonne_km(r, km, orders)
        total_weight = sum(weights.values())
        for order_id, weight in weights.items():
            part = weight / total_weight if total_weight > 0 else 1 / len(weights)
            # An order through a relay platform rides two rounds: it carries its part of each.
            order_costs[order_id] = order_costs.get(order_id, 0.0) + cost.cost * part
    total = RoundCost(
        km=sum(c.km for c in round_costs), hours=sum(c.hours for c in round_costs), days=len(round_costs),
        cost=sum(c.cost for c in round_costs), co2_kg=sum(c.co2_kg for c in round_costs),
        value=sum(orders[o].value for o in {o for r in result.rounds for o in r.orders}),  # each order once
        share=None,
    )  # fmt: skip
    if total.value > 0:
        total = RoundCost(total.km, total.hours, total.days, total.cost, total.co2_kg, total.value,
                          total.cost / total.value)  # fmt: skip
    producers = _parties(order_costs, orders, lambda o: o.producer or o.id)
    customers = _parties(order_costs, orders, lambda o: o.customer or o.id)
    report = Report(round_costs, total, order_costs, producers, customers, None, {}, None)
    if problem.own_deliveries:
        report.own_deliveries = own_deliveries(problem, matrix_for=matrix_for, seconds=status_quo_seconds, seed=seed)
    if not result.rounds:
        return report
    served_day = {order_id: r.day for r in result.rounds for order_id in r.orders}
    by_producer: dict[str, list[Job]] = defaultdict(list)
    for order_id in served_day:
        by_producer[orders[order_id].producer or order_id].append(orders[order_id])
    report.status_quo, report.status_quo_by_producer = _status_quo(
        problem, by_producer, served_day, matrix_for, status_quo_seconds, seed
    )
    if report.status_quo is not None:
        report.saved = saving(total, report.status_quo)
    players = sorted(by_producer)
    game = _game(problem, result, players, index, matrix)
    found = game(frozenset(players))
    scale = total.cost / found if found > 0 else 1.0

    def scaled(coalition: frozenset[Hashable]) -> float:
        return game(coalition) * scale

    known: dict[Hashable, float] = {k: v for k, v in report.status_quo_by_producer.items()}
    alone = known if len(known) == len(players) else None
    report.proportional = sharing.proportional(players, scaled, alone=alone)
    report.shapley = sharing.shapley(players, scaled, samples=samples, seed=seed)
    return report


def _parties(order_costs: dict[str, float], orders: dict[str, Job], key: Callable[[Job], str]) -> list[PartyCost]:
    grouped: dict[str, list[Job]] = defaultdict(list)
    for order_id in order_costs:
        grouped[key(orders[order_id])].append(orders[order_id])
    return sorted(
        (
            PartyCost(
                party,
                len(items),
                sum(o.kg for o in items),
                sum(o.value for o in items),
                sum(order_costs[o.id] for o in items),
            )
            for party, items in grouped.items()
        ),
        key=lambda p: p.party,
    )


def _own_rounds(
    problem: Problem, farm: Site, items: list[Job], days: dict[str, int],
    matrix_for: Callable[[list[tuple[float, float]]], Matrix], seconds: float, seed: int,
) -> tuple[Plan, CostModel, list[Job]]:  # fmt: skip
    """One producer's orders delivered from their farm with their own vehicle, each on its day (collections
    brought to the first depot): the rounds, their cost model and the jobs as planned."""
    own = problem.own_vehicle
    depot_place = problem.depots[0].place if problem.depots else farm
    heaviest = max([own.capacity_kg, *(o.kg for o in items)])
    vehicle = Fleet(
        "own", "farm", capacity_kg=heaviest, cold_kg=heaviest, per_km=own.per_km, per_hour=own.per_hour,
        start_s=own.start_s, end_s=own.end_s, max_reloads=10, days=tuple(range(7)),
        vehicle_type=own.vehicle_type,
    )  # fmt: skip
    alone = [
        Job(
            id=o.id,
            kind=Kind.DELIVERY,
            kg=o.kg,
            crates=o.crates,
            cold=o.cold,
            value=o.value,
            delivery=o.delivery if o.kind != Kind.COLLECTION else depot_place,
            delivery_window=o.delivery_window if o.kind != Kind.COLLECTION else o.pickup_window,
            service_s=o.service_s,
            days=(days[o.id],),
            producer=o.producer,
            customer=o.customer,
        )
        for o in items
    ]
    own_plan = plan(
        Problem([Base("farm", farm, 0, DAY)], [vehicle], alone), matrix_for=matrix_for,
        seconds=seconds, seed=seed, patience=500,
    )  # fmt: skip
    return own_plan, cost_model(vehicle), alone


def _farm(problem: Problem, producer: str, items: list[Job]) -> Site | None:
    farm = problem.farms.get(producer) or next((o.pickup for o in items if o.pickup is not None), None)
    return farm if farm is not None and farm.lat is not None else None


def _status_quo(
    problem: Problem, by_producer: dict[str, list[Job]], served_day: dict[str, int],
    matrix_for: Callable[[list[tuple[float, float]]], Matrix], seconds: float, seed: int,
) -> tuple[RoundCost | None, dict[str, float]]:  # fmt: skip
    """Each producer alone, from their farm, with their own vehicle, on the days the pooled plan uses."""
    costs: dict[str, float] = {}
    km = hours = co2 = cost = value = 0.0
    days = 0
    for producer, items in sorted(by_producer.items()):
        farm = _farm(problem, producer, items)
        if farm is None:
            return None, costs  # not comparable without every farm
        own_plan, model, _jobs = _own_rounds(problem, farm, items, served_day, matrix_for, seconds, seed)
        mine = [round_cost(model, km=r.km, hours=r.seconds / 3600) for r in own_plan.rounds]
        costs[producer] = sum(c.cost for c in mine)
        km += sum(c.km for c in mine)
        hours += sum(c.hours for c in mine)
        co2 += sum(c.co2_kg for c in mine)
        cost += costs[producer]
        value += sum(o.value for o in items)
        days += len(mine)
    return RoundCost(km, hours, days, cost, co2, value, cost / value if value > 0 else None), costs


def own_deliveries(
    problem: Problem, *, matrix_for: Callable[[list[tuple[float, float]]], Matrix], seconds: float = 0.5,
    seed: int = 1,
) -> OwnDeliveries:  # fmt: skip
    """The cost of the orders their producers deliver themselves, estimated as the status quo's: each
    producer's own rounds from their farm, each order on the first day it may travel, each order paying its
    round in proportion to the kg × km it travels (as in the pooled rounds). An order whose farm or customer
    has no position costs nothing known and is left out."""
    by_producer: dict[str, list[Job]] = defaultdict(list)
    for o in problem.own_deliveries:
        by_producer[o.producer or o.id].append(o)
    first_day = {o.id: min(o.days) if o.days else 0 for o in problem.own_deliveries}
    order_costs: dict[str, RoundCost] = {}
    rounds: list[RoundCost] = []
    for producer, items in sorted(by_producer.items()):
        farm = _farm(problem, producer, items)
        placed = [o for o in items
                  if o.kind == Kind.COLLECTION or (o.delivery is not None and o.delivery.lat is not None)]  # fmt: skip
        if farm is None or not placed:
            continue
        own_plan, model, jobs = _own_rounds(problem, farm, placed, first_day, matrix_for, seconds, seed)
        by_id = {j.id: j for j in jobs}
        places = list(dict.fromkeys([farm, *(s.place for r in own_plan.rounds for s in r.stops)]))
        index = {p: i for i, p in enumerate(places)}
        matrix = matrix_for([(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places])

        def km(a: Site, b: Site) -> float:
            return float(matrix.km[index[a], index[b]])  # noqa: B023 — used at once, in this iteration

        for r in own_plan.rounds:
            whole = round_cost(model, km=r.km, hours=r.seconds / 3600, value=sum(by_id[o].value for o in r.orders))
            rounds.append(whole)
            weights = _tonne_km(r, km, by_id)
            total_weight = sum(weights.values())
            for order_id, weight in weights.items():
                part = weight / total_weight if total_weight > 0 else 1 / len(weights)
                value = by_id[order_id].value
                order_costs[order_id] = RoundCost(
                    whole.km * part, whole.hours * part, 1, whole.cost * part, whole.co2_kg * part, value,
                    whole.cost * part / value if value > 0 else None,
                )  # fmt: skip
    value = sum(o.value for o in problem.own_deliveries if o.id in order_costs)
    cost = sum(c.cost for c in rounds)
    total = RoundCost(
        km=sum(c.km for c in rounds), hours=sum(c.hours for c in rounds), days=len(rounds), cost=cost,
        co2_kg=sum(c.co2_kg for c in rounds), value=value, share=cost / value if value > 0 else None,
    )  # fmt: skip
    orders = {o.id: o for o in problem.own_deliveries}
    costs = {k: c.cost for k, c in order_costs.items()}
    return OwnDeliveries(
        total=total, orders=order_costs, producers=_parties(costs, orders, lambda o: o.producer or o.id),
        customers=_parties(costs, orders, lambda o: o.customer or o.id),
    )  # fmt: skip


def _game(
    problem: Problem, result: Plan, players: list[str], index: dict[Site, int], matrix: Matrix
) -> Callable[[frozenset[Hashable]], float]:
    """A coalition's cost: every round visiting only the coalition's stops, in the plan's order."""
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}
    code = {p: i for i, p in enumerate(players)}
    prepared = []
    for r in result.rounds:
        vehicle = vehicles[r.vehicle]
        who = np.array([-1 if s.order is None else code[orders[s.order].producer or s.order] for s in r.stops])
        where = np.array([index[s.place] for s in r.stops])
        service = np.array(
            [
                0
                if s.order is None
                else (orders[s.order].unloading_s if s.action == "unload" else orders[s.order].service_s)
                for s in r.stops
            ],
            dtype=float,
        )
        prepared.append((vehicle, who, where, service))

    def cost(coalition: frozenset[Hashable]) -> float:
        member = np.zeros(len(players) + 1, dtype=bool)  # the last slot is the depot's -1
        member[-1] = True
        for p in coalition:
            member[code[str(p)]] = True
        total = 0.0
        for vehicle, who, where, service in prepared:
            keep = member[who]
            if not (who[keep] >= 0).any():
                continue  # nothing of the coalition on this round
            stops = where[keep]
            km = float(matrix.km[stops[:-1], stops[1:]].sum())
            seconds = float(matrix.seconds[stops[:-1], stops[1:]].sum() + service[keep].sum())
            total += vehicle.fixed_per_day + vehicle.per_km * km + vehicle.per_hour * seconds / 3600
        return total

    return cost


def report_to_json(report: Report) -> dict[str, Any]:
    def money(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    def cost_json(c: RoundCost) -> dict[str, Any]:
        return {"km": round(c.km, 2), "hours": round(c.hours, 2), "cost": money(c.cost), "co2_kg": round(c.co2_kg, 1),
                "value": money(c.value), "share": None if c.share is None else round(c.share, 4),
                "verdict": c.verdict}  # fmt: skip

    def party_json(p: PartyCost) -> dict[str, Any]:
        return {"party": p.party, "orders": p.orders, "kg": round(p.kg, 1), "value": money(p.value),
                "cost": money(p.cost), "share": None if p.share is None else round(p.share, 4),
                "verdict": p.verdict}  # fmt: skip

    def shares_json(shares: list[sharing.Share]) -> list[dict[str, Any]]:
        return [{"producer": s.player, "amount": money(s.amount), "explanation": s.explanation} for s in shares]

    return {
        "rounds": [cost_json(c) for c in report.rounds],
        "total": cost_json(report.total),
        "producers": [party_json(p) for p in report.producers],
        "customers": [party_json(p) for p in report.customers],
        "status_quo": cost_json(report.status_quo) if report.status_quo else None,
        "status_quo_by_producer": {k: money(v) for k, v in report.status_quo_by_producer.items()},
        "saved": {k: round(v, 2) for k, v in report.saved.items()} if report.saved else None,
        "sharing": {"proportional": shares_json(report.proportional), "shapley": shares_json(report.shapley)},
        "own_deliveries": None
        if report.own_deliveries is None
        else {
            "total": cost_json(report.own_deliveries.total),
            "orders": {k: cost_json(c) for k, c in report.own_deliveries.orders.items()},
            "producers": [party_json(p) for p in report.own_deliveries.producers],
            "customers": [party_json(p) for p in report.own_deliveries.customers],
        },
    }
