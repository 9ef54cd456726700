"""Two echelons: an order through a relay platform is brought from its farm to the platform by a collection
round, then taken to its customer by a delivery round of the platform's own vehicles that never leaves
before the goods are there."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from django.test import Client

from terroir.logistics import evaluate, feasibility, problems, routing
from terroir.logistics.distances import Estimate, Matrix
from terroir.logistics.feasibility import (
    Floor,
    competition_floor,
    fastest_drives,
    lateness_floor,
    plan_check,
    plan_check_with,
)
from terroir.logistics.routing import (
    DAY,
    Base,
    Fleet,
    Job,
    Kind,
    Plan,
    Problem,
    ProblemError,
    Round,
    Site,
    Stop,
    _latest_departures,
    _wave_deadlines,
    places_of,
    plan,
)

HUB = Site(45.5497, 3.7417)  # Ambert
PLATFORM = Site(45.80, 3.10)  # north of Clermont-Ferrand
FARM, OTHER_FARM = Site(45.60, 3.70), Site(45.50, 3.80)
SHOP, CANTEEN = Site(45.78, 3.09), Site(45.76, 3.12)
TUESDAY = 1


def hours(h: float) -> int:
    return int(h * 3600)


def relay_problem() -> Problem:
    """A truck based at the hub, a small van based at the platform; the farms open late (10:00), so the
    van could leave at 06:00 only with goods that are not there yet."""
    orders = [
        Job("fourme", Kind.SHIPMENT, kg=40, value=600, pickup=FARM, delivery=SHOP, pickup_window=(hours(10), hours(12)),
            delivery_window=(hours(7), hours(16)), days=(TUESDAY,), via="plateforme", producer="ferme-a",
            customer="epicerie"),
        Job("salades", Kind.SHIPMENT, kg=25, value=90, pickup=OTHER_FARM, delivery=CANTEEN,
            pickup_window=(hours(10), hours(12)), delivery_window=(hours(7), hours(16)), days=(TUESDAY,),
            via="plateforme", producer="ferme-b", customer="cantine"),
    ]  # fmt: skip
    return Problem(
        [Base("hub", HUB, hours(5), hours(20)), Base("plateforme", PLATFORM, hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,)),
         Fleet("velo-cargo", "plateforme", capacity_kg=150, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))],
        orders, farms={"ferme-a": FARM, "ferme-b": OTHER_FARM},
    )  # fmt: skip


def test_a_delivery_round_from_the_platform_never_leaves_before_its_goods_arrive() -> None:
    problem = relay_problem()
    result = plan(problem, matrix_for=Estimate().matrix, seconds=1, iterations=300)
    assert result.unserved == [] and result.feasible
    collection = next(r for r in result.rounds if r.vehicle == "camion")
    delivery = next(r for r in result.rounds if r.vehicle == "velo-cargo")
    arrived = {s.order: s for s in collection.stops if s.action == "unload"}
    assert set(arrived) == {"fourme", "salades"}
    assert all(stop.transfer == "plateforme" and stop.place == PLATFORM for stop in arrived.values())
    start = delivery.stops[0]
    assert set(start.loaded) == {"fourme", "salades"} and start.place == PLATFORM
    # The van leaves once the last of its goods is unloaded at the platform and handled (15 minutes).
    assert start.departure_s >= max(s.departure_s for s in arrived.values()) + problem.transfer_s
    assert start.departure_s > TUESDAY * DAY + hours(10)  # not at 06:00, its working day's start
    unloaded = {s.order: s.arrival_s for s in delivery.stops if s.action == "unload"}
    assert set(unloaded) == {"fourme", "salades"}
    assert all(unloaded[o] > arrived[o].departure_s for o in unloaded)


def test_goods_keep_their_producer_from_the_farm_to_the_customer_in_the_costs() -> None:
    problem = relay_problem()
    result = plan(problem, matrix_for=Estimate().matrix, seconds=1, iterations=300)
    report = evaluate.evaluate(problem, result, matrix_for=Estimate().matrix, status_quo_seconds=0.2)
    # Each order carries its part of both rounds, and its value is counted once.
    assert sum(report.order_costs.values()) == pytest.approx(report.total.cost)
    assert report.total.value == pytest.approx(690)
    assert {p.party for p in report.producers} == {"ferme-a", "ferme-b"}
    assert report.status_quo is not None  # each producer delivering the customer directly


def test_a_platform_without_a_vehicle_of_its_own_leaves_its_orders_unserved_with_the_reason() -> None:
    problem = relay_problem()
    alone = Problem(problem.depots, [problem.vehicles[0]], problem.orders, problem.farms)
    result = plan(alone, matrix_for=Estimate().matrix, seconds=0.5, iterations=100)
    assert sorted(result.unserved) == [("fourme", "no vehicle leaves its relay platform"),
                                       ("salades", "no vehicle leaves its relay platform")]  # fmt: skip
    assert result.rounds == []


def test_an_order_that_cannot_reach_its_customer_in_time_through_the_platform_says_so() -> None:
    problem = relay_problem()
    late = [replace(problem.orders[0], delivery_window=(hours(7), hours(10)))]
    result = plan(replace(problem, orders=late), matrix_for=Estimate().matrix, seconds=0.5, iterations=100)
    assert result.unserved == [("fourme", "no time to pass through the relay platform")]


def test_a_relay_platform_must_be_a_depot_and_an_order_through_it_goes_from_a_farm_to_a_customer() -> None:
    data = {
        "depots": [{"id": "hub", "place": {"lat": 45.55, "lon": 3.74}}],
        "vehicles": [{"id": "v", "depot": "hub", "capacity_kg": 100}],
        "orders": [{"id": "o", "kg": 1, "pickup": {"lat": 45.6, "lon": 3.7}, "delivery": {"lat": 45.78, "lon": 3.09},
                    "via": "nowhere"}],
    }  # fmt: skip
    with pytest.raises(ProblemError, match="relay platform “nowhere”"):
        plan(problems.problem_from_json(data), matrix_for=Estimate().matrix, seconds=0.1)
    data["depots"].append({"id": "nowhere", "place": {"lat": 45.8, "lon": 3.1}})  # type: ignore[attr-defined]
    with pytest.raises(ProblemError, match="every vehicle starts at a relay platform"):
        data["vehicles"] = [{"id": "v", "depot": "nowhere", "capacity_kg": 100}]
        plan(problems.problem_from_json(data), matrix_for=Estimate().matrix, seconds=0.1)


def test_the_json_problem_takes_a_relay_platform_and_a_transfer_time_and_the_plan_names_the_transfer() -> None:
    data = {
        "depots": [{"id": "hub", "place": {"lat": 45.5497, "lon": 3.7417}, "hours": ["05:00", "20:00"]},
                   {"id": "plateforme", "place": {"lat": 45.80, "lon": 3.10}, "hours": ["05:00", "20:00"]}],
        "vehicles": [{"id": "camion", "depot": "hub", "capacity_kg": 1000, "hours": ["06:00", "18:00"]},
                     {"id": "van", "depot": "plateforme", "capacity_kg": 200, "hours": ["06:00", "18:00"]}],
        "orders": [{"id": "o", "kg": 10, "pickup": {"lat": 45.6, "lon": 3.7}, "delivery": {"lat": 45.78, "lon": 3.09},
                    "pickup_window": ["09:00", "12:00"], "delivery_window": ["07:00", "16:00"], "via": "plateforme"}],
        "transfer_min": 30,
    }  # fmt: skip
    problem = problems.problem_from_json(data)
    assert problem.transfer_s == 1800 and problem.orders[0].via == "plateforme"
    document = problems.plan_to_json(plan(problem, matrix_for=Estimate().matrix, seconds=0.5, iterations=100))
    unloads = [s for r in document["rounds"] for s in r["stops"] if s["action"] == "unload"]
    assert [s.get("transfer") for s in unloads].count("plateforme") == 1
    with pytest.raises(ProblemError, match="transfer_min"):
        problems.problem_from_json(data | {"transfer_min": -5})


def test_when_every_order_of_a_week_goes_through_the_platform_no_order_is_left_out_by_the_repairs() -> None:
    """The bench's failing case (bench/two_echelon.py, relay, week 2): the demo-like week, every order
    through a platform at the town's edge with two vans. The repairs brought the deadlines at the platform
    forward by whole rounds' lateness until they fell before the farms opened, and 17 orders were left out
    ("no time to pass through the relay platform") by a plan kept for being on time without them."""
    from terroir.logistics.scenario import cooperative_week

    week = cooperative_week(2)
    platform = {"id": "plateforme", "place": {"lat": 45.62, "lon": 3.45}, "hours": ["05:00", "20:00"]}
    vans = {"id": "plateforme-frigo", "depot": "plateforme", "vehicle_type": "refrigerated_van", "capacity_kg": 900,
            "capacity_crates": 70, "cold_kg": 900, "per_km": 0.55, "per_hour": 18, "fixed_per_day": 30,
            "hours": ["06:00", "17:00"], "days": [1, 2, 3], "max_reloads": 2, "count": 2}  # fmt: skip
    orders = [o | {"via": "plateforme"} if o.get("kind", "shipment") == "shipment" else o for o in week["orders"]]
    problem = problems.problem_from_json(week | {"depots": [*week["depots"], platform],
                                                 "vehicles": [*week["vehicles"], vans], "orders": orders})  # fmt: skip
    # 30 iterations a search: the code before the fix (ee1dc78^) leaves orders out at 10, 30, 50,
    # 100 and 300 alike, this code none at 20, 30, 50, 100 or 300; at 300 the test cost 17.7 s of processor.
    result = plan(problem, matrix_for=Estimate().matrix, seconds=600, seed=1, iterations=30)
    assert [reason for _order, reason in result.unserved] == []
    delivered = {s.order for r in result.rounds for s in r.stops if s.action == "unload" and not s.transfer}
    assert delivered >= {o.id for o in problem.orders if o.via}  # each to its customer, from the platform


# The independent check (feasibility.plan_check), on plans written by hand with travel times that are easy to
# add up: 30 minutes between any two different places.
def half_an_hour(a: Site, b: Site) -> int:
    return 0 if a == b else 1800


def hand_problem() -> Problem:
    """One order through the platform: collected at FARM (from 08:00), due at SHOP by 10:00 (5 minutes there);
    the truck starts at the hub at 07:30, the van at the platform; 15 minutes of handling at the platform."""
    order = Job("fourme", Kind.SHIPMENT, kg=40, pickup=FARM, delivery=SHOP, pickup_window=(hours(8), hours(12)),
                delivery_window=(hours(7), hours(10)), service_s=300, days=(TUESDAY,), via="plateforme",
                producer="ferme-a", customer="epicerie")  # fmt: skip
    return Problem(
        [Base("hub", HUB, hours(5), hours(20)), Base("plateforme", PLATFORM, hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, start_s=hours(7.5), end_s=hours(18), days=(TUESDAY,)),
         Fleet("van", "plateforme", capacity_kg=50, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))],
        [order],
    )  # fmt: skip


def hand_plan(van_leaves_h: float) -> Plan:
    t = TUESDAY * DAY
    collection = Round("camion", [
        Stop(None, "start", HUB, t + hours(7.5), t + hours(7.5)),
        Stop("fourme", "load", FARM, t + hours(8), t + hours(8) + 300, 40),  # 07:30 + 30 min; 5 min there
        Stop("fourme", "unload", PLATFORM, t + hours(8.5) + 300, t + hours(8.5) + 600, 0, transfer="plateforme"),
        Stop(None, "end", HUB, t + hours(9) + 600, t + hours(9) + 600),
    ], km=60, seconds=hours(2), trips=1, orders=["fourme"], day=TUESDAY)  # fmt: skip
    leaves = t + hours(van_leaves_h)
    delivery = Round("van", [
        Stop(None, "start", PLATFORM, leaves, leaves, 40, loaded=("fourme",)),
        Stop("fourme", "unload", SHOP, leaves + 1800, leaves + 2100),
        Stop(None, "end", PLATFORM, leaves + 3900, leaves + 3900),
    ], km=10, seconds=3900, trips=1, orders=["fourme"], day=TUESDAY)  # fmt: skip
    return Plan([collection, delivery], [], 70, hours(2) + 3900, 0, True)


def test_the_check_finds_a_van_that_leaves_the_platform_before_the_goods_are_there() -> None:
    # The goods are unloaded at 08:35–08:40, handled until 08:55: a van leaving at 08:30 leaves without them.
    checked = plan_check(hand_problem(), hand_plan(8.5), half_an_hour)
    assert checked.at_platform == {"fourme": TUESDAY * DAY + hours(8.5) + 600}
    assert any("before its goods are ready" in p for p in checked.problems) and not checked.on_time
    assert checked.kinds == {"early_departure": 1}


def test_the_check_counts_how_late_a_delivery_from_the_platform_is_to_the_second() -> None:
    # Leaving at 09:45, the van is at the shop at 10:15: 15 minutes after its window closed.
    checked = plan_check(hand_problem(), hand_plan(9.75), half_an_hour)
    assert checked.problems == [] and checked.late_s == 900
    assert checked.lateness == ["round van day 1: unload fourme 900 s late"]
    # Leaving at 09:00 (the goods ready at 08:55), it is there at 09:30: on time.
    assert plan_check(hand_problem(), hand_plan(9), half_an_hour).on_time
    # ... unless the van takes 30 kg and the order weighs 40.
    problem = hand_problem()
    small = replace(problem, vehicles=[problem.vehicles[0], replace(problem.vehicles[1], capacity_kg=30)])
    checked = plan_check(small, hand_plan(9), half_an_hour)
    assert checked.late_s == 0
    assert checked.problems == ["round van day 1: over capacity after stop 0 (40 kg, 0 cold kg)"]


def test_the_check_wants_each_order_through_the_platform_in_both_echelons_under_its_own_name() -> None:
    problem = hand_problem()
    plan_ = hand_plan(9)
    plan_.rounds[0].stops[2] = replace(plan_.rounds[0].stops[2], transfer=None)  # dropped at the shop's door
    checked = plan_check(problem, plan_, half_an_hour)
    assert any("whose goods are not at its platform" in p for p in checked.problems)
    assert any("order fourme: carried as" in p for p in checked.problems)


def test_the_latest_departure_of_a_van_trip_is_found_backwards_from_its_stops() -> None:
    # Two shops due by 10:00 and 11:00, every drive 30 minutes, 5 minutes at each: the first shop binds (it
    # must be reached by 10:00, so the van leaves by 09:30; the second would allow 10:25).
    t = TUESDAY * DAY
    first = Job("a", Kind.DELIVERY, kg=1, delivery=SHOP, delivery_window=(0, hours(10)), service_s=300)
    second = Job("b", Kind.DELIVERY, kg=1, delivery=CANTEEN, delivery_window=(0, hours(11)), service_s=300)
    van = Fleet("van", "plateforme", capacity_kg=30, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))
    r = Round("van", [
        Stop(None, "start", PLATFORM, t + hours(8), t + hours(8), 2, loaded=("a", "b")),
        Stop("a", "unload", SHOP, 0, 0), Stop("b", "unload", CANTEEN, 0, 0), Stop(None, "end", PLATFORM, 0, 0),
    ], km=0, seconds=0, trips=1, orders=["a", "b"], day=TUESDAY)  # fmt: skip
    latest = _latest_departures(r, [van], {"a": first, "b": second}, half_an_hour)
    assert latest == {"a": t + hours(9.5), "b": t + hours(9.5)}  # the first shop's 10:00 binds
    late_second = replace(second, delivery_window=(0, hours(10)))
    latest = _latest_departures(r, [van], {"a": first, "b": late_second}, half_an_hour)
    assert latest == {"a": t + hours(9) - 300, "b": t + hours(9) - 300}  # 30 + 5 + 30 minutes before 10:00
    # The end of the van's day binds too: back by 10:00 after three drives and two stops, it leaves by 08:20.
    evening = replace(van, end_s=hours(10))
    assert _latest_departures(r, [evening], {"a": first, "b": second}, half_an_hour)["a"] == t + hours(8) + 1200


def three_shops_problem() -> Problem:
    """Three farms opening at 07:00 send to three shops in town due by 09:00, 09:00 and 10:00, through the
    platform; its van makes one trip (no reload); the truck also delivers a parcel from its hub between 10:00
    and 12:00. Each order due at the platform as if it were alone in the van (the first try) lets the truck
    bring the far farm's goods last, at 08:20, and the van, waiting for them, is late at the 09:00 shops."""
    farm0, farm1, farm2 = Site(45.7251, 3.0258), Site(45.7549, 3.0997), Site(45.8526, 3.2684)
    shop0, shop1, shop2 = Site(45.7367, 3.0702), Site(45.808, 3.1127), Site(45.8107, 3.11)

    def through(name: str, kg: float, farm: Site, shop: Site, due_h: float) -> Job:
        return Job(name, Kind.SHIPMENT, kg=kg, pickup=farm, delivery=shop, pickup_window=(hours(7), hours(12)),
                   delivery_window=(hours(7), hours(due_h)), via="plateforme", producer=f"ferme-{name}",
                   customer=f"magasin-{name}")  # fmt: skip

    orders = [through("o0", 33, farm0, shop0, 9), through("o1", 17, farm1, shop1, 9),
              through("o2", 40, farm2, shop2, 10),
              Job("d", Kind.DELIVERY, kg=20, delivery=Site(45.7044, 3.1957),
                  delivery_window=(hours(10), hours(12)))]  # fmt: skip
    return Problem(
        [Base("hub", Site(45.72, 3.25), hours(5), hours(20)),
         Base("plateforme", Site(45.78, 3.10), hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18)),
         Fleet("van", "plateforme", capacity_kg=100, start_s=hours(6), end_s=hours(18))],
        orders,
    )  # fmt: skip


