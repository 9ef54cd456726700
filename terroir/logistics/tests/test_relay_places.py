"""A candidate relay site given by its commune or its street address rather than a place of the directory:
the commune typed as the search reads it (the communes reference), the address geocoded by the project's
geocoder module (faked at its HTTP boundary: the suite never reaches the network); what cannot be placed,
or not surely, is said in French."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from terroir.directory.models import Commune
from terroir.logistics import studies
from terroir.logistics.models import RelayCandidate

pytestmark = pytest.mark.django_db
ADDRESS = "12 rue de la Coutellerie"


@pytest.fixture
def geocoder(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The geocoding service, faked at its HTTP boundary: it knows one street address in Thiers, and
    answers anything else with a commune's centre (not sure enough to place a site)."""
    from terroir.imports.geocode import AddokClient

    settings.TERROIR_GEOCODER_URL = "http://geocoder.invalid"
    asked: list[str] = []

    def answer(client: AddokClient, request: Any) -> bytes:
        asked.append(request.full_url)
        if "Coutellerie" in request.full_url:
            features = [{"geometry": {"coordinates": [3.5481, 45.8566]},
                         "properties": {"type": "housenumber", "score": 0.91, "citycode": "63430"}}]  # fmt: skip
        else:
            features = [{"geometry": {"coordinates": [3.1, 45.7]},
                         "properties": {"type": "municipality", "score": 0.4, "citycode": "63113"}}]  # fmt: skip
        return json.dumps({"features": features}).encode()

    monkeypatch.setattr(AddokClient, "_request", answer)
    return asked


def site(**changes: Any) -> dict[str, Any]:
    data = {"name": "Quai de Thiers", "fixed_cost_week": "121", "capacity_kg_day": "400"}
    return data | changes


def test_a_site_given_by_its_commune_alone_stands_at_the_commune_s_centre(
    client: Client, people: Any, territory: Any
) -> None:
    client.force_login(people.camille)
    response = client.post("/logistics/relays/new/", site(commune="Thiers"), follow=True)
    assert response.status_code == 200
    candidate = RelayCandidate.objects.get()
    thiers = Commune.objects.get(code="63430")
    assert candidate.commune == thiers and (candidate.lat, candidate.lon) == (None, None)
    assert studies.position(candidate) == (thiers.lat, thiers.lon)
    assert "se trouve au centre de Thiers" in response.content.decode()
    # As the autocomplete of the search writes it, with its postcode, by its INSEE code: the same commune
    # (a postcode alone may be another commune's INSEE code: 63300 is Riom's, as the search reads it).
    for typed in ("Thiers (63)", "Thiers 63300", "63430"):
        client.post("/logistics/relays/new/", site(name=typed, commune=typed))
        assert RelayCandidate.objects.get(name=typed).commune == thiers


def test_a_commune_no_one_knows_or_several_bear_is_refused_with_the_closest_names(
    client: Client, people: Any, territory: Any
) -> None:
    client.force_login(people.camille)
    unknown = client.post("/logistics/relays/new/", site(commune="Thierz-sur-Mer"))
    assert unknown.status_code == 400 and "Aucune commune ne s’appelle" in unknown.content.decode().replace("'", "’")
    # Saint-Denis: no commune of that name in the territory, several in France.
    ambiguous = client.post("/logistics/relays/new/", site(commune="Saint-Denis"))
    assert ambiguous.status_code == 400 and "Plusieurs communes s’appellent" in ambiguous.content.decode().replace(
        "'", "’"
    )
    assert not RelayCandidate.objects.exists()


def test_a_site_with_nothing_to_place_it_by_is_refused(client: Client, people: Any, territory: Any) -> None:
    client.force_login(people.camille)
    response = client.post("/logistics/relays/new/", site())
    assert response.status_code == 400 and "Dites où se trouve le site" in response.content.decode()
    assert not RelayCandidate.objects.exists()


def test_a_street_address_is_geocoded_and_the_commune_found_from_the_position(
    client: Client, people: Any, territory: Any, geocoder: list[str]
) -> None:
    client.force_login(people.camille)
    assert client.post("/logistics/relays/new/", site(address=ADDRESS, commune="Thiers")).status_code == 302
    candidate = RelayCandidate.objects.get()
    assert (candidate.lat, candidate.lon) == (45.8566, 3.5481) and candidate.commune_id == "63430"
    assert "63300" in geocoder[0] and "Thiers" in geocoder[0]  # asked with the commune's postcode and name
    # The address alone, its commune written in it: placed, and its commune taken from where it falls.
    client.post("/logistics/relays/new/", site(name="Quai 2", address=f"{ADDRESS} 63300 Thiers"))
    second = RelayCandidate.objects.get(name="Quai 2")
    assert (second.lat, second.lon) == (45.8566, 3.5481) and second.commune_id == "63430"


def test_an_address_the_geocoder_is_not_sure_of_falls_back_to_its_commune_or_is_refused_without_one(
    client: Client, people: Any, territory: Any, geocoder: list[str]
) -> None:
    client.force_login(people.camille)
    response = client.post("/logistics/relays/new/", site(address="Chemin perdu", commune="Thiers"), follow=True)
    candidate = RelayCandidate.objects.get()
    assert (candidate.lat, candidate.lon, candidate.commune_id) == (None, None, "63430")
    assert "se trouve au centre de Thiers" in response.content.decode()
    alone = client.post("/logistics/relays/new/", site(name="Nulle part", address="Chemin perdu"))
    assert alone.status_code == 400 and "Cette adresse n’a pas pu être placée" in alone.content.decode().replace(
        "'", "’"
    )
    assert not RelayCandidate.objects.filter(name="Nulle part").exists()


def test_offline_an_address_in_a_commune_stands_at_the_commune_s_centre(
    client: Client, people: Any, territory: Any, settings: Any
) -> None:
    settings.TERROIR_GEOCODER_URL = ""
    client.force_login(people.camille)
    assert client.post("/logistics/relays/new/", site(address=ADDRESS, commune="63430")).status_code == 302
    candidate = RelayCandidate.objects.get()
    assert candidate.commune_id == "63430" and candidate.address == ADDRESS and candidate.lat is None


def test_a_site_moved_to_another_address_is_placed_again_unless_its_coordinates_were_changed(
    client: Client, people: Any, territory: Any, geocoder: list[str]
) -> None:
    client.force_login(people.camille)
    candidate = studies.candidate_save(
        candidate=RelayCandidate(name="Quai", commune=territory.clermont, fixed_cost_week=100, capacity_kg_day=300),
        owner=None,
    )
    page = client.get(f"/logistics/relays/{candidate.pk}/").content.decode()
    assert 'value="Clermont-Ferrand (63)"' in page  # the commune shown as it is typed
    moved = site(name="Quai", commune="Thiers", address=ADDRESS)
    assert client.post(f"/logistics/relays/{candidate.pk}/", moved).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.lat, candidate.lon, candidate.commune_id) == (45.8566, 3.5481, "63430")
    # Saved again as the form shows it: the position found stays.
    again = moved | {"lat": "45.8566", "lon": "3.5481", "commune": "Thiers (63)"}
    assert client.post(f"/logistics/relays/{candidate.pk}/", again).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.lat, candidate.lon) == (45.8566, 3.5481)
    # Coordinates typed by hand win over the address.
    pinned = again | {"address": "Chemin perdu", "lat": "45.86", "lon": "3.55"}
    assert client.post(f"/logistics/relays/{candidate.pk}/", pinned).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.lat, candidate.lon) == (45.86, 3.55)
