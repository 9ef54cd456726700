from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    return Client()


def json_ld(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_home_shows_the_search_form_and_results_in_french(client, territory) -> None:
    response = client.get("/?commune=Ambert&radius_km=20&kind=market")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Où acheter local" in html
    assert "Marché d&#x27;Ambert" in html
    assert '<span class="distance">1,4 km</span>' in html  # French decimal comma
    # Every form field has a label.
    for field in ("q", "commune", "radius_km", "category", "label", "open_on"):
        assert f'<label for="{field}">' in html
    # The kinds are ticked (several at once), each box inside its label; the asked one is ticked.
    assert '<label><input type="checkbox" name="kind" value="market" checked> Marché</label>' in html


def test_the_interface_is_translated_to_english(client, territory) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Where to buy local food" in html
    assert "Cheese" in html  # category names follow the language


def test_a_bad_search_explains_what_is_wrong_without_failing(client, territory) -> None:
    response = client.get("/?radius_km=-5")
    assert response.status_code == 400
    assert "radius_km" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "fr",
            "Recherche impossible\u202f: «\u00a0Dans un rayon de (km)\u00a0» — «\u00a0abc\u00a0» n’est pas un nombre",
        ),
        ("en", "Cannot search: “Within (km)” — “abc” is not a number"),
    ],
)
def test_a_bad_search_names_the_field_as_the_form_labels_it(client, territory, language, said) -> None:
    """Not the address's parameter ("radius_km"), a word of neither language, in the middle of the sentence."""
    response = client.get("/?radius_km=abc", headers={"accept-language": language})
    assert response.status_code == 400
    error = response.content.decode().split('id="search-error"', 1)[1].split("</div>", 1)[0]
    assert said in error and "radius_km" not in error


@pytest.mark.parametrize(
    ("query", "french", "english"),
    [
        ("open_now=perhaps", "Ouvert maintenant", "Open now"),
        ("open_on=someday", "Ouvert le", "Open on"),
        ("category=caviar", "Produits", "Products"),
        ("label=caviar", "Label", "Label"),
        ("kind=castle", "Type de lieu", "Kind of place"),
        ("near=here", "Autour de moi", "Around me"),
        ("q=" + "x" * 201, "Quoi\u202f?", "What?"),
        ("local=perhaps", "Local seulement (150 km)", "Local only (150 km)"),
        ("page=abc", "Page", "Page"),
        ("bbox=1,2", "Zone de la carte", "Map area"),
    ],
)
def test_every_parameter_of_a_refused_search_is_named_by_its_field(
    client, territory, settings, query: str, french: str, english: str
) -> None:
    settings.TERROIR_LOCAL_RADIUS_KM = 150
    for language, field, opens, closes in (("fr", french, "«\u00a0", "\u00a0»"), ("en", english, "“", "”")):
        response = client.get(f"/?{query}", headers={"accept-language": language})
        assert response.status_code == 400
        error = unescape(response.content.decode().split('id="search-error"', 1)[1].split("</div>", 1)[0])
        parameter = query.split("=", 1)[0]
        assert f"{opens}{field}{closes} — " in error, (language, error)
        assert f" {parameter} — " not in error


def test_place_page_lists_who_sells_there_with_hours_and_json_ld(client, territory) -> None:
    html = client.get(territory.ambert_market.get_absolute_url()).content.decode()
    assert "GAEC des Monts du Forez" in html and "Rucher de la Durolle" in html
    assert "Th 07:00-13:00" in html
    assert re.search(r"[Jj]eudi[^<]*</th>\s*<td>7 h–13 h</td>", html)  # said like the prose, not "07:00"
    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["geo"]["latitude"] == 45.5497
    assert data["openingHours"] == "Th 07:00-13:00"


def test_producer_page_shows_where_to_buy_products_labels_and_json_ld(client, territory) -> None:
    html = client.get(territory.cheese_farm.get_absolute_url()).content.decode()
    assert "Marché d&#x27;Ambert" in html and "Le Local, magasin de producteurs" in html
    assert "Fromages de vache" in html
    assert "AOP / AOC" in html
    assert "04 73 82 00 01" in html  # published with consent
    data = json_ld(html)
    assert data["@type"] == "LocalBusiness"
    assert {o["itemOffered"]["category"] for o in data["makesOffer"]} == {"cow-cheese", "butter-cream"}


def test_phones_stored_e164_are_shown_the_way_people_write_them(client, territory) -> None:
    assert territory.le_local.phone == "+33473820002"
    html = client.get(territory.le_local.get_absolute_url()).content.decode()
    assert '<a href="tel:+33473820002">04 73 82 00 02</a>' in html
    html = client.get(territory.cheese_farm.get_absolute_url()).content.decode()
    assert '<a href="tel:+33473820001">04 73 82 00 01</a>' in html
    assert json_ld(html)["telephone"] == "+33473820001"  # machines read the international form


def test_contact_details_without_consent_are_not_shown(client, territory) -> None:
    html = client.get(territory.honey_farm.get_absolute_url()).content.decode()
    assert "miel@durolle.example.org" not in html
    assert "telephone" not in json.dumps(json_ld(html))