def test_the_echelons_made_to_agree_bring_every_order_in_time_for_a_van_that_makes_one_trip() -> None:
    problem = three_shops_problem()
    result = plan(problem, matrix_for=Estimate().matrix, seconds=5, iterations=200)
    checked = plan_check_with(problem, result, Estimate().matrix, places_of(problem, problem.orders))
    assert result.unserved == [] and checked.problems == [] and checked.late_s == 0 and result.feasible
    van = next(r for r in result.rounds if r.vehicle == "van")
    assert set(van.stops[0].loaded) == {"o0", "o1", "o2"}  # one trip, which waits for the far farm's goods
    assert van.stops[0].departure_s >= max(checked.at_platform.values()) + problem.transfer_s


# How late an order is in every plan (feasibility.lateness_floor), by hand with half an hour between places.
def test_an_order_whose_window_closes_before_its_goods_can_arrive_is_late_in_every_plan_by_so_much() -> None:
    # The truck leaves the hub at 07:30 (its day's start), is at the farm at 08:00 (it opens then), leaves at
    # 08:05, unloads at the platform 08:35–08:40, the goods are handled by 08:55, a van leaving then is at the
    # shop at 09:25: 25 minutes after a window closing at 09:00, whatever the plan.
    problem = hand_problem()
    early = replace(problem, orders=[replace(problem.orders[0], delivery_window=(hours(7), hours(9)))])
    floor = lateness_floor(early, half_an_hour)
    assert floor == {"fourme": Floor(late_s=1500, arrives_s=hours(9) + 1500, closes_s=hours(9))}
    # A bound: the hand plan leaving at 09:00 is 30 minutes late, no plan less than 25.
    assert plan_check(early, hand_plan(9), half_an_hour).late_s == 1800 >= floor["fourme"].late_s
    # With the window closing at 10:00 nothing is late in every plan.
    assert lateness_floor(problem, half_an_hour) == {}
    # A truck starting at 07:00 could be there at 07:30, but the farm opens at 08:00: the same floor.
    dawn = replace(early, vehicles=[replace(early.vehicles[0], start_s=hours(7)), early.vehicles[1]])
    assert lateness_floor(dawn, half_an_hour)["fourme"].late_s == 1500


