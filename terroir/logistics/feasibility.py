"""An independent check of a plan: it trusts none of the solver's times. Each round is driven again from
its stops in their order, with the travel times, the service times, the time windows, the working hours and
the capacities of the problem; the rounds of the vehicles based at a relay platform are driven after the
collection rounds, and each of their trips leaves only once every order it loads has been unloaded at the
platform by a collection round and handled (`transfer_s`). It says how late the plan is (seconds, summed
over the stops and the ends of days) and what is wrong, in words naming the order or the round.

Pure (no Django, no solver): `routing` uses it to read when the goods really reach a platform (PyVRP's
schedule of a late round "warps" its times back), and the tests and `bench/two_echelon.py` to judge a plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine's types, for the reader and mypy only: routing imports this module
    from .routing import Job, Plan, Problem, Round, Site

DAY = 24 * 3600


@dataclass
class Checked:
    late_s: int = 0  # lateness summed over every stop and every end of day
    problems: list[str] = field(default_factory=list)  # what is wrong besides lateness
    at_platform: dict[str, int] = field(default_factory=dict)  # order → end of its unloading at its platform
    lateness: list[str] = field(default_factory=list)  # where it is late, in words

    @property
    def on_time(self) -> bool:
        return self.late_s == 0 and not self.problems


def plan_check(problem: Problem, plan: Plan, seconds: Callable[[Site, Site], int]) -> Checked:
    """Drive every round of `plan` again; `seconds(a, b)` is the travel time between two places."""
    checked = Checked()
    jobs = {order.id: order for order in problem.orders}
    vehicles = {vehicle.id: vehicle for vehicle in problem.vehicles}
    platforms = {order.via for order in problem.orders if order.via}
    first = [r for r in plan.rounds if vehicles[r.vehicle].depot not in platforms]
    last = [r for r in plan.rounds if vehicles[r.vehicle].depot in platforms]
    seen: dict[str, list[str]] = {}  # order → what happened to it, in order: "load", "unload", "transfer"
    for r in first:
        _drive(problem, r, jobs, seconds, checked, seen, ready={})
    ready = {o: t + problem.transfer_s for o, t in checked.at_platform.items()}
    for r in last:
        _drive(problem, r, jobs, seconds, checked, seen, ready=ready)
    left_out = {order_id for order_id, _reason in plan.unserved}
    for order in problem.orders:
        done = seen.get(order.id, [])
        if order.id in left_out:
            if done:
                checked.problems.append(f"order {order.id}: said unserved but carried")
            continue
        if order.via:
            expected = ["load", "transfer", "load", "unload"]
        elif order.kind == "collection":
            expected = ["load"]  # unloaded with the depot's stop, not counted
        else:
            expected = ["load", "unload"]  # at the farm or the depot, then at the customer
        if done != expected:
            checked.problems.append(f"order {order.id}: carried as {done or 'nothing'}, expected {expected}")
    return checked


def _window(job: Job, action: str, day: int, transfer: str | None, problem: Problem) -> tuple[int, int, int]:
    """(opens, closes, service) of a stop, on the round's day."""
    if transfer:  # at the platform, during its opening hours
        base = next(b for b in problem.depots if b.id == transfer)
        return day * DAY + base.opens_s, day * DAY + base.closes_s, job.service_s
    if action == "load":
        return day * DAY + job.pickup_window[0], day * DAY + job.pickup_window[1], job.service_s
    service = job.unloading_s if job.kind == "shipment" else job.service_s
    return day * DAY + job.delivery_window[0], day * DAY + job.delivery_window[1], service


