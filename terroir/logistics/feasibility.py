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

import numpy as np

if TYPE_CHECKING:  # the engine's types, for the reader and mypy only: routing imports this module
    from .routing import Fleet, Job, Plan, Problem, Round, Site

DAY = 24 * 3600
# A vehicle based at a relay platform may itself collect an order through that platform at its farm (and take
# it straight to the customer) only when the farm is at most this far from the platform (seconds).
NEAR_PLATFORM_S = 900


@dataclass
class Checked:
    late_s: int = 0  # lateness summed over every stop and every end of day
    problems: list[str] = field(default_factory=list)  # what is wrong besides lateness
    at_platform: dict[str, int] = field(default_factory=dict)  # order → end of its unloading at its platform
    lateness: list[str] = field(default_factory=list)  # where it is late, in words
    # How many of `problems` are of the kinds a plan must never have whatever its lateness: cold goods aboard
    # a vehicle without refrigerated space ("cold_chain"), a platform's van leaving before the goods it loads
    # are there ("early_departure"), a stop elsewhere than at its order's farm, platform or customer or at
    # its vehicle's depot ("elsewhere"), a vehicle based at a platform collecting an order not through a platform
    # ("not_through_platform": the workshop's collections, farm-to-customer orders), more rounds of a vehicle on a
    # day than it has vehicles, or more returns to its depot in a round than it may make ("fleet"), a return to
    # reload next to another stop at the depot, a trip with nothing in it ("empty_trip").
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def on_time(self) -> bool:
        return self.late_s == 0 and not self.problems

    def fault(self, kind: str, message: str) -> None:
        self.problems.append(message)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def plan_check(problem: Problem, plan: Plan, seconds: Callable[[Site, Site], int]) -> Checked:
    """Drive every round of `plan` again; `seconds(a, b)` is the travel time between two places."""
    checked = Checked()
    jobs = {order.id: order for order in problem.orders}
    vehicles = {vehicle.id: vehicle for vehicle in problem.vehicles}
    platforms = {order.via for order in problem.orders if order.via}
    first = [r for r in plan.rounds if vehicles[r.vehicle].depot not in platforms]
    last = [r for r in plan.rounds if vehicles[r.vehicle].depot in platforms]
    seen: dict[str, list[str]] = {}  # order → what happened to it, in order: "load", "unload", "transfer"
    # Orders through a platform that a vehicle based there collected at their farm, near the platform
    # (NEAR_PLATFORM_S): carried as a direct order, by a vehicle of their platform.
    bases = {base.id: base.place for base in problem.depots}
    collected_by_van = {s.order for r in last for s in r.stops if s.action == "load" and s.order in jobs
                        and jobs[s.order].via == vehicles[r.vehicle].depot
                        and seconds(bases[jobs[s.order].via], s.place) <= NEAR_PLATFORM_S}  # fmt: skip
    rounds_of: dict[tuple[str, int], int] = {}
    for r in plan.rounds:
        rounds_of[(r.vehicle, r.day)] = rounds_of.get((r.vehicle, r.day), 0) + 1
    for (vehicle_id, day), count in rounds_of.items():
        if count > vehicles[vehicle_id].count:
            checked.fault(
                "fleet", f"{vehicle_id} day {day}: {count} rounds for {vehicles[vehicle_id].count} vehicle(s)"
            )
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
            expected = ["load", "unload"] if order.id in collected_by_van else ["load", "transfer", "load", "unload"]
        elif order.kind == "collection":
            expected = ["load"]  # unloaded with the depot's stop, not counted
        else:
            expected = ["load", "unload"]  # at the farm or the depot, then at the customer
        if done != expected:
            checked.problems.append(f"order {order.id}: carried as {done or 'nothing'}, expected {expected}")
    return checked