def test_the_floor_takes_the_quickest_way_when_a_detour_is_shorter_than_the_direct_leg() -> None:
    # The hub → farm leg takes 2 hours, but hub → platform → farm one hour: the truck is at the farm at 08:30
    # (not 09:30), so the floor is 25 + 30 = 55 minutes, not 115.
    problem = hand_problem()
    early = replace(problem, orders=[replace(problem.orders[0], delivery_window=(hours(7), hours(9)))])

    def slow_direct(a: Site, b: Site) -> int:
        return 7200 if {a, b} == {HUB, FARM} else half_an_hour(a, b)

    assert lateness_floor(early, slow_direct)["fourme"].late_s == 1500 + 1800


def test_a_plan_late_because_of_the_weeks_times_says_which_orders_and_by_how_much_at_least() -> None:
    # relay_problem's fourme: the farm opens at 10:00 and the platform is 70 km away, so its goods cannot be
    # at the shop before about 11:55; with the shop's window closing at 11:30 it is late in every plan.
    problem = relay_problem()
    late = replace(problem, orders=[replace(problem.orders[0], delivery_window=(hours(7), hours(11.5))),
                                    problem.orders[1]])  # fmt: skip
    places = places_of(late, late.orders)
    seconds = Estimate().matrix([(p.lat or 0.0, p.lon or 0.0) for p in places]).seconds
    index = {p: i for i, p in enumerate(places)}

    def travel(a: Site, b: Site) -> int:
        return round(float(seconds[index[a], index[b]]))

    # By hand: 06:00 at the hub, the farm at 10:00 (it opens), 5 minutes there, to the platform, 5 minutes
    # to unload and 15 to handle, then to the shop.
    arrives = hours(10) + 300 + travel(FARM, PLATFORM) + 300 + 900 + travel(PLATFORM, SHOP)
    assert lateness_floor(late, travel) == {"fourme": Floor(arrives - hours(11.5), arrives, hours(11.5))}
    result = plan(late, matrix_for=Estimate().matrix, seconds=2, iterations=200)
    checked = plan_check_with(late, result, Estimate().matrix, places)
    assert result.unserved == [] and checked.problems == [] and not result.feasible
    assert [order for order, _floor in result.late_anyway] == ["fourme"]
    assert result.late_anyway[0][1].late_s == pytest.approx(arrives - hours(11.5), abs=2)
    assert checked.late_s >= result.late_anyway[0][1].late_s - 2  # the bound holds (rounding aside)
    document = problems.plan_to_json(result)
    assert [(u["order"], u["closes_s"]) for u in document["late_anyway"]] == [("fourme", hours(11.5))]
    # An on-time plan says nothing of the kind.
    assert plan(problem, matrix_for=Estimate().matrix, seconds=1, iterations=100).late_anyway == []


