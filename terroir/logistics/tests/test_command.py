"""`plan_rounds`: the JSON problem format, benchmark files, and errors that name what is wrong."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"  # small samples, see benchmarks/PROVENANCE.md

COOPERATIVE = {
    "depots": [{"id": "atelier", "place": {"lat": 45.5497, "lon": 3.7417}, "hours": ["05:00", "20:00"]}],
    "vehicles": [{"id": "camion-frigo", "depot": "atelier", "capacity_kg": 1200, "cold_kg": 800,
                  "per_km": 0.8, "per_hour": 15, "fixed_per_day": 40, "hours": ["06:00", "16:00"]}],
    "orders": [
        {"id": "fourme-supermarche", "kind": "shipment", "kg": 60, "cold": True, "value": 900,
         "pickup": {"lat": 45.60, "lon": 3.70}, "delivery": {"lat": 45.78, "lon": 3.09},
         "delivery_window": ["07:00", "11:00"]},
        {"id": "salades-cantine", "kind": "delivery", "kg": 20, "value": 80,
         "delivery": {"lat": 45.856, "lon": 3.547}, "delivery_window": ["08:00", "10:30"]},
        {"id": "sans-adresse", "kind": "delivery", "kg": 5, "delivery": {"lat": None, "lon": None}},
    ],
}  # fmt: skip


def run(*args: str) -> str:
    out = StringIO()
    call_command("plan_rounds", *args, stdout=out)
    return out.getvalue()


def test_a_cooperative_s_json_problem_is_planned_and_the_plan_written(tmp_path: Path, settings: object) -> None:
    problem = tmp_path / "semaine.json"
    problem.write_text(json.dumps(COOPERATIVE), encoding="utf-8")
    plan_file = tmp_path / "plan.json"
    text = run(str(problem), "--time-limit", "0.5", "--out", str(plan_file))
    assert "1 vehicles" in text and "sans-adresse: no position" in text
    plan = json.loads(plan_file.read_text())
    stops = [(s["order"], s["action"]) for s in plan["rounds"][0]["stops"] if s["order"]]
    assert stops.index(("fourme-supermarche", "load")) < stops.index(("fourme-supermarche", "unload"))
    assert plan["unserved"] == [{"order": "sans-adresse", "reason": "no position"}]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"vehicles": [{"id": "v", "depot": "atelier", "capacity_kg": 0}]}, "vehicle v: it has no capacity"),
        ({"orders": [{"id": "o1", "kind": "teleport", "kg": 1}]}, "order o1: unknown kind"),
        ({"orders": [{"id": "o2", "kind": "delivery", "kg": 1, "delivery": {"lat": 95, "lon": 3}}]},
         "order o2, delivery: impossible coordinates \\(latitude “95”"),
        ({"orders": [{"id": "o3", "kg": -4, "pickup": {"lat": 45.6, "lon": 3.7},
                      "delivery": {"lat": 45.7, "lon": 3.1}}]}, "order o3: negative quantity"),
        ({"orders": [{"id": "o4", "kind": "delivery", "kg": 1, "delivery_window": ["25:00", "26:00"]}]},
         "order o4, delivery_window: a time is written HH:MM \\(07:30\\), not “25:00”"),
        ({"vehicles": [{"id": "v"}]}, "vehicle v: depot is missing"),
    ],
)  # fmt: skip
def test_bad_problems_are_refused_naming_the_order_or_vehicle(
    tmp_path: Path, change: dict[str, object], says: str
) -> None:
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps({**COOPERATIVE, **change}), encoding="utf-8")
    with pytest.raises(CommandError, match=says):
        run(str(problem), "--time-limit", "0.2")


def test_a_file_that_is_not_json_or_not_there_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(CommandError, match="not a UTF-8 JSON file"):
        run(str(bad))
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="give one problem"):
        run()


def test_a_solomon_file_is_read_directly_and_reported_as_json() -> None:
    answer = json.loads(run("--solomon", str(BENCHMARKS / "solomon" / "C101.txt"), "--time-limit", "2", "--json"))
    assert answer["vehicles_used"] == 10 and answer["feasible"] and answer["distance"] < 828.94 * 1.01
