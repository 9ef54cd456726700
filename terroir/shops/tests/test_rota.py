"""The rota engine: optimal on small cases checked against every possible rota; impossible rotas
explained."""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable

import pytest

from terroir.shops import rota
from terroir.shops.rota import Person, Problem, Slot


def valid(problem: Problem, assignments: dict[Hashable, list[Hashable]]) -> bool:
    """Every rule of the module's docstring, checked directly."""
    slots = {s.key: s for s in problem.slots}
    for slot in problem.slots:
        people = assignments[slot.key]
        if len(people) != slot.needed or len(set(people)) != len(people):
            return False
        if any(slot.key not in problem.available.get(p, frozenset()) for p in people):
            return False
    for person in problem.people:
        mine = [slots[k] for k, people in assignments.items() if person.key in people]
        if not person.twice_a_day and len({s.day for s in mine}) < len(mine):
            return False
        for start, length in rota.fortnights(problem.days):
            low, high = rota.targets(person, length)
            if not low <= sum(s.minutes for s in mine if start <= s.day < start + length) <= high:
                return False
    return True


def deviation(problem: Problem, assignments: dict[Hashable, list[Hashable]]) -> float:
    shares = rota.fair_shares(problem)
    minutes = {p.key: 0 for p in problem.people}
    for slot in problem.slots:
        for person in assignments[slot.key]:
            minutes[person] += slot.minutes
    return max(abs(minutes[k] - share) for k, share in shares.items())


def brute_force(problem: Problem) -> float | None:
    """The smallest largest deviation over every rota, None when there is none."""
    choices = [
        [list(c) for c in itertools.combinations([p.key for p in problem.people], s.needed)] for s in problem.slots
    ]
    best = None
    for pick in itertools.product(*choices):
        assignments = {s.key: people for s, people in zip(problem.slots, pick, strict=True)}
        if valid(problem, assignments):
            value = deviation(problem, assignments)
            best = value if best is None else min(best, value)
    return best


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    days = rng.choice([14, 21])
    slots = [
        Slot(f"o{i}", rng.randrange(days), rng.choice([180, 210, 240]), rng.choice([1, 1, 2]))
        for i in range(rng.randint(3, 6))
    ]
    people = []
    for name in "ABCD"[: rng.randint(3, 4)]:
        low = rng.choice([0, 180, 240, 360])
        people.append(Person(name, low, low + rng.choice([120, 240, 480]), twice_a_day=rng.random() < 0.3))
    available = {p.key: frozenset(s.key for s in slots if rng.random() < 0.75) for p in people}
    return Problem(slots, people, available, days)


@pytest.mark.parametrize("seed", range(40))
def test_the_rota_is_the_fairest_that_exists_or_none_exists(seed: int) -> None:
    problem = random_problem(seed)
    best = brute_force(problem)
    outcome = rota.solve(problem)
    if best is None:
        assert outcome.status == rota.INFEASIBLE
        assert outcome.reasons, "an impossible rota says why"
        return
    assert outcome.status == rota.OPTIMAL
    assert valid(problem, outcome.assignments)
    assert outcome.max_deviation == pytest.approx(best, abs=1e-6)


def test_some_random_cases_are_possible_and_some_are_not() -> None:
    """The brute-force comparison above covers both sides."""
    found = {brute_force(random_problem(seed)) is None for seed in range(40)}
    assert found == {True, False}


def half_days(weeks: int = 2) -> list[Slot]:
    """Le Local's four half-days (Tuesday and Friday afternoons, Wednesday and Thursday mornings), 4 h each."""
    return [Slot(f"{week}-{day}", 7 * week + day, 240, 2) for week in range(weeks) for day in (1, 2, 3, 4)]


def test_le_locals_fortnight_is_shared_two_half_days_each() -> None:
    slots = half_days()
    people = [Person(name, 360, 480) for name in "ABCDEFGH"]
    problem = Problem(slots, people, {p.key: frozenset(s.key for s in slots) for p in people}, 14)
    outcome = rota.solve(problem)
    assert outcome.status == rota.OPTIMAL
    assert set(outcome.minutes.values()) == {480}  # 16 seats of 4 h for 8 people: two each
    assert outcome.max_deviation == 0