def _own_place(job: Job, action: str, transfer: str | None, problem: Problem) -> Site | None:
    """Where a stop of `job` must be: its farm for a loading, its platform for an unloading there (a
    transfer), its customer for any other unloading (None when the order has no such place: a collection is
    unloaded at the depot, a delivery loaded there)."""
    if transfer:
        return next((b.place for b in problem.depots if b.id == transfer), None)
    return job.pickup if action == "load" else job.delivery


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
    reloads = sum(1 for stop in r.stops if stop.order is None and stop.action == "reload")
    if reloads > vehicle.max_reloads:
        checked.fault("fleet", f"{name}: {reloads} returns to reload, at most {vehicle.max_reloads}")
    at_depot = [stop.order is None for stop in r.stops]
    for position, stop in enumerate(r.stops):
        if stop.action == "reload" and (
            position in (0, len(r.stops) - 1) or at_depot[position - 1] or at_depot[position + 1]
        ):
            checked.fault("empty_trip", f"{name}: stop {position}, a reload next to another stop at the depot "
                                        "(a trip with nothing to load or unload)")  # fmt: skip
    based_at_platform = any(o.via == vehicle.depot for o in problem.orders)
    shift_start, shift_end = r.day * DAY + vehicle.start_s, r.day * DAY + vehicle.end_s
    kg = cold = 0.0
    crates = 0
    clock = 0
    place: Site | None = None
    for position, stop in enumerate(r.stops):
        if stop.order is None:  # the depot: start, reload or end
            depot = vehicle.end_depot or vehicle.depot if stop.action == "end" else vehicle.depot
            if stop.place != next((b.place for b in problem.depots if b.id == depot), None):
                checked.fault("elsewhere", f"{name}: {stop.action} elsewhere than at its depot {depot}")
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
                if job.cold and vehicle.cold_kg <= 0:
                    checked.fault("cold_chain", f"{name}: loads {job.id}, cold goods, without refrigerated space")
            if position == 0:
                # The solver may leave later than it must (no waiting on the way), never earlier.
                if stop.departure_s < leaves:
                    early = f"{name}: leaves at {stop.departure_s} s, before its goods are ready ({leaves} s)"
                    checked.fault("early_departure", early)
                leaves = max(leaves, stop.departure_s)
            clock = leaves
            place = stop.place
        else:
            if stop.order not in jobs:
                checked.problems.append(f"{name}: serves an unknown order {stop.order}")
                continue
            job = jobs[stop.order]
            assert place is not None
            own = _own_place(job, stop.action, stop.transfer, problem)
            if stop.place != own:
                where = "platform" if stop.transfer else "farm" if stop.action == "load" else "customer"
                checked.fault("elsewhere", f"{name}: {stop.action} {job.id} elsewhere than at its {where}")
            if based_at_platform and stop.action == "load" and not job.via:
                # A platform's vehicle carries only goods through its platform (the others' collections and
                # farm-to-customer orders are the vehicles based elsewhere's).
                checked.fault("not_through_platform",
                              f"{name}: collects {job.id}, which does not pass through its platform")  # fmt: skip
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
            if stop.action == "load" and job.cold and vehicle.cold_kg <= 0:
                checked.fault("cold_chain", f"{name}: loads {job.id}, cold goods, without refrigerated space")
            if stop.transfer:
                if stop.transfer != job.via:
                    checked.problems.append(f"{name}: leaves {job.id} at {stop.transfer}, not its platform")
                checked.at_platform[job.id] = clock
            seen.setdefault(job.id, []).append("transfer" if stop.transfer else stop.action)
        # Cold goods in a vehicle without refrigerated space are the cold-chain fault, reported once with their
        # load: not also over a refrigerated capacity of 0 at this stop and every later one.
        cold_over = cold > vehicle.cold_kg + 1e-6 and vehicle.cold_kg > 0
        if kg > vehicle.capacity_kg + 1e-6 or crates > vehicle.capacity_crates or cold_over:
            checked.problems.append(f"{name}: over capacity after stop {position} ({kg:g} kg, {cold:g} cold kg)")
        if kg < -1e-6:
            checked.problems.append(f"{name}: unloads goods it does not carry at stop {position}")