def test_json_ld_cannot_break_out_of_its_script(client, territory) -> None:
    from terroir.directory.services import place_create

    place = place_create(name="</script><script>alert(1)</script>", kind="shop", lat=45.5, lon=3.7)
    html = client.get(place.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html


def test_the_widget_can_be_framed_by_other_sites_and_other_pages_cannot(client, territory) -> None:
    widget = client.get("/widget/?kind=market&commune=Ambert&radius_km=30")
    assert widget.status_code == 200
    assert "frame-ancestors *" in widget["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget
    assert "Marché d&#x27;Ambert" in widget.content.decode()
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_unknown_pages_are_404(client, territory) -> None:
    assert client.get("/places/999999/").status_code == 404
    assert client.get("/producers/999999/").status_code == 404


def test_where_to_buy_leaves_out_the_places_the_public_cannot_buy_at(client, territory, people) -> None:
    """Issue 15: the canteen the market gardener supplies is not somewhere to buy; a professional
    signed in sees it apart, and may include such places in a search."""
    producer_url = territory.market_gardener.get_absolute_url()
    html = client.get(producer_url).content.decode()
    assert "Cantine du collège de Thiers" not in html
    home = client.get("/?q=cantine").content.decode()
    assert "Cantine du collège de Thiers" not in home
    assert 'name="professional"' not in home
    client.force_login(people.claire)  # a producer: a professional
    html = client.get(producer_url).content.decode()
    assert "Fournit aussi (pour les professionnels)" in html
    assert "Cantine du collège de Thiers" in html
    home = client.get("/?q=cantine&professional=1").content.decode()
    assert 'name="professional" value="1" checked' in home
    assert 'value="canteen"' in home  # the professionals' kinds are offered
    assert "Cantine du collège de Thiers" in home
    assert 'class="mk mk-canteen"' in home  # and in the legend


def test_professional_1_widens_anyone_s_search_as_the_open_data_it_is(client, territory) -> None:
    """`professional=1` is a filter, not a permission: the canteens' pages and the API are public (open
    data, docs/api.md), so a visitor who asks for them gets them. What stays for professionals is the
    offer: the form's box and kinds, and the "also supplies" list of a producer's page."""
    home = client.get("/?q=cantine&professional=1").content.decode()
    assert "Cantine du collège de Thiers" in home
    assert 'name="professional"' not in home  # a visitor's form does not offer it
    assert client.get(territory.thiers_canteen.get_absolute_url()).status_code == 200


def map_config(page: str) -> dict[str, Any]:
    found = re.search(r'data-config="([^"]*)"', page)
    assert found, "no map on the page"
    return json.loads(unescape(found.group(1)))


def test_the_map_fits_the_results_of_a_search_without_a_point(client, territory) -> None:
    config = map_config(client.get("/?kind=market").content.decode())
    # Ambert's and Poitiers' markets: the box of both, no circle.
    assert config["circle"] is None
    (south, west), (north, east) = config["bounds"]
    assert south < 45.56 and north > 46.58 and west < 0.35 and east > 3.74
    config = map_config(client.get("/?commune=Ambert&radius_km=25").content.decode())
    assert config["circle"]["radiusKm"] == 25 and config["circle"]["label"] == "Ambert (63)"
    assert config["bounds"] is None


def test_a_producers_season_names_june_and_july_so_that_a_french_reader_tells_them_apart(client, territory) -> None:
    # Django's three-letter months are for reading dates: in French, June and July are "jui" and "jul".
    html = unescape(client.get(territory.honey_farm.get_absolute_url()).content.decode())
    assert "(juin, juil., août, sept., oct., nov.)" in html
    client.cookies["django_language"] = "en"
    html = unescape(client.get(territory.honey_farm.get_absolute_url()).content.decode())
    assert "(June, July, Aug., Sept., Oct., Nov.)" in html


def test_the_producer_page_asks_once_who_may_edit_and_links_the_outlets_flag_for_them_only(
    territory: Any, people: Any
) -> None:
    """The footer's one `may_edit` serves the edit link and the observatory's flag (the page loaded the
    accounts library a second time for the flag before); a place's page has no flag."""
    url = territory.cheese_farm.get_absolute_url()
    template = (Path(__file__).parents[3] / "templates" / "directory" / "producer.html").read_text()
    assert "{% load accounts %}" not in template and "may_edit" not in template
    for who, shown in ((None, False), (people.hugo, False), (people.claire, True), (people.camille, True)):
        client = Client()
        if who is not None:
            client.force_login(who)
        page = client.get(url).content.decode()
        assert ('id="isolation-link"' in page) == shown, who
        assert (f'href="/edit/actor/{territory.cheese_farm.pk}/"' in page) == shown, who
    coordinator = Client()
    coordinator.force_login(people.camille)
    assert 'id="isolation-link"' not in coordinator.get(territory.le_local.get_absolute_url()).content.decode()


def test_a_refused_kind_is_said_on_the_page_in_the_words_of_its_boxes_and_by_the_api_in_its_values(
    client, territory
) -> None:
    """The page listed the known kinds by the API's values ("farm, market, amap…") inside a French sentence,
    and told a visitor to "add professional=1", an address parameter the page does not show."""

    def said(url: str, language: str) -> str:
        page = client.get(url, headers={"accept-language": language})
        assert page.status_code == 400
        return unescape(page.content.decode().split('id="search-error"', 1)[1].split("</div>", 1)[0])

    french, english = said("/?kind=castle", "fr"), said("/?kind=castle", "en")
    assert "types connus\u202f: vente à la ferme, marché, distribution AMAP" in french and "farm, market" not in french
    assert "known kinds: sale at the farm, market, AMAP pickup" in english
    assert "restauration collective\u202f: lieux réservés aux professionnels" in said("/?kind=canteen", "fr")
    assert "professional=1" not in said("/?kind=canteen", "fr")
    api = client.get("/api/v1/places?kind=castle", headers={"accept-language": "fr"}).json()["error"]
    assert api["parameter"] == "kind" and "types connus\u202f: farm, market, amap" in api["message"]
    api = client.get("/api/v1/places?kind=canteen", headers={"accept-language": "en"}).json()["error"]
    assert api["message"].endswith("(add professional=1)")
