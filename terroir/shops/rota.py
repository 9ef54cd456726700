"""A producers' shop's rota: who staffs which opening, computed exactly. Pure (no Django).

The associates of a shop such as Le Local (Ambert) staff it in turns: each opening (a half-day on a
date) needs a number of people; each person gives between a minimum and a maximum of minutes per
fortnight (6–8 h at Le Local), comes only when available, and at most once a day unless they said they
are willing to stay for two openings of one day.

The model (HiGHS through `scipy.optimize.milp`), with x[p, o] = 1 when person p staffs opening o:
- every opening gets exactly the people it needs: Σ_p x[p, o] = needed[o];
- minutes within targets in every fortnight f: min[p, f] ≤ Σ_{o in f} minutes[o] · x[p, o] ≤ max[p, f]
  (a last, shorter fortnight scales both targets by its share of fourteen days);
- once a day: Σ_{o on day d} x[p, o] ≤ 1 for a person not willing to come twice;
- fairness: each person's fair share of all the minutes to staff is proportional to the middle of their
  targets, s[p] = total · mid[p] / Σ mid; the largest deviation z ≥ |Σ_o minutes[o] · x[p, o] − s[p]| is
  minimised. `optimal` means HiGHS proved that no rota has a smaller largest deviation.

When no rota exists, an elastic copy of the model (shortfalls on openings, minutes under or over targets
allowed at a cost, openings weighing far more) names what cannot be met: the openings that cannot be
staffed with who is available for them, then the targets that cannot be kept. Reasons are codes with
values; the caller puts them into words.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

OPTIMAL = "optimal"
FEASIBLE = "feasible"  # a rota, but the time limit stopped HiGHS before it proved the best
INFEASIBLE = "infeasible"
UNKNOWN = "unknown"  # the time limit came before any rota was found

# Reasons a rota cannot be made.
SLOT_UNSTAFFED = "slot_unstaffed"  # values: slot, needed, short, available (people free for it)
HOURS_UNDER = "hours_under"  # values: person, fortnight, minimum, reachable (minutes)
HOURS_OVER = "hours_over"  # values: person, fortnight, maximum, needed (minutes)
FORTNIGHT_SHORT = "fortnight_short"  # values: fortnight, needed, most (minutes all people can give)
FORTNIGHT_OVER = "fortnight_over"  # values: fortnight, needed, least (minutes all people must give)

FORTNIGHT_DAYS = 14
# In the elastic model, one missing person on an opening costs more than any amount of minutes off target.
SHORTFALL_WEIGHT = 10_000.0


class RotaError(ValueError):
    """A problem that makes no sense (an opening needing nobody, targets upside down…)."""


@dataclass(frozen=True)
class Slot:
    """One opening on one date: `day` counts days from the rota's first day (0-based)."""

    key: Hashable
    day: int
    minutes: int
    needed: int


@dataclass(frozen=True)
class Person:
    key: Hashable
    min_minutes: int  # per fortnight
    max_minutes: int
    twice_a_day: bool = False


@dataclass(frozen=True)
class Problem:
    slots: Sequence[Slot]
    people: Sequence[Person]
    # Who may staff which opening (their weekly availability less their absences); missing: nobody.
    available: Mapping[Hashable, frozenset[Hashable]]
    days: int  # length of the period in days (fortnights are cut from day 0)


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict[str, object]


@dataclass
class Outcome:
    status: str
    assignments: dict[Hashable, list[Hashable]] = field(default_factory=dict)  # slot key → people
    minutes: dict[Hashable, int] = field(default_factory=dict)  # person → minutes over the period
    share: dict[Hashable, float] = field(default_factory=dict)  # person → fair share (minutes)
    max_deviation: float | None = None  # minutes
    reasons: list[Reason] = field(default_factory=list)
    seconds: float = 0.0


def fortnights(days: int) -> list[tuple[int, int]]:
    """The fortnights of a period as (first day, number of days)."""
    return [(start, min(FORTNIGHT_DAYS, days - start)) for start in range(0, days, FORTNIGHT_DAYS)]


def targets(person: Person, length: int) -> tuple[int, int]:
    """A person's minimum and maximum minutes in a fortnight of `length` days: a shorter one scales
    both, the minimum rounded down and the maximum up, so a short last week never asks the impossible."""
    if length >= FORTNIGHT_DAYS:
        return person.min_minutes, person.max_minutes
    return (
        math.floor(person.min_minutes * length / FORTNIGHT_DAYS),
        math.ceil(person.max_minutes * length / FORTNIGHT_DAYS),
    )


def fair_shares(problem: Problem) -> dict[Hashable, float]:
    total = sum(s.minutes * s.needed for s in problem.slots)
    middles = {p.key: (p.min_minutes + p.max_minutes) / 2 for p in problem.people}
    weight = sum(middles.values())
    if not weight:
        return {key: total / max(1, len(middles)) for key in middles}
    return {key: total * middle / weight for key, middle in middles.items()}


