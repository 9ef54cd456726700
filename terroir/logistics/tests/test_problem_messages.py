"""A planning problem's refusals (problems.problem_from_json, through the API, the planner page and
`plan_rounds`) say where — the order, vehicle, depot or farm, and its field — in the reader's language,
quoting the value at fault the reader's way (« 25:00 » in French, “25:00” in English), never as Python
writes it ('25:00'), and never through Python's own words ("could not convert string to float")."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from terroir.accounts.services import api_token_create
from terroir.logistics.problems import problem_from_json
from terroir.logistics.routing import ProblemError

NBSP, NNBSP = "\u00a0", "\u202f"
PROBLEM: dict[str, Any] = {
    "depots": [{"id": "atelier", "place": {"lat": 45.65, "lon": 3.6}}],
    "vehicles": [{"id": "camion", "depot": "atelier", "capacity_kg": 500}],
    "orders": [
        {"id": "fourme", "kg": 10, "pickup": {"lat": 45.6, "lon": 3.7}, "delivery": {"lat": 45.78, "lon": 3.09}}
    ],
}


def _order(**change: Any) -> Callable[[dict[str, Any]], None]:
    return lambda problem: problem["orders"][0].update(change)


def _vehicle(**change: Any) -> Callable[[dict[str, Any]], None]:
    return lambda problem: problem["vehicles"][0].update(change)


# (change, where in English, where in French, the value quoted)
CASES = [
    (_order(pickup_window=["25:00", "26:00"]), "order fourme, pickup_window:",
     f"commande fourme, pickup_window{NNBSP}:", "25:00"),
    (_order(days=["someday"]), "order fourme, days:", f"commande fourme, days{NNBSP}:", "someday"),
    (_order(kind="teleport"), "order fourme:", f"commande fourme{NNBSP}:", "teleport"),
    (_order(kg="lourd"), "order fourme, kg:", f"commande fourme, kg{NNBSP}:", "lourd"),
    (_order(delivery={"lat": 95, "lon": 3}), "order fourme, delivery:", f"commande fourme, delivery{NNBSP}:", "95"),
    (_order(release="midi"), "order fourme, release:", f"commande fourme, release{NNBSP}:", "midi"),
    (_vehicle(vehicle_type="rocket"), "vehicle camion, vehicle_type:", f"véhicule camion, vehicle_type{NNBSP}:",
     "rocket"),
    (_vehicle(capacity_kg="beaucoup"), "vehicle camion, capacity_kg:", f"véhicule camion, capacity_kg{NNBSP}:",
     "beaucoup"),
    (_vehicle(count="deux"), "vehicle camion, count:", f"véhicule camion, count{NNBSP}:", "deux"),
    (lambda p: p["depots"][0].update(hours=["8h", "18:00"]), "depot atelier, hours:",
     f"dépôt atelier, hours{NNBSP}:", "8h"),
    (lambda p: p.update(farms={"p1": {"lat": 45.6, "lon": 3.7}}) or p["orders"][0].update(producer="p9"),
     "order fourme:", f"commande fourme{NNBSP}:", "p9"),
    (lambda p: p.update(transfer_min=-5), "transfer_min:", f"transfer_min{NNBSP}:", "-5"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "english", "french", "value"), CASES)
def test_a_refusal_says_where_and_quotes_the_value_in_the_reader_s_language(
    change: Callable[[dict[str, Any]], None], english: str, french: str, value: str
) -> None:
    problem = copy.deepcopy(PROBLEM)
    change(problem)
    with pytest.raises(ProblemError) as refused:
        problem_from_json(problem)
    for language, where, quoted in (("en", english, f"“{value}”"), ("fr", french, f"«{NBSP}{value}{NBSP}»")):
        with translation.override(language):
            said = refused.value.message.text(gettext)
        assert said.startswith(where), (language, said)
        assert quoted in said, (language, said)
        assert f"'{value}'" not in said and "could not convert" not in said
    assert str(refused.value).startswith(english)  # the logs' and the command line's: English


def test_an_entry_without_an_id_is_refused_by_its_place_in_its_list() -> None:
    problem = copy.deepcopy(PROBLEM)
    problem["orders"].append({"kg": 3})
    with pytest.raises(ProblemError) as refused:
        problem_from_json(problem)
    assert str(refused.value) == "orders, entry 2: id is missing"
    with translation.override("fr"):
        assert refused.value.message.text(gettext) == f"orders, entrée n° 2{NNBSP}: id manque"
    problem = copy.deepcopy(PROBLEM)
    del problem["vehicles"][0]["capacity_kg"]
    with pytest.raises(ProblemError, match=r"^vehicle camion: capacity_kg is missing$"):
        problem_from_json(problem)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", f"commande fourme, kg{NNBSP}: un nombre, pas «{NBSP}lourd{NBSP}»"),
        ("en", "order fourme, kg: a number, not “lourd”"),
    ],
)
def test_the_api_refuses_a_problem_in_the_reader_s_language(
    client: Client, people: Any, language: str, said: str
) -> None:
    _token, key = api_token_create(user=people.camille, name="planner", scope="write")
    problem = copy.deepcopy(PROBLEM)
    problem["orders"][0]["kg"] = "lourd"
    response = client.post(
        "/api/v1/plans", {"problem": problem}, content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Accept-Language": language},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_problem", "message": said, "parameter": "problem"}
