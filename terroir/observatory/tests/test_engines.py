"""The pure engines on small hand-computed cases."""

import math

import numpy as np
import pytest

from terroir.observatory.access import Targets, nearest, population_within, reach_by_group
from terroir.observatory.egalim import Declared, canteen_figures


def test_canteen_figures_are_plain_means_and_counts_at_or_above_the_targets() -> None:
    figures = canteen_figures([Declared(0.20, 0.30), Declared(0.10, 0.10), Declared(0.30, 0.25)])
    assert figures is not None
    assert figures.canteens == 3
    # organic: (0.20 + 0.10 + 0.30) / 3 = 0.2; EGalim: (0.50 + 0.20 + 0.55) / 3 = 0.416667
    assert figures.organic_share_mean == pytest.approx(0.2)
    assert figures.egalim_share_mean == pytest.approx(0.416667)
    # 0.20 counts as meeting 20 %; 0.20 + 0.30 counts as meeting 50 %, whatever the float sum says.
    assert figures.meeting_organic_target == 2
    assert figures.meeting_egalim_target == 2


def test_a_share_exactly_at_the_target_meets_it_and_one_ten_thousandth_below_does_not() -> None:
    figures = canteen_figures([Declared(0.2665, 0.2335), Declared(0.2, 0.2999), Declared(0.1999, 0.4)])
    assert figures is not None
    assert figures.meeting_egalim_target == 2  # 0.5 and 0.5999
    assert figures.meeting_organic_target == 2  # 0.2665 and 0.2


def test_no_declaration_gives_no_figures_rather_than_zeros() -> None:
    assert canteen_figures([]) is None


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_the_nearest_place_is_found_with_its_great_circle_distance() -> None:
    targets = Targets.of([(10, 45.5497, 3.7417), (20, 45.7797, 3.0863), (30, 46.5841, 0.3469)])
    ambert, clermont = (45.55576, 3.75689), (45.78594, 3.11535)
    found = nearest(targets, [ambert[0], clermont[0]], [ambert[1], clermont[1]])
    assert [f.place_id for f in found] == [10, 20]
    assert found[0].distance_km == pytest.approx(_haversine(*ambert, 45.5497, 3.7417), abs=1e-6)
    assert found[0].distance_km == pytest.approx(1.36, abs=0.01)
    assert found[1].distance_km == pytest.approx(2.36, abs=0.01)


def test_without_any_place_nothing_is_near() -> None:
    found = nearest(Targets.of([]), [45.5], [3.7])
    assert found[0].place_id is None and found[0].distance_km is None


def test_population_within_reach_counts_whole_communes_and_leaves_out_unknown_populations() -> None:
    # Three communes at 3, 12 and 25 km, one with no place at all, one without a known population.
    reach = population_within([3.0, 12.0, 25.0, None, 1.0], [1000, 500, 250, 250, None])
    assert [(r.threshold_km, r.population) for r in reach] == [(5.0, 1000), (10.0, 1000), (20.0, 1500)]
    assert [r.share for r in reach] == [0.5, 0.5, 0.75]  # of 2,000 inhabitants counted


def test_with_no_population_known_the_share_is_unknown() -> None:
    assert population_within([1.0], [None])[0].share is None


def test_reach_by_group_weighs_by_population_and_takes_medians_over_communes() -> None:
    km = np.array([1.0, 8.0, 30.0, np.nan, 4.0])
    population = np.array([100.0, 50.0, 10.0, 40.0, np.nan])
    groups = np.array([0, 0, 0, 1, -1])  # the last commune is in no group
    reach = reach_by_group(km, population, groups, 2)
    assert reach.population.tolist() == [160.0, 40.0]
    assert reach.within.tolist() == [[100.0, 150.0, 150.0], [0.0, 0.0, 0.0]]
    assert reach.median_km[0] == 8.0 and np.isnan(reach.median_km[1])
    assert reach.communes.tolist() == [3.0, 1.0]