def test_nobody_comes_twice_in_a_day_unless_willing() -> None:
    slots = [Slot("morning", 0, 180, 1), Slot("afternoon", 0, 180, 1)]
    both = frozenset({"morning", "afternoon"})
    problem = Problem(slots, [Person("A", 0, 600), Person("B", 0, 600)], {"A": both, "B": both}, 14)
    outcome = rota.solve(problem)
    assert sorted(map(str, outcome.assignments["morning"] + outcome.assignments["afternoon"])) == ["A", "B"]
    alone = Problem(slots, [Person("A", 0, 600)], {"A": frozenset({"morning", "afternoon"})}, 14)
    refused = rota.solve(alone)
    assert refused.status == rota.INFEASIBLE
    assert [r.code for r in refused.reasons] == [rota.SLOT_UNSTAFFED]
    willing = Problem(slots, [Person("A", 0, 600, twice_a_day=True)], {"A": frozenset({"morning", "afternoon"})}, 14)
    assert rota.solve(willing).assignments == {"morning": ["A"], "afternoon": ["A"]}


def test_an_opening_nobody_can_staff_is_named_with_who_is_free_for_it() -> None:
    slots = half_days()
    people = [Person(name, 0, 960) for name in "ABCD"]
    available = {p.key: frozenset(s.key for s in slots) for p in people}
    available["B"] = available["C"] = available["D"] = frozenset(s.key for s in slots if s.key != "1-4")
    outcome = rota.solve(Problem(slots, people, available, 14))
    assert outcome.status == rota.INFEASIBLE
    assert outcome.reasons == [
        rota.Reason(rota.SLOT_UNSTAFFED, {"slot": "1-4", "needed": 2, "short": 1, "available": ["A"]})
    ]


def test_a_fortnight_needing_more_hours_than_everybody_gives_is_said() -> None:
    slots = half_days()  # 16 seats × 4 h = 64 h
    people = [Person(name, 360, 480) for name in "ABCDEF"]  # at most 48 h
    outcome = rota.solve(Problem(slots, people, {p.key: frozenset(s.key for s in slots) for p in people}, 14))
    assert outcome.reasons == [rota.Reason(rota.FORTNIGHT_SHORT, {"fortnight": 1, "needed": 3840, "most": 2880})]


def test_a_person_who_cannot_reach_their_minimum_is_named() -> None:
    slots = half_days()
    people = [Person(name, 360, 480) for name in "ABCDEFGH"]
    available = {p.key: frozenset(s.key for s in slots) for p in people}
    available["H"] = frozenset({"0-1"})  # one half-day only: 4 h of the 6 h asked
    outcome = rota.solve(Problem(slots, people, available, 14))
    assert outcome.status == rota.INFEASIBLE
    assert (
        rota.Reason(rota.HOURS_UNDER, {"person": "H", "fortnight": 1, "minimum": 360, "reachable": 240})
        in outcome.reasons
    )


def test_a_short_last_fortnight_scales_the_targets() -> None:
    assert rota.fortnights(21) == [(0, 14), (14, 7)]
    assert rota.targets(Person("A", 360, 480), 7) == (180, 240)
    assert rota.targets(Person("A", 365, 475), 7) == (182, 238)


def test_nonsense_is_refused() -> None:
    with pytest.raises(rota.RotaError):
        rota.solve(Problem([Slot("x", 0, 240, 0)], [], {}, 7))
    with pytest.raises(rota.RotaError):
        rota.solve(Problem([], [Person("A", 480, 360)], {}, 7))


@pytest.mark.parametrize("seed", range(10))
def test_people_alike_still_get_the_fairest_rota(seed: int) -> None:
    """The symmetry rule for people alike keeps the optimum (checked against every rota)."""
    rng = random.Random(100 + seed)
    days = 14
    slots = [Slot(f"o{i}", rng.randrange(days), rng.choice([180, 240]), rng.choice([1, 2])) for i in range(5)]
    low = rng.choice([180, 240])
    people = [Person(name, low, low + 300) for name in "ABC"] + [Person("D", 0, 600, twice_a_day=True)]
    everything = frozenset(s.key for s in slots)
    problem = Problem(slots, people, {p.key: everything for p in people}, days)
    best = brute_force(problem)
    outcome = rota.solve(problem)
    if best is None:
        assert outcome.status == rota.INFEASIBLE
    else:
        assert outcome.status == rota.OPTIMAL and valid(problem, outcome.assignments)
        assert outcome.max_deviation == pytest.approx(best, abs=1e-6)
