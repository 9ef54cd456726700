from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

import icalendar
import pytest
from django.test import Client

NBSP = "\u00a0"  # French quotes hold their value with no-break spaces: « abc »


@pytest.fixture
def client() -> Client:
    return Client()


def get_json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_places_near_a_point_returns_the_documented_shape(client, territory) -> None:
    body = get_json(client, "/api/v1/places?near=45.5497,3.7417&radius_km=5&kind=market")
    assert body["count"] == 1
    (market,) = body["results"]
    assert {"id", "name", "kind", "lat", "lon", "distance_km", "commune"} <= market.keys()
    assert market["name"] == "Marché d'Ambert"
    assert market["commune"] == "Ambert"
    assert market["distance_km"] == 0.0


def test_places_combines_category_label_text_and_open_now(client, territory) -> None:
    body = get_json(client, "/api/v1/places?category=cheese&label=ab&q=local&near=45.55,3.74&radius_km=30")
    assert [r["name"] for r in body["results"]] == ["Le Local, magasin de producteurs"]
    # Open now depends on the clock; it must at least answer and agree with each result's flag.
    body = get_json(client, "/api/v1/places?open_now=1")
    assert all(r["open_now"] for r in body["results"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("near=123,3", "near"),
        ("near=45", "near"),
        ("radius_km=-5", "radius_km"),
        ("radius_km=abc", "radius_km"),
        ("kind=castle", "kind"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("category=dragons", "category"),
        ("label=nope", "label"),
        ("open_now=perhaps", "open_now"),
        ("open_on=32-13-2026", "open_on"),
        ("commune=Nowhere", "commune"),
        ("bbox=10,50,0,40", "bbox"),
    ],
)
def test_invalid_parameters_answer_400_naming_the_parameter(client, territory, query: str, parameter: str) -> None:
    for path in ("/api/v1/places", "/api/v1/producers", "/api/v1/places.geojson", "/api/v1/places.csv"):
        body = get_json(client, f"{path}?{query}", status=400)
        assert body["error"]["code"] == "invalid_parameter"
        assert body["error"]["parameter"] == parameter, (path, body)
        assert body["error"]["message"]


def test_the_map_needs_a_box_and_a_zoom(client, territory) -> None:
    assert get_json(client, "/api/v1/map?zoom=5", status=400)["error"]["parameter"] == "bbox"
    assert get_json(client, "/api/v1/map?bbox=-5,41,10,51", status=400)["error"]["parameter"] == "zoom"
    assert get_json(client, "/api/v1/map?bbox=-5,41,10,51&zoom=99", status=400)["error"]["parameter"] == "zoom"
    body = get_json(client, "/api/v1/map?bbox=3.5,45.4,3.9,45.7&zoom=12&kind=market")
    assert [p["name"] for p in body["places"]] == ["Marché d'Ambert"]


def test_unknown_ids_answer_404_and_bad_ids_400(client, territory) -> None:
    assert get_json(client, "/api/v1/places/999999", status=404)["error"]["code"] == "not_found"
    assert get_json(client, "/api/v1/producers/999999", status=404)["error"]["code"] == "not_found"
    assert get_json(client, "/api/v1/places/abc", status=400)["error"]["parameter"] == "place_id"
    assert get_json(client, "/api/v1/places/99999999999999999999999", status=400)["error"]["parameter"] == "place_id"
    # A buyer is not a producer: the producers endpoint does not show it.
    from terroir.directory.models import Actor

    buyer = Actor.objects.create(name="Épicerie solidaire de Thiers", is_buyer=True)
    assert client.get(f"/api/v1/producers/{buyer.pk}").status_code == 404


def test_place_detail_lists_its_producers_and_hides_contacts_without_consent(client, territory) -> None:
    body = get_json(client, f"/api/v1/places/{territory.ambert_market.pk}")
    assert [p["name"] for p in body["producers"]] == ["GAEC des Monts du Forez", "Rucher de la Durolle"]
    assert body["contact"] is None
    assert set(body["categories"]) == {"cow-cheese", "butter-cream", "honey"}
    shop = get_json(client, f"/api/v1/places/{territory.le_local.pk}")
    assert shop["contact"]["phone"] == "+33473820002"  # E.164, the machine format (docs/api.md)


def test_producer_detail_shows_where_to_buy_offers_and_consented_contact(client, territory) -> None:
    body = get_json(client, f"/api/v1/producers/{territory.cheese_farm.pk}")
    assert {p["name"] for p in body["places"]} >= {"Marché d'Ambert", "Le Local, magasin de producteurs"}
    assert [o["category"] for o in body["offers"]] == ["butter-cream", "cow-cheese"]
    assert body["contact"]["email"] == "contact@monts-du-forez.example.org"
    assert set(body["labels"]) == {"ab", "aop"}
    honey = get_json(client, f"/api/v1/producers/{territory.honey_farm.pk}")
    assert honey["contact"] is None
    assert honey["offers"][0]["months"] == [6, 7, 8, 9, 10, 11]


def test_categories_are_a_bilingual_tree(client, territory) -> None:
    tree = get_json(client, "/api/v1/categories")
    dairy = next(c for c in tree if c["slug"] == "dairy")
    cheese = next(c for c in dairy["children"] if c["slug"] == "cheese")
    assert {c["slug"] for c in cheese["children"]} == {"cow-cheese", "goat-cheese", "sheep-cheese"}
    assert cheese["name_fr"] == "Fromages" and cheese["name_en"] == "Cheese"
    assert get_json(client, "/api/v1/labels")[0]["slug"]
    assert {k["slug"] for k in get_json(client, "/api/v1/kinds")} >= {"market", "amap", "canteen", "online"}


def test_geojson_export_follows_rfc_7946(client, territory) -> None:
    response = client.get("/api/v1/places.geojson?commune=Ambert&radius_km=10")
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    market = next(f for f in body["features"] if f["properties"]["name"] == "Marché d'Ambert")
    assert market["geometry"] == {"type": "Point", "coordinates": [3.7417, 45.5497]}  # lon, lat
    assert market["properties"]["url"].startswith("http://testserver/places/")
    online = json.loads(client.get("/api/v1/places.geojson?kind=online").content)["features"][0]
    assert online["geometry"] is None


def test_csv_export_opens_in_french_spreadsheets(client, territory) -> None:
    response = client.get("/api/v1/places.csv?commune=Ambert&radius_km=10")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, market = rows[0], next(r for r in rows if "Marché d'Ambert" in r)
    assert header[:3] == ["id", "name", "kind"]
    assert market[header.index("lat")] == "45,549700"
    assert "\r\n" in text


def test_csv_cells_cannot_inject_formulas(client, territory) -> None:
    from terroir.directory.services import place_create

    place_create(name='=HYPERLINK("http://evil")', kind="shop", lat=45.55, lon=3.74)
    text = client.get("/api/v1/places.csv?kind=shop").content.decode("utf-8")
    assert "'=HYPERLINK" in text


def test_markets_calendar_has_one_event_per_market_day(client, territory) -> None:
    response = client.get("/api/v1/markets.ics?commune=Ambert&radius_km=20")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 8  # Thursdays over the next 8 weeks
    assert {str(e["summary"]) for e in events} == {"Marché d'Ambert"}
    first = events[0].decoded("dtstart")
    assert first.weekday() == 3 and first.hour == 7


def test_openapi_document_describes_the_endpoints(client, territory) -> None:
    doc = get_json(client, "/api/v1/openapi.json")
    for path in ("/api/v1/places", "/api/v1/places.geojson", "/api/v1/producers", "/api/v1/categories", "/api/v1/map"):
        assert path in doc["paths"], path
    parameters = {p["name"] for p in doc["paths"]["/api/v1/places"]["get"]["parameters"]}
    assert {"near", "radius_km", "kind", "category", "label", "q", "open_now", "page"} <= parameters


def test_the_interactive_docs_load_their_scripts_from_the_platform_not_a_cdn(client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_operation_ids_stay_those_clients_were_generated_with(client) -> None:
    doc = get_json(client, "/api/v1/openapi.json")
    operations = {op["operationId"] for methods in doc["paths"].values() for op in methods.values()}
    assert {"terroir_api_api_places", "terroir_api_api_place_patch", "terroir_api_api_plan_create"} <= operations
    assert all(name.startswith("terroir_api_api_") for name in operations)


def test_no_two_operations_share_an_id(client) -> None:
    """OpenAPI wants operation ids unique: a client generator would give two endpoints one method name
    (`/producers` and `/indicators/producers` once did)."""
    doc = get_json(client, "/api/v1/openapi.json")
    ids = [op["operationId"] for methods in doc["paths"].values() for op in methods.values()]
    assert sorted(name for name in set(ids) if ids.count(name) > 1) == []


def test_a_path_served_by_two_routers_answers_both_methods_and_names_them_when_refusing(client, territory) -> None:
    url = f"/api/v1/places/{territory.farm_shop.pk}"
    assert client.get(url).status_code == 200
    assert client.patch(url, {}, content_type="application/json").status_code == 401  # not 405
    refused = client.delete(url)
    assert refused.status_code == 405
    assert set(refused["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


@pytest.mark.parametrize(
    ("query", "parameter", "message", "french", "field"),
    [
        ("radius_km=-5", "radius_km", "-5 is outside the allowed range (0, 1000]",
         "-5 est hors de l’intervalle permis (0, 1000]", "Dans un rayon de (km)"),
        ("page=abc", "page", "“abc” is not a whole number", f"«{NBSP}abc{NBSP}» n’est pas un nombre entier", "Page"),
        ("open_now=perhaps", "open_now", "“perhaps” is not a yes/no value (use 1 or 0)",
         f"«{NBSP}perhaps{NBSP}» n’est pas un oui/non (utilisez 1 ou 0)", "Ouvert maintenant"),
        ("category=caviar", "category", "unknown category “caviar”", f"catégorie inconnue «{NBSP}caviar{NBSP}»",
         "Produits"),
    ],
)  # fmt: skip
def test_the_api_and_the_pages_refuse_a_bad_search_in_the_same_words_in_the_reader_s_language(
    client, territory, query: str, parameter: str, message: str, french: str, field: str
) -> None:
    """The API names its parameter (`parameter`), the page the field its reader filled in (`field`), and both
    say what is wrong in the same words."""
    refused = client.get(f"/api/v1/places?{query}", headers={"accept-language": "en"})
    assert refused.status_code == 400
    assert refused.json()["error"] == {"code": "invalid_parameter", "parameter": parameter, "message": message}
    refused = client.get(f"/api/v1/places?{query}", headers={"accept-language": "fr"})
    assert refused.json()["error"] == {"code": "invalid_parameter", "parameter": parameter, "message": french}
    page = client.get(f"/?{query}", headers={"accept-language": "fr"})
    assert page.status_code == 400
    assert f"Recherche impossible\u202f: «{NBSP}{field}{NBSP}» — {french}" in html.unescape(page.content.decode())


def test_a_search_form_s_empty_fields_are_not_asked_but_the_api_keeps_to_its_document(client, territory) -> None:
    form = "q=&near=&radius_km=&kind=market&open_now=&page="
    assert client.get(f"/?{form}").status_code == 200
    assert get_json(client, "/api/v1/places?q=&near=&kind=market") == get_json(client, "/api/v1/places?kind=market")
    # The document says radius_km is a number and open_now a boolean: empty, they are refused.
    assert get_json(client, f"/api/v1/places?{form}", status=400)["error"]["parameter"] == "radius_km"
    assert get_json(client, "/api/v1/places?open_now=", status=400)["error"]["parameter"] == "open_now"


def test_the_api_documents_every_search_parameter_the_pages_read(client) -> None:
    from terroir.directory.filters import QUERY_PARAMETERS

    doc = get_json(client, "/api/v1/openapi.json")
    documented = [p["name"] for p in doc["paths"]["/api/v1/places"]["get"]["parameters"]]
    assert documented == list(QUERY_PARAMETERS)


def test_the_place_detail_lists_its_products_and_suppliers(client, territory) -> None:
    from terroir.directory.services import place_create

    body = get_json(client, f"/api/v1/places/{territory.le_local.pk}")
    assert [p["slug"] for p in body["products"]] == ["butter-cream", "cow-cheese", "honey"]  # the taxonomy order
    assert body["products"][2] == {"slug": "honey", "name": "Miel et produits de la ruche"}
    assert body["categories"] == ["butter-cream", "cow-cheese", "honey"]  # kept: the slugs, sorted
    assert [s["name"] for s in body["suppliers"]] == ["GAEC des Monts du Forez", "Rucher de la Durolle"]
    assert body["suppliers"] == body["producers"]
    # A farm run by a producer, with no producer linked: that producer supplies it.
    farm = place_create(name="Miellerie", kind="farm", commune=territory.thiers, lat=45.87, lon=3.56,
                        operator=territory.honey_farm)  # fmt: skip
    body = get_json(client, f"/api/v1/places/{farm.pk}")
    assert body["producers"] == []
    assert [s["id"] for s in body["suppliers"]] == [territory.honey_farm.pk]
    assert body["categories"] == ["honey"]


def test_the_map_gives_the_producers_without_a_place_when_asked(client, territory) -> None:
    from terroir.directory.services import producer_create

    producer_create(name="Chèvrerie du Pic", commune=territory.ambert, lat=45.585, lon=3.79)
    body = get_json(client, "/api/v1/map?bbox=3.5,45.4,3.9,45.7&zoom=12&producers=1")
    assert body["producers_shown"] is True
    assert [(p["name"], p["commune"], p["approximate"]) for p in body["producers"]] == [
        ("Chèvrerie du Pic", "Ambert", False)
    ]
    assert {p["name"] for p in body["places"]} >= {"Marché d'Ambert"}
    # Not asked: the map answers as before.
    body = get_json(client, "/api/v1/map?bbox=3.5,45.4,3.9,45.7&zoom=12")
    assert body["producers"] == [] and body["producers_shown"] is False
    assert (
        get_json(client, "/api/v1/map?bbox=3.5,45.4,3.9,45.7&zoom=12&producers=maybe", status=400)["error"]["parameter"]
        == "producers"
    )