def plan_check_with(
    problem: Problem, plan: Plan, matrix_for: Callable[[list[tuple[float, float]]], object],
    places: Sequence[Site],
) -> Checked:  # fmt: skip
    """`plan_check` with the travel times of a distance matrix (terroir.logistics.distances) over `places`."""
    return plan_check(problem, plan, travel_times(matrix_for, places))


def travel_times(
    matrix_for: Callable[[list[tuple[float, float]]], object], places: Sequence[Site]
) -> Callable[[Site, Site], int]:
    """The travel time between two of `places` (seconds, rounded), from a distance matrix asked once."""
    points = [(float(p.lat or 0.0), float(p.lon or 0.0)) for p in places]
    matrix = matrix_for(points)
    index = {point: i for i, point in enumerate(points)}
    times = matrix.seconds  # type: ignore[attr-defined]

    def between(a: Site, b: Site) -> int:
        return round(float(times[index[(float(a.lat or 0.0), float(a.lon or 0.0))],
                                 index[(float(b.lat or 0.0), float(b.lon or 0.0))]]))  # fmt: skip

    return between


def fastest_drives(problem: Problem, seconds: Callable[[Site, Site], int]) -> Callable[[Site, Site], int]:
    """The shortest drive between two of the problem's places (its depots' and its orders' located ones):
    Floyd–Warshall over `seconds`, as a bound must not trust a road matrix's triangle inequality. Computed
    once and given to both bounds (`drive=`); those of a problem with more orders serve one with fewer (more
    places to pass through can only make the shortest drives shorter: still a bound)."""
    places: list[Site] = list(dict.fromkeys(
        [*(b.place for b in problem.depots),
         *(p for o in problem.orders for p in (o.pickup, o.delivery) if p is not None and p.lat is not None)]
    ))  # fmt: skip
    at = {place: i for i, place in enumerate(places)}
    fastest = np.array([[seconds(a, b) if a != b else 0 for b in places] for a in places], dtype=np.int64)
    for k in range(len(places)):
        np.minimum(fastest, fastest[:, k, None] + fastest[None, k, :], out=fastest)

    def drive(a: Site, b: Site) -> int:
        return int(fastest[at[a], at[b]])

    return drive


def _located(place: Site | None) -> bool:
    """A place with a position."""
    return place is not None and place.lat is not None and place.lon is not None


@dataclass(frozen=True)
class Floor:
    """How late an order is in every plan, at the least, and why: its goods cannot reach its customer
    before `arrives_s` and the customer's window closes at `closes_s` (both seconds since the midnight of
    the order's best day)."""

    late_s: int  # summed over the order's own stops (farm, platform, customer), as `plan_check` counts them
    arrives_s: int
    closes_s: int


