"""Distances (offline estimate and an OSRM table server on 127.0.0.1), costs, and fair sharing."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terroir.logistics.costs import CostModel, VehicleType, round_cost, saving
from terroir.logistics.distances import Estimate, OsrmTable, great_circle_km
from terroir.logistics.sharing import proportional, shapley

AMBERT, CLERMONT, THIERS = (45.5497, 3.7417), (45.7797, 3.0863), (45.8560, 3.5470)


def test_the_offline_estimate_is_the_great_circle_times_the_circuity_at_the_average_speed() -> None:
    matrix = Estimate(circuity=1.3, speed_kmh=50).matrix([AMBERT, CLERMONT])
    crow = great_circle_km([AMBERT, CLERMONT])[0, 1]
    assert 55 < crow < 58
    assert math.isclose(matrix.km[0, 1], crow * 1.3) and matrix.km[0, 0] == 0
    assert math.isclose(matrix.seconds[1, 0], crow * 1.3 / 50 * 3600)
    assert matrix.source == "estimate"


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/ like OSRM: distance = 1.25 × great circle, at 60 km/h."""

    calls: list[str] = []
    broken = False

    def do_GET(self) -> None:
        type(self).calls.append(self.path)
        path, _q, query = self.path.partition("?")
        coordinates = [tuple(map(float, c.split(","))) for c in path.rsplit("/", 1)[1].split(";")]
        points = [(lat, lon) for lon, lat in coordinates]
        params = dict(part.split("=") for part in query.split("&"))
        sources = [int(i) for i in params["sources"].split(";")]
        targets = [int(i) for i in params["destinations"].split(";")]
        km = great_circle_km(points) * 1.25
        body = {
            "code": "Ok",
            "distances": [[None if type(self).broken else km[s, t] * 1000 for t in targets] for s in sources],
            "durations": [[km[s, t] / 60 * 3600 for t in targets] for s in sources],
        }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    FakeOsrm.calls, FakeOsrm.broken = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_osrm_table_server_gives_road_distances_and_answers_are_cached(osrm: str) -> None:
    table = OsrmTable(url=osrm, timeout_s=2)
    first = table.matrix([AMBERT, CLERMONT, THIERS])
    assert first.source == "osrm"
    assert math.isclose(first.km[0, 1], great_circle_km([AMBERT, CLERMONT])[0, 1] * 1.25, rel_tol=1e-6)
    assert len(FakeOsrm.calls) == 1 and "/table/v1/driving/3.741700,45.549700;" in FakeOsrm.calls[0]
    again = table.matrix([THIERS, AMBERT])
    assert len(FakeOsrm.calls) == 1  # every pair was known
    assert math.isclose(again.km[1, 0], first.km[0, 2])


def test_without_an_answer_from_the_server_the_estimate_is_used_and_says_why(osrm: str) -> None:
    FakeOsrm.broken = True
    matrix = OsrmTable(url=osrm, timeout_s=2).matrix([AMBERT, CLERMONT])
    assert matrix.source == "estimate" and "no road between point 1 and point 2" in matrix.note
    down = OsrmTable(url="http://127.0.0.1:9", timeout_s=0.5, retries=0).matrix([AMBERT, CLERMONT])
    assert down.source == "estimate" and "did not answer" in down.note


def test_a_round_costs_km_hours_and_days_and_is_judged_against_the_value_carried() -> None:
    van = CostModel(per_km=0.80, per_hour=15.0, fixed_per_day=20.0, vehicle_type=VehicleType.REFRIGERATED_VAN)
    pooled = round_cost(van, km=120, hours=5, days=1, value=2500)
    assert math.isclose(pooled.cost, 20 + 96 + 75) and math.isclose(pooled.co2_kg, 120 * 0.31)
    assert pooled.verdict == "target"  # 191 € for 2,500 € of goods: 7.6 %
    assert round_cost(van, km=120, hours=5, value=1000).verdict == "acceptable"  # 19.1 %
    assert round_cost(van, km=120, hours=5, value=800).verdict == "too_expensive"  # 23.9 %
    alone = round_cost(van, km=400, hours=12, days=4, value=2500)
    assert saving(pooled, alone)["km"] == 280
    with pytest.raises(ValueError):
        round_cost(van, km=-1, hours=1)


def detour_cost(extra: dict[str, float], base: float = 50.0) -> Any:
    """A round costs a fixed base once anybody uses it, plus each producer's detour."""
    return lambda coalition: (base + sum(extra[p] for p in coalition)) if coalition else 0.0


def test_shapley_shares_the_base_equally_and_each_detour_to_its_producer() -> None:
    shares = {s.player: s.amount for s in shapley(["a", "b", "c"], detour_cost({"a": 10, "b": 10, "c": 40}))}
    assert shares == pytest.approx({"a": 50 / 3 + 10, "b": 50 / 3 + 10, "c": 50 / 3 + 40})
    prop = {s.player: s.amount for s in proportional(["a", "b", "c"], detour_cost({"a": 10, "b": 10, "c": 40}))}
    assert sum(prop.values()) == pytest.approx(110) and prop["c"] > prop["a"]


@settings(max_examples=60, deadline=None)
@given(
    costs=st.lists(st.floats(0, 100), min_size=1, max_size=7),
    base=st.floats(0, 200),
    twins=st.booleans(),
)
def test_shapley_is_efficient_symmetric_and_free_for_who_adds_nothing(
    costs: list[float], base: float, twins: bool
) -> None:
    players = [f"p{i}" for i in range(len(costs))]
    extra = dict(zip(players, costs, strict=True))
    if twins and len(players) >= 2:
        extra[players[1]] = extra[players[0]]

    # A subadditive game with an interaction: two producers on the same road share half their detours.
    def cost(coalition: frozenset[Any]) -> float:
        if not coalition:
            return 0.0
        value = base + sum(extra[p] for p in coalition)
        return value - (0.5 * min(extra["p0"], extra["p1"]) if {"p0", "p1"} <= coalition else 0.0)

    shares = {s.player: s.amount for s in shapley(players, cost)}
    assert sum(shares.values()) == pytest.approx(cost(frozenset(players)), abs=1e-7)
    if twins and len(players) >= 2:
        assert shares["p0"] == pytest.approx(shares["p1"], abs=1e-7)

    def with_ghost(coalition: frozenset[Any]) -> float:
        return cost(frozenset(c for c in coalition if c != "ghost"))

    assert {s.player: s.amount for s in shapley([*players, "ghost"], with_ghost)}["ghost"] == pytest.approx(
        0.0, abs=1e-7
    )


def test_beyond_twelve_producers_the_shapley_value_is_sampled_close_to_the_exact_one() -> None:
    extra = {f"p{i}": float(i) for i in range(14)}
    shares = {s.player: s.amount for s in shapley(list(extra), detour_cost(extra), samples=400)}
    exact = {p: 50 / 14 + e for p, e in extra.items()}
    assert sum(shares.values()) == pytest.approx(50 + sum(extra.values()))
    # Each detour is exact whatever the order; the base goes to whoever comes first: sampled, within 4 σ.
    assert all(abs(shares[p] - exact[p]) < 2.5 for p in extra)
    assert "estimated from 400 random orders" in shapley(list(extra), detour_cost(extra), samples=400)[0].explanation
