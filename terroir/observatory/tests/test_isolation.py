"""Isolated producers: flagged by their own people or a coordinator (a service, with a reason), or found by
the rules; and what the platform could offer each one (needs, rounds nearby, producers to pool with)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from terroir.conftest import PASSWORD, person
from terroir.directory.models import Actor, Category, Place
from terroir.directory.services import place_create
from terroir.lib.geo import haversine_km
from terroir.logistics.models import Depot, PlanningRun, RunStatus
from terroir.needs.models import Need
from terroir.observatory import isolation
from terroir.observatory.models import IsolationFlag
from terroir.observatory.territories import territory_create

THIERS_FARM = (45.8702, 3.5601)


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def found(trio):
    return {item.producer.name: item for item in isolation.isolated_producers(trio)}


def test_the_rules_find_the_honey_farm_far_from_any_outlet_and_alone_with_its_honey(territory, trio) -> None:
    items = found(trio)
    honey = items["Rucher de la Durolle"]
    # Thiers: the nearest public place is the supermarket of Clermont, 36 km (the college canteen is not public).
    assert isolation.NO_OUTLET in honey.reasons and honey.nearest_outlet_km > isolation.OUTLET_KM
    assert isolation.ALONE in honey.reasons and honey.alone_with == ["Miel et produits de la ruche"]
    # The cheese farm sells at its farm, the market, the shop and the supermarket, near other places.
    cheese = items.get("GAEC des Monts du Forez")
    assert cheese is None or isolation.NO_OUTLET not in cheese.reasons
    assert cheese is None or isolation.SINGLE_BUYER not in cheese.reasons


def test_a_producer_selling_through_one_place_only_depends_on_a_single_buyer(territory, trio) -> None:
    territory.clermont_supermarket.producers.remove(territory.market_gardener)
    gardener = found(trio)["EARL Les Jardins de Limagne"]
    assert isolation.SINGLE_BUYER in gardener.reasons  # the college canteen of Thiers only


def test_a_producer_s_own_people_flag_it_with_their_reason(territory, people, trio) -> None:
    flag = isolation.isolation_flag(producer=territory.cheese_farm, reason="  La laiterie ne collecte plus  ",
                                    by=people.claire)  # fmt: skip
    assert flag.by_producer and flag.reason == "La laiterie ne collecte plus"
    item = found(trio)["GAEC des Monts du Forez"]
    assert item.reasons[0] == isolation.FLAGGED and "La laiterie ne collecte plus" in item.reason_texts()[0]
    # A second flag replaces the first; clearing keeps it, dated.
    isolation.isolation_flag(producer=territory.cheese_farm, reason="Plus de débouché pour le beurre", by=people.claire)
    assert IsolationFlag.objects.filter(cleared_at__isnull=True).count() == 1
    isolation.isolation_clear(producer=territory.cheese_farm, by=people.claire)
    assert IsolationFlag.objects.filter(cleared_at__isnull=False).count() == 2
    # Still alone with its cheese in the area (a rule), no longer flagged.
    assert found(trio)["GAEC des Monts du Forez"].reasons == [isolation.ALONE]


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("other_producer", False), ("buyer", False), ("other_territory_coordinator", False), ("own_people", True),
     ("territory_coordinator", True), ("staff", True)],
)  # fmt: skip
def test_who_may_flag_a_producer(territory, people, trio, name, allowed) -> None:
    lea, paul = person("lea@pat-livradois.example.org"), person("paul@pat-poitiers.example.org")
    trio.coordinators.add(lea)
    territory_create(slug="poitiers", name="Poitiers", codes=["86194"], coordinators=[paul])
    by = {"other_producer": people.hugo, "buyer": people.sophie, "other_territory_coordinator": paul,
          "own_people": people.claire, "territory_coordinator": lea, "staff": people.camille}[name]  # fmt: skip
    if allowed:
        flag = isolation.isolation_flag(producer=territory.cheese_farm, reason="La laiterie ne collecte plus", by=by)
        assert flag.by_producer == (name == "own_people")
    else:
        with pytest.raises(PermissionDenied):
            isolation.isolation_flag(producer=territory.cheese_farm, reason="La laiterie ne collecte plus", by=by)
        assert not IsolationFlag.objects.exists()


def test_a_flag_without_a_reason_is_refused(territory, people) -> None:
    with pytest.raises(ValidationError):
        isolation.isolation_flag(producer=territory.cheese_farm, reason="   ", by=people.claire)


def test_what_could_help_open_needs_that_fit_rounds_nearby_and_neighbours(territory, people, trio) -> None:
    buyer = Actor.objects.create(name="Collège de Thiers", is_buyer=True)
    honey = Category.objects.get(slug="honey")
    need = Need.objects.create(buyer=buyer, title="Miel pour le collège", category=honey, quantity=Decimal(5),
                               delivery_place=territory.thiers_canteen, status=Need.Status.OPEN, max_km=80)  # fmt: skip
    Need.objects.create(buyer=buyer, title="Miel, brouillon", category=honey, quantity=Decimal(5),
                        delivery_place=territory.thiers_canteen, status=Need.Status.DRAFT)  # fmt: skip
    tomatoes = Category.objects.get(slug="tomatoes")
    Need.objects.create(buyer=buyer, title="Tomates", category=tomatoes, quantity=Decimal(5),
                        delivery_place=territory.thiers_canteen, status=Need.Status.OPEN)  # fmt: skip
    # A round from Clermont to Thiers' college and back: the honey farm is 1.4 km off its way.
    stops = [{"lat": 45.7797, "lon": 3.0863}, {"lat": 45.8560, "lon": 3.5470}, {"lat": 45.7797, "lon": 3.0863}]
    PlanningRun.objects.create(
        problem={"vehicles": [{"id": "v1", "per_km": 0.5}]}, labels={"vehicles": {"v1": {"name": "Camion frigo"}}},
        plan={"rounds": [{"vehicle": "v1", "day": 2, "stops": stops}]}, status=RunStatus.DONE,
        finished_at=timezone.now() - dt.timedelta(days=3),
    )  # fmt: skip
    honey_farm = found(trio)["Rucher de la Durolle"]
    assert [n["need"].pk for n in honey_farm.needs] == [need.pk]
    [round_] = honey_farm.rounds
    assert round_["vehicle"] == "Camion frigo"
    assert round_["detour_km"] == pytest.approx(isolation.detour_km(*THIERS_FARM, [(s["lat"], s["lon"]) for s in stops],
                                                                    1.3))  # fmt: skip
    assert round_["detour_eur"] == pytest.approx(round_["detour_km"] * 0.5)
    assert honey_farm.neighbours == []  # no other producer within 15 km of Thiers


def test_what_could_help_relay_platforms_and_depots_within_reach_nearest_first(territory, trio) -> None:
    # Near the honey farm (Thiers): a relay platform 3 km away, a depot 10 km away, one 38 km away (too far)
    # and a closed relay platform (left out).
    relay = place_create(name="Plateforme relais de Thiers", kind="relay", lat=45.8560, lon=3.5900)
    closed = place_create(name="Relais fermé", kind="relay", lat=45.8702, lon=3.5650)
    Place.objects.filter(pk=closed.pk).update(closed_at=dt.date(2020, 1, 1))
    Depot.objects.create(name="Dépôt de la coopérative", lat=45.80, lon=3.48, operator=territory.cheese_farm)
    Depot.objects.create(name="Dépôt de Vichy", lat=46.20, lon=3.43)
    honey_farm = found(trio)["Rucher de la Durolle"]
    assert [(r["name"], r["kind"], r["place_id"]) for r in honey_farm.relays] == [
        ("Plateforme relais de Thiers", "relay", relay.pk),
        ("Dépôt de la coopérative", "depot", None),
    ]
    assert honey_farm.relays[1]["operator"] == territory.cheese_farm.name
    farm = THIERS_FARM
    assert honey_farm.relays[0]["road_km"] == pytest.approx(haversine_km(*farm, 45.8560, 3.5900) * 1.3)


def test_the_detour_is_the_cheapest_insertion_between_two_consecutive_stops() -> None:
    # A straight line along the equator: a point on it costs nothing, a point 1° north costs more.
    stops = [(0.0, 0.0), (0.0, 2.0)]
    assert isolation.detour_km(0.0, 1.0, stops, 1.0) == pytest.approx(0.0, abs=1e-6)
    assert isolation.detour_km(1.0, 1.0, stops, 1.0) > isolation.detour_km(0.1, 1.0, stops, 1.0) > 0


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_producer_s_people_flag_it_from_its_page(territory, people) -> None:
    client = client_of(people.claire)
    url = f"/observatory/producers/{territory.cheese_farm.pk}/isolation/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "La laiterie ne collecte plus"}).status_code == 302
    assert "La laiterie ne collecte plus" in client.get(url).content.decode()
    assert client.post(url, {"action": "clear"}).status_code == 302
    assert not IsolationFlag.objects.filter(cleared_at__isnull=True).exists()
    assert client_of(people.hugo).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_the_producer_s_page_leads_its_own_people_to_the_flag(territory, people) -> None:
    url = f"/observatory/producers/{territory.cheese_farm.pk}/isolation/"
    assert f'href="{url}"' in client_of(people.claire).get(territory.cheese_farm.get_absolute_url()).content.decode()
    for client in (client_of(people.hugo), Client()):
        assert url not in client.get(territory.cheese_farm.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("name", "sees"), [("claire", True), ("hugo", False), ("sophie", False), ("camille", False)])
def test_the_producer_s_people_find_the_flag_in_their_space(territory, people, name, sees) -> None:
    # Claire runs the cheese farm; Hugo the honey farm (his own link, not Claire's); Sophie a supermarket's
    # company (not a producer); Camille coordinates and belongs to no organisation.
    user = getattr(people, name)
    space = client_of(user).get("/account/space/").content.decode()
    url = f"/observatory/producers/{territory.cheese_farm.pk}/isolation/"
    assert (f'href="{url}"' in space) == sees
    if sees:
        assert client_of(user).get(url).status_code == 200
    if name == "hugo":
        assert f'href="/observatory/producers/{territory.honey_farm.pk}/isolation/"' in space
    if name == "sophie":
        assert "/isolation/" not in space
