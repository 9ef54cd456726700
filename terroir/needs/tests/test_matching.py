"""Matching is a pure function: tested on plain data, without the database; its explanations are codes
that the needs board's services put in words."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terroir.needs import services
from terroir.needs.matching import (
    LABEL,
    POOLED_LOGISTICS,
    REQUIREMENT,
    NeedSpec,
    ProducerProfile,
    ProducerTable,
    Reason,
    Supply,
    Weights,
    rank,
    score,
)

ROAD = 1.3  # road km per great-circle km, the platform's default (TERROIR_ROAD_FACTOR)


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Explanations are asserted in English here; the board's French is tested with its pages."""
    from django.utils import translation

    with translation.override("en"):
        yield


AMBERT = (45.5497, 3.7417)
SUPERMARKET_AMBERT = NeedSpec(
    category="/dairy/cheese/", lat=45.5489, lon=3.7450, max_km=60, monthly_quantity=80,
    months=4095, weekdays=0b0000010, labels=frozenset({"ab"}), requirements=frozenset({"gtin"}),
)  # fmt: skip


def farm(pid: int, lat: float, lon: float, *supplies: Supply, **kwargs: object) -> ProducerProfile:
    return ProducerProfile(id=pid, name=f"farm {pid}", lat=lat, lon=lon, supplies=supplies, **kwargs)  # type: ignore[arg-type]


def test_a_nearby_organic_cheese_farm_delivering_on_tuesdays_comes_first_and_says_why() -> None:
    cheese = Supply("/dairy/cheese/cow-cheese/", labels=frozenset({"ab", "aop"}), monthly_volume=200)
    close = farm(1, 45.56, 3.77, cheese, delivery_radius_km=40, delivery_weekdays=0b0000010)
    far = farm(2, 45.856, 3.547, Supply("/dairy/cheese/", monthly_volume=40), requirements=frozenset({"gtin"}))
    honey = farm(3, 45.55, 3.75, Supply("/honey/"))
    ranked = rank(SUPERMARKET_AMBERT, ProducerTable.build([far, honey, close]), road_factor=ROAD)
    assert [s.producer_id for s in ranked] == [1, 2]
    best = ranked[0]
    assert best.parts["logistics"] == 1.0 and best.parts["labels"] == 1.0
    assert Reason(LABEL, "ab") in best.reasons and best.missing == [Reason(REQUIREMENT, "gtin")]
    assert services.explanation(best).startswith("3 km, ab, delivers on a delivery day; missing: GTIN barcodes")
    second = ranked[1]
    assert Reason(POOLED_LOGISTICS) in second.reasons
    assert "needs pooled logistics" in [services.reason_text(r) for r in second.reasons]
    assert "volume (50% of the need)" in [services.reason_text(r) for r in second.missing]


def test_a_producer_beyond_the_need_s_limit_or_of_another_category_does_not_fit() -> None:
    assert score(SUPERMARKET_AMBERT, farm(1, 46.58, 0.35, Supply("/dairy/cheese/")), road_factor=ROAD) is None
    assert score(SUPERMARKET_AMBERT, farm(2, *AMBERT, Supply("/vegetables/")), road_factor=ROAD) is None


def test_the_road_factor_comes_from_the_caller() -> None:
    thiers = farm(1, 45.856, 3.547, Supply("/dairy/cheese/"))  # 37 km from Ambert as the crow flies
    straight = score(SUPERMARKET_AMBERT, thiers, road_factor=1.0)
    winding = score(SUPERMARKET_AMBERT, thiers, road_factor=1.5)
    assert straight is not None and winding is not None
    assert math.isclose(winding.road_km, straight.road_km * 1.5)
    assert score(SUPERMARKET_AMBERT, thiers, road_factor=2.0) is None  # 74 km: beyond the need's 60
    table = ProducerTable.build([thiers])
    assert rank(SUPERMARKET_AMBERT, table, road_factor=1.0)[0].road_km == pytest.approx(straight.road_km)
    assert rank(SUPERMARKET_AMBERT, table, road_factor=2.0) == []


