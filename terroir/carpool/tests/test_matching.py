"""The pure matching engine: conditions, windows, capacity, detour, and the exact assignment."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from terroir.carpool.matching import (
    COLD_CHAIN,
    INSULATED,
    NO_ROOM,
    NO_TRIP_NEAR,
    NONE,
    REFRIGERATED,
    TAKEN,
    Parcel,
    Trip,
    _Metric,
    _near,
    _route,
    match,
)

AMBERT, THIERS, CLERMONT = (45.5497, 3.7417), (45.8560, 3.5470), (45.7797, 3.0863)
ARLANC, COURPIERE = (45.4140, 3.7250), (45.7560, 3.5390)
H = 3600


def trip(key: int = 1, *, points: list[tuple[float, float]] | None = None, cold: int = NONE, kg: float = 100,
         detour_min: int = 20, leaves: int = 8 * H, arrives_by: int = 12 * H, day: int = 1,
         carrying: list[Parcel] | None = None) -> Trip:  # fmt: skip
    return Trip(key=key, points=points or [AMBERT, CLERMONT], day=day, leaves_s=leaves, arrives_by_s=arrives_by,
                capacity_kg=kg, capacity_l=500, cold=cold, detour_s=detour_min * 60,
                carrying=carrying or ())  # fmt: skip


def parcel(key: int = 1, *, pickup: tuple[float, float] = COURPIERE, drop: tuple[float, float] = CLERMONT,
           cold: int = NONE, kg: float = 10, ready: int = 7 * H, due: int = 13 * H,
           day: int = 1) -> Parcel:  # fmt: skip
    return Parcel(key=key, pickup=pickup, drop=drop, day=day, ready_s=ready, due_s=due, kg=kg, litres=20, cold=cold)


def test_a_parcel_on_the_way_rides_with_the_least_added_time() -> None:
    outcome = match([trip(1, detour_min=30), trip(2, points=[ARLANC, CLERMONT], detour_min=30)], [parcel()])
    [ride] = outcome.assignments
    assert ride.trip == 1  # Ambert → Clermont passes by Courpière; Arlanc → Clermont is longer
    assert 0 <= ride.added_s <= 30 * 60
    assert 8 * H < ride.pickup_s < ride.arrive_s <= 13 * H


def test_a_refrigerated_parcel_never_rides_an_ambient_trip() -> None:
    outcome = match([trip(1, cold=NONE), trip(2, cold=INSULATED)], [parcel(cold=REFRIGERATED)])
    assert outcome.assignments == []
    assert outcome.unmatched == {1: COLD_CHAIN}
    outcome = match([trip(1, cold=NONE), trip(2, cold=REFRIGERATED)], [parcel(cold=REFRIGERATED)])
    assert [a.trip for a in outcome.assignments] == [2]


@given(st.integers(min_value=0, max_value=10_000))
def test_no_parcel_ever_rides_a_trip_of_a_lower_condition_or_another_day(seed: int) -> None:
    rng = random.Random(seed)
    places = [AMBERT, THIERS, CLERMONT, ARLANC, COURPIERE]
    trips = [trip(k, points=rng.sample(places, 2), cold=rng.choice((NONE, INSULATED, REFRIGERATED)),
                  day=rng.randrange(2), detour_min=rng.choice((10, 40))) for k in range(6)]  # fmt: skip
    parcels = [parcel(k, pickup=rng.choice(places), drop=rng.choice(places), cold=rng.choice((NONE, REFRIGERATED)),
                      day=rng.randrange(2)) for k in range(8)]  # fmt: skip
    outcome = match(trips, parcels)
    by_trip, by_parcel = {t.key: t for t in trips}, {p.key: p for p in parcels}
    for ride in outcome.assignments:
        assert by_trip[ride.trip].cold >= by_parcel[ride.parcel].cold
        assert by_trip[ride.trip].day == by_parcel[ride.parcel].day
        assert ride.added_s <= by_trip[ride.trip].detour_s
    assert len(outcome.assignments) + len(outcome.unmatched) == len(parcels)
    assert len({r.parcel for r in outcome.assignments}) == len(outcome.assignments)


def test_windows_capacity_and_detour_are_kept() -> None:
    assert match([trip()], [parcel(due=9 * H)]).unmatched == {1: NO_ROOM}  # cannot reach Clermont by 9:00
    assert match([trip(kg=5)], [parcel(kg=10)]).unmatched == {1: NO_ROOM}
    assert match([trip()], [parcel(ready=13 * H)]).unmatched == {1: NO_ROOM}  # ready after the trip arrived
    far = parcel(pickup=(46.5841, 0.3469))  # Poitiers
    assert match([trip()], [far]).unmatched == {1: NO_TRIP_NEAR}
    assert match([trip()], [parcel(day=2)]).unmatched == {1: NO_TRIP_NEAR}


def test_the_driver_waits_for_a_parcel_ready_later_and_the_wait_counts_as_added_time() -> None:
    early, late = match([trip(detour_min=60)], [parcel()]), match([trip(detour_min=60)], [parcel(ready=9 * H)])
    assert late.assignments[0].pickup_s >= 9 * H
    assert late.assignments[0].added_s > early.assignments[0].added_s


def test_competing_parcels_are_settled_exactly_not_first_come() -> None:
    """Trip 1 (room for one) could take either parcel; only parcel 1 fits trip 2. A greedy pass taking the
    cheapest pair first (parcel 1 on trip 1) would leave parcel 2 behind; the assignment places both."""
    t1 = trip(1, kg=10, detour_min=30)
    t2 = trip(2, points=[ARLANC, CLERMONT], kg=10, detour_min=60)
    p1, p2 = parcel(1, kg=10), parcel(2, kg=10, pickup=THIERS, drop=CLERMONT)
    outcome = match([t1, t2], [p1, p2])
    assert {(a.parcel, a.trip) for a in outcome.assignments} == {(1, 2), (2, 1)}


def test_a_trip_takes_several_parcels_over_rounds_within_its_detour() -> None:
    parcels = [parcel(k, kg=10) for k in range(1, 6)]
    outcome = match([trip(kg=30, detour_min=60)], parcels)
    assert len(outcome.assignments) == 3  # room for three parcels of 10 kg
    assert set(outcome.unmatched.values()) == {TAKEN}
    assert outcome.rounds >= 3


def test_the_pruning_keeps_every_pair_the_trip_could_take() -> None:
    """Every pair (parcel, trip) that the engine places when given only that parcel and that trip is among
    the pairs the k-d tree search keeps for the whole instance (same projection)."""
    rng = random.Random(7)
    trips = [trip(k, points=[(45.5 + rng.random() * 0.4, 3.0 + rng.random() * 0.8) for _ in range(3)],
                  detour_min=rng.choice((5, 20, 40))) for k in range(30)]  # fmt: skip
    parcels = [parcel(k, pickup=(45.5 + rng.random() * 0.4, 3.0 + rng.random() * 0.8),
                      drop=(45.5 + rng.random() * 0.4, 3.0 + rng.random() * 0.8)) for k in range(40)]  # fmt: skip
    alone = {(p.key, t.key) for t in trips for p in parcels if match([t], [p], lat0=45.7).assignments}
    assert len(alone) > 20
    metric = _Metric(45.7, 1.3, 50.0)
    pick = metric.project(np.array([p.pickup for p in parcels]))
    drop = metric.project(np.array([p.drop for p in parcels]))
    near = _near([_route(t, metric) for t in trips], pick, drop, np.array([p.day for p in parcels]), metric)
    kept = {(parcels[k].key, t.key) for t, found in zip(trips, near, strict=True) for k in found}
    assert alone <= kept
    assert len(kept) < len(trips) * len(parcels) / 2  # and it does prune


def test_parcels_a_trip_already_carries_keep_their_place_and_their_deadline() -> None:
    """Parcel 1, placed earlier, must reach Clermont by 9:45 (it arrives 9:38): a new parcel whose detour
    would make it late finds no room, one on the way still fits, and the carried parcel's weight counts."""
    carried = parcel(1, kg=10, due=9 * H + 45 * 60)
    busy = trip(1, kg=20, detour_min=60, carrying=[carried])
    detour = parcel(2, kg=5, pickup=ARLANC, drop=CLERMONT)
    assert match([busy], [detour]).unmatched == {2: NO_ROOM}
    on_the_way = parcel(3, kg=5, pickup=COURPIERE, drop=CLERMONT)
    assert [a.parcel for a in match([busy], [on_the_way]).assignments] == [3]
    heavy = parcel(4, kg=15, pickup=COURPIERE, drop=CLERMONT)
    assert match([busy], [heavy]).unmatched == {4: NO_ROOM}  # 10 kg already on board of 20
    assert match([trip(1, kg=20, detour_min=60)], [heavy]).assignments  # fits an empty trip
