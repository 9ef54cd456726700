"""A new buyer publishes a need: the delivery place is added from the need form, the organisation chosen
among the person's own, a need closed only with a chosen outcome and a confirmation."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.models import Membership
from terroir.accounts.services import organisation_create
from terroir.directory.models import Actor, Commune, Place
from terroir.needs.models import Need

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Pommes de terre pour la cantine", "category": "salads", "quantity": "30", "unit": "kg",
    "frequency": "weekly", "delivery_weekdays": ["0", "3"], "max_km": "60", "public": "on",
}  # fmt: skip
ADDRESS = "2 rue de la Coutellerie"
# A pin the person dropped on the map, near the canteen.
PIN = {"place_lat": "45.85", "place_lon": "3.54", "place_pinned": "True"}


def new_buyer(people: Any) -> Actor:
    """Hugo also runs a school canteen in Thiers, added a minute ago: it has no place yet."""
    return organisation_create(
        user=people.hugo, name="Cantine de l'école de la Durolle", role="buyer", buyer_kind="canteen",
        commune=Commune.objects.get(code="63430"),
    )  # fmt: skip


def test_a_new_buyer_s_form_offers_a_new_place_at_the_organisation_s_position(
    client: Client, territory: Any, people: Any
) -> None:
    canteen = new_buyer(people)
    client.force_login(people.hugo)
    page = client.get("/needs/new/").content.decode()
    assert f'value="{canteen.name}"' in page.replace("&#x27;", "'")
    assert 'name="place_lat" value="45.8' in page and 'id="pin-map"' in page
    assert "Thiers (63)" in page  # as the autocomplete writes it, read back by commune_choose


def test_a_new_buyer_publishes_a_need_delivered_to_a_place_added_from_the_form(
    client: Client, territory: Any, people: Any
) -> None:
    canteen = new_buyer(people)
    client.force_login(people.hugo)
    form = {**NEED, "delivery_place": "", "place_name": "Cuisine de l'école", "place_address": ADDRESS,
            "place_commune": "Thiers", **PIN, "place_lat": "45.8571", "place_lon": "3.5462", "publish": ""}  # fmt: skip
    response = client.post("/needs/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(title=NEED["title"])
    place = need.delivery_place
    assert need.buyer == canteen and need.status == Need.Status.OPEN
    assert place is not None and place.operator == canteen and place.kind == "canteen"
    assert (place.lat, place.lon, place.commune_id, place.address) == (45.8571, 3.5462, "63430", ADDRESS)
    assert place.postcode == "63300"
    # The next need offers it in the list.
    assert f'<option value="{place.pk}">Cuisine de l' in client.get("/needs/new/").content.decode()


def test_a_pin_left_where_it_was_puts_the_place_at_the_organisation_s_commune(
    client: Client, territory: Any, people: Any
) -> None:
    new_buyer(people)
    client.force_login(people.hugo)
    form = {**NEED, "place_name": "Cantine", "place_commune": "", "place_lat": "", "place_lon": "", "draft": ""}
    assert client.post("/needs/new/", form).status_code == 302
    place = Need.objects.get(title=NEED["title"]).delivery_place
    thiers = Commune.objects.get(code="63430")
    assert place is not None and (place.lat, place.lon, place.commune_id) == (thiers.lat, thiers.lon, "63430")


def test_a_refused_need_adds_no_place(client: Client, territory: Any, people: Any) -> None:
    new_buyer(people)
    client.force_login(people.hugo)
    form = {**NEED, "quantity": "0", "place_name": "Cantine", **PIN, "publish": ""}
    response = client.post("/needs/new/", form)
    assert response.status_code == 400
    assert not Place.objects.filter(name="Cantine").exists() and not Need.objects.exists()


def test_a_new_place_without_a_name_or_a_position_is_refused_under_its_fields(
    client: Client, territory: Any, people: Any
) -> None:
    lost = Actor.objects.create(name="Épicerie sans adresse", is_buyer=True, buyer_kind="shop")
    Membership.objects.create(user=people.hugo, actor=lost, how="created")
    client.force_login(people.hugo)
    form = {**NEED, "place_name": "Épicerie", "place_commune": "", "place_lat": "", "place_lon": "", "publish": ""}
    response = client.post("/needs/new/", form)
    assert response.status_code == 400
    assert "Donnez la commune du lieu" in response.content.decode() or "Give the commune" in response.content.decode()
    assert not Place.objects.filter(name="Épicerie").exists()


def test_a_person_in_two_buyer_organisations_chooses_which_one_publishes(
    client: Client, territory: Any, people: Any
) -> None:
    canteen = new_buyer(people)
    company = Actor.objects.get(name="SAS Supermarché des Volcans")
    Membership.objects.create(user=people.hugo, actor=company, how="created")
    client.force_login(people.hugo)
    page = client.get("/needs/new/").content.decode()
    assert 'name="buyer"' in page and canteen.name.replace("'", "&#x27;") in page and company.name in page
    # Switching the organisation offers its places.
    chosen = client.get(f"/needs/new/?buyer={company.pk}").content.decode()
    assert f'<option value="{territory.clermont_supermarket.pk}">' in chosen
    form = {**NEED, "buyer": company.pk, "delivery_place": territory.clermont_supermarket.pk, "draft": ""}
    assert client.post("/needs/new/", form).status_code == 302
    assert Need.objects.get(title=NEED["title"]).buyer == company


@pytest.mark.parametrize("who", ["outsider", "other_organisation", "coordinator"])
def test_nobody_publishes_in_the_name_of_an_organisation_they_do_not_belong_to(
    client: Client, territory: Any, people: Any, who: str
) -> None:
    canteen = new_buyer(people)  # Hugo's
    user = {"outsider": people.claire, "other_organisation": people.sophie, "coordinator": people.camille}[who]
    client.force_login(user)
    form = {**NEED, "buyer": canteen.pk, "place_name": "Ailleurs", **PIN, "draft": ""}
    response = client.post("/needs/new/", form)
    assert not Need.objects.filter(buyer=canteen).exists()
    assert not Place.objects.filter(operator=canteen).exists()
    if who == "other_organisation":  # Sophie belongs to one buyer: the form publishes in its name only
        assert Need.objects.get(title=NEED["title"]).buyer.name == "SAS Supermarché des Volcans"
    else:  # a producer, a coordinator of no buyer: asked to add their organisation first
        assert response.status_code == 302 and response["Location"].endswith("/organisations/new/")


def test_a_person_in_two_organisations_cannot_post_a_third_one(client: Client, territory: Any, people: Any) -> None:
    new_buyer(people)
    company = Actor.objects.get(name="SAS Supermarché des Volcans")
    Membership.objects.create(user=people.hugo, actor=company, how="created")
    stranger = Actor.objects.create(name="Restaurant d'à côté", is_buyer=True, buyer_kind="restaurant")
    client.force_login(people.hugo)
    form = {**NEED, "buyer": stranger.pk, "place_name": "Ailleurs", **PIN}
    assert client.post("/needs/new/", form).status_code == 400
    assert not Need.objects.exists() and not Place.objects.filter(name="Ailleurs").exists()


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("outsider", 403), ("other_organisation", 403), ("own", 200),
                        ("coordinator", 200)],
)  # fmt: skip
def test_the_need_form_of_a_need_opens_for_its_buyer_and_coordinators_only(
    client: Client, territory: Any, people: Any, who: str, status: int
) -> None:
    canteen = new_buyer(people)
    client.force_login(people.hugo)
    client.post("/needs/new/", {**NEED, "place_name": "Cantine", **PIN})
    need = Need.objects.get(buyer=canteen)
    client.logout()
    user = {"outsider": people.claire, "other_organisation": people.sophie, "own": people.hugo,
            "coordinator": people.camille}.get(who)  # fmt: skip
    if user is not None:
        client.force_login(user)
    assert client.get(f"/needs/{need.pk}/edit/").status_code == status


def open_need(client: Client, people: Any) -> Need:
    client.force_login(people.hugo)
    form = {**NEED, "place_name": "Cantine", **PIN, "publish": ""}
    assert client.post("/needs/new/", form).status_code == 302
    return Need.objects.get(title=NEED["title"])


def test_closing_a_need_has_no_preselected_outcome_and_asks_for_confirmation(
    client: Client, territory: Any, people: Any
) -> None:
    new_buyer(people)
    need = open_need(client, people)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert '<option value="" selected>' in page and '<option value="contracted" selected' not in page
    # Without an outcome: nothing closes, the page says why.
    client.post(f"/needs/{need.pk}/close/", {"outcome": ""})
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    # With one: a confirmation page first, still open.
    asked = client.post(f"/needs/{need.pk}/close/", {"outcome": "partly"})
    need.refresh_from_db()
    assert asked.status_code == 200 and need.status == Need.Status.OPEN
    assert 'name="confirm" value="1"' in asked.content.decode()
    assert client.post(f"/needs/{need.pk}/close/", {"outcome": "partly", "confirm": "1"}).status_code == 302
    need.refresh_from_db()
    assert (need.status, need.outcome) == (Need.Status.CLOSED, "partly")


@pytest.mark.parametrize(
    ("who", "closes"), [("outsider", False), ("other_organisation", False), ("own", True), ("coordinator", True)]
)
def test_only_the_buyer_s_people_and_coordinators_close_a_need(
    client: Client, territory: Any, people: Any, who: str, closes: bool
) -> None:
    new_buyer(people)
    need = open_need(client, people)
    user = {"outsider": people.claire, "other_organisation": people.sophie, "own": people.hugo,
            "coordinator": people.camille}[who]  # fmt: skip
    client.force_login(user)
    asked = client.post(f"/needs/{need.pk}/close/", {"outcome": "not"})
    assert asked.status_code == (200 if closes else 403)
    client.post(f"/needs/{need.pk}/close/", {"outcome": "not", "confirm": "1"})
    need.refresh_from_db()
    assert (need.status == Need.Status.CLOSED) is closes


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 403), ("other_organisation", 403), ("own", 200), ("coordinator", 200)]
)
def test_the_buyer_s_organisation_page_shows_buyer_fields_not_producer_ones(
    client: Client, territory: Any, people: Any, who: str, status: int
) -> None:
    canteen = new_buyer(people)
    user = {"outsider": people.claire, "other_organisation": people.sophie, "own": people.hugo,
            "coordinator": people.camille}[who]  # fmt: skip
    client.force_login(user)
    response = client.get(f"/edit/actor/{canteen.pk}/")
    assert response.status_code == status
    if status != 200:
        return
    page = response.content.decode()
    assert 'name="buyer_kind"' in page and 'name="siret"' in page
    for producer_only in ("delivery_radius_km", "delivery_weekdays", "requirements"):
        assert f'name="{producer_only}"' not in page
    assert f"/edit/actor/{canteen.pk}/products/" not in page
    farm = client.get(f"/edit/actor/{territory.honey_farm.pk}/") if who in ("own", "coordinator") else None
    if farm is not None:
        assert 'name="delivery_radius_km"' in farm.content.decode() and 'name="buyer_kind"' not in farm.content.decode()


@pytest.fixture
def geocoder(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The geocoding service, faked at its HTTP boundary: it knows one street address in Thiers."""
    from terroir.imports.geocode import AddokClient

    settings.TERROIR_GEOCODER_URL = "http://geocoder.invalid"
    asked: list[str] = []

    def answer(client: AddokClient, request: Any) -> bytes:
        asked.append(request.full_url)
        features = []
        if "Coutellerie" in request.full_url:
            features = [{"geometry": {"coordinates": [3.5481, 45.8566]},
                         "properties": {"type": "housenumber", "score": 0.91, "citycode": "63430"}}]  # fmt: skip
        return json.dumps({"features": features}).encode()

    monkeypatch.setattr(AddokClient, "_request", answer)
    return asked