def near_farm_problem() -> Problem:
    """A farm 1.5 km from the platform sends goods to a shop in town due by 07:00; the truck, at Ambert's hub
    70 km away, cannot be at the farm before 07:25, the platform's van (from 06:00) passes by it."""
    near = Site(45.81, 3.11)
    order = Job("yaourts", Kind.SHIPMENT, kg=30, pickup=near, delivery=SHOP, pickup_window=(hours(6), hours(12)),
                delivery_window=(hours(6), hours(7)), days=(TUESDAY,), via="plateforme", producer="ferme-proche",
                customer="epicerie")  # fmt: skip
    problem = relay_problem()
    return replace(problem, orders=[order])


def test_the_platforms_van_collects_from_a_farm_on_its_way_when_the_collection_could_not_be_in_time() -> None:
    problem = near_farm_problem()
    places = places_of(problem, problem.orders)
    # Through a collection the order is late in every plan; the van passing by the farm is not.
    seconds = Estimate().matrix([(p.lat or 0.0, p.lon or 0.0) for p in places]).seconds
    index = {p: i for i, p in enumerate(places)}

    def travel(a: Site, b: Site) -> int:
        return round(float(seconds[index[a], index[b]]))

    order = problem.orders[0]
    assert hours(6) + travel(HUB, order.pickup) > hours(7)  # type: ignore[arg-type]
    assert lateness_floor(problem, travel) == {}  # the van's way is on time: nothing is late in every plan
    result = plan(problem, matrix_for=Estimate().matrix, seconds=2, iterations=200)
    checked = plan_check_with(problem, result, Estimate().matrix, places)
    assert result.unserved == [] and checked.problems == [] and checked.late_s == 0 and result.feasible
    van = next(r for r in result.rounds if r.vehicle == "velo-cargo")
    assert [(s.order, s.action) for s in van.stops[1:-1]] == [("yaourts", "load"), ("yaourts", "unload")]
    assert not any(r.vehicle == "camion" for r in result.rounds)  # nothing left for the truck to collect


def test_the_check_takes_an_order_collected_by_its_platforms_van_but_not_by_a_vehicle_based_elsewhere() -> None:
    problem = hand_problem()
    t = TUESDAY * DAY
    by_van = Round("van", [
        Stop(None, "start", PLATFORM, t + hours(8), t + hours(8)),
        Stop("fourme", "load", FARM, t + hours(8.5), t + hours(8.5) + 300, 40),
        Stop("fourme", "unload", SHOP, t + hours(9) + 300, t + hours(9) + 600, 0),
        Stop(None, "end", PLATFORM, t + hours(9.5) + 600, t + hours(9.5) + 600),
    ], km=30, seconds=hours(1.5) + 600, trips=1, orders=["fourme"], day=TUESDAY)  # fmt: skip

    def near(a: Site, b: Site) -> int:  # the farm 10 minutes from the platform
        return 600 if {a, b} == {FARM, PLATFORM} else half_an_hour(a, b)

    assert plan_check(problem, Plan([by_van], [], 30, 0, 0, True), near).on_time
    # From a farm half an hour away the platform's van may not collect it: the goods go through the platform.
    far = plan_check(problem, Plan([by_van], [], 30, 0, 0, True), half_an_hour)
    assert far.problems == ["order fourme: carried as ['load', 'unload'], expected "
                            "['load', 'transfer', 'load', 'unload']"]  # fmt: skip
    by_truck = replace(by_van, vehicle="camion", stops=[replace(s, place=HUB) if s.order is None else s
                                                        for s in by_van.stops])  # fmt: skip
    checked = plan_check(problem, Plan([by_truck], [], 30, 0, 0, True), near)
    assert checked.problems == ["order fourme: carried as ['load', 'unload'], expected "
                                "['load', 'transfer', 'load', 'unload']"]  # fmt: skip


# The two faults of the bench's week 3 (round 10): cold goods in an ambient van, a van leaving the platform
# before the goods it carries. A plan must never have them, however late it is.
def two_cold_orders_at_once() -> Problem:
    """Two farms, far apart, each with cheese to collect between 08:00 and 08:15 for the town by 10:00; the
    refrigerated truck cannot be at both in time, the ambient van could be at one."""
    cheese = Job(
        "fromage",
        Kind.SHIPMENT,
        kg=30,
        cold=True,
        pickup=FARM,
        delivery=SHOP,
        pickup_window=(hours(8), hours(8.25)),
        delivery_window=(hours(8), hours(10)),
        days=(TUESDAY,),
    )
    yoghurt = Job(
        "yaourt",
        Kind.SHIPMENT,
        kg=30,
        cold=True,
        pickup=Site(45.95, 3.3),
        delivery=CANTEEN,
        pickup_window=(hours(8), hours(8.25)),
        delivery_window=(hours(8), hours(10)),
        days=(TUESDAY,),
    )
    return Problem(
        [Base("hub", HUB, hours(5), hours(20))],
        [Fleet("frigo", "hub", capacity_kg=1000, cold_kg=1000, days=(TUESDAY,)),
         Fleet("fourgon", "hub", capacity_kg=1000, cold_kg=0, days=(TUESDAY,), vehicle_type="van")],
        [cheese, yoghurt],
    )  # fmt: skip


def test_a_cold_order_never_rides_an_ambient_vehicle_even_when_the_refrigerated_one_is_late_for_it() -> None:
    problem = two_cold_orders_at_once()
    places = places_of(problem, problem.orders)
    result = plan(problem, matrix_for=Estimate().matrix, seconds=2, iterations=200)
    checked = plan_check_with(problem, result, Estimate().matrix, places)
    assert result.unserved == [] and checked.problems == [] and checked.kinds == {}
    assert {o for r in result.rounds if r.vehicle == "fourgon" for o in r.orders} == set()
    frigo = next(r for r in result.rounds if r.vehicle == "frigo")
    assert set(frigo.orders) == {"fromage", "yaourt"}
    assert checked.late_s > 0 and not result.feasible  # late, and said so: the truck cannot be at both farms
    # On a day when only the ambient van works, the cheese is not carried, and the plan says why.
    tuesday_van = replace(problem, vehicles=[replace(problem.vehicles[0], days=(TUESDAY + 1,)), problem.vehicles[1]])
    result = plan(tuesday_van, matrix_for=Estimate().matrix, seconds=1, iterations=100)
    assert sorted(result.unserved) == [("fromage", "cold chain: no refrigerated space large enough"),
                                       ("yaourt", "cold chain: no refrigerated space large enough")]  # fmt: skip
    assert result.rounds == []


def test_the_check_finds_cold_goods_aboard_a_vehicle_without_refrigerated_space() -> None:
    problem = two_cold_orders_at_once()
    t = TUESDAY * DAY
    by_van = Round("fourgon", [
        Stop(None, "start", HUB, t + hours(7.5), t + hours(7.5)),
        Stop("fromage", "load", FARM, t + hours(8), t + hours(8) + 300, 30),
        Stop("fromage", "unload", SHOP, t + hours(8.5) + 300, t + hours(8.5) + 600, 0),
        Stop(None, "end", HUB, t + hours(9) + 600, t + hours(9) + 600),
    ], km=60, seconds=hours(2), trips=1, orders=["fromage"], day=TUESDAY)  # fmt: skip
    only_cheese = replace(problem, orders=[problem.orders[0]])
    checked = plan_check(only_cheese, Plan([by_van], [], 60, 0, 0, True), half_an_hour)
    assert checked.kinds == {"cold_chain": 1} and checked.late_s == 0
    assert "round fourgon day 1: loads fromage, cold goods, without refrigerated space" in checked.problems
    in_the_truck = replace(by_van, vehicle="frigo")
    assert plan_check(only_cheese, Plan([in_the_truck], [], 60, 0, 0, True), half_an_hour).on_time


