"""Relay platforms through the API (/api/v1/relay-candidates, /api/v1/relay-studies): every role × every
endpoint, owned as on the pages (the two carriers and their sites and studies of test_relays.py), a study
started, computed by the worker's task and read back, and bad input refused in the API's error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from terroir.logistics.models import RelayCandidate, RunStatus, SitingStudy
from terroir.logistics.tests.test_permissions import ROLES, WEEK, World, api_expected, key_of
from terroir.logistics.tests.test_relays import (
    OTHER_SITE,
    OWN_SITE,
    own_candidate,
    own_study,
    relay_world_build,
    week_orders,
)

pytestmark = pytest.mark.django_db
SITE = {"name": "Entrepôt de Courpière", "lat": 45.75, "lon": 3.54, "fixed_cost_week": 121,
        "capacity_kg_day": 400, "opening_hours": "Mo-Fr 05:00-12:00"}  # fmt: skip


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return relay_world_build(territory, people)


def own_org(w: World) -> dict[str, Any]:
    return {"organisation": w.own.carrier.pk}


def listed(world: World, role: str, response: Any, done: bool) -> None:
    if done:
        names = {c["name"] for c in response.json()}
        assert (OWN_SITE in names) == (role in ("own_carrier", "coordinator"))
        assert (OTHER_SITE in names) == (role in ("other_carrier", "coordinator"))


def added(world: World, role: str, response: Any, done: bool) -> None:
    new = RelayCandidate.objects.exclude(name__in=[OWN_SITE, OTHER_SITE])
    assert [c.owner for c in new] == ([world.own.carrier] if done else [])
    if done:
        assert response.json()["organisation"] == world.own.carrier.pk


def read(world: World, role: str, response: Any, done: bool) -> None:
    assert (response.json().get("name") == OWN_SITE) == done


def replaced(world: World, role: str, response: Any, done: bool) -> None:
    candidate = own_candidate(world)
    assert (candidate.capacity_kg_day == 999) == done and candidate.owner == world.own.carrier


def deleted(world: World, role: str, response: Any, done: bool) -> None:
    assert RelayCandidate.objects.filter(name=OWN_SITE).exists() != done


def studied(world: World, role: str, response: Any, done: bool) -> None:
    new = list(SitingStudy.objects.exclude(error__startswith="échec"))
    assert len(new) == (1 if done else 0)
    if done:
        assert new[0].owner == world.own.carrier
        assert {c["id"] for c in new[0].problem["candidates"]} == {f"r{own_candidate(world).pk}"}
        assert response.json()["url"].endswith(f"/api/v1/relay-studies/{new[0].pk}")


def study_read(world: World, role: str, response: Any, done: bool) -> None:
    assert (response.json().get("error") == f"échec {OWN_SITE}") == done


Check = Callable[[World, str, Any, bool], None]
# name, method, url, body, status when allowed, whether it is the own carrier's row (another carrier: 404)
ENDPOINTS: list[tuple[str, str, Callable[[World], str], Callable[[World], Any], int, bool, Check]] = [
    ("list", "get", lambda w: "/api/v1/relay-candidates", lambda w: None, 200, False, listed),
    ("create", "post", lambda w: "/api/v1/relay-candidates", lambda w: SITE | own_org(w), 201, True, added),
    ("read", "get", lambda w: f"/api/v1/relay-candidates/{own_candidate(w).pk}", lambda w: None, 200, True, read),
    ("replace", "put", lambda w: f"/api/v1/relay-candidates/{own_candidate(w).pk}",
     lambda w: SITE | {"name": OWN_SITE, "capacity_kg_day": 999}, 200, True, replaced),
    ("delete", "delete", lambda w: f"/api/v1/relay-candidates/{own_candidate(w).pk}", lambda w: None, 204, True,
     deleted),
    ("study", "post", lambda w: "/api/v1/relay-studies", lambda w: {"week": str(WEEK)} | own_org(w), 202, True,
     studied),
    ("study state", "get", lambda w: f"/api/v1/relay-studies/{own_study(w).pk}", lambda w: None, 200, True,
     study_read),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_each_role_reaches_only_its_own_relay_sites_and_studies_through_the_api(
    world: World, role: str, endpoint: Any
) -> None:
    _name, method, url, body, allowed, own_data, check = endpoint
    data = body(world)
    kwargs: dict[str, Any] = {"headers": key_of(world, role, "write" if method != "get" else "read")}
    if data is not None:
        kwargs |= {"data": data, "content_type": "application/json"}
    response = getattr(Client(), method)(url(world), **kwargs)
    status = api_expected(role, allowed, own_data)
    assert response.status_code == status, response.content.decode()[:500]
    check(world, role, response, status == allowed)


def test_a_read_only_key_cannot_change_sites_nor_start_studies(world: World) -> None:
    headers = key_of(world, "own_carrier", "read")
    response = Client().post("/api/v1/relay-candidates", SITE | own_org(world), content_type="application/json",
                             headers=headers)  # fmt: skip
    assert response.status_code == 403
    assert Client().delete(f"/api/v1/relay-candidates/{own_candidate(world).pk}", headers=headers).status_code == 403
    assert RelayCandidate.objects.filter(name=OWN_SITE).exists()


def test_a_site_given_by_its_commune_is_placed_at_its_centre_and_bad_input_is_refused(world: World) -> None:
    headers = key_of(world, "own_carrier")
    post = lambda body: Client().post(  # noqa: E731
        "/api/v1/relay-candidates", body, content_type="application/json", headers=headers
    )
    by_commune = {"name": "Quai de Thiers", "commune": "Thiers", "fixed_cost_week": 90, "capacity_kg_day": 300}
    response = post(by_commune)
    assert response.status_code == 201, response.content
    found = response.json()
    assert (found["commune"], found["commune_name"]) == ("63430", "Thiers") and found["lat"] is not None
    unknown = post(by_commune | {"commune": "Thierz-sur-Mer"})
    assert unknown.status_code == 400 and unknown.json()["error"]["parameter"] == "commune"
    nowhere = post({"name": "Nulle part", "fixed_cost_week": 90, "capacity_kg_day": 300})
    assert nowhere.status_code == 400 and "Dites où se trouve le site" in nowhere.json()["error"]["message"]
    negative = post(by_commune | {"fixed_cost_week": -1})
    assert negative.status_code == 400
    hours = post(by_commune | {"opening_hours": "tous les jours"})
    assert hours.status_code == 400 and hours.json()["error"]["parameter"] == "opening_hours"
    assert post(by_commune | {"colour": "red"}).status_code == 400  # unknown fields are refused
    # The page's bounds (the model's one rule): 50 t a day, 100,000 € a week; the database's integer before.
    for field, over in (("capacity_kg_day", 50_001), ("capacity_kg_day", 2_147_483_647), ("fixed_cost_week", 100_001)):
        refused = post(by_commune | {field: over})
        assert refused.status_code == 400 and refused.json()["error"]["parameter"] == field, refused.content
    assert (
        post(by_commune | {"name": "Quai 2", "capacity_kg_day": 50_000, "fixed_cost_week": 100_000}).status_code == 201
    )


@pytest.mark.parametrize(
    ("language", "capacity", "cost", "unknown"),
    [
        ("fr", "60 000 dépasse le maximum, 50 000", "-1 est sous le minimum, 0", "paramètre inconnu : retirez-le"),
        ("en", "60,000 is above the maximum, 50,000", "-1 is below the minimum, 0", "unknown parameter: remove it"),
    ],
)  # fmt: skip
def test_a_bound_of_a_site_is_refused_in_the_caller_s_language_saying_what_and_where(
    world: World, language: str, capacity: str, cost: str, unknown: str
) -> None:
    """Not pydantic's English ("Input should be less than or equal to 50000"): the value given, the limit as
    the caller's language writes numbers, the field."""
    headers = key_of(world, "own_carrier") | {"accept-language": language}
    post = lambda body: Client().post(  # noqa: E731
        "/api/v1/relay-candidates", body, content_type="application/json", headers=headers
    )
    site = {"name": "Quai de Thiers", "commune": "Thiers", "fixed_cost_week": 90, "capacity_kg_day": 300}
    for body, parameter, message in ((site | {"capacity_kg_day": 60_000}, "capacity_kg_day", capacity),
                                     (site | {"fixed_cost_week": -1}, "fixed_cost_week", cost),
                                     (site | {"colour": "red"}, "colour", unknown)):  # fmt: skip
        refused = post(body)
        said = refused.json()["error"]
        assert refused.status_code == 400 and said["code"] == "invalid_parameter", refused.content
        assert (said["parameter"], said["message"].replace("\xa0", " ").replace("\u202f", " ")) == (parameter, message)


