"""The week planned at once (days of vehicles and orders, release times, loads on board), the VRPLIB
multi-trip reader, and the evaluation of a plan: costs per round/producer/customer, the status quo, the
fair sharing."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from terroir.logistics.distances import Estimate
from terroir.logistics.evaluate import evaluate, report_to_json
from terroir.logistics.problems import problem_from_json
from terroir.logistics.readers import euclidean_dimacs, vrplib
from terroir.logistics.routing import DAY, Base, Fleet, Job, Kind, Problem, ProblemError, Site, plan
from terroir.logistics.scenario import cooperative_week

BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"  # small samples, see benchmarks/PROVENANCE.md
WORKSHOP = Site(45.5497, 3.7417)
FARM, SHOP, CANTEEN = Site(45.60, 3.70), Site(45.78, 3.09), Site(45.86, 3.55)
estimate = Estimate().matrix


def day_of(result: object, order_id: str) -> int:
    return next(r.day for r in result.rounds if order_id in r.orders)  # type: ignore[attr-defined]


def test_each_order_travels_on_one_of_its_days_and_vehicles_only_on_theirs() -> None:
    truck = Fleet("truck", "workshop", capacity_kg=1000, cold_kg=1000, days=(1, 3))  # Tuesday, Thursday
    orders = [
        Job("tue-only", Kind.DELIVERY, kg=10, delivery=SHOP, days=(1,)),
        Job("wed-or-thu", Kind.DELIVERY, kg=10, delivery=CANTEEN, days=(2, 3)),
        Job("any", Kind.SHIPMENT, kg=10, pickup=FARM, delivery=SHOP, days=(1, 2, 3),
              pickup_window=(8 * 3600, 10 * 3600), delivery_window=(9 * 3600, 12 * 3600)),
        Job("monday", Kind.DELIVERY, kg=10, delivery=SHOP, days=(0,)),
    ]  # fmt: skip
    result = plan(Problem([Base("workshop", WORKSHOP)], [truck], orders), matrix_for=estimate, seconds=0.5)
    assert result.feasible
    assert result.unserved == [("monday", "no vehicle works on the days it may travel")]
    assert {r.day for r in result.rounds} <= {1, 3}
    assert day_of(result, "tue-only") == 1 and day_of(result, "wed-or-thu") == 3
    # The shipment allowed on three days kept its true windows on the day it was given.
    rounds = [r for r in result.rounds if "any" in r.orders]
    assert len(rounds) == 1
    pickup = next(s for s in rounds[0].stops if s.order == "any" and s.action == "load")
    delivery = next(s for s in rounds[0].stops if s.order == "any" and s.action == "unload")
    day = rounds[0].day * DAY
    assert day + 8 * 3600 <= pickup.arrival_s <= day + 10 * 3600 or pickup.departure_s - 300 >= day + 8 * 3600
    assert delivery.departure_s - 300 <= day + 12 * 3600


def test_goods_released_late_leave_the_depot_after_their_release() -> None:
    van = Fleet("van", "workshop", capacity_kg=500, start_s=6 * 3600, end_s=18 * 3600)
    order = Job("cut-meat", Kind.DELIVERY, kg=20, delivery=CANTEEN, release_s=11 * 3600)
    result = plan(Problem([Base("workshop", WORKSHOP)], [van], [order]), matrix_for=estimate, seconds=0.3)
    start = result.rounds[0].stops[0]
    assert start.action == "start" and start.departure_s >= 11 * 3600


def test_reloads_say_what_to_load_and_unload_and_the_load_on_board() -> None:
    van = Fleet("van", "workshop", capacity_kg=100, max_reloads=3)
    orders = [
        Job("a", Kind.DELIVERY, kg=80, delivery=SHOP),
        Job("b", Kind.DELIVERY, kg=80, delivery=CANTEEN),
        Job("eggs", Kind.COLLECTION, kg=15, pickup=FARM),
    ]
    result = plan(Problem([Base("workshop", WORKSHOP)], [van], orders), matrix_for=estimate, seconds=0.5)
    assert result.feasible and len(result.rounds) == 1 and result.rounds[0].trips == 2
    stops = result.rounds[0].stops
    depot_stops = [s for s in stops if s.order is None]
    assert sorted(o for s in depot_stops for o in s.loaded) == ["a", "b"]
    assert [o for s in depot_stops for o in s.unloaded] == ["eggs"]
    assert max(s.load_kg for s in stops) <= 100 and stops[-1].load_kg == 0
    for stop in stops:
        assert stop.load_kg >= 0


def test_bad_days_are_refused_naming_the_order_or_vehicle() -> None:
    depot = Base("workshop", WORKSHOP)
    with pytest.raises(ProblemError, match="order x: its days"):
        plan(Problem([depot], [Fleet("v", "workshop", 10)], [Job("x", Kind.DELIVERY, 1, delivery=SHOP, days=(9,))]),
             matrix_for=estimate)  # fmt: skip
    with pytest.raises(ProblemError, match="vehicle v: its days"):
        plan(Problem([depot], [Fleet("v", "workshop", 10, days=())], []), matrix_for=estimate)
    with pytest.raises(ProblemError, match="order x: named twice"):
        orders = [Job("x", Kind.DELIVERY, 1, delivery=SHOP)] * 2
        plan(Problem([depot], [Fleet("v", "workshop", 10)], orders), matrix_for=estimate)
    with pytest.raises(ProblemError, match=r"order o, days: a day is 0–6 \(0 = Monday\) or mon…sun, not “someday”"):
        problem_from_json({"depots": [], "vehicles": [], "orders": [{"id": "o", "kg": 1, "days": ["someday"]}]})
    with pytest.raises(ProblemError, match="vehicle v, vehicle_type: unknown vehicle type “rocket”"):
        vehicle = {"id": "v", "depot": "d", "capacity_kg": 1, "vehicle_type": "rocket"}
        problem_from_json({"depots": [], "orders": [], "vehicles": [vehicle]})


def test_days_are_read_by_name_or_number() -> None:
    problem = problem_from_json({
        "depots": [{"id": "d", "place": {"lat": 45.5, "lon": 3.7}}],
        "vehicles": [{"id": "v", "depot": "d", "capacity_kg": 100, "days": ["tue", "thu"]}],
        "orders": [{"id": "o", "kind": "delivery", "kg": 1, "delivery": {"lat": 45.6, "lon": 3.7}, "days": [2, "wed"],
                    "release": "10:00"}],
    })  # fmt: skip
    assert problem.vehicles[0].days == (1, 3) and problem.orders[0].days == (2,)
    assert problem.orders[0].release_s == 36000


def test_a_multi_trip_vrplib_instance_is_read_with_release_dates_and_reloads() -> None:
    problem = vrplib(BENCHMARKS / "mtvrptwr" / "C201R0.5.vrp")
    assert len(problem.orders) == 100 and problem.vehicles[0].count == 8 and problem.vehicles[0].max_reloads > 0
    assert problem.orders[7].id == "8" and problem.orders[7].release_s == 13650 and problem.orders[0].service_s == 900
    # The optimal solution's routes, costed with the reader's distances, give the file's optimum.
    places = [problem.depots[0].place] + [o.delivery for o in problem.orders]
    matrix = euclidean_dimacs([(p.lat, p.lon) for p in places])  # type: ignore[misc, union-attr]
    total = 0.0
    for line in (BENCHMARKS / "mtvrptwr" / "C201R0.5.sol").read_text().splitlines():
        if line.startswith("Route"):
            visits = [0, *map(int, line.split(":")[1].split()), 0]
            total += sum(matrix.seconds[a, b] for a, b in itertools.pairwise(visits))
    assert total == 15006


def test_a_file_that_is_not_vrplib_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "x.vrp"
    path.write_text("NAME: x\nTYPE: CVRP\nEDGE_WEIGHT_TYPE: EXPLICIT\nDIMENSION: 2\n")
    with pytest.raises(ProblemError, match=r"x\.vrp: "):
        vrplib(path)


def small_coop() -> Problem:
    return problem_from_json(cooperative_week(seed=3))


@pytest.fixture(scope="module")
def coop() -> tuple[Problem, object, object]:
    problem = small_coop()
    # Iterations, not seconds: the same plan however busy the machine is (feasible from ~100; 300 take ~2 s).
    result = plan(problem, matrix_for=estimate, iterations=300)
    return problem, result, evaluate(problem, result, matrix_for=estimate, status_quo_seconds=0.2, samples=100)


def test_the_cooperative_week_is_planned_whole_and_saves_against_the_status_quo(coop: tuple) -> None:
    problem, result, report = coop
    assert result.feasible and result.unserved == []
    assert {r.day for r in result.rounds} <= {1, 2, 3}
    served = [o for r in result.rounds for o in r.orders]
    assert sorted(served) == sorted(o.id for o in problem.orders)
    assert report.status_quo is not None and report.saved["km"] > 0 and report.saved["cost"] > 0
    assert report.total.cost == pytest.approx(sum(c.cost for c in report.rounds))


def test_order_costs_add_up_to_each_round_and_parties_to_the_total(coop: tuple) -> None:
    problem, result, report = coop
    for r, cost in zip(result.rounds, report.rounds, strict=True):
        assert sum(report.order_costs[o] for o in r.orders) == pytest.approx(cost.cost)
        # km × €/km + h × €/h + the day's fixed cost
        vehicle = next(v for v in problem.vehicles if v.id == r.vehicle)
        expected = vehicle.fixed_per_day + vehicle.per_km * r.km + vehicle.per_hour * r.seconds / 3600
        assert cost.cost == pytest.approx(expected)
    assert sum(p.cost for p in report.producers) == pytest.approx(report.total.cost)
    assert sum(p.cost for p in report.customers) == pytest.approx(report.total.cost)
    assert sum(p.value for p in report.producers) == pytest.approx(sum(o.value for o in problem.orders))


def test_both_sharings_are_efficient_and_explained(coop: tuple) -> None:
    _problem, _result, report = coop
    for shares in (report.proportional, report.shapley):
        assert sum(s.amount for s in shares) == pytest.approx(report.total.cost)
        assert len(shares) == len(report.producers) == 15
        assert all(s.amount >= 0 and s.explanation for s in shares)
    document = report_to_json(report)
    assert document["saved"]["km"] > 0 and len(document["sharing"]["shapley"]) == 15


def test_a_producer_without_a_known_farm_leaves_the_status_quo_unknown() -> None:
    problem = small_coop()
    delivery_only = [o for o in problem.orders if o.kind == Kind.DELIVERY][:3]
    problem = replace(problem, orders=delivery_only, farms={})
    result = plan(problem, matrix_for=estimate, seconds=0.5)
    report = evaluate(problem, result, matrix_for=estimate, status_quo_seconds=0.1, samples=10)
    assert report.status_quo is None and report.saved is None
    assert sum(s.amount for s in report.proportional) == pytest.approx(report.total.cost)


def test_a_vehicle_may_end_its_day_at_a_relay_platform() -> None:
    relay = Site(45.78, 3.10)
    van = Fleet("van", "workshop", capacity_kg=500, end_depot="relay")
    orders = [Job("a", Kind.DELIVERY, kg=10, delivery=CANTEEN)]
    depots = [Base("workshop", WORKSHOP), Base("relay", relay)]
    result = plan(Problem(depots, [van], orders), matrix_for=estimate, seconds=0.3)
    assert result.rounds[0].stops[0].place == WORKSHOP and result.rounds[0].stops[-1].place == relay
    with pytest.raises(ProblemError, match="vehicle van: unknown depot “nowhere”"):
        plan(Problem(depots, [replace(van, end_depot="nowhere")], orders), matrix_for=estimate)