def test_a_van_never_leaves_the_platform_before_goods_that_can_only_come_after_its_customers_window() -> None:
    # relay_problem's fourme: the farm opens at 10:00 and is 70 km from the platform; the shop's window closes
    # at 10:30, before the goods can be there (about 11:55). The van must wait for them, however late.
    problem = relay_problem()
    late = replace(problem, orders=[replace(problem.orders[0], delivery_window=(hours(7), hours(10.5)))])
    places = places_of(late, late.orders)
    result = plan(late, matrix_for=Estimate().matrix, seconds=2, iterations=200)
    checked = plan_check_with(late, result, Estimate().matrix, places)
    assert result.unserved == [] and checked.problems == [] and checked.kinds == {}
    van = next(r for r in result.rounds if r.vehicle == "velo-cargo")
    assert van.stops[0].loaded == ("fourme",)
    assert van.stops[0].departure_s >= checked.at_platform["fourme"] + late.transfer_s
    # Late by at least what no plan avoids, and said so.
    assert [order for order, _floor in result.late_anyway] == ["fourme"]
    assert checked.late_s >= result.late_anyway[0][1].late_s - 2


def test_an_order_is_due_at_the_platform_for_the_latest_wave_that_reaches_its_customer_with_time_to_spare() -> None:
    # Goods at the platform by 08:35 at the earliest, ready at 08:50; the shop is half an hour away, 5 minutes
    # there, 45 minutes to spare for the trip's other stops: a wave leaving by 09:40 is in time for 11:00, so
    # the 09:30 one; the goods are due by 09:30 less the handling (15 min) and the unloading (5 min).
    problem = hand_problem()
    eleven = replace(problem, orders=[replace(problem.orders[0], delivery_window=(hours(7), hours(11)))])
    bases = {b.id: b for b in eleven.depots}
    earliest = {"fourme": hours(8.5) + 300}
    due = _wave_deadlines(eleven, bases, {"fourme": hours(10)}, earliest, half_an_hour)
    assert due == {"fourme": hours(9.5) - 900 - 300}
    # Never later than its deadline as if alone in its van.
    assert _wave_deadlines(eleven, bases, {"fourme": hours(9)}, earliest, half_an_hour) == {"fourme": hours(9)}
    # For 10:00, no wave both leaves after 08:50 and arrives with 45 minutes to spare: no wave deadline.
    assert _wave_deadlines(problem, bases, {"fourme": hours(10)}, earliest, half_an_hour) == {}


@pytest.mark.django_db
def test_the_run_page_lists_the_orders_late_whatever_the_plan_with_their_times(
    client: Client, territory: Any, people: Any
) -> None:
    from terroir.logistics.tests.test_sheets import sheet_run

    run = sheet_run(territory)
    plan_: dict[str, Any] = run.plan or {}
    late = plan_["rounds"][0]["stops"][1]["order"]
    run.plan = plan_ | {"late_anyway": [{"order": late, "late_s": 1500, "earliest_s": hours(9) + 1500,
                                         "closes_s": hours(9)}]}  # fmt: skip
    run.save()
    client.force_login(people.camille)
    page = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    listed = page[page.index('id="late-anyway"') : page.index("</ul>", page.index('id="late-anyway"'))]
    assert "En retard quel que soit le plan" in page
    assert "au moins 25\u202fminutes de retard" in listed or "au moins 25 minutes de retard" in listed
    assert "avant 9 h 25, le créneau se ferme à 9 h" in listed and "GAEC des Monts du Forez" in listed
    english = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "at least 25 minutes late: its goods cannot be there before 9:25 am, the window closes at 9 am" in english
    run.plan = plan_ | {"late_anyway": []}
    run.save()
    assert 'id="late-anyway"' not in client.get(f"/logistics/runs/{run.pk}/").content.decode()


# The bound that sees orders compete for the one vehicle that can carry them (feasibility.competition_floor).
def three_canteens(closes_h: float = 7.0) -> Problem:
    """A refrigerated truck (the only vehicle for cold goods) leaves the hub at 06:00 with meat for three
    canteens half an hour apart (and from the hub), each closing at `closes_h`; an ambient van too."""
    canteens = [SHOP, CANTEEN, OTHER_FARM]
    orders = [Job(f"viande-{i}", Kind.DELIVERY, kg=30, cold=True, delivery=place,
                  delivery_window=(hours(6), hours(closes_h)), service_s=300, days=(TUESDAY,), release_s=hours(6))
              for i, place in enumerate(canteens)]  # fmt: skip
    return Problem(
        [Base("hub", HUB, hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, cold_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,)),
         Fleet("fourgon", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))],
        orders,
    )  # fmt: skip


def test_three_canteens_that_one_truck_alone_can_serve_are_late_together_by_at_least_the_bound() -> None:
    # Alone, each is reached at 06:30 (floor 0); together the second is reached at 07:05 and the third at 07:40
    # whatever the order: 5 + 40 minutes late, exactly what the bound finds.
    problem = three_canteens()
    assert lateness_floor(problem, half_an_hour) == {}
    bound = competition_floor(problem, half_an_hour)
    assert bound.late_s == 300 + 2400 and bound.floors_s == 0
    assert bound.vehicles == {"camion": 2700} and bound.orders == {"camion": 3}
    # With windows closing at 08:00 nothing need be late.
    assert competition_floor(three_canteens(8.0), half_an_hour).late_s == 0
    # The planner's plan is at least that late.
    result = plan(problem, matrix_for=lambda points: _every_half_hour(points), seconds=2, iterations=200)
    checked = plan_check(problem, result, half_an_hour)
    assert checked.problems == [] and checked.late_s >= bound.late_s
    # A second refrigerated vehicle: the orders no longer compete for one, no bound beyond the floors.
    two = replace(problem, vehicles=[problem.vehicles[0], replace(problem.vehicles[1], cold_kg=1000)])
    assert competition_floor(two, half_an_hour).late_s == 0


def _every_half_hour(points: list[tuple[float, float]]) -> Any:
    n = len(points)
    seconds = np.where(np.eye(n, dtype=bool), 0.0, 1800.0)
    return Matrix(km=seconds / 100, seconds=seconds, source="estimate")


@pytest.mark.parametrize("seed", range(12))
def test_the_competition_bound_never_exceeds_the_least_late_of_every_order_of_the_trucks_stops(seed: int) -> None:
    # Random small cases: the truck, the only refrigerated vehicle, carries three deliveries from its hub and
    # two cold shipments farm → customer; every order of its stops (pickups before their deliveries) driven by
    # the check: the least late is never less than the bound, and the bound is reached on some cases.
    rng = random.Random(seed)
    spots = [Site(round(45.7 + rng.uniform(-0.2, 0.2), 4), round(3.2 + rng.uniform(-0.2, 0.2), 4)) for _ in range(8)]
    hub = spots[0]

    def travel(a: Site, b: Site) -> int:
        return 0 if a == b else int(60 + 1.6 * 111_000 * math.hypot(a.lat - b.lat, (a.lon - b.lon) * 0.7) / 13.9)  # type: ignore[operator]

    orders = [Job(f"d{i}", Kind.DELIVERY, kg=10, cold=True, delivery=spots[1 + i],
                  service_s=rng.choice([120, 300, 600]), days=(TUESDAY,),
                  delivery_window=(hours(6), hours(6) + rng.randint(1200, 7200)),
                  release_s=hours(6) + rng.choice([0, 600])) for i in range(3)]  # fmt: skip
    orders += [Job(f"s{i}", Kind.SHIPMENT, kg=10, cold=True, pickup=spots[4 + 2 * i], delivery=spots[5 + 2 * i],
                   service_s=300, pickup_window=(hours(6), hours(12)), days=(TUESDAY,),
                   delivery_window=(hours(6), hours(6) + rng.randint(1800, 9000))) for i in range(2)]  # fmt: skip
    problem = Problem(
        [Base("hub", hub, hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, cold_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,)),
         Fleet("fourgon", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))],
        orders,
    )  # fmt: skip
    bound = competition_floor(problem, travel)
    t = TUESDAY * DAY
    departs = t + max(o.release_s for o in orders if o.kind == Kind.DELIVERY)
    stops = [(o.id, "load") for o in orders if o.kind == Kind.SHIPMENT] + [(o.id, "unload") for o in orders]
    jobs = {o.id: o for o in orders}
    least = None
    for order_ in itertools.permutations(stops):
        seen = [s for s in order_ if s[0].startswith("s")]
        if any(seen.index((o, "load")) > seen.index((o, "unload")) for o in ("s0", "s1")):
            continue
        route = [Stop(None, "start", hub, departs, departs, loaded=("d0", "d1", "d2"))]
        route += [Stop(o, action, jobs[o].pickup if action == "load" else jobs[o].delivery, 0, 0)  # type: ignore[arg-type]
                  for o, action in order_]  # fmt: skip
        route.append(Stop(None, "end", hub, 0, 0))
        checked = plan_check(problem, Plan([Round("camion", route, 0, 0, 1, day=TUESDAY)], [], 0, 0, 0, True), travel)
        assert checked.problems == []
        least = checked.late_s if least is None else min(least, checked.late_s)
    assert least is not None and bound.late_s <= least
    assert bound.late_s >= bound.floors_s == sum(f.late_s for f in lateness_floor(problem, travel).values())


