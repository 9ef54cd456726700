"""Producers are visible without a place of sale (search, map, widget, API), and places show what is
sold there and who supplies it (issue 14, "Visible")."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from terroir.directory.filters import parse_bbox, parse_place_query
from terroir.directory.models import Category
from terroir.directory.search import PRODUCERS_MIN_ZOOM, map_producers, places_search, producers_search
from terroir.directory.services import offer_set, place_create, places_links_add, producer_create

AROUND_AMBERT = "3.5,45.4,3.9,45.7"


def found(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, f"not on the page: {pattern}"
    return match.group(1)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def placeless(territory: Any) -> dict[str, Any]:
    """Two goat-cheese makers of Ambert's area listed with no place of sale, as the HVE list gives them:
    one with its farm's position, one with its commune only; and a farm run by the honey farm only
    (no producers linked), as an OSM farm shop with its operator."""
    goat = Category.objects.get(slug="goat-cheese")
    chevrerie = producer_create(name="Chèvrerie du Pic", commune=territory.ambert, lat=45.585, lon=3.79)
    offer_set(producer=chevrerie, category=goat)
    bergerie = producer_create(name="Bergerie des Fourches", commune=territory.ambert)
    offer_set(producer=bergerie, category=goat)
    hive_shop = place_create(
        name="Miellerie de la Durolle", kind="farm", commune=territory.thiers, lat=45.8702, lon=3.5601,
        operator=territory.honey_farm,
    )  # fmt: skip
    return {"chevrerie": chevrerie, "bergerie": bergerie, "hive_shop": hive_shop}


def test_producers_without_a_position_are_found_near_their_commune_centre(territory, placeless) -> None:
    results = producers_search(parse_place_query({"commune": "Ambert", "radius_km": "20", "category": "goat-cheese"}))
    found = {h.producer.name: h for h in results.hits}
    assert set(found) == {"Chèvrerie du Pic", "Bergerie des Fourches"}
    assert found["Bergerie des Fourches"].approximate
    assert not found["Chèvrerie du Pic"].approximate
    assert results.count == 2


def test_producers_search_can_keep_only_those_without_a_place_of_sale(territory, placeless) -> None:
    results = producers_search(parse_place_query({"commune": "Ambert", "radius_km": "50"}), without_place=True)
    assert {h.producer.name for h in results.hits} == {"Chèvrerie du Pic", "Bergerie des Fourches"}


def test_the_map_layer_holds_the_producers_without_a_place_at_their_farm_or_commune(territory, placeless) -> None:
    layer = map_producers(parse_place_query({}), bbox=parse_bbox("bbox", AROUND_AMBERT), zoom=11)
    assert layer.shown
    by_name = {p.name: p for p in layer.producers}
    # The cheese farm and the honey farm sell at places: the map shows them there, not here.
    assert set(by_name) == {"Chèvrerie du Pic", "Bergerie des Fourches"}
    assert (by_name["Chèvrerie du Pic"].lat, by_name["Chèvrerie du Pic"].approximate) == (45.585, False)
    bergerie = by_name["Bergerie des Fourches"]
    assert (bergerie.lat, bergerie.lon, bergerie.approximate) == (territory.ambert.lat, territory.ambert.lon, True)
    assert bergerie.commune == "Ambert"


def test_producers_near_a_point_and_the_map_layer_are_read_in_as_few_statements_as_they_need(
    territory, placeless
) -> None:
    """Each statement costs the client's processor (Django builds and compiles it, the driver sends it and reads
    its rows: 0.5–1 ms at a million places): a search near a point reads the positions of the placed producers
    and of those at their commune's centre in one statement (with the category's and the page's: three in
    all), and the map's layer reads its producers' names and communes in one, their ids sent as one array on
    PostgreSQL rather than a placeholder each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = parse_place_query({"commune": "Ambert", "radius_km": "20", "category": "goat-cheese"})
    with CaptureQueriesContext(connection) as captured:
        results = producers_search(query)
    assert {h.producer.name for h in results.hits} == {"Chèvrerie du Pic", "Bergerie des Fourches"}
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 3, statements  # the category's ids, the positions, the page's producers
    with CaptureQueriesContext(connection) as captured:
        layer = map_producers(parse_place_query({}), bbox=parse_bbox("bbox", AROUND_AMBERT), zoom=11)
    assert {p.name: p.commune for p in layer.producers} == {
        "Chèvrerie du Pic": "Ambert",
        "Bergerie des Fourches": "Ambert",
    }
    named = [q["sql"] for q in captured.captured_queries if '"directory_actor"."name"' in q["sql"]]
    assert len(named) == 1, named
    if connection.vendor == "postgresql":
        assert "= ANY(" in named[0] and " IN (" not in named[0].split("WHERE", 1)[1], named


