"""Speed-dating benchmark: 300 producers × 100 buyers, 3,000 distinct wishes (a third mutual).

Schedules them with room for all (the optimal number of rounds must equal the lower bound
max(most wishes of one participant, ⌈wishes / tables⌉)), then with too few rounds (the selection
programme runs), checking every schedule for double bookings and over-used tables.

    .venv/bin/python bench/meetings.py
    .venv/bin/python bench/meetings.py --wishes 6000 --tables 80

The last line starts with "SUMMARY meetings:".
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.meetings.scheduling import Schedule, Wish, schedule  # noqa: E402

TARGET_S = 2.0


def wishes_make(producers: int, buyers: int, count: int, rng: random.Random) -> list[Wish]:
    """Buyers are not equally wanted: a few supermarkets draw many more wishes than a small grocery."""
    weights = [1.0 / (rank + 1) ** 0.2 for rank in range(buyers)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < count:
        pairs.add((rng.randrange(producers), 1000 + rng.choices(range(buyers), weights)[0]))
    return [Wish(p, b, mutual=rng.random() < 1 / 3) for p, b in sorted(pairs)]


def violations(plan: Schedule, tables: int) -> int:
    bad = sum(n - 1 for n in Counter((m.slot, m.producer) for m in plan.pairings).values() if n > 1)
    bad += sum(n - 1 for n in Counter((m.slot, m.buyer) for m in plan.pairings).values() if n > 1)
    bad += sum(n - 1 for n in Counter((m.slot, m.table) for m in plan.pairings).values() if n > 1)
    return bad + sum(1 for m in plan.pairings if m.table >= tables)


def timed(wishes: list[Wish], slots: int, tables: int, runs: int) -> tuple[Schedule, list[float]]:
    times = []
    plan = None
    for _ in range(runs):
        start = time.perf_counter()
        plan = schedule(wishes, slots=slots, tables=tables)
        times.append(time.perf_counter() - start)
    assert plan is not None
    return plan, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--producers", type=int, default=300)
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--wishes", type=int, default=3000)
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(3)
    wishes = wishes_make(args.producers, args.buyers, args.wishes, rng)
    degree = Counter(w.producer for w in wishes) + Counter(w.buyer for w in wishes)
    bound = max(max(degree.values()), math.ceil(len(wishes) / args.tables))
    print(f"{len(wishes)} wishes, busiest participant {max(degree.values())}, {args.tables} tables: "
          f"lower bound {bound} rounds", flush=True)  # fmt: skip

    roomy, roomy_times = timed(wishes, bound + 20, args.tables, args.runs)
    print(f"all fit: {len(roomy.pairings)} meetings in {roomy.slots_used} rounds, "
          f"median {statistics.median(roomy_times):.2f} s, worst {max(roomy_times):.2f} s", flush=True)  # fmt: skip

    tight_slots = max(1, bound * 2 // 3)
    tight, tight_times = timed(wishes, tight_slots, args.tables, args.runs)
    mutual_total = sum(w.mutual for w in wishes)
    mutual_placed = sum(m.mutual for m in tight.pairings)
    placed = f"{len(tight.pairings)} meetings placed ({mutual_placed}/{mutual_total} mutual)"
    print(f"{tight_slots} rounds only: {placed}, {len(tight.unplaced)} left with a reason, "
          f"median {statistics.median(tight_times):.2f} s", flush=True)  # fmt: skip

    bad = violations(roomy, args.tables) + violations(tight, args.tables)
    optimal = roomy.slots_used == bound and not roomy.unplaced
    worst = max(max(roomy_times), max(tight_times))
    verdict = "met" if optimal and bad == 0 and worst <= TARGET_S else "NOT met"
    print(
        f"\nSUMMARY meetings: wishes={len(wishes)} rounds={roomy.slots_used} lower_bound={bound} "
        f"optimal={'yes' if optimal else 'NO'} time_median={statistics.median(roomy_times):.2f}s "
        f"time_worst={worst:.2f}s tight_rounds={tight_slots} tight_placed={len(tight.pairings)} "
        f"tight_capacity={tight_slots * args.tables} violations={bad} targets={verdict}"
    )


if __name__ == "__main__":
    main()
