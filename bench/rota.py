"""Rota benchmark: Le Local (Ambert) over 8 weeks — 12 associates, four half-days a week plus Saturday
mornings, realistic unavailability — solved exactly by the rota engine (HiGHS through SciPy).

The openings: Tuesday and Friday afternoons (15:00–19:00, three people: the busy ones), Wednesday and
Thursday mornings (09:00–13:00, two people), Saturday morning (09:00–12:30, two people): twelve seats a
week. Targets 6–8 h per fortnight: with openings of 4 h and 3 h 30, everybody gives exactly two a
fortnight, which is what twelve seats a week for twelve people ask: a tight problem.
Unavailability: the associates who sell at Ambert's Thursday market are never free on Thursday mornings;
some never come on Saturdays (their own farm shop); each takes a week off in the eight (haymaking,
holidays); each has two more days away (a fair, the vet, a meeting); three are willing to stay for two
openings of a day.

It checks every rule on the rota found (seats filled, availability, hours per fortnight, once a day),
and times a floor in the same run: the same shop over its first fortnight only, solved the same way.
Then the same shop with everybody always available: nothing tells people apart, the hardest case for
HiGHS to prove the fairest.

    .venv/bin/python bench/rota.py
    .venv/bin/python bench/rota.py --weeks 16 --runs 3

The last line starts with "SUMMARY rota:".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Hashable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.shops import rota  # noqa: E402

TARGET_S = 10.0
# (weekday, minutes, people needed): Tuesday pm, Wednesday am, Thursday am, Friday pm, Saturday am.
OPENINGS = [(1, 240, 3), (2, 240, 2), (3, 240, 2), (4, 240, 3), (5, 210, 2)]
NAMES = ["Florent", "Claire", "Marc", "Sylvie", "Jean", "Agnès", "Paul", "Lucie", "Bernard", "Nadia", "Rémi", "Odile"]


def problem_make(weeks: int, rng: random.Random) -> rota.Problem:
    days = 7 * weeks
    slots = [
        rota.Slot(f"w{week}d{weekday}", 7 * week + weekday, minutes, needed)
        for week in range(weeks)
        for weekday, minutes, needed in OPENINGS
    ]
    people: list[rota.Person] = []
    available: dict[Hashable, frozenset[Hashable]] = {}
    market = set(rng.sample(NAMES, 4))  # sell at Thursday's market
    no_saturday = set(rng.sample([n for n in NAMES if n not in market], 3))
    willing = set(rng.sample(NAMES, 3))
    for name in NAMES:
        people.append(rota.Person(name, 360, 480, twice_a_day=name in willing))
        week_off = rng.randrange(weeks)
        away = {7 * week_off + d for d in range(7)} | {rng.randrange(days) for _ in range(2)}
        available[name] = frozenset(
            s.key for s in slots
            if s.day not in away
            and not (name in market and s.day % 7 == 3)
            and not (name in no_saturday and s.day % 7 == 5)
        )  # fmt: skip
    return rota.Problem(slots, people, available, days)


def violations(problem: rota.Problem, outcome: rota.Outcome) -> int:
    slots = {s.key: s for s in problem.slots}
    people = {p.key: p for p in problem.people}
    bad = sum(1 for s in problem.slots if len(set(outcome.assignments[s.key])) != s.needed)
    bad += sum(1 for key, who in outcome.assignments.items() for p in who if key not in problem.available[p])
    per_day: Counter[tuple[object, int]] = Counter()
    minutes: dict[tuple[object, int], int] = defaultdict(int)
    for key, who in outcome.assignments.items():
        for p in who:
            per_day[(p, slots[key].day)] += 1
            minutes[(p, slots[key].day // rota.FORTNIGHT_DAYS)] += slots[key].minutes
    bad += sum(1 for (p, _day), n in per_day.items() if n > 1 and not people[p].twice_a_day)
    for number, (_start, length) in enumerate(rota.fortnights(problem.days)):
        for person in problem.people:
            low, high = rota.targets(person, length)
            bad += not low <= minutes[(person.key, number)] <= high
    return bad


def timed(problem: rota.Problem, runs: int, limit: float) -> tuple[rota.Outcome, list[float]]:
    times, outcome = [], None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = rota.solve(problem, time_limit_s=limit)
        times.append(time.perf_counter() - start)
    assert outcome is not None
    return outcome, times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    problem = problem_make(args.weeks, rng)
    seats = sum(s.needed for s in problem.slots)
    free = sum(len(v) for v in problem.available.values())
    print(f"{len(problem.people)} associates, {args.weeks} weeks, {len(problem.slots)} openings, {seats} seats, "
          f"{free} (person, opening) pairs available", flush=True)  # fmt: skip

    floor_problem = rota.Problem(
        [s for s in problem.slots if s.day < rota.FORTNIGHT_DAYS], problem.people, problem.available,
        min(problem.days, rota.FORTNIGHT_DAYS),
    )  # fmt: skip
    _floor, floor_times = timed(floor_problem, args.runs, args.time_limit)
    outcome, times = timed(problem, args.runs, args.time_limit)
    median, worst = statistics.median(times), max(times)
    floor = statistics.median(floor_times)
    print(f"floor (first fortnight only): median {floor:.3f} s", flush=True)
    print(f"{args.weeks} weeks: {outcome.status}, median {median:.3f} s, p95 {p95(times):.3f} s, worst {worst:.3f} s",
          flush=True)  # fmt: skip
    if outcome.status == rota.INFEASIBLE:
        for reason in outcome.reasons:
            print("  impossible:", reason.code, reason.values)
        bad = 0
    else:
        bad = violations(problem, outcome)
        hours = sorted(round(m / 60, 1) for m in outcome.minutes.values())
        print(f"hours over the period per associate: {hours}; largest deviation from a fair share "
              f"{(outcome.max_deviation or 0) / 60:.2f} h; rule violations {bad}", flush=True)  # fmt: skip
    # Everybody always available: no unavailability to tell people apart, the hardest case for the proof.
    everything = frozenset(s.key for s in problem.slots)
    alike = rota.Problem(problem.slots, problem.people, {p.key: everything for p in problem.people}, problem.days)
    alike_outcome, alike_times = timed(alike, args.runs, args.time_limit)
    alike_median = statistics.median(alike_times)
    print(f"everybody always available: {alike_outcome.status}, median {alike_median:.3f} s, "
          f"largest deviation {(alike_outcome.max_deviation or 0) / 60:.2f} h", flush=True)  # fmt: skip
    met = (
        outcome.status == alike_outcome.status == rota.OPTIMAL and bad == 0
        and max(worst, max(alike_times)) <= TARGET_S
    )  # fmt: skip
    print(
        f"\nSUMMARY rota: associates={len(problem.people)} weeks={args.weeks} openings={len(problem.slots)} "
        f"seats={seats} status={outcome.status} time_median={median:.3f}s time_p95={p95(times):.3f}s "
        f"time_worst={worst:.3f}s floor={floor:.3f}s ratio={median / floor if floor else 0:.1f} "
        f"max_deviation_h={(outcome.max_deviation or 0) / 60:.2f} violations={bad} "
        f"all_available={alike_outcome.status} all_available_median={alike_median:.3f}s "
        f"target={TARGET_S:.0f}s {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