def _drive(
    problem: Problem, r: Round, jobs: dict[str, Job], seconds: Callable[[Site, Site], int], checked: Checked,
    seen: dict[str, list[str]], ready: dict[str, int],
) -> None:  # fmt: skip
    vehicle = next(v for v in problem.vehicles if v.id == r.vehicle)
    name = f"round {r.vehicle} day {r.day}"
    if r.day not in vehicle.days:
        checked.problems.append(f"{name}: the vehicle does not work that day")
    based_at_platform = any(o.via == vehicle.depot for o in problem.orders)
    shift_start, shift_end = r.day * DAY + vehicle.start_s, r.day * DAY + vehicle.end_s
    kg = cold = 0.0
    crates = 0
    clock = 0
    place: Site | None = None
    for position, stop in enumerate(r.stops):
        if stop.order is None:  # the depot: start, reload or end
            if position and place is not None:
                clock += seconds(place, stop.place)
            if stop.action == "end":
                if clock > shift_end:
                    checked.late_s += clock - shift_end
                    checked.lateness.append(f"{name}: back {clock - shift_end} s after the end of its day")
                continue
            # Goods brought back (collections) are unloaded; the next trip's goods are loaded once ready.
            for order_id in stop.unloaded:
                job = jobs[order_id]
                kg, crates, cold = kg - job.kg, crates - job.crates, cold - (job.kg if job.cold else 0.0)
            leaves = max(clock, shift_start) if position == 0 else clock
            for order_id in stop.loaded:
                if order_id not in jobs:
                    checked.problems.append(f"{name}: loads an unknown order {order_id}")
                    continue
                job = jobs[order_id]
                seen.setdefault(order_id, []).append("load")
                if based_at_platform:
                    if job.via != vehicle.depot or order_id not in ready:
                        checked.problems.append(f"{name}: loads {order_id}, whose goods are not at its platform")
                        continue
                    leaves = max(leaves, ready[order_id])
                elif job.release_s:
                    leaves = max(leaves, r.day * DAY + job.release_s)
                kg, crates, cold = kg + job.kg, crates + job.crates, cold + (job.kg if job.cold else 0.0)
            if position == 0:
                # The solver may leave later than it must (no waiting on the way), never earlier.
                if stop.departure_s < leaves:
                    checked.problems.append(
                        f"{name}: leaves at {stop.departure_s} s, before its goods are ready ({leaves} s)"
                    )
                leaves = max(leaves, stop.departure_s)
            clock = leaves
            place = stop.place
        else:
            if stop.order not in jobs:
                checked.problems.append(f"{name}: serves an unknown order {stop.order}")
                continue
            job = jobs[stop.order]
            assert place is not None
            clock += seconds(place, stop.place)
            opens, closes, service = _window(job, stop.action, r.day, stop.transfer, problem)
            if r.day not in job.days:
                checked.problems.append(f"{name}: carries {job.id} on a day it may not travel")
            clock = max(clock, opens)
            if clock > closes:
                checked.late_s += clock - closes
                checked.lateness.append(f"{name}: {stop.action} {job.id} {clock - closes} s late")
            clock += service
            place = stop.place
            sign = 1 if stop.action == "load" else -1
            kg, crates = kg + sign * job.kg, crates + sign * job.crates
            cold += sign * job.kg if job.cold else 0.0
            if stop.transfer:
                if stop.transfer != job.via:
                    checked.problems.append(f"{name}: leaves {job.id} at {stop.transfer}, not its platform")
                checked.at_platform[job.id] = clock
            seen.setdefault(job.id, []).append("transfer" if stop.transfer else stop.action)
        if kg > vehicle.capacity_kg + 1e-6 or crates > vehicle.capacity_crates or cold > vehicle.cold_kg + 1e-6:
            checked.problems.append(f"{name}: over capacity after stop {position} ({kg:g} kg, {cold:g} cold kg)")
        if kg < -1e-6:
            checked.problems.append(f"{name}: unloads goods it does not carry at stop {position}")


def plan_check_with(
    problem: Problem, plan: Plan, matrix_for: Callable[[list[tuple[float, float]]], object],
    places: Sequence[Site],
) -> Checked:  # fmt: skip
    """`plan_check` with the travel times of a distance matrix (terroir.logistics.distances) over `places`."""
    points = [(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places]
    matrix = matrix_for(points)
    index = {point: i for i, point in enumerate(points)}
    times = matrix.seconds  # type: ignore[attr-defined]

    def between(a: Site, b: Site) -> int:
        return round(float(times[index[(float(a.lat or 0.0), float(a.lon or 0.0))],
                                 index[(float(b.lat or 0.0), float(b.lon or 0.0))]]))  # fmt: skip

    return plan_check(problem, plan, between)
