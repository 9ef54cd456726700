"""Relay platforms on the platform: candidate sites owned like the other logistics rows (every role × every
page), a study of a week's orders computed by the worker's task, its page, and bad input said in French.

The two carriers of test_permissions.py (Léa's Coopérative du Livradois, Marc's Transports du Forez) each
have a candidate site and a study; Camille coordinates and sees both."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from terroir.directory.services import place_create
from terroir.logistics import studies
from terroir.logistics.models import DeliveryOrder, OrderKind, RelayCandidate, RunStatus, SitingStudy
from terroir.logistics.tests.test_permissions import ROLES, WEEK, World, client_of, world_build

pytestmark = pytest.mark.django_db
OWN_SITE, OTHER_SITE = "Plateforme de Cunlhat", "Quai de Noirétable"


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return relay_world_build(territory, people)


def relay_world_build(territory: Any, people: Any) -> World:
    """The two carriers of test_permissions.py, each with a candidate site and a (failed) study."""
    found = world_build(territory, people)
    for side, name, lat in ((found.own, OWN_SITE, 45.63), (found.other, OTHER_SITE, 45.93)):
        RelayCandidate.objects.create(name=name, lat=lat, lon=3.55, fixed_cost_week=121, capacity_kg_day=300,
                                      owner=side.carrier)  # fmt: skip
        SitingStudy.objects.create(week=WEEK, owner=side.carrier, problem={"candidates": [], "orders": []},
                                   status=RunStatus.FAILED, error=f"échec {name}")  # fmt: skip
    return found


def own_candidate(world: World) -> RelayCandidate:
    return RelayCandidate.objects.get(name=OWN_SITE)


def own_study(world: World) -> SitingStudy:
    return SitingStudy.objects.get(owner=world.own.carrier)


def sees_own_sites(world: World, role: str, response: Any, done: bool) -> None:
    if not done:
        return
    page = response.content.decode()
    assert (OWN_SITE in page) == (role in ("own_carrier", "coordinator"))
    assert (OTHER_SITE in page) == (role in ("other_carrier", "coordinator"))


def added(world: World, role: str, response: Any, done: bool) -> None:
    new = RelayCandidate.objects.exclude(name__in=[OWN_SITE, OTHER_SITE])
    # The coordinator adds on the desk chosen by ?org= (Léa's carrier), as Léa herself.
    owner = world.other.carrier if role == "other_carrier" else world.own.carrier
    assert [c.owner for c in new] == ([owner] if done else [])


def changed(world: World, role: str, response: Any, done: bool) -> None:
    candidate = own_candidate(world)
    assert (candidate.capacity_kg_day == 999) == done
    assert candidate.owner == world.own.carrier  # a change never moves a site to another carrier


def deleted(world: World, role: str, response: Any, done: bool) -> None:
    assert RelayCandidate.objects.filter(name=OWN_SITE).exists() != done


def studied(world: World, role: str, response: Any, done: bool) -> None:
    new = list(SitingStudy.objects.exclude(error__startswith="échec"))
    assert len(new) == (1 if done else 0)
    if done:  # only the sites and orders of the carrier on the desk (a coordinator: the whole territory)
        ids = {c["id"] for c in new[0].problem["candidates"]}
        own, other = f"r{own_candidate(world).pk}", f"r{RelayCandidate.objects.get(name=OTHER_SITE).pk}"
        assert (own in ids) == (role in ("own_carrier", "coordinator"))
        assert (other in ids) == (role in ("other_carrier", "coordinator"))


def study_shown(world: World, role: str, response: Any, done: bool) -> None:
    body = response.content.decode() if response.status_code == 200 else ""
    assert (f"échec {OWN_SITE}" in body) == done
    assert f"échec {OTHER_SITE}" not in body


def no_effect(world: World, role: str, response: Any, done: bool) -> None:
    pass


def candidate_data(**changes: Any) -> dict[str, Any]:
    data = {"name": "Entrepôt de Courpière", "lat": "45.75", "lon": "3.54", "fixed_cost_week": "121",
            "capacity_kg_day": "400", "opening_hours": "Mo-Fr 05:00-12:00"}  # fmt: skip
    return data | changes


def study_data(**changes: Any) -> dict[str, Any]:
    data = {"week": WEEK.isoformat(), "town_population": "10000"}
    for key, vehicle, per_km, per_hour, load in (("direct", "van", "0.6", "15", "150"),
                                                 ("trunk", "truck", "1.1", "18", "600"),
                                                 ("last_mile", "refrigerated_van", "0.7", "18", "300")):  # fmt: skip
        data |= {f"{key}_type": vehicle, f"{key}_per_km": per_km, f"{key}_per_hour": per_hour, f"{key}_load_kg": load}
    return data | changes


Check = Callable[[World, str, Any, bool], None]
ENDPOINTS: list[tuple[str, str, Callable[[World], str], Callable[[World], Any], int, Check]] = [
    ("relays", "get", lambda w: "/logistics/relays/", lambda w: None, 200, sees_own_sites),
    ("new site", "post", lambda w: f"/logistics/relays/new/?org={w.own.carrier.pk}", lambda w: candidate_data(), 302,
     added),
    ("change site", "post", lambda w: f"/logistics/relays/{own_candidate(w).pk}/",
     lambda w: candidate_data(name=OWN_SITE, capacity_kg_day="999"), 302, changed),
    ("delete site", "post", lambda w: f"/logistics/relays/{own_candidate(w).pk}/delete/", lambda w: {}, 302, deleted),
    ("study", "post", lambda w: "/logistics/relays/", lambda w: study_data(), 302, studied),
    ("study page", "get", lambda w: f"/logistics/studies/{own_study(w).pk}/", lambda w: None, 200, study_shown),
    ("study state", "get", lambda w: f"/logistics/studies/{own_study(w).pk}/state.json", lambda w: None, 200,
     no_effect),
]  # fmt: skip
# Who gets through: the own carrier and the coordinator everywhere; the other carrier sees the list (of
# their own sites) and studies their own week, but another carrier's site or study is a 404.
THROUGH = {
    "relays": {"other_carrier"}, "study": {"other_carrier"}, "new site": {"other_carrier"},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_relay_pages_let_through_only_the_carriers_own_people_and_coordinators(
    world: World, role: str, endpoint: Any, django_capture_on_commit_callbacks: Any
) -> None:
    name, method, url, data, status, check = endpoint
    client = client_of(world, role)
    if name == "new site" and role == "other_carrier":
        url = lambda w: f"/logistics/relays/new/?org={w.other.carrier.pk}"  # noqa: E731 — their own desk
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(url(world), data(world)) if method == "post" else client.get(url(world))
    allowed = role in ("own_carrier", "coordinator") or role in THROUGH.get(name, set())
    if role == "anonymous":
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    elif not allowed:
        assert response.status_code in (403, 404), response.status_code
    else:
        assert response.status_code == status, response.content.decode()[:2000]
    check(world, role, response, allowed and role != "anonymous")


def week_orders(territory: Any, carrier: Any = None) -> list[DeliveryOrder]:
    """Three farms' orders to Clermont and Thiers customers."""
    supermarket, canteen = territory.clermont_supermarket, territory.thiers_canteen
    rows = [
        (territory.cheese_farm, supermarket, 80, True), (territory.honey_farm, supermarket, 40, False),
        (territory.market_gardener, canteen, 120, False), (territory.cheese_farm, canteen, 30, True),
    ]  # fmt: skip
    return [
        DeliveryOrder.objects.create(week=WEEK, owner=carrier, kind=OrderKind.SHIPMENT, producer=producer,
                                     customer=None, delivery_place=place, kg=Decimal(kg), cold=cold, value=10 * kg)
        for producer, place, kg, cold in rows
    ]  # fmt: skip