def _check(problem: Problem) -> None:
    for slot in problem.slots:
        if slot.needed < 1 or slot.minutes < 1:
            raise RotaError(f"opening {slot.key!r} needs at least one person for at least one minute")
        if not 0 <= slot.day < problem.days:
            raise RotaError(f"opening {slot.key!r} falls outside the period")
    for person in problem.people:
        if not 0 <= person.min_minutes <= person.max_minutes:
            raise RotaError(f"the targets of {person.key!r} are upside down")


@dataclass
class _Model:
    """The variables' layout: x[p, o] for the pairs allowed, then z (or the elastic variables)."""

    pairs: list[tuple[int, int]]  # (person index, slot index)
    rows: list[list[tuple[int, float]]] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def row(self, terms: list[tuple[int, float]], low: float, high: float) -> None:
        self.rows.append(terms)
        self.lower.append(low)
        self.upper.append(high)

    def matrix(self, columns: int) -> coo_matrix:
        data, rows, cols = [], [], []
        for r, terms in enumerate(self.rows):
            for c, value in terms:
                rows.append(r)
                cols.append(c)
                data.append(value)
        return coo_matrix((data, (rows, cols)), shape=(len(self.rows), columns))


def _pairs(problem: Problem) -> list[tuple[int, int]]:
    index = {s.key: i for i, s in enumerate(problem.slots)}
    return sorted(
        (p, index[key])
        for p, person in enumerate(problem.people)
        for key in problem.available.get(person.key, frozenset())
        if key in index
    )


def _build(problem: Problem, *, elastic: bool) -> tuple[_Model, np.ndarray, np.ndarray, Bounds]:
    """The constraints and objective; `elastic` adds slack variables instead of the fairness variable."""
    pairs = _pairs(problem)
    model = _Model(pairs)
    n = len(pairs)
    by_slot: dict[int, list[int]] = defaultdict(list)
    by_person: dict[int, list[int]] = defaultdict(list)
    for column, (p, o) in enumerate(pairs):
        by_slot[o].append(column)
        by_person[p].append(column)
    extra_cost: list[float] = []
    extra_upper: list[float] = []

    def slack(cost: float) -> int:
        extra_cost.append(cost)
        extra_upper.append(np.inf)
        return n + len(extra_cost) - 1

    slots = problem.slots
    for o, slot in enumerate(slots):
        terms = [(c, 1.0) for c in by_slot[o]]
        if elastic:
            terms.append((slack(SHORTFALL_WEIGHT), 1.0))
        model.row(terms, slot.needed, slot.needed)
    for p, person in enumerate(problem.people):
        for start, length in fortnights(problem.days):
            low, high = targets(person, length)
            terms = [(c, float(slots[pairs[c][1]].minutes)) for c in by_person[p]
                     if start <= slots[pairs[c][1]].day < start + length]  # fmt: skip
            if elastic:
                terms_low = [*terms, (slack(1.0), 1.0)]
                terms_high = [*terms, (slack(1.0), -1.0)]
                model.row(terms_low, low, np.inf)
                model.row(terms_high, -np.inf, high)
            else:
                model.row(terms, low, high)
        if not person.twice_a_day:
            days: dict[int, list[int]] = defaultdict(list)
            for c in by_person[p]:
                days[slots[pairs[c][1]].day].append(c)
            for columns in days.values():
                if len(columns) > 1:
                    model.row([(c, 1.0) for c in columns], -np.inf, 1)
    if not elastic:
        z = slack(1.0)
        shares = fair_shares(problem)
        total: dict[int, list[tuple[int, float]]] = {}
        for p, person in enumerate(problem.people):
            terms = total[p] = [(c, float(slots[pairs[c][1]].minutes)) for c in by_person[p]]
            model.row([*terms, (z, -1.0)], -np.inf, shares[person.key])
            model.row([*terms, (z, 1.0)], shares[person.key], np.inf)
        # Symmetry: people alike (same targets, willingness and availability) can swap their rotas, so
        # any rota can be reordered to give the first of them at least as many minutes as the next. Saying
        # so leaves the best deviation unchanged and spares HiGHS proving it again for each permutation
        # (a shop where everybody is always available: 1.5 s of processor down to a fraction).
        alike: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for p, person in enumerate(problem.people):
            key = (person.min_minutes, person.max_minutes, person.twice_a_day,
                   problem.available.get(person.key, frozenset()))  # fmt: skip
            alike[key].append(p)
        for group in alike.values():
            for first, second in pairwise(group):
                model.row([*total[first], *((c, -v) for c, v in total[second])], 0, np.inf)
    cost = np.concatenate([np.zeros(n), np.array(extra_cost)])
    integrality = np.concatenate([np.ones(n), np.zeros(len(extra_cost))])
    bounds = Bounds(np.zeros(n + len(extra_cost)), np.concatenate([np.ones(n), np.array(extra_upper)]))
    return model, cost, integrality, bounds


