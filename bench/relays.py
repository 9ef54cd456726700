"""Relay siting benchmark: the project's facility location engine (terroir.logistics.siting.site: Lagrangian
heuristic, reduced-cost fixing, then HiGHS through scipy.optimize.milp) on OR-Library's capacitated
facility location samples in ../shared/data/benchmarks/cflp, against their known optima (optima.json,
splittable demand).

- cap41…cap134 (16–50 sites × 50 customers): target proven optimal on every sample in ≤ 60 s.
- capa8000…capa14000 (capa.txt, 100 sites × 1,000 customers, every capacity set to the number): target
  within 0.5 % of the optimum in ≤ 120 s.
Per instance: cost, gap to the known optimum, the gap the engine states (0 when proven), wall and CPU
seconds (the machine may be shared: CPU time says what the solve itself cost), and the floor: one
transportation LP with every site open (HiGHS, the price of evaluating one solution), measured in the same
run, with the ratio solve / floor. `--compare` also runs HiGHS alone on the 100 × 1,000 samples (strong
formulation, then without the x ≤ y links and the cover), with the same time limit, to show what the
Lagrangian stage brings.

    .venv/bin/python bench/relays.py                      # every sample (about 3 minutes unloaded)
    .venv/bin/python bench/relays.py --only cap41,capa8000
    .venv/bin/python bench/relays.py --only capa8000 --compare

The last line starts with "SUMMARY relays:".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The engine is pure; the OR-Library reader is the command's, with translated messages.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")

import django  # noqa: E402

django.setup()

from terroir.logistics.relays import from_orlib  # noqa: E402
from terroir.logistics.siting import SitingProblem, site, transport  # noqa: E402

# ../shared beside the repository, or beside one of its parents (a git worktree).
DATA = next(
    (found for parent in ROOT.parents if (found := parent / "shared" / "data" / "benchmarks" / "cflp").is_dir()),
    ROOT.parent / "shared" / "data" / "benchmarks" / "cflp",
)


def instances(only: set[str] | None) -> list[tuple[str, Path, float | None]]:
    optima = json.loads((DATA / "optima.json").read_text())
    found: list[tuple[str, Path, float | None]] = []
    for name in optima:
        if name.startswith("_") or (only and name not in only):
            continue
        if name.startswith("capa"):
            found.append((name, DATA / "capa.txt", float(name[4:])))
        else:
            found.append((name, DATA / f"{name}.txt", None))
    return sorted(found, key=lambda item: (item[2] is not None, int("".join(filter(str.isdigit, item[0])))))


def floor_seconds(problem: SitingProblem) -> float:
    start = time.perf_counter()
    transport(problem, np.ones(problem.sites, dtype=bool))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated instance names (cap41, capa8000, …)")
    parser.add_argument("--small-seconds", type=float, default=60.0, help="time limit, 16–50 × 50 samples")
    parser.add_argument("--large-seconds", type=float, default=120.0, help="time limit, 100 × 1,000 samples")
    parser.add_argument("--compare", action="store_true", help="also HiGHS alone on the 100 × 1,000 samples")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: ../shared must be beside the project")
    optima = json.loads((DATA / "optima.json").read_text())
    rows: dict[str, list[dict[str, float]]] = {"small": [], "large": []}
    compared: list[str] = []
    for name, path, capacity in instances(set(args.only.split(",")) if args.only else None):
        family = "large" if capacity is not None else "small"
        limit = args.large_seconds if family == "large" else args.small_seconds
        problem = from_orlib(path, capacity=capacity)
        floor = floor_seconds(problem)
        result = site(problem, time_limit=limit)
        best = optima[name]
        gap = (result.cost - best) / best * 100
        rows[family].append({"gap": gap, "stated": result.gap * 100, "optimal": result.optimal,
                             "seconds": result.seconds, "cpu": result.cpu_seconds,
                             "ratio": result.seconds / floor})  # fmt: skip
        steps = result.steps
        print(f"  {name:10s} {problem.sites:3d}×{problem.customers:<4d} {result.cost:14.3f} vs {best:14.3f}  "
              f"gap {gap:7.4f} %  stated {result.gap * 100:6.4f} %  {'optimal' if result.optimal else 'not proven'}"
              f"  {result.seconds:5.1f} s (CPU {result.cpu_seconds:5.1f} s)  floor {floor:.3f} s  "
              f"ratio {result.seconds / floor:5.0f}  [heuristic {steps.get('heuristic_cost', float('nan')):.1f} "
              f"at {steps.get('heuristic_seconds', 0):.1f} s, {int(steps.get('sites_closed_for_good', 0))} sites "
              f"closed and {int(steps.get('sites_opened_for_good', 0))} opened for good]", flush=True)  # fmt: skip
        if args.compare and family == "large":
            for strong in (True, False):
                alone = site(problem, time_limit=limit, lagrangian=False, strong=strong)
                label = "strong" if strong else "weak"
                compared.append(f"highs_alone_{label}_{name}_gap={(alone.cost - best) / best * 100:.2f}%")
                print(f"    HiGHS alone, {label} formulation: {alone.cost:14.3f}  gap {compared[-1].split('=')[1]}"
                      f"  bound {alone.bound:.1f}  {alone.seconds:5.1f} s (CPU {alone.cpu_seconds:5.1f} s)",
                      flush=True)  # fmt: skip
    parts, met = [], True
    for family, wanted in (("small", "proven"), ("large", "0.5%")):
        found = rows[family]
        if not found:
            continue
        worst = max(r["seconds"] for r in found)
        if wanted == "proven":
            ok = all(r["optimal"] for r in found) and worst <= 60
        else:
            ok = all(r["gap"] <= 0.5 for r in found) and worst <= 120
        met &= ok
        parts.append(
            f"{family}_n={len(found)} {family}_proven={sum(bool(r['optimal']) for r in found)} "
            f"{family}_gap_max={max(r['gap'] for r in found):.4f}% "
            f"{family}_stated_max={max(r['stated'] for r in found):.4f}% "
            f"{family}_s_median={statistics.median(r['seconds'] for r in found):.1f} {family}_s_max={worst:.1f} "
            f"{family}_cpu_max={max(r['cpu'] for r in found):.1f} "
            f"{family}_floor_ratio_median={statistics.median(r['ratio'] for r in found):.0f}"
        )
    print(f"SUMMARY relays: {' '.join(parts + compared)} targets={'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