def test_a_study_computed_by_the_worker_task_shows_its_scenarios_map_and_tables(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week_orders(territory)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200, cold_room=True)  # fmt: skip
    RelayCandidate.objects.create(name="Actypôles Thiers", lat=45.84, lon=3.50, fixed_cost_week=60,
                                  capacity_kg_day=100, opening_hours="Tu,Th 06:00-12:00")  # fmt: skip
    client.force_login(people.camille)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/logistics/relays/", study_data())
    assert response.status_code == 302
    study = SitingStudy.objects.get()
    assert study.status == RunStatus.DONE, study.error
    # Thiers opens two days: 200 kg this week.
    assert sorted(c["capacity_kg"] for c in study.problem["candidates"]) == [200, 1000]
    scenarios = (study.result or {})["scenarios"]
    assert [s["platforms"] for s in scenarios] == [0, 1, 2]
    assert scenarios[0]["open"] == [] and all(s["optimal"] for s in scenarios)
    page = client.get(response["Location"]).content.decode()
    assert "Direct (aujourd’hui)" in page or "Direct (aujourd'hui)" in page
    assert 'id="scenarios-km_town_heavy"' in page and 'id="relay-data"' in page
    assert "optimum prouvé" in page
    assert "GAEC des Monts du Forez" in page
    # The way back: the pooled rounds, then the relay platforms, then this study.
    crumbs = page[page.index('<nav class="breadcrumbs"') : page.index("</nav>", page.index('<nav class="breadcrumbs"'))]
    positions = [crumbs.index(w) for w in ("Accueil", "Tournées mutualisées", "Plateformes relais", "Étude de la")]
    assert positions == sorted(positions)
    assert 'href="/logistics/"' in crumbs and 'href="/logistics/relays/"' in crumbs