def test_the_competition_bound_takes_floors_and_drives_computed_once_and_counts_only_its_own_orders() -> None:
    # A fourth order, uncooled, due at 06:15 where the van is at 06:30 at the earliest: a floor of 15 minutes.
    problem = three_canteens()
    early = Job("salade", Kind.DELIVERY, kg=5, delivery=SHOP, delivery_window=(hours(6), hours(6.25)),
                days=(TUESDAY,), release_s=hours(6))  # fmt: skip
    bigger = replace(problem, orders=[*problem.orders, early])
    drive = fastest_drives(bigger, half_an_hour)
    floors = lateness_floor(bigger, half_an_hour, drive=drive)
    assert {order_id: f.late_s for order_id, f in floors.items()} == {"salade": 900}
    given = competition_floor(bigger, half_an_hour, floors=floors, drive=drive)
    assert given == competition_floor(bigger, half_an_hour) and given.late_s == 2700 + 900
    # The bigger week's floors and drives serve the week without the salad: its floor is not counted.
    assert competition_floor(problem, half_an_hour, floors=floors, drive=drive).late_s == 2700


def test_a_late_relay_plan_says_how_late_the_orders_competing_for_the_truck_make_every_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The three canteens' meat (only the hub's refrigerated truck carries it) and a cheese through the
    # platform (cold, from a farm far from the platform: the truck alone can collect it too); the platform's
    # van cannot take the meat. Every plan is at least 45 minutes late.
    base = three_canteens()
    cheese = replace(hand_problem().orders[0], cold=True, pickup_window=(hours(6), hours(12)),
                     delivery_window=(hours(6), hours(16)))  # fmt: skip
    problem = replace(
        base, depots=[*base.depots, Base("plateforme", PLATFORM, hours(5), hours(20))], orders=[*base.orders, cheese],
        vehicles=[*base.vehicles, Fleet("van", "plateforme", capacity_kg=500, cold_kg=500, start_s=hours(6),
                                        end_s=hours(18), days=(TUESDAY,))],
    )  # fmt: skip
    # The shortest drives (a Floyd–Warshall) computed once for both bounds, by the planner, not again inside.
    calls = {"planner": 0, "bounds": 0}

    def counted(who: str, real: Any) -> Any:
        def fastest(*args: Any, **kwargs: Any) -> Any:
            calls[who] += 1
            return real(*args, **kwargs)

        return fastest

    monkeypatch.setattr(routing, "fastest_drives", counted("planner", routing.fastest_drives))
    monkeypatch.setattr(feasibility, "fastest_drives", counted("bounds", feasibility.fastest_drives))
    result = plan(problem, matrix_for=_every_half_hour, seconds=2, iterations=200)
    assert calls == {"planner": 1, "bounds": 0}
    checked = plan_check(problem, result, half_an_hour)
    assert checked.problems == [] and result.unserved == [] and not result.feasible
    assert result.late_anyway == []  # alone, each order is on time
    assert result.late_together is not None and result.late_together.vehicles == {"camion": 2700}
    assert result.late_together.late_s == 2700 <= checked.late_s
    document = problems.plan_to_json(result)
    assert document["late_together"] == {"late_s": 2700, "floors_s": 0,
                                         "vehicles": [{"vehicle": "camion", "late_s": 2700, "orders": 4}]}  # fmt: skip
    # On time, nothing of the kind.
    assert plan(replace(problem, orders=[cheese]), matrix_for=_every_half_hour, seconds=1,
                iterations=100).late_together is None  # fmt: skip


@pytest.mark.django_db
def test_the_run_page_says_how_late_every_plan_is_in_all_when_orders_compete_for_one_vehicle(
    client: Client, territory: Any, people: Any
) -> None:
    from terroir.logistics.tests.test_sheets import sheet_run

    run = sheet_run(territory)
    plan_: dict[str, Any] = run.plan or {}
    vehicle = plan_["rounds"][0]["vehicle"]
    run.plan = plan_ | {"late_together": {"late_s": 2700, "floors_s": 0,
                                          "vehicles": [{"vehicle": vehicle, "late_s": 2700, "orders": 3}]}}  # fmt: skip
    run.save()
    client.force_login(people.camille)
    page = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "En retard au total quel que soit le plan" in page
    assert "au moins 45\u202fminutes de retard au total" in page or "au moins 45 minutes de retard au total" in page
    listed = page[
        page.index('id="late-together-vehicles"') : page.index("</ul>", page.index('id="late-together-vehicles"'))
    ]
    name = (run.labels or {}).get("vehicles", {}).get(vehicle, {}).get("name", vehicle)
    assert name in listed and "3 commandes qu’il est seul à pouvoir transporter" in listed
    english = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Every plan of this week is at least 45 minutes late in all" in english
    run.plan = plan_ | {"late_together": None}
    run.save()
    assert 'id="late-together"' not in client.get(f"/logistics/runs/{run.pk}/").content.decode()


def test_cold_goods_loaded_in_an_ambient_van_are_one_fault_not_also_over_capacity() -> None:
    # The van (no refrigerated space) carries a cheese from the farm to the shop: one cold-chain fault, said
    # once — not also "over capacity" after the farm and after every stop while the cheese is aboard.
    cheese = Job("tomme", Kind.SHIPMENT, kg=20, cold=True, pickup=FARM, delivery=SHOP, days=(TUESDAY,),
                 pickup_window=(hours(6), hours(12)), delivery_window=(hours(6), hours(16)))  # fmt: skip
    salad = replace(cheese, id="salade", cold=False, delivery=CANTEEN)
    problem = Problem([Base("hub", HUB, hours(5), hours(20))],
                      [Fleet("fourgon", "hub", capacity_kg=100, start_s=hours(6), end_s=hours(18), days=(TUESDAY,))],
                      [cheese, salad])  # fmt: skip
    t = TUESDAY * DAY + hours(6)
    stops = [Stop(None, "start", HUB, t, t), Stop("tomme", "load", FARM, 0, 0), Stop("salade", "load", FARM, 0, 0),
             Stop("salade", "unload", CANTEEN, 0, 0), Stop("tomme", "unload", SHOP, 0, 0),
             Stop(None, "end", HUB, 0, 0)]  # fmt: skip
    checked = plan_check(
        problem, Plan([Round("fourgon", stops, 0, 0, 1, day=TUESDAY)], [], 0, 0, 0, True), half_an_hour
    )
    assert checked.kinds == {"cold_chain": 1}
    assert len(checked.problems) == 1 and "cold goods, without refrigerated space" in checked.problems[0]
    # A real excess is still one: 120 kg in a 100 kg van (the salad made heavier), reported where it is.
    heavy = replace(problem, orders=[cheese, replace(salad, kg=100)])
    checked = plan_check(heavy, Plan([Round("fourgon", stops, 0, 0, 1, day=TUESDAY)], [], 0, 0, 0, True), half_an_hour)
    assert checked.kinds == {"cold_chain": 1}
    assert [p for p in checked.problems if "over capacity" in p] == [
        "round fourgon day 1: over capacity after stop 2 (120 kg, 20 cold kg)"
    ]


