"""Matching benchmark: 100,000 producers across France (the real taxonomy and labels), random needs.

Times `rank()` for one need at a time (p50/p95 over --needs needs) and for a batch of 1,000 needs, against
a floor measured in the same run: the bare great-circle distance from the need to every producer with
numpy (what any matching must at least do). Also checks the vectorised ranking against the scalar
`score()` on a sample.

    .venv/bin/python bench/matching.py                  # 100,000 producers, 200 timed needs, batch of 1,000
    .venv/bin/python bench/matching.py --producers 20000 --batch 200

The last line starts with "SUMMARY matching:".
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from bench.search import percentile  # noqa: E402
from terroir.directory.taxonomy import LABELS, REQUIREMENTS, walk  # noqa: E402
from terroir.needs.matching import (  # noqa: E402
    NeedSpec,
    ProducerProfile,
    ProducerTable,
    Supply,
    rank,
    score,
)
from terroir.needs.services import road_factor  # noqa: E402

SINGLE_P95_TARGET_MS = 200.0
BATCH_TARGET_S = 60.0
FRANCE = (42.5, 51.0, -4.5, 8.0)


def producers_make(count: int, rng: random.Random) -> list[ProducerProfile]:
    paths = [path for _node, _parent, path, depth in walk() if depth >= 1]
    labels = [slug for slug, *_rest in LABELS]
    producers = []
    for i in range(count):
        supplies = tuple(
            Supply(
                category=path,
                months=rng.choice((4095, 0b000111111000, 0b111000000111)),
                labels=frozenset(rng.sample(labels, rng.choice((0, 0, 1, 2)))),
                monthly_volume=rng.choice((None, rng.uniform(10, 2000))),
            )
            for path in rng.sample(paths, rng.randint(1, 4))
        )
        producers.append(
            ProducerProfile(
                id=i + 1,
                name=f"producer {i + 1}",
                lat=rng.uniform(*FRANCE[:2]),
                lon=rng.uniform(*FRANCE[2:]),
                supplies=supplies,
                delivery_radius_km=rng.choice((None, 20.0, 40.0, 80.0)),
                delivery_weekdays=rng.randint(0, 127),
                requirements=frozenset(rng.sample(REQUIREMENTS, rng.randint(0, 3))),
            )
        )
    return producers


def needs_make(count: int, producers: list[ProducerProfile], rng: random.Random) -> list[NeedSpec]:
    paths = [path for _node, _parent, path, _depth in walk()]
    labels = [slug for slug, *_rest in LABELS]
    needs = []
    for _ in range(count):
        near = rng.choice(producers)
        needs.append(
            NeedSpec(
                category=rng.choice(paths),
                lat=near.lat + rng.uniform(-0.2, 0.2),
                lon=near.lon + rng.uniform(-0.2, 0.2),
                max_km=rng.choice((30.0, 80.0, 150.0, 250.0)),
                monthly_quantity=rng.uniform(20, 800),
                weekdays=rng.randint(1, 127),
                labels=frozenset(rng.sample(labels, rng.choice((0, 0, 1)))),
                requirements=frozenset(rng.sample(REQUIREMENTS, rng.randint(0, 2))),
            )
        )
    return needs


def floor_ms(table: ProducerTable, need: NeedSpec) -> float:
    start = time.perf_counter()
    lat1, lon1 = math.radians(need.lat), math.radians(need.lon)
    a = np.sin((table.lat - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(table.lat) * np.sin((table.lon - lon1) / 2) ** 2
    np.arcsin(np.sqrt(a))
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    road = road_factor()
    rng = random.Random(7)
    print(f"making {args.producers} producers…", flush=True)
    producers = producers_make(args.producers, rng)
    start = time.perf_counter()
    table = ProducerTable.build(producers)
    build_s = time.perf_counter() - start
    print(f"table built in {build_s:.1f} s ({len(table.producer)} supplies)", flush=True)
    needs = needs_make(max(args.needs, args.batch), producers, rng)

    for need in needs[:10]:  # warm-up
        rank(need, table, road_factor=road)
    singles, floors, found = [], [], []
    for need in needs[: args.needs]:
        floors.append(floor_ms(table, need))
        start = time.perf_counter()
        ranked = rank(need, table, limit=50, road_factor=road)
        singles.append((time.perf_counter() - start) * 1000)
        found.append(len(ranked))
    timing = f"p50 {statistics.median(singles):.1f} ms, p95 {percentile(singles, 0.95):.1f} ms"
    print(f"single need: {timing} (floor p50 {statistics.median(floors):.2f} ms); {statistics.median(found):.0f} shown")

    start = time.perf_counter()
    for index, need in enumerate(needs[: args.batch], start=1):
        rank(need, table, limit=50, road_factor=road)
        if index % 250 == 0:
            print(f"  batch: {index}/{args.batch} needs ranked", flush=True)
    batch_s = time.perf_counter() - start

    # The vectorised ranking agrees with the scalar score on a sample of needs.
    mismatches = 0
    sample = producers[:2000]
    small = ProducerTable.build(sample)
    for need in needs[:50]:
        fast = {s.producer_id: s.total for s in rank(need, small, limit=len(sample), road_factor=road)}
        slow = {p.id: s.total for p in sample if (s := score(need, p, road_factor=road)) is not None}
        if fast.keys() != slow.keys() or any(abs(fast[k] - slow[k]) > 1e-9 for k in fast):
            mismatches += 1

    p95 = percentile(singles, 0.95)
    verdict = "met" if p95 <= SINGLE_P95_TARGET_MS and batch_s <= BATCH_TARGET_S and mismatches == 0 else "NOT met"
    print(
        f"\nSUMMARY matching: producers={args.producers} single_p50={statistics.median(singles):.1f}ms "
        f"single_p95={p95:.1f}ms floor_p50={statistics.median(floors):.2f}ms "
        f"p95/floor={p95 / statistics.median(floors):.0f} batch_{args.batch}={batch_s:.1f}s "
        f"table_build={build_s:.1f}s scalar_mismatches={mismatches} targets={verdict}"
    )


if __name__ == "__main__":
    main()
