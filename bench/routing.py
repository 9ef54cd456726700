"""Routing benchmark: the project's own planning function (terroir.logistics.routing.plan, PyVRP inside)
on the sample instances in ../shared/data/benchmarks, against their best-known solutions (BKS).

- Solomon VRPTW 100, distance objective: gap to the "<name>_distance" BKS (target: mean ≤ 1 % at 10 s).
- Li & Lim PDPTW 100, fewest vehicles then distance: share of instances at the BKS vehicle count
  (target ≥ 90 %) and mean distance gap where it is reached (target ≤ 1.5 %).
Fixed seed. Not yet here: the multi-trip MTVRPTWR set and the realistic cooperative week.

    .venv/bin/python bench/routing.py                     # every instance, 10 s each (about 10 minutes)
    .venv/bin/python bench/routing.py --seconds 3 --limit 5

The last line starts with "SUMMARY routing:".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.logistics.readers import euclidean_exact, li_lim, solomon  # noqa: E402
from terroir.logistics.routing import plan  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=None, help="instances per set (default: all)")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: ../shared must be beside the project")
    solomon_gaps = solomon_set(args.seconds, args.limit)
    fleets, lilim_gaps = li_lim_set(args.seconds, args.limit)
    solomon_mean = statistics.mean(solomon_gaps)
    fleet_share = sum(fleets) / len(fleets) * 100
    lilim_mean = statistics.mean(lilim_gaps) if lilim_gaps else float("nan")
    met = solomon_mean <= 1.0 and fleet_share >= 90 and lilim_mean <= 1.5
    print(
        f"\nSUMMARY routing: seconds={args.seconds:g} solomon_n={len(solomon_gaps)} "
        f"solomon_mean_gap={solomon_mean:.2f}% solomon_max_gap={max(solomon_gaps):.2f}% "
        f"lilim_n={len(fleets)} lilim_bks_fleet={fleet_share:.0f}% lilim_mean_gap={lilim_mean:.2f}% "
        f"targets={'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