def test_the_map_layer_follows_the_search_and_waits_for_a_close_enough_zoom(territory, placeless) -> None:
    box = parse_bbox("bbox", AROUND_AMBERT)
    assert not map_producers(parse_place_query({}), bbox=box, zoom=PRODUCERS_MIN_ZOOM - 1).shown
    honey = map_producers(parse_place_query({"category": "honey"}), bbox=box, zoom=11)
    assert honey.shown and honey.producers == []
    by_name = map_producers(parse_place_query({"q": "chevrerie"}), bbox=box, zoom=11)
    assert [p.name for p in by_name.producers] == ["Chèvrerie du Pic"]
    # Place kinds and opening days are questions about places: no producer answers them.
    assert not map_producers(parse_place_query({"kind": "market"}), bbox=box, zoom=11).shown


def test_a_farm_run_by_a_producer_is_found_by_the_producer_name_and_products(territory, placeless) -> None:
    found = places_search(parse_place_query({"q": "rucher durolle", "kind": "farm"}))
    assert [h.place.name for h in found.hits] == ["Miellerie de la Durolle"]
    honey = places_search(parse_place_query({"category": "honey", "kind": "farm"}))
    assert [h.place.name for h in honey.hits] == ["Miellerie de la Durolle"]


def test_the_search_page_lists_producers_with_their_products(client, territory, placeless) -> None:
    response = client.get("/?what=producers&commune=Ambert&radius_km=20")
    html = response.content.decode()
    assert response.status_code == 200
    items = re.findall(r'<li class="result" data-producer-id="(\d+)">', html)
    # Nearest first: the Bergerie counts from Ambert's centre, which is nearer than the GAEC's farm.
    assert [int(i) for i in items] == [
        placeless["bergerie"].pk, territory.cheese_farm.pk, placeless["chevrerie"].pk
    ]  # fmt: skip
    assert "3 producteurs" in html
    assert "Fromages de chèvre" in html
    assert "depuis le centre de la commune" in html  # the Bergerie's distance
    assert 'aria-current="page">Producteurs</a>' in html
    # The form keeps the list asked; the other list is one click away with the same search.
    assert '<input type="hidden" name="what" value="producers">' in html
    assert 'href="?radius_km=20&amp;commune=Ambert&amp;what=places"' in html


def test_the_search_map_asks_for_the_producers_layer_in_french(client, territory) -> None:
    html = client.get("/?category=cheese").content.decode()
    config = json.loads(found(r'data-config="([^"]*)"', html).replace("&quot;", '"'))
    assert config["filters"] == {"category": "cheese", "producers": "1"}
    assert config["text"]["producersZoom"] == "Zoomez pour voir les producteurs sans lieu de vente."
    assert "producteur sans lieu de vente" in html  # the legend


def test_the_widget_lists_producers_too(client, territory, placeless) -> None:
    html = client.get("/widget/?what=producers&q=chevrerie").content.decode()
    assert "Chèvrerie du Pic" in html
    assert 'target="_blank"' in html


def test_a_place_shows_the_products_sold_there_and_its_suppliers(client, territory) -> None:
    html = client.get(territory.le_local.get_absolute_url()).content.decode()
    products = found(r'<ul class="tags" id="product-list">(.*?)</ul>', html)
    names = re.findall(r">([^<>]+)</a>", products)
    assert names == ["Beurre et crème", "Fromages de vache", "Miel et produits de la ruche"]  # in the taxonomy's order
    assert "?category=honey&amp;commune=63003" in products
    suppliers = found(r'<ul class="producer-list" id="supplier-list">(.*?)</ul>', html)
    assert territory.cheese_farm.get_absolute_url() in suppliers
    assert territory.honey_farm.get_absolute_url() in suppliers