def test_a_broader_category_fits_half() -> None:
    goat = NeedSpec(category="/dairy/cheese/goat-cheese/", lat=AMBERT[0], lon=AMBERT[1], max_km=50)
    fit = score(goat, farm(1, *AMBERT, Supply("/dairy/cheese/")), road_factor=ROAD)
    assert fit is not None and fit.parts["category"] == 0.5
    assert "broader category" in [services.reason_text(r) for r in fit.reasons]


def test_weights_are_settings() -> None:
    near_plain = farm(1, 45.56, 3.75, Supply("/dairy/cheese/"))
    far_organic = farm(2, 45.75, 3.55, Supply("/dairy/cheese/", labels=frozenset({"ab"})))
    table = ProducerTable.build([near_plain, far_organic])
    by_distance = Weights(distance=10, labels=0.1)
    by_labels = Weights(distance=0.1, labels=10)
    assert rank(SUPERMARKET_AMBERT, table, by_distance, road_factor=ROAD)[0].producer_id == 1
    assert rank(SUPERMARKET_AMBERT, table, by_labels, road_factor=ROAD)[0].producer_id == 2


CATEGORIES = ["/dairy/", "/dairy/cheese/", "/dairy/cheese/goat-cheese/", "/dairy/milk/", "/honey/", "/vegetables/"]
LABELS = ["ab", "aop", "hve", "label-rouge"]

supplies = st.builds(
    Supply,
    category=st.sampled_from(CATEGORIES),
    months=st.integers(1, 4095),
    labels=st.frozensets(st.sampled_from(LABELS)),
    monthly_volume=st.one_of(st.none(), st.floats(0, 1000)),
)
profiles = st.builds(
    ProducerProfile,
    id=st.integers(1, 10**6),
    name=st.just("x"),
    lat=st.floats(45.0, 46.5),
    lon=st.floats(2.5, 4.5),
    supplies=st.lists(supplies, min_size=1, max_size=3).map(tuple),
    delivery_radius_km=st.one_of(st.none(), st.floats(0, 200)),
    delivery_weekdays=st.integers(0, 127),
    requirements=st.frozensets(st.sampled_from(["gtin", "cold_chain", "invoicing"])),
)
needs = st.builds(
    NeedSpec,
    category=st.sampled_from(CATEGORIES),
    lat=st.floats(45.0, 46.5),
    lon=st.floats(2.5, 4.5),
    max_km=st.floats(1, 300),
    monthly_quantity=st.floats(0, 500),
    months=st.integers(1, 4095),
    weekdays=st.integers(1, 127),
    labels=st.frozensets(st.sampled_from([*LABELS, "unknown-label"])),
    requirements=st.frozensets(st.sampled_from(["gtin", "cold_chain", "sanitary_approval"])),
)


@settings(max_examples=150, deadline=None)
@given(need=needs, producers=st.lists(profiles, max_size=25))
def test_ranking_the_table_agrees_with_scoring_each_producer(need: NeedSpec, producers: list[ProducerProfile]) -> None:
    table = ProducerTable.build(producers)
    ranked = rank(need, table, limit=len(producers) + 1, road_factor=ROAD)
    one_by_one = [(s, i) for i, p in enumerate(producers) if (s := score(need, p, road_factor=ROAD)) is not None]
    assert len(ranked) == len(one_by_one)
    expected = sorted(one_by_one, key=lambda pair: (-pair[0].total, pair[1]))
    for got, (want, _index) in zip(ranked, expected, strict=True):
        assert math.isclose(got.total, want.total, rel_tol=1e-9, abs_tol=1e-12)
        assert got.parts == pytest.approx(want.parts)
    totals = [s.total for s in ranked]
    assert totals == sorted(totals, reverse=True)
    assert all(0.0 <= t <= 1.0 for t in totals)


def test_matching_is_pure_it_imports_no_django() -> None:
    code = (
        "import sys, terroir.needs.matching; "
        "found = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); assert not found, found"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
