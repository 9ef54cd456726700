"""Two-echelon benchmark: the demo-like cooperative week (terroir/logistics/scenario.py: 15 farms, 40
customers, a refrigerated truck and a van at the cutting workshop, Tuesday to Thursday) planned twice with
the project's planner (terroir.logistics.routing.plan):

- direct: the pooled rounds as today, every farm-to-customer order carried by one vehicle (the floor);
- relay: one relay platform at the town's entrance (TOWN_KM from the customers' centroid, towards the
  workshop) with two refrigerated vans of its own; every
  farm-to-customer order passes through it (collection rounds by the workshop's vehicles, then the
  platform's delivery rounds, each leaving once its goods have arrived: two phases);
- town: the same platform, through which pass only the orders of customers in town (within TOWN_KM of
  the centroid), the others delivered directly;

and compares both with the status quo (each producer alone, evaluate.py): km, cost, kg CO₂e, vehicle-days,
km driven by lorries within TOWN_KM of the customers' centroid (the "fewer trucks in town" the platform is
for), and the planning time. The search stops after a fixed number of iterations (`--iterations`, per
phase), so that the time says what the work costs on any machine; wall and processor seconds are printed,
and the ratio of the relay plan's time to the direct plan's (the floor, measured in the same run). Each plan
is driven again by the independent check (terroir.logistics.feasibility): minutes late and faults, per plan
and in the summary (`late_min=` per week, "!" when the check found faults), with the minutes of it that no
plan could avoid (`unavoidable_min=`: the orders late in every plan, feasibility.lateness_floor, a lower
bound), and the minutes every plan is late at least in all once the orders only one vehicle can carry
compete for its days (`bound_min=`: feasibility.competition_floor, never less than `unavoidable_min`), and
the faults no plan may have however late (`cold_chain_faults=`: cold goods aboard a vehicle
without refrigerated space; `early_departures=`: a platform's van leaving before the goods it carries;
`empty_trips=`: a return to reload next to another stop at the depot, a trip with nothing in it).

    .venv/bin/python bench/two_echelon.py                  # 3 weeks (seeds 1–3), 2,000 iterations
    .venv/bin/python bench/two_echelon.py --scenarios 1 --iterations 500

The last line starts with "SUMMARY two_echelon:".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The engines are pure; the week is read as the site reads a problem (problem_from_json and its limits).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")

import django  # noqa: E402

django.setup()

from terroir.lib.geo import haversine_km  # noqa: E402
from terroir.logistics.distances import Estimate  # noqa: E402
from terroir.logistics.evaluate import evaluate  # noqa: E402
from terroir.logistics.feasibility import (  # noqa: E402
    competition_floor,
    fastest_drives,
    lateness_floor,
    plan_check_with,
    travel_times,
)
from terroir.logistics.problems import problem_from_json  # noqa: E402
from terroir.logistics.routing import Plan, Problem, Site, places_of, plan  # noqa: E402
from terroir.logistics.scenario import WEEK, cooperative_week  # noqa: E402

TOWN_KM = 10.0  # "in town": within this distance of the customers' centroid
LORRIES = {"truck", "refrigerated_truck"}


def with_platform(week: dict[str, Any], *, town_only: bool) -> tuple[dict[str, Any], tuple[float, float]]:
    """The same week with a relay platform at the town's entrance and two refrigerated vans based there;
    every farm-to-customer order passes through it (`town_only`: those of customers in town)."""
    points = [o["delivery"] for o in week["orders"] if o.get("delivery")]
    centre = (sum(p["lat"] for p in points) / len(points), sum(p["lon"] for p in points) / len(points))
    # At the town's edge (TOWN_KM from the centroid) on the workshop's side: lorries stop there.
    workshop = week["depots"][0]["place"]
    away = haversine_km(workshop["lat"], workshop["lon"], *centre)
    towards = (workshop["lat"] - centre[0], workshop["lon"] - centre[1]) if away > 0.1 else (0.0, 0.01)
    t = TOWN_KM / (haversine_km(centre[0] + towards[0], centre[1] + towards[1], *centre) or 1.0)
    entrance = (centre[0] + towards[0] * t, centre[1] + towards[1] * t)
    platform = {"id": "plateforme", "place": {"lat": round(entrance[0], 5), "lon": round(entrance[1], 5)},
                "hours": ["05:00", "20:00"]}  # fmt: skip
    van = {"id": "plateforme-frigo", "depot": "plateforme", "vehicle_type": "refrigerated_van", "capacity_kg": 900,
           "capacity_crates": 70, "cold_kg": 900, "per_km": 0.55, "per_hour": 18, "fixed_per_day": 30,
           "hours": ["06:00", "17:00"], "days": WEEK, "max_reloads": 2, "count": 2}  # fmt: skip

    def through(order: dict[str, Any]) -> bool:
        if order.get("kind", "shipment") != "shipment":
            return False
        return not town_only or haversine_km(order["delivery"]["lat"], order["delivery"]["lon"], *centre) <= TOWN_KM

    orders = [o | {"via": "plateforme"} if through(o) else o for o in week["orders"]]
    return week | {"depots": [*week["depots"], platform], "vehicles": [*week["vehicles"], van],
                   "orders": orders}, centre  # fmt: skip


def lorry_km_in_town(problem: Problem, result: Plan, centre: tuple[float, float]) -> float:
    """km driven by lorries on legs whose both ends are in town (a leg's straight line, times the road factor
    of the offline estimate: the same measure for both plans)."""
    kinds = {v.id: v.vehicle_type for v in problem.vehicles}
    estimate = Estimate()

    def inside(place: Site) -> bool:
        return haversine_km(place.lat or 0.0, place.lon or 0.0, *centre) <= TOWN_KM

    total = 0.0
    for r in result.rounds:
        if kinds[r.vehicle] not in LORRIES:
            continue
        for a, b in zip(r.stops, r.stops[1:], strict=False):
            if inside(a.place) and inside(b.place):
                pair = [(a.place.lat or 0.0, a.place.lon or 0.0), (b.place.lat or 0.0, b.place.lon or 0.0)]
                total += float(estimate.matrix(pair).km[0, 1])
    return total


def run(problem: Problem, iterations: int) -> tuple[Plan, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = plan(problem, matrix_for=Estimate().matrix, seconds=600, seed=1, iterations=iterations)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=3, help="weeks (seeds 1…N)")
    parser.add_argument("--iterations", type=int, default=2000, help="search iterations per phase")
    args = parser.parse_args()
    figures: dict[str, list[dict[str, float]]] = {"relay": [], "town": []}
    for seed in range(1, args.scenarios + 1):
        week = cooperative_week(seed)
        direct_problem = problem_from_json(week)
        direct, direct_wall, direct_cpu = run(direct_problem, args.iterations)
        d = evaluate(direct_problem, direct, matrix_for=Estimate().matrix, samples=50)
        alone = d.status_quo
        assert alone is not None
        _full, centre = with_platform(week, town_only=False)
        d_town = lorry_km_in_town(direct_problem, direct, centre)
        print(f"week {seed}: {len(direct_problem.orders)} orders")
        line(" direct", direct, d, direct_wall, direct_cpu, d_town, late_minutes(direct_problem, direct))
        for name, town_only in (("relay", False), ("town", True)):
            problem = problem_from_json(with_platform(week, town_only=town_only)[0])
            result, wall, cpu = run(problem, args.iterations)
            report = evaluate(problem, result, matrix_for=Estimate().matrix, samples=50)
            lorry = lorry_km_in_town(problem, result, centre)
            transferred = sum(1 for o in problem.orders if o.via)
            late = late_minutes(problem, result)
            line(f"{name:>6s} ({transferred} through the platform)", result, report, wall, cpu, lorry, late)
            figures[name].append({
                "wall": wall, "cpu_ratio": cpu / direct_cpu if direct_cpu else float("nan"),
                "km": report.total.km / d.total.km, "cost": report.total.cost / d.total.cost,
                "co2": report.total.co2_kg / d.total.co2_kg, "town_before": d_town, "town_after": lorry,
                "vs_alone": report.total.cost / alone.cost, "direct_wall": direct_wall,
                "ok": float(result.feasible and not result.unserved), "late": late[0], "wrong": late[1],
                "unavoidable": late[2], "bound": late[4], "cold_chain": late[3].get("cold_chain", 0),
                "early_departure": late[3].get("early_departure", 0), "empty_trip": late[3].get("empty_trip", 0),
            })  # fmt: skip
        print(f"  alone  {alone.km:7.0f} km  {alone.cost:7.0f} €  {alone.co2_kg:6.0f} kg CO2e  "
              f"{alone.days:2d} vehicle-days")  # fmt: skip

    def lates(name: str, key: str = "late") -> str:
        return "/".join(f"{f[key]:.0f}" + ("!" if f["wrong"] and key == "late" else "") for f in figures[name])

    def median(name: str, key: str) -> float:
        return statistics.median(f[key] for f in figures[name])

    direct_s = median("relay", "direct_wall")
    parts = [f"weeks={args.scenarios} iterations={args.iterations} direct_s_median={direct_s:.2f}"]
    for name in figures:
        parts.append(
            f"{name}: s_median={median(name, 'wall'):.2f} cpu_ratio={median(name, 'cpu_ratio'):.2f} "
            f"km={median(name, 'km'):.2f} cost={median(name, 'cost'):.2f} co2={median(name, 'co2'):.2f} "
            f"lorry_km_in_town={median(name, 'town_before'):.0f}->{median(name, 'town_after'):.0f} "
            f"cost/alone={median(name, 'vs_alone'):.2f} all_served={min(f['ok'] for f in figures[name]) == 1} "
            f"late_min={lates(name)} unavoidable_min={lates(name, 'unavoidable')} bound_min={lates(name, 'bound')} "
            f"cold_chain_faults={lates(name, 'cold_chain')} early_departures={lates(name, 'early_departure')} "
            f"empty_trips={lates(name, 'empty_trip')}"
        )
    print("\nSUMMARY two_echelon: " + " | ".join(parts) + " (ratios against the direct pooled plan)")


def late_minutes(problem: Problem, result: Plan) -> tuple[float, int, float, dict[str, int], float]:
    """Minutes late, summed over the stops and ends of days, as the independent check drives the plan again
    (terroir.logistics.feasibility); a plan it finds wrong otherwise (goods not at the platform, capacity) is
    printed, and counted (a "!" after the week's minutes in the summary). Third: the minutes of it that are
    unavoidable — the orders carried that are late in every plan, at the least (feasibility.lateness_floor,
    a lower bound of the checked minutes of any plan without faults). Fourth: the faults no plan may have
    however late, by kind (cold goods aboard a vehicle without refrigerated space, "cold_chain"; a platform's
    van leaving before its goods, "early_departure"), also in the summary. Fifth: the lower bound that sees the
    orders compete for the one vehicle that can carry them (feasibility.competition_floor), on the orders
    carried."""
    places = places_of(problem, problem.orders)
    checked = plan_check_with(problem, result, Estimate().matrix, places)
    for problem_ in checked.problems[:3]:
        print(f"    check: {problem_}")
    left_out = {order_id for order_id, _reason in result.unserved}
    seconds = travel_times(Estimate().matrix, [*places, *(d.place for d in problem.depots)])
    drive = fastest_drives(problem, seconds)  # once for both bounds
    floors = lateness_floor(problem, seconds, drive=drive)
    unavoidable = sum(floor.late_s for order_id, floor in floors.items() if order_id not in left_out)
    carried = replace(problem, orders=[o for o in problem.orders if o.id not in left_out])
    together = competition_floor(carried, seconds, floors=floors, drive=drive).late_s
    return checked.late_s / 60, len(checked.problems), unavoidable / 60, checked.kinds, together / 60


def line(
    name: str, result: Plan, report: Any, wall: float, cpu: float, lorry: float,
    late: tuple[float, int, float, dict[str, int], float],
) -> None:  # fmt: skip
    print(f"  {name}: {report.total.km:.0f} km, {report.total.cost:.0f} €, {report.total.co2_kg:.0f} kg CO2e, "
          f"{len(result.rounds)} vehicle-days, lorry km in town {lorry:.1f}, share of value "
          f"{(report.total.share or 0) * 100:.1f} %, feasible {result.feasible}, unserved {len(result.unserved)}, "
          f"late {late[0]:.0f} min (checked, {late[2]:.0f} unavoidable, bound {late[4]:.0f}), {late[1]} wrong, "
          f"{wall:.2f} s wall, "
          f"{cpu:.2f} s cpu",
          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