def lateness_floor(
    problem: Problem, seconds: Callable[[Site, Site], int], *, drive: Callable[[Site, Site], int] | None = None
) -> dict[str, Floor]:
    """The orders that are late in every plan `plan_check` finds sound, with how late at the least — a lower
    bound: `plan_check(...).late_s` of any plan carrying them without a fault is at least the sum.

    Each order is taken as if it were alone: every vehicle that may carry it leaves its depot when its day
    starts (or, at a platform, when the goods are ready) and drives straight to each of the order's places
    by the fastest way the travel times allow (their shortest paths, in case a detour is quicker than the
    direct leg: `drive`, `fastest_drives` when not given), waiting only for a window to open. An order
    through a relay platform is collected by a vehicle based elsewhere on a day it may travel, unloaded at
    its platform (in its opening hours) and handled (`transfer_s`), then delivered by a vehicle based there
    that day or a later one — or, when its farm is near the platform (NEAR_PLATFORM_S), collected there by a
    vehicle based at the platform on its way to the customer; the best of every vehicle and day is its floor.
    Each stop's lateness is counted as the check counts it (arrival less the window's end), so the floors of
    different orders, whose stops are different, add up. Orders no plan can serve at all
    (`routing.unservable`'s reasons) have no floor."""
    platforms = {order.via for order in problem.orders if order.via}
    bases = {base.id: base for base in problem.depots}
    drive = drive or fastest_drives(problem, seconds)
    floors: dict[str, Floor] = {}
    for order in problem.orders:
        best: tuple[int, int, int] | None = None  # (late_s, arrives_s, closes_s)
        pickup, delivery = order.pickup, order.delivery
        if order.kind == "shipment" and not (_located(pickup) and _located(delivery)):
            continue
        for vehicle in problem.vehicles:
            if vehicle.depot in platforms and not order.via:
                continue  # a platform's vehicle carries only goods through a platform (the check's fault)
            start = bases[vehicle.depot].place
            for day in sorted(set(vehicle.days).intersection(order.days)):
                t0 = day * DAY
                if order.kind == "collection":
                    if not _located(pickup):
                        continue
                    assert pickup is not None
                    reach = t0 + vehicle.start_s + drive(start, pickup)
                    late = max(0, reach - (t0 + order.pickup_window[1]))
                    option = (late, reach - t0, order.pickup_window[1])
                elif order.kind == "delivery":
                    if not _located(delivery):
                        continue
                    assert delivery is not None
                    reach = t0 + max(vehicle.start_s, order.release_s) + drive(start, delivery)
                    late = max(0, reach - (t0 + order.delivery_window[1]))
                    option = (late, reach - t0, order.delivery_window[1])
                elif order.via and (vehicle.depot != order.via
                                    or seconds(bases[order.via].place, pickup) > NEAR_PLATFORM_S):  # type: ignore[arg-type]  # fmt: skip
                    if vehicle.depot in platforms:
                        continue
                    assert pickup is not None and delivery is not None
                    platform = bases[order.via]
                    at_farm = max(t0 + vehicle.start_s + drive(start, pickup), t0 + order.pickup_window[0])
                    late = max(0, at_farm - (t0 + order.pickup_window[1]))
                    at_platform = max(at_farm + order.service_s + drive(pickup, platform.place), t0 + platform.opens_s)
                    late += max(0, at_platform - (t0 + platform.closes_s))
                    ready = at_platform + order.service_s + problem.transfer_s
                    for van in problem.vehicles:
                        if van.depot != order.via:
                            continue
                        for later in sorted(d for d in set(van.days).intersection(order.days) if d >= day):
                            leaves = max(later * DAY + van.start_s, ready)
                            opens = later * DAY + order.delivery_window[0]
                            reach = max(leaves + drive(platform.place, delivery), opens)
                            late_there = max(0, reach - (later * DAY + order.delivery_window[1]))
                            candidate = (late + late_there, reach - later * DAY, order.delivery_window[1])
                            if best is None or candidate < best:
                                best = candidate
                    continue
                else:  # a shipment carried by one vehicle from the farm to the customer (or its platform's van)
                    assert pickup is not None and delivery is not None
                    at_farm = max(t0 + vehicle.start_s + drive(start, pickup), t0 + order.pickup_window[0])
                    late = max(0, at_farm - (t0 + order.pickup_window[1]))
                    reach = max(at_farm + order.service_s + drive(pickup, delivery), t0 + order.delivery_window[0])
                    late += max(0, reach - (t0 + order.delivery_window[1]))
                    option = (late, reach - t0, order.delivery_window[1])
                if best is None or option < best:
                    best = option
        if best is not None and best[0] > 0:
            floors[order.id] = Floor(*best)
    return floors


# The competition bound's exact search (a dynamic programme over the subsets of one vehicle's jobs of a day,
# and over the days its flexible jobs may take) is kept small: the jobs least urgent are left out beyond these
# sizes, which only lowers the bound (it stays a bound).
COMPETITION_JOBS_PER_DAY = 18
COMPETITION_CHOICES = 2**16