def test_the_check_finds_a_stop_elsewhere_than_at_its_orders_farm_customer_or_platform() -> None:
    problem = hand_problem()
    assert plan_check(problem, hand_plan(9), half_an_hour).on_time
    # The same times (half an hour between any two places), but the truck loads at another farm.
    elsewhere = hand_plan(9)
    elsewhere.rounds[0].stops[1] = replace(elsewhere.rounds[0].stops[1], place=OTHER_FARM)
    checked = plan_check(problem, elsewhere, half_an_hour)
    assert checked.problems == ["round camion day 1: load fourme elsewhere than at its farm"]
    assert checked.kinds == {"elsewhere": 1} and not checked.on_time
    # The van unloads at the canteen, not at the order's shop; the truck leaves the goods at the hub.
    elsewhere = hand_plan(9)
    elsewhere.rounds[1].stops[1] = replace(elsewhere.rounds[1].stops[1], place=CANTEEN)
    elsewhere.rounds[0].stops[2] = replace(elsewhere.rounds[0].stops[2], place=HUB)
    checked = plan_check(problem, elsewhere, half_an_hour)
    assert sorted(checked.problems) == ["round camion day 1: unload fourme elsewhere than at its platform",
                                        "round van day 1: unload fourme elsewhere than at its customer"]  # fmt: skip
    # A round ending at another depot than its vehicle's.
    elsewhere = hand_plan(9)
    elsewhere.rounds[1].stops[-1] = replace(elsewhere.rounds[1].stops[-1], place=HUB)
    checked = plan_check(problem, elsewhere, half_an_hour)
    assert checked.problems == ["round van day 1: end elsewhere than at its depot plateforme"]


def test_the_check_finds_a_platforms_van_collecting_for_the_workshop() -> None:
    # Carcasses to collect at the other farm for the hub (the workshop): the hub's truck may, not the van of
    # the platform (its goods go through the platform only), even when its day would allow it.
    problem = hand_problem()
    carcass = Job("carcasse", Kind.COLLECTION, kg=20, pickup=OTHER_FARM, pickup_window=(hours(6), hours(14)),
                  service_s=600, days=(TUESDAY,))  # fmt: skip
    # Two vehicles of each kind, so that the carcasses are another vehicle's round (the check counts them).
    problem = replace(problem, orders=[*problem.orders, carcass],
                      vehicles=[replace(v, count=2) for v in problem.vehicles])  # fmt: skip
    t = TUESDAY * DAY

    def collecting(vehicle: str, depot: Site) -> Round:
        return Round(vehicle, [
            Stop(None, "start", depot, t + hours(12), t + hours(12)),
            Stop("carcasse", "load", OTHER_FARM, t + hours(12.5), t + hours(12.5) + 600, 20),
            Stop(None, "end", depot, t + hours(13) + 600, t + hours(13) + 600, unloaded=("carcasse",)),
        ], km=20, seconds=hours(1) + 600, trips=1, orders=["carcasse"], day=TUESDAY)  # fmt: skip

    sound = hand_plan(9)
    assert plan_check(problem, replace(sound, rounds=[*sound.rounds, collecting("camion", HUB)]), half_an_hour).on_time
    wrong = hand_plan(9)
    checked = plan_check(problem, replace(wrong, rounds=[*wrong.rounds, collecting("van", PLATFORM)]), half_an_hour)
    assert checked.problems == ["round van day 1: collects carcasse, which does not pass through its platform"]
    assert checked.kinds == {"not_through_platform": 1} and checked.late_s == 0
    # So no bound counts on the platform's van for it either: alone, only the truck can carry it.
    # Due by 06:15: the truck (07:30, then half an hour) is there 1 h 45 late; the van (06:00) would be 15 min.
    late = replace(problem, orders=[problem.orders[0], replace(carcass, pickup_window=(hours(6), hours(6.25)))])
    assert lateness_floor(late, half_an_hour)["carcasse"].late_s == hours(8) - hours(6.25)


def test_the_check_finds_more_rounds_of_a_vehicle_on_a_day_than_it_has_vehicles_and_reloads_beyond_its_limit() -> None:
    # The platform has one van: a second van round the same day (another van's work) is a fault, not a free
    # vehicle — and so is a return to reload that its vehicle may not make (max_reloads 0).
    problem = hand_problem()
    sound = hand_plan(9)
    assert plan_check(problem, sound, half_an_hour).on_time
    twice = replace(sound, rounds=[*sound.rounds, replace(sound.rounds[1], orders=[], stops=[
        replace(sound.rounds[1].stops[0], loaded=()), sound.rounds[1].stops[-1]])])  # fmt: skip
    checked = plan_check(problem, twice, half_an_hour)
    assert checked.problems == ["van day 1: 2 rounds for 1 vehicle(s)"] and checked.kinds == {"fleet": 1}
    # Two vans at the platform: the same plan is sound.
    two = replace(problem, vehicles=[problem.vehicles[0], replace(problem.vehicles[1], count=2)])
    assert plan_check(two, twice, half_an_hour).on_time
    # The truck back to the hub between the farm and the platform: a reload it may not make, then allowed.
    stops = sound.rounds[0].stops
    t = TUESDAY * DAY
    reloading = replace(sound.rounds[0], stops=[*stops[:2], Stop(None, "reload", HUB, t + hours(8.5), t + hours(8.5)),
                                                *stops[2:]])  # fmt: skip
    checked = plan_check(problem, replace(sound, rounds=[reloading, sound.rounds[1]]), half_an_hour)
    assert "round camion day 1: 1 returns to reload, at most 0" in checked.problems
    assert checked.kinds["fleet"] == 1  # (and the van, leaving at 09:00, now leaves before the goods)
    allowed = replace(problem, vehicles=[replace(problem.vehicles[0], max_reloads=1), problem.vehicles[1]])
    checked = plan_check(allowed, replace(sound, rounds=[reloading, sound.rounds[1]]), half_an_hour)
    assert "fleet" not in checked.kinds


def test_the_check_finds_a_trip_with_nothing_in_it() -> None:
    # The van back at the platform to reload, then again, then at the end of its day: two trips with nothing
    # to load or unload (a round as PyVRP may leave it, "reload, reload, end"), two faults; a reload before the
    # first goods, one.
    problem = hand_problem()
    problem = replace(problem, vehicles=[problem.vehicles[0], replace(problem.vehicles[1], max_reloads=2)])
    sound = hand_plan(9)
    start, unload, end = sound.rounds[1].stops
    reload = replace(end, action="reload")
    empty = replace(sound.rounds[1], stops=[start, unload, reload, reload, end], trips=3)
    checked = plan_check(problem, replace(sound, rounds=[sound.rounds[0], empty]), half_an_hour)
    assert checked.kinds == {"empty_trip": 2} and checked.late_s == 0
    assert checked.problems[0].startswith("round van day 1: stop 2, a reload next to another stop at the depot")
    first = replace(empty, stops=[start, reload, unload, end], trips=2)  # an empty trip first
    assert plan_check(problem, replace(sound, rounds=[sound.rounds[0], first]), half_an_hour).kinds == {"empty_trip": 1}
    assert plan_check(problem, sound, half_an_hour).on_time


