"""Relay siting study benchmark: what a study of a week costs on the worker (terroir.logistics.relay_study:
the figures of every (way, demand) pair — distances, km in town along every leg, CO₂ — then the scenarios
of 0, 1, 2… platforms, each solved by siting.site), on synthetic territories around Clermont-Ferrand.

Sizes: a territory's week (20 candidates × 300 orders from 60 farms to 150 customers) and a large one
(50 candidates × 1,500 orders, 150 farms, 600 customers), 3,000 commune centres. The floor, measured in the
same run: one road-distance matrix of the same points (Estimate, the offline estimate), which any study must
compute. Median and p95 over the repeats, wall and CPU; the ratio study / floor.

    .venv/bin/python bench/relay_study.py [--repeats 5]

The last line starts with "SUMMARY relay_study:".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.logistics import relay_study  # noqa: E402
from terroir.logistics.distances import Estimate  # noqa: E402
from terroir.logistics.relay_study import Candidate, Order, Study  # noqa: E402

CENTRE = (45.7772, 3.0870)  # Clermont-Ferrand


def territory(rng: random.Random, candidates: int, orders: int, farms: int, customers: int) -> Study:
    def near(spread: float) -> tuple[float, float]:
        return (CENTRE[0] + rng.gauss(0, spread), CENTRE[1] + rng.gauss(0, spread * 1.4))

    farm_at = [near(0.35) for _ in range(farms)]
    customer_at = [near(0.12) for _ in range(customers)]
    return Study(
        candidates=[Candidate(f"r{i}", near(0.2), fixed_cost=rng.uniform(60, 250),
                              capacity_kg=rng.choice([500, 1000, 2000, 4000]) * 5, cold_room=rng.random() < 0.6)
                    for i in range(candidates)],
        orders=[Order(f"o{k}", f"p{(f := rng.randrange(farms))}", farm_at[f], f"c{(c := rng.randrange(customers))}",
                      customer_at[c], kg=rng.uniform(5, 120), cold=rng.random() < 0.3)
                for k in range(orders)],
    )  # fmt: skip


def town(rng: random.Random, count: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([(CENTRE[0] + rng.uniform(-1, 1), CENTRE[1] + rng.uniform(-1.4, 1.4)) for _ in range(count)])
    near = np.hypot(centres[:, 0] - CENTRE[0], (centres[:, 1] - CENTRE[1]) / 1.4) < 0.08
    return centres, near | (np.array([rng.random() for _ in range(count)]) < 0.02)


def points_of(study: Study) -> list[tuple[float, float]]:
    seen: dict[tuple[float, float], None] = {}
    for c in study.candidates:
        assert c.at is not None
        seen[c.at] = None
    for o in study.orders:
        assert o.farm_at is not None and o.customer_at is not None
        seen[o.farm_at] = None
        seen[o.customer_at] = None
    return list(seen)


def measure(name: str, study: Study, centres: np.ndarray, inside: np.ndarray, repeats: int) -> dict[str, float]:
    estimate = Estimate()
    walls, cpus, floors = [], [], []
    found: list[relay_study.Scenario] = []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        estimate.matrix(points_of(study))
        floors.append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        found = relay_study.scenarios(study, matrix_for=estimate.matrix, centres=centres, town=inside, time_limit=60)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    p95 = sorted(cpus)[min(len(cpus) - 1, int(0.95 * len(cpus)))]
    floor = max(statistics.median(floors), 1e-6)
    cpu = statistics.median(cpus)
    print(f"{name}: {len(study.candidates)} candidates × {len(study.orders)} orders, {len(found)} scenarios; "
          f"study p50 {statistics.median(walls):.2f} s wall, {cpu:.2f} s CPU (p95 {p95:.2f}); "
          f"floor (distance matrix) {floor * 1000:.1f} ms CPU, ratio ×{cpu / floor:.0f}")  # fmt: skip
    for s in found:
        print(f"  ≤ {s.platforms if s.platforms is not None else '∞'} platforms: cost {s.cost:.0f} €, "
              f"km {s.km:.0f}, in town {s.km_town:.0f} (heavy {s.km_town_heavy:.0f}), CO₂e {s.co2_kg:.0f} kg, "
              f"open {len(s.open)}, {'optimal' if s.optimal else f'gap {s.gap:.2%}'}")  # fmt: skip
    return {"cpu": statistics.median(cpus), "wall": statistics.median(walls), "floor": floor,
            "optimal": float(all(s.optimal for s in found))}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(17)
    centres, inside = town(rng)
    week = measure("week", territory(rng, 20, 300, 60, 150), centres, inside, args.repeats)
    large = measure("large", territory(rng, 50, 1500, 150, 600), centres, inside, max(1, args.repeats // 2))
    optimal = "all" if week["optimal"] and large["optimal"] else "not all"
    print(f"SUMMARY relay_study: week {week['cpu']:.2f}s CPU ({week['wall']:.2f}s wall, "
          f"×{week['cpu'] / week['floor']:.0f} floor) large {large['cpu']:.2f}s CPU ({large['wall']:.2f}s wall, "
          f"×{large['cpu'] / large['floor']:.0f} floor) optimal={optimal}")  # fmt: skip


if __name__ == "__main__":
    main()