def test_a_study_is_refused_in_french_when_a_site_has_no_position_or_the_week_no_order(
    client: Client, people: Any, territory: Any
) -> None:
    client.force_login(people.camille)
    nowhere = RelayCandidate.objects.create(name="Hangar sans adresse", fixed_cost_week=50, capacity_kg_day=100)
    response = client.post("/logistics/relays/", study_data())
    assert response.status_code == 400
    assert "Hangar sans adresse n’a pas de position" in response.content.decode().replace("'", "’")
    nowhere.lat, nowhere.lon = 45.8, 3.1
    nowhere.save()
    response = client.post("/logistics/relays/", study_data())
    assert "aucune commande cette semaine" in response.content.decode()
    assert not SitingStudy.objects.exists()


def test_a_candidate_with_a_negative_cost_or_a_place_of_another_kind_is_refused_in_french(
    client: Client, people: Any, territory: Any
) -> None:
    client.force_login(people.camille)
    response = client.post("/logistics/relays/new/", candidate_data(fixed_cost_week="-10"))
    assert response.status_code == 400 and "Un coût ne peut pas être négatif" in response.content.decode()
    response = client.post("/logistics/relays/new/", candidate_data(place=str(territory.ambert_market.pk)))
    assert response.status_code == 400
    response = client.post("/logistics/relays/new/", candidate_data(opening_hours="tous les jours"))
    assert response.status_code == 400 and "Horaires" in response.content.decode()
    response = client.post("/logistics/relays/new/", candidate_data(capacity_kg_day="9" * 20))
    page = response.content.decode()
    assert response.status_code == 400 and "9223372036854775807" not in page
    assert "inférieure ou égale à 50\xa0000." in page  # a relay platform's real day, not the database's top
    assert not RelayCandidate.objects.exists()
    over = client.post("/logistics/relays/new/", candidate_data(capacity_kg_day="50001", fixed_cost_week="100001"))
    assert over.status_code == 400 and "inférieure ou égale à 50\xa0000." in over.content.decode()
    assert "inférieure ou égale à 100\xa0000." in over.content.decode()
    top = client.post("/logistics/relays/new/", candidate_data(capacity_kg_day="50000", fixed_cost_week="100000"))
    assert top.status_code == 302 and RelayCandidate.objects.get().capacity_kg_day == 50_000