def cold_and_ambient_problem() -> Problem:
    """The workshop (HUB) with a refrigerated truck and an ambient van, a platform with a refrigerated van of its
    own; meat from the workshop, a cheese and a salad through the platform — and a canteen closing at 06:15
    whose meat (ready at 06:00, half an hour away) is late in every plan, so that every try of the planner
    runs. Half an hour between any two places (`_every_half_hour`)."""
    meat = Job("viande", Kind.DELIVERY, kg=30, cold=True, delivery=SHOP, delivery_window=(hours(6), hours(16)),
               days=(TUESDAY,), release_s=hours(6))  # fmt: skip
    early = replace(meat, id="viande-tot", delivery=CANTEEN, delivery_window=(hours(6), hours(6.25)))
    cheese = Job("tomme", Kind.SHIPMENT, kg=20, cold=True, pickup=FARM, delivery=CANTEEN, days=(TUESDAY,),
                 pickup_window=(hours(6), hours(12)), delivery_window=(hours(6), hours(16)),
                 via="plateforme")  # fmt: skip
    salad = replace(cheese, id="salade", cold=False, pickup=OTHER_FARM, delivery=SHOP)
    return Problem(
        [Base("hub", HUB, hours(5), hours(20)), Base("plateforme", PLATFORM, hours(5), hours(20))],
        [Fleet("camion", "hub", capacity_kg=1000, cold_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,)),
         Fleet("fourgon", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18), days=(TUESDAY,)),
         Fleet("van", "plateforme", capacity_kg=500, cold_kg=500, start_s=hours(6), end_s=hours(18), days=(TUESDAY,),
               max_reloads=2)],
        [meat, early, cheese, salad],
    )  # fmt: skip


def test_a_late_plan_is_tried_again_with_the_cold_goods_and_the_others_planned_apart(monkeypatch: Any) -> None:
    # The refrigerated truck takes only the cold goods (meat, cheese for the platform), the ambient van only the
    # salad, and the platform's van, planned again for both, leaves with each order once its goods are there.
    problem = cold_and_ambient_problem()
    tried: list[Plan | None] = []
    real = routing._cold_apart

    def spy(*args: Any, **kwargs: Any) -> Plan | None:
        tried.append(real(*args, **kwargs))
        return tried[-1]

    monkeypatch.setattr(routing, "_cold_apart", spy)
    result = plan(problem, matrix_for=_every_half_hour, seconds=5, iterations=200)
    # (the last: the cold half, late too, asked for its own try first, and had nothing to plan apart)
    assert tried[-1] is not None and all(t is None for t in tried[:-1])
    apart = tried[-1]
    carried = {vehicle: {o for r in apart.rounds if r.vehicle == vehicle for o in r.orders}
               for vehicle in ("camion", "fourgon", "van")}  # fmt: skip
    assert carried == {"camion": {"viande", "viande-tot", "tomme"}, "fourgon": {"salade"}, "van": {"tomme", "salade"}}
    checked = plan_check(problem, apart, half_an_hour)
    assert apart.unserved == [] and checked.problems == []
    assert checked.late_s >= hours(0.5) - hours(0.25)  # the early canteen, late in every plan
    # The plan kept is never worse than this try (the best of every try, by the check).
    assert plan_check(problem, result, half_an_hour).late_s <= checked.late_s
    # Only the refrigerated vehicles at the workshop: nothing to plan apart.
    no_van = replace(problem, vehicles=[problem.vehicles[0], problem.vehicles[2]])
    tried.clear()
    plan(no_van, matrix_for=_every_half_hour, seconds=5, iterations=200)
    assert tried and all(t is None for t in tried)


def two_shops_problem() -> Problem:
    """One ambient van at the hub, one van at the platform, both working Tuesday and Wednesday; two shops, each
    with one order through the platform from its own farm, each deliverable either day, closing at 08:00. Half
    an hour between any two places (`_every_half_hour`), 5 minutes at each stop, 15 of handling: alone, an
    order reaches its shop at 07:55 (farm 06:30, platform 07:05, handled 07:25); on the same day the second
    farm is reached at 07:05 at the soonest, its goods leave the platform at 08:00 and reach the shop at 08:30,
    half an hour late. So a plan is on time exactly when the two orders travel on different days."""
    days = (TUESDAY, TUESDAY + 1)
    salad = Job("salade", Kind.SHIPMENT, kg=20, pickup=FARM, delivery=SHOP, pickup_window=(hours(6), hours(12)),
                delivery_window=(hours(6), hours(8)), service_s=300, days=days, via="plateforme",
                customer="epicerie")  # fmt: skip
    apples = replace(salad, id="pommes", pickup=OTHER_FARM, delivery=CANTEEN, customer="cantine")
    return Problem(
        [Base("hub", HUB, hours(5), hours(20)), Base("plateforme", PLATFORM, hours(5), hours(20))],
        [Fleet("fourgon", "hub", capacity_kg=1000, start_s=hours(6), end_s=hours(18), days=days, fixed_per_day=25),
         Fleet("van", "plateforme", capacity_kg=500, start_s=hours(6), end_s=hours(18), days=days)],
        [salad, apples],
    )  # fmt: skip


def test_a_late_plan_is_tried_again_with_each_customers_orders_on_the_day_that_spreads_the_weeks_work() -> None:
    # The first try puts both orders on one day (one drop at the platform, one vehicle-day): half an hour late,
    # and the tries that keep its days too. Spread over the two days, the plan is on time.
    problem = two_shops_problem()
    assert lateness_floor(problem, half_an_hour) == {}  # alone, each order is on time
    result = plan(problem, matrix_for=_every_half_hour, seconds=5, iterations=200)
    checked = plan_check(problem, result, half_an_hour)
    assert checked.problems == [] and result.unserved == [] and checked.late_s == 0 and result.feasible
    days = {r.day for r in result.rounds if r.vehicle == "van"}
    assert days == {TUESDAY, TUESDAY + 1}
    # Brute force: every choice of days planned as it stands — on time exactly when the days differ, and
    # half an hour late at least otherwise (the hand count of `two_shops_problem`).
    for salad_day, apples_day in itertools.product((TUESDAY, TUESDAY + 1), repeat=2):
        fixed = replace(problem, orders=[replace(problem.orders[0], days=(salad_day,)),
                                         replace(problem.orders[1], days=(apples_day,))])  # fmt: skip
        late = plan_check(fixed, plan(fixed, matrix_for=_every_half_hour, seconds=5, iterations=200), half_an_hour)
        assert late.problems == [] and (late.late_s == 0) == (salad_day != apples_day), (salad_day, apples_day)
        assert late.late_s == 0 or late.late_s >= hours(0.5)


def test_the_days_spread_keeps_a_customers_orders_together_and_moves_them_only_when_the_work_spreads() -> None:
    problem = two_shops_problem()
    both_tuesday = {"salade": TUESDAY, "pommes": TUESDAY}
    spread = routing._days_spread(problem, half_an_hour, both_tuesday)
    assert sorted(spread.values()) == [TUESDAY, TUESDAY + 1]
    # Already spread: left as it is; two orders of one customer travel together.
    assert routing._days_spread(problem, half_an_hour, {"salade": TUESDAY + 1, "pommes": TUESDAY}) == {
        "salade": TUESDAY + 1, "pommes": TUESDAY}  # fmt: skip
    same_shop = replace(problem, orders=[problem.orders[0], replace(problem.orders[1], delivery=SHOP,
                                                                    customer="epicerie")])  # fmt: skip
    assert (
        len(set(routing._days_spread(same_shop, half_an_hour, {"salade": TUESDAY, "pommes": TUESDAY + 1}).values()))
        == 1
    )
