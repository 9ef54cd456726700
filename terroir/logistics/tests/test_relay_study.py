"""The siting study's arithmetic (relay_study, pure): each leg's cost and km by hand, the scenarios of 0, 1, 2
platforms against a brute force over every set of sites, km in town, CO₂, and the refusals."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest

from terroir.logistics import relay_study
from terroir.logistics.costs import CO2_KG_PER_KM, VehicleType
from terroir.logistics.distances import Matrix
from terroir.logistics.relay_study import Candidate, Leg, Order, Study, StudyError

# Planar points (x km, y km) read as (lat, lon): distances are straight lines, 60 km/h.


def flat(points: Sequence[tuple[float, float]]) -> Matrix:
    xy = np.array(points, dtype=float)
    km = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return Matrix(km=km, seconds=km / 60.0 * 3600.0, source="estimate")


NO_TOWN = (np.zeros((0, 2)), np.zeros(0, dtype=bool))
# Simple legs for hand arithmetic: €1/km, nothing per hour, no CO₂ surprises.
DIRECT = Leg(VehicleType.VAN, per_km=1.0, per_hour=0.0, load_kg=100.0)
TRUNK = Leg(VehicleType.TRUCK, per_km=2.0, per_hour=0.0, load_kg=1000.0)
LAST = Leg(VehicleType.VAN, per_km=1.0, per_hour=0.0, load_kg=200.0)


def tiny(capacity: float = 10_000.0) -> Study:
    """Two farms west, two customers east (one wanting cold goods), two candidate sites between."""
    return Study(
        candidates=[
            Candidate("A", (10.0, 0.0), fixed_cost=30.0, capacity_kg=capacity, cold_room=True),
            Candidate("B", (10.0, 10.0), fixed_cost=10.0, capacity_kg=capacity, cold_room=False),
        ],
        orders=[
            Order("o1", "f1", (0.0, 0.0), "c1", (20.0, 0.0), kg=100, service_min=0),
            Order("o2", "f2", (0.0, 10.0), "c1", (20.0, 0.0), kg=50, service_min=0),
            Order("o3", "f2", (0.0, 10.0), "c2", (20.0, 10.0), kg=40, cold=True, service_min=0),
        ],
        direct=DIRECT, trunk=TRUNK, last_mile=LAST,
    )  # fmt: skip


def run(study: Study) -> list[relay_study.Scenario]:
    return relay_study.scenarios(study, matrix_for=flat, centres=NO_TOWN[0], town=NO_TOWN[1], time_limit=10)


def test_direct_delivery_costs_a_return_trip_per_order_worked_by_hand() -> None:
    today = run(tiny())[0]
    # o1: 2 × 20 km; o2: 2 × √(20² + 10²); o3: 2 × 20 km; each order fills at most one 100 kg trip.
    km = 40 + 2 * math.hypot(20, 10) + 40
    assert today.platforms == 0 and today.open == []
    assert today.km == pytest.approx(km) and today.cost == pytest.approx(km * 1.0)
    assert today.co2_kg == pytest.approx(km * CO2_KG_PER_KM[VehicleType.VAN])
    assert today.direct_kg == 190


def test_a_leg_through_a_platform_pays_the_share_of_a_trip_its_kilograms_fill() -> None:
    study = tiny()
    found, groups = relay_study.figures(study, matrix_for=flat, centres=NO_TOWN[0], town=NO_TOWN[1])
    c1 = next(j for j, (customer, cold, _) in enumerate(groups) if customer == "c1" and not cold)
    # Through A (option 1): o1 farm→A 10 km, o2 farm→A √200 km, at 2 €/km for kg/1000 of a return trip;
    # A→c1 10 km at 1 €/km for kg/200 of a return trip.
    trunk = 2 * 10 * 2.0 * 100 / 1000 + 2 * math.sqrt(200) * 2.0 * 50 / 1000
    last = 2 * 10 * 1.0 * 100 / 200 + 2 * 10 * 1.0 * 50 / 200
    assert found.cost[1, c1] == pytest.approx(trunk + last)
    c2 = next(j for j, (customer, cold, _) in enumerate(groups) if customer == "c2")
    assert found.cost[2, c2] == math.inf  # cold goods never through B, which has no cold room


def brute_force(study: Study, limit: int) -> float:
    """Every set of at most `limit` sites, each demand to its cheapest way (capacities never bind here)."""
    found, _ = relay_study.figures(study, matrix_for=flat, centres=NO_TOWN[0], town=NO_TOWN[1])
    fixed = [c.fixed_cost for c in study.candidates]
    best = math.inf
    for size in range(limit + 1):
        for sites in itertools.combinations(range(1, len(fixed) + 1), size):
            ways = [0, *sites]
            cost = sum(fixed[i - 1] for i in sites) + found.cost[ways].min(axis=0).sum()
            best = min(best, cost)
    return best


def test_the_scenarios_of_0_1_2_platforms_match_a_brute_force_over_every_set_of_sites() -> None:
    study = tiny()
    found = run(study)
    assert [s.platforms for s in found] == [0, 1, 2]
    for scenario in found:
        assert scenario.optimal
        assert scenario.cost == pytest.approx(brute_force(study, scenario.platforms or 0))
        assert len(scenario.open) <= (scenario.platforms or 0)
    # More platforms allowed never costs more.
    assert found[0].cost >= found[1].cost >= found[2].cost


def test_a_platform_short_of_room_sends_the_rest_directly() -> None:
    study = tiny(capacity=60.0)
    found = run(study)
    for scenario in found[1:]:
        served = sum(kg for _, _, kg in scenario.flows["last_mile"])
        assert served <= 60.0 * len(scenario.open) + 1e-6
        assert served + scenario.direct_kg == pytest.approx(190)


def test_km_in_town_count_the_share_of_each_leg_inside_the_town_and_heavy_ones_apart() -> None:
    study = tiny()
    # Town: the east half (customers' side); a commune centre per 5 km along the x axis.
    centres = np.array([(x, y) for x in range(0, 25, 5) for y in (0.0, 10.0)], dtype=float)
    town = centres[:, 0] >= 15
    found = relay_study.scenarios(study, matrix_for=flat, centres=centres, town=town, time_limit=10)
    today = found[0]
    assert 0 < today.km_town < today.km and today.km_town_heavy == 0  # vans only
    platform = next(s for s in found if s.open)
    assert platform.km_town <= today.km_town
    # Trucks stop at the platforms (x = 10, out of town): none of their km are in town.
    assert platform.km_town_heavy == 0


def test_the_shares_in_town_of_a_leg_half_in_town() -> None:
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    shares = relay_study.town_shares(np.array([[0.0, 0.0]]), np.array([[10.0, 0.0]]), centres, np.array([False, True]))
    assert shares[0] == pytest.approx(10 / 21)  # 10 of 21 points past the middle


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: setattr(s, "candidates", []), "no candidate site"),
        (lambda s: setattr(s, "orders", []), "no order in this week"),
        (lambda s: s.candidates.__setitem__(0, Candidate("A", None, 30.0, 100.0)), "A has no position"),
        (lambda s: s.candidates.__setitem__(0, Candidate("A", (1.0, 1.0), -5.0, 100.0)), "cannot be negative"),
        (lambda s: s.candidates.__setitem__(0, Candidate("A", (1.0, 1.0), 5.0, 0.0)), "no capacity this week"),
        (lambda s: s.orders.__setitem__(0, Order("o1", "f1", None, "c1", (1.0, 1.0), 10)), "o1: its farm"),
    ],
)
def test_bad_studies_are_refused_naming_the_site_or_order(change: object, words: str) -> None:
    study = tiny()
    change(study)  # type: ignore[operator]
    with pytest.raises(StudyError, match=words):
        run(study)