def test_a_farm_run_by_its_producer_shows_that_producer_and_its_products(client, territory, placeless) -> None:
    html = client.get(placeless["hive_shop"].get_absolute_url()).content.decode()
    assert "Aucun producteur" not in html
    assert "tient ce lieu" in html
    assert f'<a href="{territory.honey_farm.get_absolute_url()}">Rucher de la Durolle</a>' in html
    assert re.search(r'id="product-list">.*Miel.*</ul>', html, re.S)


def test_a_producer_page_lists_the_places_it_runs_as_where_to_buy(client, territory, placeless) -> None:
    html = client.get(territory.honey_farm.get_absolute_url()).content.decode()
    where = html[html.index('id="where-to-buy"') :]
    assert "Miellerie de la Durolle" in where
    assert "Marché d&#x27;Ambert" in where


def test_data_never_becomes_html_on_the_place_and_producers_pages(client, territory) -> None:
    evil = producer_create(name="<img src=x onerror=alert(1)>", commune=territory.ambert)
    offer_set(producer=evil, category=Category.objects.get(slug="honey"))
    place = place_create(name="<b>Halle</b>", kind="market", commune=territory.ambert, lat=45.55, lon=3.74,
                         producers=[evil])  # fmt: skip
    for url in (place.get_absolute_url(), "/?what=producers&q=img"):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_what_a_source_says_is_sold_at_a_place_itself_is_searched_and_shown(territory: Any, client: Client) -> None:
    """A vending machine selling eggs, with no producer linked: found by "eggs" and its page says so."""
    eggs = Category.objects.get(slug="eggs")
    machine = place_create(
        name="Distributeur d'œufs — Ambert", kind="vending", commune=territory.ambert, lat=45.55, lon=3.74
    )
    query = parse_place_query({"category": "eggs", "bbox": AROUND_AMBERT})
    assert machine.pk not in {h.place.pk for h in places_search(query).hits}
    assert places_links_add(categories=[(machine.pk, eggs.pk)]) == [machine.pk]
    assert machine.pk in {h.place.pk for h in places_search(query).hits}
    html = client.get(machine.get_absolute_url()).content.decode()
    assert eggs.name_fr in found(r'id="product-list">(.*?)</ul>', html)


def test_the_map_layer_follows_the_producers_places_as_they_are_linked_closed_and_deleted(territory, placeless) -> None:
    """The layer reads the producers not shown at a place from their `shown_at_place` flag: the flag
    follows the places a producer is linked to, closed and deleted."""
    from terroir.directory.models import Actor
    from terroir.directory.services import place_delete, place_update

    box = parse_bbox("bbox", AROUND_AMBERT)
    chevrerie = placeless["chevrerie"]

    def layer() -> set[str]:
        return {p.name for p in map_producers(parse_place_query({}), bbox=box, zoom=11).producers}

    def flag() -> bool:
        return Actor.objects.values_list("shown_at_place", flat=True).get(pk=chevrerie.pk)

    assert "Chèvrerie du Pic" in layer() and not flag()
    assert Actor.objects.values_list("shown_at_place", flat=True).get(pk=territory.cheese_farm.pk)
    stall = place_create(name="Étal du Pic", kind="market", commune=territory.ambert, lat=45.55, lon=3.74)
    places_links_add(producers=[(stall.pk, chevrerie.pk)])
    assert "Chèvrerie du Pic" not in layer() and flag()
    place_update(place=stall, values={"closed_at": dt.date(2026, 11, 1)})
    assert "Chèvrerie du Pic" in layer() and not flag()
    place_update(place=stall, values={"closed_at": None})
    assert "Chèvrerie du Pic" not in layer() and flag()
    place_delete(place=stall)
    assert "Chèvrerie du Pic" in layer() and not flag()
    # The others are unchanged: the layer is the same as at the start.
    assert layer() == {"Chèvrerie du Pic", "Bergerie des Fourches"}
