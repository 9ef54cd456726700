"""The speed-dating scheduler: nobody twice at once, tables never over-used, mutual wishes first, the
fewest rounds when everything fits."""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terroir.meetings.scheduling import (
    BUYER_FULL,
    EVENT_FULL,
    PRODUCER_FULL,
    Schedule,
    ScheduleError,
    Wish,
    schedule,
    wishes_from,
)


def check(plan: Schedule, *, slots: int, tables: int) -> None:
    """The rules every schedule keeps."""
    producers = Counter((m.slot, m.producer) for m in plan.pairings)
    buyers = Counter((m.slot, m.buyer) for m in plan.pairings)
    seats = Counter((m.slot, m.table) for m in plan.pairings)
    assert max(producers.values(), default=1) == 1, "a producer in two meetings at once"
    assert max(buyers.values(), default=1) == 1, "a buyer in two meetings at once"
    assert max(seats.values(), default=1) == 1, "two meetings at one table"
    assert all(0 <= m.slot < slots and 0 <= m.table < tables for m in plan.pairings)
    assert len({(m.producer, m.buyer) for m in plan.pairings}) == len(plan.pairings)


def test_mutual_and_one_sided_marks_become_wishes() -> None:
    marks = [("producer", 1, 10), ("buyer", 1, 10), ("producer", 2, 10), ("buyer", 3, 11)]
    assert wishes_from(marks) == [Wish(1, 10, True), Wish(2, 10, False), Wish(3, 11, False)]
    with pytest.raises(ScheduleError):
        wishes_from([("carrier", 1, 2)])


def test_a_supermarket_wanted_by_three_farms_needs_three_rounds() -> None:
    plan = schedule([Wish(1, 10), Wish(2, 10), Wish(3, 10), Wish(1, 11)], slots=5, tables=2)
    check(plan, slots=5, tables=2)
    assert plan.slots_used == plan.lower_bound == 3
    assert len(plan.pairings) == 4 and plan.unplaced == []


def test_when_wishes_do_not_fit_mutual_ones_go_first_and_the_rest_say_why() -> None:
    wishes = [Wish(1, 10, mutual=False), Wish(2, 10, mutual=True), Wish(3, 10, mutual=True), Wish(4, 11)]
    plan = schedule(wishes, slots=2, tables=1)
    check(plan, slots=2, tables=1)
    placed = {(m.producer, m.buyer) for m in plan.pairings}
    assert placed == {(2, 10), (3, 10)}
    reasons = {(u.producer, u.buyer): u.reason for u in plan.unplaced}
    assert reasons == {(1, 10): BUYER_FULL, (4, 11): EVENT_FULL}


def test_a_producer_with_more_wishes_than_rounds_is_told() -> None:
    plan = schedule([Wish(1, b) for b in range(10, 14)], slots=3, tables=5)
    assert len(plan.pairings) == 3
    assert [u.reason for u in plan.unplaced] == [PRODUCER_FULL]


def test_producers_keep_their_table_when_they_can() -> None:
    wishes = [Wish(p, b) for p in (1, 2, 3) for b in (10, 11, 12)]
    plan = schedule(wishes, slots=3, tables=3)
    check(plan, slots=3, tables=3)
    tables_of = {p: {m.table for m in plan.pairings if m.producer == p} for p in (1, 2, 3)}
    assert all(len(t) == 1 for t in tables_of.values())


def test_an_event_without_rounds_or_tables_is_refused() -> None:
    with pytest.raises(ScheduleError):
        schedule([Wish(1, 2)], slots=0, tables=3)


wishes_strategy = st.lists(
    st.builds(Wish, producer=st.integers(0, 14), buyer=st.integers(100, 108), mutual=st.booleans()), max_size=80
)


@settings(max_examples=120, deadline=None)
@given(wishes=wishes_strategy, slots=st.integers(1, 12), tables=st.integers(1, 8))
def test_no_double_booking_and_the_lower_bound_when_everything_fits(
    wishes: list[Wish], slots: int, tables: int
) -> None:
    plan = schedule(wishes, slots=slots, tables=tables)
    check(plan, slots=slots, tables=tables)
    pairs = {(w.producer, w.buyer) for w in wishes}
    assert len(plan.pairings) + len(plan.unplaced) == len(pairs)
    degree = Counter(("p", p) for p, _b in pairs) + Counter(("b", b) for _p, b in pairs)
    if len(pairs) <= slots * tables and max(degree.values(), default=0) <= slots:
        assert plan.unplaced == []
        bound = max(max(degree.values(), default=0), math.ceil(len(pairs) / tables))
        assert plan.slots_used == bound == plan.lower_bound
        assert {m.slot for m in plan.pairings} == set(range(bound))
    else:
        assert plan.unplaced
    # Mutual wishes come first: as many of them are placed as if one-sided wishes did not exist.
    mutual_pairs = {(w.producer, w.buyer) for w in wishes if w.mutual}
    alone = schedule([Wish(p, b, True) for p, b in mutual_pairs], slots=slots, tables=tables)
    assert sum(m.mutual for m in plan.pairings) == len(alone.pairings)


def test_the_scheduler_is_pure_it_imports_no_django() -> None:
    code = (
        "import sys, terroir.meetings.scheduling; "
        "found = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); assert not found, found"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
