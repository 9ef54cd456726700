"""The access indicator's engine (terroir/observatory/access.py) for every French commune: the nearest
place of each public kind and of any, and the population within 5/10/20 km, against 200,000 synthetic
places. Floor, measured in the same run: one bare SciPy cKDTree query of every commune against every
place (the unit vectors already built), the least any k-d tree answer costs.

    .venv/bin/python bench/observatory.py [--places 200000] [--rounds 5]

Communes: terroir/data/communes_france.csv.gz (full communes with a centre, ~34,900). Places: drawn
around communes' centres (weighted by population, a few km away), their kinds in the proportions of a
real directory (many farms and markets, few vending machines). The last line starts with
"SUMMARY observatory:". Target of issue 16: all indicators for all communes ≤ 10 s; this measures the
access indicator alone, outside the database (reading 200,000 positions from PlaceFacet is not counted).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.observatory.access import Targets, _unit_vectors, nearest, population_within  # noqa: E402

COMMUNES = ROOT / "terroir" / "data" / "communes_france.csv.gz"
KINDS = {"farm": 0.40, "market": 0.20, "amap": 0.05, "producers_shop": 0.05, "supermarket": 0.15, "shop": 0.08,
         "solidarity_grocery": 0.02, "cooperative_grocery": 0.02, "restaurant": 0.02, "vending": 0.01}  # fmt: skip


def communes_read() -> tuple[np.ndarray, np.ndarray, list[int | None]]:
    lats, lons, people = [], [], []
    with gzip.open(COMMUNES, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["type"] != "COM" or not row["centroid_lat"]:
                continue
            lats.append(float(row["centroid_lat"]))
            lons.append(float(row["centroid_lon"]))
            people.append(int(row["population_municipale"]) if row["population_municipale"] else None)
    return np.array(lats), np.array(lons), people


def places_make(lats: np.ndarray, lons: np.ndarray, people: list[int | None], count: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    weights = np.array([p or 1 for p in people], dtype=float) ** 0.5
    at = rng.choice(len(lats), size=count, p=weights / weights.sum())
    # A few km around the commune's centre (0.05° ≈ 5 km).
    plat = lats[at] + rng.normal(0, 0.05, count)
    plon = lons[at] + rng.normal(0, 0.07, count)
    kinds = rng.choice(list(KINDS), size=count, p=list(KINDS.values()))
    return plat, plon, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    lats, lons, people = communes_read()
    plat, plon, kinds = places_make(lats, lons, people, options.places)
    ids = np.arange(1, options.places + 1)
    print(f"{len(lats)} communes, {options.places} places, {len(KINDS)} kinds")

    # The machine is shared: processor time says what the work costs, wall time what a reader waits.
    engine, floor, cpu = [], [], []
    for _ in range(options.rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        rows = list(zip(ids.tolist(), plat.tolist(), plon.tolist(), strict=True))
        by_kind = {kind: [r for r, k in zip(rows, kinds, strict=True) if k == kind] for kind in KINDS}
        found = {"any": nearest(Targets.of(rows), lats, lons)}
        for kind, kind_rows in by_kind.items():
            found[kind] = nearest(Targets.of(kind_rows), lats, lons)
        reach = population_within([n.distance_km for n in found["any"]], people)
        engine.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)

        points, origins = _unit_vectors(plat, plon), _unit_vectors(lats, lons)
        start = time.process_time()
        cKDTree(points).query(origins)
        floor.append(time.process_time() - start)

    p50, f50, c50 = statistics.median(engine), statistics.median(floor), statistics.median(cpu)
    p95 = max(engine)  # of a handful of rounds
    shares = " ".join(f"{r.threshold_km:g}km={r.share:.3f}" for r in reach if r.share is not None)
    print(f"access, all kinds and any: wall p50 {p50:.2f} s, max {p95:.2f} s; processor p50 {c50:.2f} s; "
          f"floor (one bare query, processor) {f50:.3f} s")  # fmt: skip
    print(f"population within reach of any place: {shares}")
    print(f"SUMMARY observatory: communes={len(lats)} places={options.places} wall_p50_s={p50:.2f} "
          f"wall_max_s={p95:.2f} cpu_p50_s={c50:.2f} floor_cpu_s={f50:.3f} ratio_cpu={c50 / f50:.1f} "
          f"target_s=10 {'met' if c50 <= 10 else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