@dataclass(frozen=True)
class Competition:
    """How late every plan is, at the least, once the orders that one vehicle alone can carry compete for its
    day (`competition_floor`): `late_s` bounds `plan_check(...).late_s` of every plan without a fault from
    below, as `lateness_floor` does, and is never less than the sum of its floors."""

    late_s: int  # the bound: the competition of `vehicles` plus every other order's own floor
    floors_s: int  # the sum of `lateness_floor` alone, for comparison
    vehicles: dict[str, int] = field(default_factory=dict)  # vehicle → the minimum lateness of its competing jobs
    orders: dict[str, int] = field(default_factory=dict)  # vehicle → how many orders only it can carry


@dataclass(frozen=True)
class _Task:
    """One order as work for the one vehicle that can carry it, on one of its days: the places it must visit
    (`sites`), the service there (`work`), and when its last stop ends at the earliest (`ready`, alone) and
    its first begins (`begins`); the order is late by at least (end of the last stop) - `tail` - `due`."""

    order: str
    sites: tuple[Site, ...]
    work: int
    tail: int
    due: int
    ready: int
    begins: int


def competition_floor(
    problem: Problem, seconds: Callable[[Site, Site], int], *, floors: dict[str, Floor] | None = None,
    drive: Callable[[Site, Site], int] | None = None,
) -> Competition:  # fmt: skip
    """A lower bound of the lateness of every plan `plan_check` finds sound that sees the orders compete for a
    vehicle — `lateness_floor` takes each order alone and is 0 when every order could be on time by itself.

    The orders that only one vehicle may carry (cold goods with a single refrigerated vehicle not based at a
    platform: the workshop's meat, the collections for a platform from farms not near it) are, for that
    vehicle, a single-machine scheduling problem. Each such order is a job: the vehicle must stop at its places
    (the farm and the platform, or the customer), each stop taking its service time, and entering a place costs
    at least the quickest way there from any other place of the problem; the job's lateness is that of its
    customer (for an order through a platform: its goods leave the platform `transfer_s` after they are
    unloaded there and drive straight to the customer, so the unloading's end is due that much earlier). In
    any plan, the k-th of these jobs the vehicle finishes ends no earlier than both (a) its day's start plus
    the service of the first k jobs plus one entry into each place they visit (every place is entered at least
    once; other stops only add time) and (b) the latest of their earliest ends alone. The minimum over the
    orders of finishing of the lateness so bounded is found exactly by a dynamic programme over the subsets of
    the day's jobs, and over the days the jobs that may travel on several days take. Stops not counted (the
    farm's window, the platform's hours, the ends of days) only make plans later: the result is a lower bound
    of the checked lateness of these orders' customer stops; the other orders add their own floors.
    Orders carried by several vehicles (or through a platform whose van may collect them) are left out, as
    are, beyond COMPETITION_JOBS_PER_DAY jobs a day, the least urgent ones: leaving jobs out only lowers it.
    `floors` (`lateness_floor`'s, of this problem or of one with more orders: only this problem's orders are
    counted) and `drive` (`fastest_drives`) are computed when not given."""
    platforms = {order.via for order in problem.orders if order.via}
    bases = {base.id: base for base in problem.depots}
    drive = drive or fastest_drives(problem, seconds)

    def carriers(order: Job) -> list[Fleet]:
        """Every vehicle a sound plan may carry `order` with (the check's rules), on any of its days."""
        fits = [v for v in problem.vehicles if v.capacity_kg + 1e-6 >= order.kg
                and v.capacity_crates >= order.crates and (not order.cold or v.cold_kg + 1e-6 >= order.kg)
                and set(v.days).intersection(order.days)]  # fmt: skip
        if order.via:
            near = _located(order.pickup) and drive(bases[order.via].place, order.pickup) <= NEAR_PLATFORM_S  # type: ignore[arg-type]
            return [v for v in fits if v.depot not in platforms or (near and v.depot == order.via)]
        # Any other order (loaded at a depot, or collected at a farm for the workshop or for its customer):
        # never a platform's vehicle's (the check's faults).
        return [v for v in fits if v.depot not in platforms]

    ids = {order.id for order in problem.orders}
    if floors is None:
        floors = lateness_floor(problem, seconds, drive=drive)
    floors = {order_id: floor for order_id, floor in floors.items() if order_id in ids}
    mine: dict[str, list[tuple[str, dict[int, _Task]]]] = {}  # vehicle → its orders' tasks, per day
    for order in problem.orders:
        if order.kind == "collection" or not _located(order.delivery):
            continue
        if order.kind == "shipment" and not _located(order.pickup):
            continue
        who = carriers(order)
        if len(who) != 1 or who[0].count != 1:
            continue
        vehicle = who[0]
        start = bases[vehicle.depot].place
        tasks: dict[int, _Task] = {}
        free = False
        assert order.delivery is not None
        for day in sorted(set(vehicle.days).intersection(order.days)):
            if order.kind == "delivery":
                begins = max(vehicle.start_s, order.release_s) + drive(start, order.delivery)
                begins = max(begins, order.delivery_window[0])
                task = _Task(order.id, (order.delivery,), order.service_s, order.service_s, order.delivery_window[1],
                             begins + order.service_s, begins)  # fmt: skip
            else:
                assert order.pickup is not None
                begins = max(vehicle.start_s + drive(start, order.pickup), order.pickup_window[0])
                if order.via:
                    platform = bases[order.via]
                    # Delivered on a later day by a van of the platform, it is due at no time of this day.
                    if any(d > day for v in problem.vehicles if v.depot == order.via
                           for d in set(v.days).intersection(order.days)):  # fmt: skip
                        free = True
                        break
                    unloaded = max(begins + order.service_s + drive(order.pickup, platform.place), platform.opens_s)
                    due = order.delivery_window[1] - problem.transfer_s - drive(platform.place, order.delivery)
                    task = _Task(order.id, (order.pickup, platform.place), 2 * order.service_s, 0, due,
                                 unloaded + order.service_s, begins)  # fmt: skip
                else:
                    reach = max(
                        begins + order.service_s + drive(order.pickup, order.delivery), order.delivery_window[0]
                    )
                    unloading = order.unloading_s
                    task = _Task(order.id, (order.pickup, order.delivery), order.service_s + unloading, unloading,
                                 order.delivery_window[1], reach + unloading, begins)  # fmt: skip
            if task.ready - task.tail <= task.due and _never_late(task, vehicle.end_s):
                free = True  # on this day it can wait until every other job is done: it adds no lateness
                break
            tasks[day] = task
        if not free and tasks:
            mine.setdefault(vehicle.id, []).append((order.id, tasks))
    competing: dict[str, int] = {}
    counted: set[str] = set()
    for vehicle_id, jobs in mine.items():
        vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
        late, kept = _vehicle_competition(jobs, vehicle.start_s, bases[vehicle.depot].place, drive)
        competing[vehicle_id] = late
        counted.update(kept)
    own = sum(f.late_s for order_id, f in floors.items() if order_id not in counted)
    alone = sum(f.late_s for order_id, f in floors.items() if order_id in counted)
    floors_s = own + alone
    return Competition(
        late_s=own + max(alone, sum(competing.values())), floors_s=floors_s, vehicles=competing,
        orders={vehicle_id: len(jobs) for vehicle_id, jobs in mine.items()},
    )  # fmt: skip