def test_a_relay_platform_of_the_directory_gives_the_candidate_its_position_commune_and_hours(
    territory: Any,
) -> None:
    place = place_create(name="Plateforme Actypôles", kind="relay", commune=territory.thiers, lat=45.85,
                         lon=3.52, opening_hours="Mo-Fr 06:00-12:00")  # fmt: skip
    candidate = studies.candidate_save(
        candidate=RelayCandidate(name="Actypôles", place=place, fixed_cost_week=60, capacity_kg_day=300), owner=None
    )
    assert (candidate.lat, candidate.lon, candidate.commune) == (45.85, 3.52, territory.thiers)
    assert candidate.opening_hours == "Mo-Fr 06:00-12:00"
    assert studies.days_open(candidate, WEEK) == 5
    assert studies.days_open(RelayCandidate(opening_hours="Sa 08:00-12:00"), WEEK) == 1
    assert studies.days_open(RelayCandidate(opening_hours=""), WEEK) == 5


def test_orders_that_do_not_go_from_a_farm_to_a_customer_are_counted_and_left_out(territory: Any) -> None:
    orders = week_orders(territory)
    orders[0].kind = OrderKind.COLLECTION
    orders[0].save()
    problem, _labels = studies.study_problem([], DeliveryOrder.objects.all(), week=WEEK)
    assert problem["left_out"] == 1 and len(problem["orders"]) == 3


def test_a_study_whose_worker_died_is_said_failed(territory: Any) -> None:
    long_ago = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    stale = SitingStudy.objects.create(week=WEEK, problem={}, status=RunStatus.RUNNING, heartbeat_at=long_ago)
    assert studies.studies_reap() == 1
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED


def test_the_demo_week_can_be_studied_with_the_demo_s_candidate_sites(directory_demo_full: Any) -> None:
    from terroir.directory.models import Actor
    from terroir.logistics.demo import logistics_demo_clear, logistics_demo_load

    assert logistics_demo_load() > 0
    cooperative = Actor.objects.get(is_carrier=True, source="demo")
    candidates = list(RelayCandidate.objects.all())
    assert len(candidates) == 3 and {c.owner for c in candidates} == {cooperative}
    week = DeliveryOrder.objects.first().week  # type: ignore[union-attr]
    problem, labels = studies.study_problem(candidates, DeliveryOrder.objects.select_related(
        "producer", "customer", "delivery_place"), week=week)  # fmt: skip
    study = studies.study_start(problem=problem, labels=labels, week=week, by=None, owner=cooperative,
                                background=False)  # fmt: skip
    assert study.status == RunStatus.DONE, study.error
    scenarios = (study.result or {})["scenarios"]
    assert scenarios[0]["open"] == [] and all(s["optimal"] for s in scenarios)
    logistics_demo_clear()
    assert not RelayCandidate.objects.exists()


def test_a_study_waiting_for_the_worker_shows_its_progress_and_its_state(
    client: Client, people: Any, territory: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    week_orders(territory)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200, cold_room=True)  # fmt: skip
    client.force_login(people.camille)
    response = client.post("/logistics/relays/", study_data())
    study = SitingStudy.objects.get()
    assert study.status == RunStatus.QUEUED  # no worker runs here
    page = client.get(response["Location"]).content.decode()
    assert 'id="job"' in page and f"/logistics/studies/{study.pk}/state.json" in page and "<progress" in page
    state = client.get(f"/logistics/studies/{study.pk}/state.json").json()
    assert state["status"] == "queued" and state["fraction"] == 0.0


def test_a_third_study_at_once_is_refused_until_one_ends(client: Client, people: Any, territory: Any) -> None:
    week_orders(territory)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200)  # fmt: skip
    client.force_login(people.camille)
    for _ in range(2):  # queued: no worker takes them in this test
        assert client.post("/logistics/relays/", study_data()).status_code == 302
    response = client.post("/logistics/relays/", study_data())
    assert response.status_code == 400 and "Deux études sont déjà en cours" in response.content.decode()
    SitingStudy.objects.update(status=RunStatus.DONE)
    assert client.post("/logistics/relays/", study_data()).status_code == 302