def test_the_pin_starts_at_the_organisation_s_address_as_the_geocoder_places_it(
    client: Client, territory: Any, people: Any, geocoder: list[str]
) -> None:
    canteen = new_buyer(people)
    Actor.objects.filter(pk=canteen.pk).update(address=ADDRESS)
    client.force_login(people.hugo)
    page = client.get("/needs/new/").content.decode()
    assert 'name="place_lat" value="45.8566"' in page and 'name="place_lon" value="3.5481"' in page
    assert ADDRESS in page
    client.get("/needs/new/")
    assert len(geocoder) == 1  # the answer is cached


def test_an_address_typed_without_moving_the_pin_is_geocoded(
    client: Client, territory: Any, people: Any, geocoder: list[str]
) -> None:
    new_buyer(people)
    client.force_login(people.hugo)
    form = {**NEED, "place_name": "Cuisine", "place_address": ADDRESS, "place_commune": "Thiers",
            "place_lat": "45.8560", "place_lon": "3.5470"}  # the commune's centre, left where it was  # fmt: skip
    assert client.post("/needs/new/", form).status_code == 302
    place = Need.objects.get(title=NEED["title"]).delivery_place
    assert place is not None and (place.lat, place.lon) == (45.8566, 3.5481)
    # An address the service does not know: the commune's centre, as offline.
    unknown = {**form, "title": "Oeufs", "place_name": "Réserve", "place_address": "Chemin perdu"}
    assert client.post("/needs/new/", unknown).status_code == 302
    thiers = Commune.objects.get(code="63430")
    reserve = Place.objects.get(name="Réserve")
    assert (reserve.lat, reserve.lon) == (thiers.lat, thiers.lon)


def test_the_close_confirmation_leads_back_to_its_need_by_the_breadcrumbs(
    client: Client, territory: Any, people: Any
) -> None:
    new_buyer(people)
    need = open_need(client, people)
    page = client.post(f"/needs/{need.pk}/close/", {"outcome": "partly"}).content.decode()
    crumbs = page[page.index('<nav class="breadcrumbs"') : page.index("</nav>", page.index('<nav class="breadcrumbs"'))]
    assert f'<a href="/needs/{need.pk}/">{escape(need.title)}</a>' in crumbs
    assert '<li aria-current="page">Clore</li>' in crumbs