def test_a_study_started_through_the_api_is_computed_and_its_scenarios_read_back(
    world: World, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week_orders(territory)  # the coordinators' own orders (no carrier)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200, cold_room=True)  # fmt: skip
    headers = key_of(world, "coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/api/v1/relay-studies", {"week": str(WEEK), "trunk": {
            "vehicle_type": "refrigerated_truck", "per_km": 1.2, "per_hour": 18, "load_kg": 600}},
            content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 202, response.content
    started = response.json()
    study = SitingStudy.objects.get(pk=started["id"])
    assert study.owner is None and study.problem["legs"]["trunk"]["per_km"] == 1.2
    # The coordinator studies the whole territory: every carrier's sites too.
    assert {c["name"] for c in started["candidates"]} == {"Plateforme Clermont-Nord", OWN_SITE, OTHER_SITE}
    read = Client().get(started["url"], headers=key_of(world, "coordinator", "read")).json()
    assert read["status"] == RunStatus.DONE and read["fraction"] == 1.0 and read["orders"] == 6
    scenarios = read["scenarios"]
    assert scenarios[0]["platforms"] == 0 and scenarios[0]["open"] == []
    assert all({"cost", "km", "km_town", "km_town_heavy", "co2_kg", "optimal", "gap"} <= set(s) for s in scenarios)
    cheapest = min(scenarios, key=lambda s: s["cost"])
    assert cheapest["cost"] <= scenarios[0]["cost"] and cheapest["optimal"]
    assert all(isinstance(site["id"], int) and site["name"] for s in scenarios for site in s["open"])
    assert any(f["kind"] == "direct" and f["kg"] > 0 for f in scenarios[0]["flows"])


def test_a_study_of_an_empty_week_or_a_third_at_once_is_refused(world: World) -> None:
    headers = key_of(world, "own_carrier")
    body = {"week": "2026-01-05", "organisation": world.own.carrier.pk}
    # The page's form's bounds (relay_study.LEG_BOUNDS, TOWN_POPULATION_BOUNDS), no wider through the API.
    leg = {"vehicle_type": "van", "per_km": 0.6, "per_hour": 15, "load_kg": 150}
    # The parameter says where in the body: the leg, then its field.
    for changed, parameter in (({"trunk": leg | {"per_km": 11}}, "trunk.per_km"), ({"trunk": leg | {"per_hour": 201}},
                               "trunk.per_hour"), ({"direct": leg | {"load_kg": 40_001}}, "direct.load_kg"),
                               ({"town_population": 3_000_001}, "town_population")):  # fmt: skip
        wide = Client().post("/api/v1/relay-studies", body | changed, content_type="application/json", headers=headers)
        assert wide.status_code == 400 and wide.json()["error"]["parameter"] == parameter, wide.content
    empty = Client().post("/api/v1/relay-studies", body, content_type="application/json", headers=headers)
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_study"
    assert "aucune commande cette semaine" in empty.json()["error"]["message"]
    SitingStudy.objects.filter(owner=world.own.carrier).update(status=RunStatus.RUNNING)
    SitingStudy.objects.create(week=WEEK, owner=world.own.carrier, problem={}, status=RunStatus.RUNNING)
    busy = Client().post("/api/v1/relay-studies", body | {"week": str(WEEK)}, content_type="application/json",
                         headers=headers)  # fmt: skip
    assert busy.status_code == 429 and busy["Retry-After"] == "60"


def test_a_person_of_two_carriers_says_which_one_they_add_a_site_for(world: World) -> None:
    from terroir.accounts.models import Membership

    lea = world.people["own_carrier"]
    Membership.objects.create(user=lea, actor=world.other.carrier, how="coordinator")
    headers = key_of(world, "own_carrier")
    unsaid = Client().post("/api/v1/relay-candidates", SITE, content_type="application/json", headers=headers)
    assert unsaid.status_code == 404 and unsaid.json()["error"]["parameter"] == "organisation"
    said = Client().post("/api/v1/relay-candidates", SITE | {"organisation": world.other.carrier.pk},
                         content_type="application/json", headers=headers)  # fmt: skip
    assert said.status_code == 201 and said.json()["organisation"] == world.other.carrier.pk
    mine = Client().get(f"/api/v1/relay-candidates?organisation={world.other.carrier.pk}", headers=headers).json()
    assert {c["name"] for c in mine} == {OTHER_SITE, SITE["name"]}


def test_a_carrier_not_ones_own_is_refused_naming_the_parameter_by_each_operation_that_takes_one(
    world: World,
) -> None:
    """The listing, the new site and the study refuse another's carrier alike (one helper, `_owner`)."""
    headers, foreign = key_of(world, "own_carrier"), world.other.carrier.pk
    answers = [
        Client().get(f"/api/v1/relay-candidates?organisation={foreign}", headers=headers),
        Client().post("/api/v1/relay-candidates", SITE | {"organisation": foreign}, content_type="application/json",
                      headers=headers),
        Client().post("/api/v1/relay-studies", {"week": str(WEEK), "organisation": foreign},
                      content_type="application/json", headers=headers),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code == 404, answer.content
        assert answer.json()["error"] == {"code": "not_found", "parameter": "organisation",
                                          "message": f"No carrier {foreign} of yours."}  # fmt: skip