def _solve(problem: Problem, *, elastic: bool, time_limit_s: float) -> tuple[_Model, object]:
    model, cost, integrality, bounds = _build(problem, elastic=elastic)
    columns = len(cost)
    constraints = (
        [LinearConstraint(model.matrix(columns).tocsr(), np.array(model.lower), np.array(model.upper))]
        if model.rows
        else []
    )
    result = milp(cost, constraints=constraints, integrality=integrality, bounds=bounds,
                  options={"time_limit": time_limit_s, "disp": False})  # fmt: skip
    return model, result


def solve(problem: Problem, *, time_limit_s: float = 60.0, progress: Callable[[str], None] | None = None) -> Outcome:
    """The fairest rota, or why there is none."""
    _check(problem)
    began = time.perf_counter()
    say = progress or (lambda stage: None)
    say("solve")
    model, result = _solve(problem, elastic=False, time_limit_s=time_limit_s)
    x = getattr(result, "x", None)
    status_code = getattr(result, "status", None)
    if x is None:
        if status_code == 2:
            say("explain")
            outcome = Outcome(INFEASIBLE, reasons=explain(problem, time_limit_s=time_limit_s))
        else:
            outcome = Outcome(UNKNOWN)
        outcome.seconds = time.perf_counter() - began
        return outcome
    outcome = Outcome(OPTIMAL if status_code == 0 else FEASIBLE)
    outcome.assignments = {slot.key: [] for slot in problem.slots}
    outcome.minutes = {person.key: 0 for person in problem.people}
    for column, (p, o) in enumerate(model.pairs):
        if x[column] > 0.5:
            slot, person = problem.slots[o], problem.people[p]
            outcome.assignments[slot.key].append(person.key)
            outcome.minutes[person.key] += slot.minutes
    outcome.share = fair_shares(problem)
    outcome.max_deviation = max(
        (abs(outcome.minutes[key] - share) for key, share in outcome.share.items()), default=0.0
    )
    outcome.seconds = time.perf_counter() - began
    return outcome


def explain(problem: Problem, *, time_limit_s: float = 60.0) -> list[Reason]:
    """What makes the rota impossible: openings short of people first, then targets out of reach."""
    reasons: list[Reason] = []
    free: dict[Hashable, list[Hashable]] = defaultdict(list)
    for person in problem.people:
        for key in problem.available.get(person.key, frozenset()):
            free[key].append(person.key)
    # An opening with fewer people free than it needs is short whatever else happens: said at once.
    for slot in problem.slots:
        if len(free[slot.key]) < slot.needed:
            reasons.append(Reason(SLOT_UNSTAFFED, {
                "slot": slot.key, "needed": slot.needed, "short": slot.needed - len(free[slot.key]),
                "available": sorted(free[slot.key], key=str),
            }))  # fmt: skip
    if reasons:
        return reasons
    # Then the fortnights whose minutes to staff lie outside what everybody's targets add up to.
    for number, (start, length) in enumerate(fortnights(problem.days), start=1):
        needed = sum(s.minutes * s.needed for s in problem.slots if start <= s.day < start + length)
        least = sum(targets(p, length)[0] for p in problem.people)
        most = sum(targets(p, length)[1] for p in problem.people)
        if needed > most:
            reasons.append(Reason(FORTNIGHT_SHORT, {"fortnight": number, "needed": needed, "most": most}))
        elif needed < least:
            reasons.append(Reason(FORTNIGHT_OVER, {"fortnight": number, "needed": needed, "least": least}))
    if reasons:
        return reasons
    model, result = _solve(problem, elastic=True, time_limit_s=time_limit_s)
    x = getattr(result, "x", None)
    if x is None:  # pragma: no cover - the elastic model always has a solution
        return reasons
    n = len(model.pairs)
    column = n
    for slot in problem.slots:
        short = round(x[column])
        column += 1
        if short > 0:
            reasons.append(Reason(SLOT_UNSTAFFED, {
                "slot": slot.key, "needed": slot.needed, "short": short,
                "available": sorted(free[slot.key], key=str),
            }))  # fmt: skip
    for person in problem.people:
        for number, (_start, length) in enumerate(fortnights(problem.days), start=1):
            low, high = targets(person, length)
            under, over = round(x[column]), round(x[column + 1])
            column += 2
            if under > 0:
                reasons.append(Reason(HOURS_UNDER, {
                    "person": person.key, "fortnight": number, "minimum": low, "reachable": low - under,
                }))  # fmt: skip
            if over > 0:
                reasons.append(Reason(HOURS_OVER, {
                    "person": person.key, "fortnight": number, "maximum": high, "needed": high + over,
                }))  # fmt: skip
    return reasons
