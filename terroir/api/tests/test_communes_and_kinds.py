"""Issue 15 through the API: communes for an autocomplete, an ambiguous or misspelt commune refused with
its candidates or suggestions, several kinds at once, the kinds the public cannot buy at, and map
points that say their commune (for the popups)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    return Client()


def get_json(client: Client, url: str, status: int = 200, language: str = "fr") -> Any:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == status, response.content
    return response.json()


def test_the_communes_endpoint_suggests_the_territorys_communes_first(client, db) -> None:
    found = get_json(client, "/api/v1/communes?q=st%20just")
    assert {k: found[0][k] for k in ("code", "label", "department", "postcodes", "in_territory")} == {
        "code": "63371", "label": "Saint-Just (63)", "department": "63", "postcodes": ["63600"], "in_territory": True,
    }  # fmt: skip
    labels = {c["label"] for c in get_json(client, "/api/v1/communes?q=saint-just&limit=20")}
    assert {"Saint-Just (34)", "Saint-Just (01)"} <= labels
    assert get_json(client, "/api/v1/communes?q=clermont")[0]["label"] == "Clermont-Ferrand (63)"
    assert "Ambert" in {c["name"] for c in get_json(client, "/api/v1/communes?q=63600")}
    assert get_json(client, "/api/v1/communes?q=", status=400)["error"]["parameter"] == "q"
    assert len(get_json(client, "/api/v1/communes?q=saint&limit=3")) == 3


def test_the_autocompletes_label_is_read_back_by_the_search(client, territory) -> None:
    body = get_json(client, "/api/v1/places?commune=Ambert%20(63)&radius_km=5&kind=market")
    assert [r["name"] for r in body["results"]] == ["Marché d'Ambert"]


def test_an_ambiguous_commune_is_refused_with_its_candidates_in_french(client, territory) -> None:
    error = get_json(client, "/api/v1/places?commune=Clermont", status=400, language="fr")["error"]
    assert error["parameter"] == "commune"
    assert error["message"].startswith("plusieurs communes s’appellent « Clermont »\u202f: Clermont-Ferrand (63), ")
    error = get_json(client, "/api/v1/places?commune=Ambret", status=400, language="en")["error"]
    assert error["message"].startswith("no commune is named “Ambret”. Did you mean Ambert (63)")


def test_saint_just_finds_the_territorys_saint_just(client, territory) -> None:
    from terroir.directory.models import Commune
    from terroir.directory.services import place_create

    place_create(name="Marché de Saint-Just", kind="market", commune=Commune.objects.get(code="63371"),
                 lat=45.4586, lon=3.8089, address="", postcode="63600", opening_hours="", producers=[])  # fmt: skip
    body = get_json(client, "/api/v1/places?commune=Saint-Just&radius_km=2")
    assert [r["name"] for r in body["results"]] == ["Marché de Saint-Just"]


def test_several_kinds_at_once_and_the_kinds_for_professionals(client, territory) -> None:
    body = get_json(client, "/api/v1/places?kind=market,supermarket")
    assert {r["name"] for r in body["results"]} == {"Marché d'Ambert", "Marché Notre-Dame", "Supermarché des Volcans"}
    kinds = {k["slug"]: k["public"] for k in get_json(client, "/api/v1/kinds")}
    assert kinds["canteen"] is False and kinds["relay"] is False and kinds["market"] is True
    everything = {r["name"] for r in get_json(client, "/api/v1/places?page_size=100")["results"]}
    assert "Cantine du collège de Thiers" not in everything
    refused = get_json(client, "/api/v1/places?kind=canteen", status=400)["error"]
    assert refused["parameter"] == "kind"
    body = get_json(client, "/api/v1/places?kind=canteen&professional=1")
    assert [r["name"] for r in body["results"]] == ["Cantine du collège de Thiers"]
    csv = client.get("/api/v1/places.csv").content.decode("utf-8-sig")
    assert "Cantine du collège de Thiers" not in csv


def test_map_points_say_their_commune_and_leave_out_the_professionals_places(client, territory) -> None:
    view = "bbox=3.0,45.4,3.9,45.9&zoom=12"
    body = get_json(client, f"/api/v1/map?{view}")
    by_name = {p["name"]: p for p in body["places"]}
    assert by_name["Marché d'Ambert"]["commune"] == "Ambert"
    assert by_name["Marché d'Ambert"]["kind"] == "market"
    assert "Cantine du collège de Thiers" not in by_name
    professional = get_json(client, f"/api/v1/map?{view}&professional=1")
    assert "Cantine du collège de Thiers" in {p["name"] for p in professional["places"]}
    assert professional["total"] == body["total"] + 1
