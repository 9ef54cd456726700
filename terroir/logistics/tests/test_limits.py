"""A planning problem's size and the week's orders file are bounded before any work: a 352-byte problem of
`"count": 200000` vehicles once took a server from 228 MB to 3.1 GB, a 200 KB file of nested brackets
sent to the orders import killed it. Each refusal names the field or file, the limit and the value."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from terroir.accounts.services import api_token_create
from terroir.lib.tests.bounded import memory_ceiling
from terroir.lib.tests.workbooks import xlsx_write
from terroir.logistics.models import PlanningRun
from terroir.logistics.problems import ProblemTooLarge, problem_from_json

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)


def problem(*, count: int = 1, orders: int = 1, spread: bool = False) -> dict[str, Any]:
    return {
        "depots": [{"id": "d", "place": {"lat": 45.65, "lon": 3.6}}],
        "vehicles": [{"id": "camion", "depot": "d", "capacity_kg": 1500, "count": count}],
        "orders": [
            {"id": f"o{n}", "kind": "delivery", "kg": 5, "delivery": {"lat": 45.5 + n / 10_000 * spread, "lon": 3.7}}
            for n in range(orders)
        ],
    }


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ProblemTooLarge) as caught, translation.override("en"):
        problem_from_json(data)
    return str(caught.value)


def test_it_refuses_200000_vehicles_of_a_352_byte_problem_before_the_solver_sees_them() -> None:
    hostile = problem(count=200_000)
    assert len(json.dumps(hostile)) < 400
    assert refusal(hostile) == "vehicles: 200,000; at most 200 are planned at once (TERROIR_PLAN_MAX_VEHICLES)"


def test_it_refuses_more_orders_or_places_than_the_limits(settings: Any) -> None:
    settings.TERROIR_PLAN_MAX_ORDERS = 50
    assert "orders: 51; at most 50" in refusal(problem(orders=51))
    settings.TERROIR_PLAN_MAX_LOCATIONS = 30
    # Orders at one customer are one place: 40 of them fit; spread over 40 places they do not.
    assert problem_from_json(problem(orders=40)).orders
    assert "locations: 41; at most 30" in refusal(problem(orders=40, spread=True))
    settings.TERROIR_PLAN_MAX_VEHICLES = 3
    many = problem()
    many["vehicles"] = [{"id": f"v{n}", "depot": "d", "capacity_kg": 100} for n in range(4)]
    assert "vehicles: 4; at most 3" in refusal(many)


def test_the_api_answers_413_naming_the_limit_and_keeps_no_run(client: Client, people: Any) -> None:
    _token, key = api_token_create(user=people.camille, name="planner", scope="write")
    response = client.post(
        "/api/v1/plans", {"problem": problem(count=200_000)}, content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "problem_too_large" and error["parameter"] == "problem"
    assert "TERROIR_PLAN_MAX_VEHICLES" in error["message"] and "200,000" in error["message"]
    assert not PlanningRun.objects.exists()


def upload(client: Client, content: bytes, name: str) -> Any:
    return client.post(
        "/logistics/orders/import/", {"week": WEEK.isoformat(), "file": SimpleUploadedFile(name, content)}
    )


def test_the_orders_import_shows_the_limit_a_deep_json_file_exceeds(client: Client, people: Any) -> None:
    client.force_login(people.camille)
    with memory_ceiling():
        response = upload(client, b"[" * 200_000, "commandes.json")
    assert response.status_code == 400
    assert "TERROIR_JSON_MAX_DEPTH" in response.content.decode()


def test_the_orders_import_shows_the_limit_a_shared_string_bomb_exceeds(
    client: Client, people: Any, tmp_path: Path
) -> None:
    client.force_login(people.camille)
    bomb = xlsx_write(tmp_path / "commandes.xlsx", strings=1_000_000).read_bytes()
    with memory_ceiling():
        response = upload(client, bomb, "commandes.xlsx")
    assert response.status_code == 400
    page = response.content.decode()
    assert "TERROIR_XLSX_MAX_SHARED_STRINGS" in page and re.search(r"1\D000\D000", page)


def test_an_orders_file_over_its_limit_is_stopped_while_it_streams(client: Client, people: Any, settings: Any) -> None:
    settings.TERROIR_ORDERS_IMPORT_MAX_MB = 1
    client.force_login(people.camille)
    response = upload(client, b"producteur;kg\n" + b"x;1\n" * 400_000, "commandes.csv")
    assert response.status_code == 413
    page = response.content.decode()
    assert "commandes.csv" in page and "TERROIR_ORDERS_IMPORT_MAX_MB" in page