def _never_late(task: _Task, day_end: int) -> bool:
    """A job due after its vehicle's day ends (e.g. a grocery open until 16:00 for a truck back by 15:30)
    is on time whenever the vehicle does it within its day — still work, but never late (left out)."""
    return task.due >= day_end + task.tail


def _vehicle_competition(
    jobs: list[tuple[str, dict[int, _Task]]], start_s: int, depot: Site, drive: Callable[[Site, Site], int]
) -> tuple[int, set[str]]:
    """The minimum, over every day each job may take and every order of the jobs within a day, of the lateness
    bounded as `competition_floor` says; with the orders it counted."""
    days = sorted({d for _order, tasks in jobs for d in tasks})
    per_day: dict[int, list[_Task]] = {d: [] for d in days}
    # The least urgent jobs are left out when a day has too many (or the days' choices are too many).
    ranked = sorted(jobs, key=lambda job: min(t.due - t.ready for t in job[1].values()))
    kept: list[tuple[str, dict[int, _Task]]] = []
    choices = 1
    for order_id, tasks in ranked:
        if any(len(per_day[d]) >= COMPETITION_JOBS_PER_DAY for d in tasks):
            continue
        if choices * len(tasks) > COMPETITION_CHOICES:
            continue
        choices *= len(tasks)
        kept.append((order_id, tasks))
        for d, task in tasks.items():
            per_day[d].append(task)
    best = {d: _subsets_lateness(per_day[d], start_s, depot, drive) for d in days}
    position = {(d, task.order): i for d in days for i, task in enumerate(per_day[d])}
    masks = {d: np.zeros(choices, dtype=np.int64) for d in days}
    step = 1
    index = np.arange(choices, dtype=np.int64)
    for order_id, tasks in kept:
        options = sorted(tasks)
        which = (index // step) % len(options)
        for k, d in enumerate(options):
            masks[d] |= np.where(which == k, np.int64(1) << position[(d, order_id)], 0)
        step *= len(options)
    total = sum((best[d][masks[d]] for d in days), start=np.zeros(choices, dtype=np.int64))
    return int(total.min()) if kept else 0, {order_id for order_id, _tasks in kept}


def _subsets_lateness(tasks: list[_Task], start_s: int, depot: Site, drive: Callable[[Site, Site], int]) -> np.ndarray:
    """For every subset S of `tasks` (a bit mask), the least total lateness of S's jobs done by one vehicle
    on one day: a job finishing k-th ends no earlier than C(S_k) (`competition_floor`), so the lateness of an
    order of S is the sum over its prefixes of the last job's max(0, C(prefix) - tail - due), minimised by
    the dynamic programme f(S) = min over j in S of f(S - j) + late_j(C(S)). Each place of S is entered at
    least once, from the depot or another place of S (`drive`: the quickest ways, so that a round's stops
    elsewhere and its returns to the depot only make it longer)."""
    n = len(tasks)
    size = 1 << n
    subsets = np.arange(size, dtype=np.int64)
    work = np.zeros(size, dtype=np.int64)
    ready = np.zeros(size, dtype=np.int64)
    begins = np.full(size, np.iinfo(np.int64).max // 4, dtype=np.int64)
    for j, task in enumerate(tasks):
        has = (subsets >> j) & 1 == 1
        work[has] += task.work
        ready[has] = np.maximum(ready[has], task.ready)
        begins[has] = np.minimum(begins[has], task.begins)
    sites = list(dict.fromkeys(s for task in tasks for s in task.sites))
    visits = {
        site: (subsets & sum(1 << j for j, task in enumerate(tasks) if site in task.sites)) != 0 for site in sites
    }
    entries = np.zeros(size, dtype=np.int64)
    most = np.zeros(size, dtype=np.int64)  # the dearest entry: the first place's is in `begins`
    for site in sites:
        entry = np.full(size, drive(depot, site) if site != depot else 0, dtype=np.int64)
        for other in sites:
            if other != site:
                entry = np.where(visits[other], np.minimum(entry, drive(other, site)), entry)
        entry = np.where(visits[site], entry, 0)
        entries += entry
        most = np.maximum(most, entry)
    ends = np.maximum.reduce([
        start_s + work + entries,
        np.where(subsets > 0, begins + work + entries - most, 0),
        ready,
    ])  # fmt: skip
    best = np.full(size, np.iinfo(np.int64).max // 4, dtype=np.int64)
    best[0] = 0
    count = np.zeros(size, dtype=np.int64)
    for j in range(n):
        count += (subsets >> j) & 1
    for k in range(1, n + 1):
        layer = subsets[count == k]
        for j, task in enumerate(tasks):
            members = layer[(layer >> j) & 1 == 1]
            if not members.size:
                continue
            late = np.maximum(0, ends[members] - task.tail - task.due)
            best[members] = np.minimum(best[members], best[members ^ (1 << j)] + late)
    return best
