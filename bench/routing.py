"""Routing benchmark: the project's own planning function (terroir.logistics.routing.plan, PyVRP inside)
on the sample instances in ../shared/data/benchmarks, against their best-known solutions (BKS).

- Solomon VRPTW 100, distance objective: gap to the "<name>_distance" BKS (target: mean ≤ 1 % at 10 s).
- Li & Lim PDPTW 100, fewest vehicles then distance: share of instances at the BKS vehicle count
  (target ≥ 90 %) and mean distance gap where it is reached (target ≤ 1.5 %).
- Multi-trip MTVRPTWR (VRPLIB, release dates, reloads), distance objective: gap to the proven optimum
  (target: mean ≤ 2 % at 30 s).
- The realistic cooperative week (bench/coop_week.py): 1 refrigerated truck + 1 van, 15 farms,
  40 customers, 3 days, planned in ≤ 5 s, with its saving against the status quo.
Fixed seed.

    .venv/bin/python bench/routing.py                     # everything (about 35 minutes)
    .venv/bin/python bench/routing.py --sets mtvrptwr --multi-seconds 30
    .venv/bin/python bench/routing.py --seconds 3 --limit 5

The last line starts with "SUMMARY routing:".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The engines are pure, but the cooperative week is read as the site reads a problem (problem_from_json checks
# it against the settings' limits).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")

import django  # noqa: E402

django.setup()

from terroir.logistics.distances import Estimate  # noqa: E402
from terroir.logistics.evaluate import evaluate  # noqa: E402
from terroir.logistics.problems import problem_from_json  # noqa: E402
from terroir.logistics.readers import euclidean_dimacs, euclidean_exact, li_lim, solomon, vrplib  # noqa: E402
from terroir.logistics.routing import plan  # noqa: E402
from terroir.logistics.scenario import cooperative_week  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "benchmarks"


def solomon_set(seconds: float, limit: int | None) -> list[float]:
    bks = json.loads((DATA / "solomon" / "BKS.json").read_text())
    gaps = []
    for path in sorted((DATA / "solomon").glob("*.txt"))[:limit]:
        best = bks[f"{path.stem}_distance"]["best_known_cost"]
        start = time.perf_counter()
        result = plan(
            solomon(path), matrix_for=euclidean_exact, seconds=seconds, objective="distance", distance_scale=100
        )
        gap = (result.km - best) / best * 100 if result.feasible else float("inf")
        gaps.append(gap)
        print(f"  solomon {path.stem:6s} {result.km:9.1f} vs {best:9.1f}  gap {gap:6.2f} %  "
              f"{len(result.rounds):2d} vehicles  {time.perf_counter() - start:4.1f} s", flush=True)  # fmt: skip
    return gaps


def li_lim_set(seconds: float, limit: int | None) -> tuple[list[bool], list[float]]:
    bks = json.loads((DATA / "li_lim_100" / "BKS.json").read_text())
    fleets, gaps = [], []
    for path in sorted((DATA / "li_lim_100").glob("*.txt"))[:limit]:
        best = bks[path.stem]
        start = time.perf_counter()
        result = plan(li_lim(path), matrix_for=euclidean_exact, seconds=seconds, objective="fleet", distance_scale=100)
        same_fleet = result.feasible and len(result.rounds) <= best["solved_with_vehicles"]
        fleets.append(same_fleet)
        gap = (result.km - best["best_known_cost"]) / best["best_known_cost"] * 100
        if same_fleet:
            gaps.append(gap)
        print(f"  li&lim  {path.stem:6s} {result.km:9.2f} vs {best['best_known_cost']:9.2f}  gap {gap:6.2f} %  "
              f"{len(result.rounds):2d}/{best['solved_with_vehicles']:2d} vehicles  "
              f"{time.perf_counter() - start:4.1f} s", flush=True)  # fmt: skip
    return fleets, gaps


def mtvrptwr_set(seconds: float, limit: int | None) -> list[float]:
    gaps = []
    for path in sorted((DATA / "mtvrptwr").glob("*.vrp"))[:limit]:
        solution = path.with_suffix(".sol").read_text()
        best = int(solution.split("Cost:")[1].split()[0])
        start = time.perf_counter()
        result = plan(vrplib(path), matrix_for=euclidean_dimacs, seconds=seconds, objective="distance",
                      distance_scale=10)  # fmt: skip
        found = round(result.km * 10)
        gap = (found - best) / best * 100 if result.feasible else float("inf")
        gaps.append(gap)
        trips = sum(r.trips for r in result.rounds)
        print(f"  mtvrptwr {path.stem:10s} {found:6d} vs {best:6d}  gap {gap:6.2f} %  {trips:2d} trips  "
              f"{time.perf_counter() - start:4.1f} s", flush=True)  # fmt: skip
    return gaps


def coop_week(plan_seconds: float = 3.0, scenarios: int = 3) -> tuple[float, str, bool]:
    """The cooperative week (offline distances): plan (3 s of search) + costs, status quo and sharing."""
    times, savings, shares, all_ok = [], [], [], True
    for seed in range(1, scenarios + 1):
        problem = problem_from_json(cooperative_week(seed))
        start = time.perf_counter()
        result = plan(problem, matrix_for=Estimate().matrix, seconds=plan_seconds, seed=1)
        report = evaluate(problem, result, matrix_for=Estimate().matrix)
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        assert report.status_quo is not None and report.saved is not None
        saved = report.saved["cost"] / report.status_quo.cost * 100
        savings.append(saved)
        shares.append((report.total.share or 0) * 100)
        all_ok &= result.feasible and not result.unserved
        print(f"  coop week seed {seed}: {len(problem.orders)} orders, {len(result.rounds)} vehicle-days, "
              f"{result.km:.0f} km vs {report.status_quo.km:.0f} km alone, cost {report.total.cost:.0f} € vs "
              f"{report.status_quo.cost:.0f} € (saves {saved:.0f} %, CO2 saved {report.saved['co2_kg']:.0f} kg, "
              f"hours saved {report.saved['hours']:.1f}), feasible {result.feasible}, "
              f"transport = {shares[-1]:.1f} % of value, {len(result.unserved)} unserved, "
              f"{elapsed:.2f} s", flush=True)  # fmt: skip
    worst = max(times)
    summary = (
        f"coop_week_s_median={statistics.median(times):.2f} coop_week_s_max={worst:.2f} "
        f"coop_saving_median={statistics.median(savings):.0f}% coop_share_median={statistics.median(shares):.1f}%"
    )
    return worst, summary, all_ok and worst <= 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="per Solomon / Li & Lim instance")
    parser.add_argument("--multi-seconds", type=float, default=30.0, help="per MTVRPTWR instance")
    parser.add_argument("--limit", type=int, default=None, help="instances per set (default: all)")
    parser.add_argument("--sets", default="solomon,lilim,mtvrptwr,coop", help="comma-separated")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: ../shared must be beside the project")
    sets = set(args.sets.split(","))
    parts, met = [], True
    if "solomon" in sets:
        gaps = solomon_set(args.seconds, args.limit)
        mean = statistics.mean(gaps)
        met &= mean <= 1.0
        parts.append(f"solomon_n={len(gaps)} solomon_mean_gap={mean:.2f}% solomon_max_gap={max(gaps):.2f}%")
    if "lilim" in sets:
        fleets, lilim_gaps = li_lim_set(args.seconds, args.limit)
        fleet_share = sum(fleets) / len(fleets) * 100
        mean = statistics.mean(lilim_gaps) if lilim_gaps else float("nan")
        met &= fleet_share >= 90 and mean <= 1.5
        parts.append(f"lilim_n={len(fleets)} lilim_bks_fleet={fleet_share:.0f}% lilim_mean_gap={mean:.2f}%")
    if "mtvrptwr" in sets:
        gaps = mtvrptwr_set(args.multi_seconds, args.limit)
        mean = statistics.mean(gaps)
        met &= mean <= 2.0
        parts.append(f"mtvrptwr_n={len(gaps)} mtvrptwr_mean_gap={mean:.2f}% mtvrptwr_max_gap={max(gaps):.2f}%")
    if "coop" in sets:
        _seconds, summary, ok = coop_week()
        met &= ok
        parts.append(summary)
    print(f"\nSUMMARY routing: seconds={args.seconds:g}/{args.multi_seconds:g} {' '.join(parts)} "
          f"targets={'met' if met else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
