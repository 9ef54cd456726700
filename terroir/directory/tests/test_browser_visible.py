"""Real-browser tests of what a shopper sees of producers: the Producers list of the search, the map's
layer of producers without a place of sale (at desktop and phone sizes: the phone's list and map take
turns), a place's products and suppliers (on a phone, the place checked at desktop size with `fits_at`).
Screenshots go to /tmp/visible-shots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import fits_at, offline_tab, page_fits, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/visible-shots")
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def placeless_producers(territory: Any) -> None:
    from terroir.directory.models import Category
    from terroir.directory.services import offer_set, producer_create

    goat = Category.objects.get(slug="goat-cheese")
    chevrerie = producer_create(name="Chèvrerie du Pic", commune=territory.ambert, lat=45.585, lon=3.79)
    offer_set(producer=chevrerie, category=goat)
    bergerie = producer_create(name="Bergerie des Fourches", commune=territory.ambert)
    offer_set(producer=bergerie, category=goat)


def tab_of(browser: Any, live_server: Any, size: str) -> Any:
    tab = offline_tab(browser, live_server)
    tab.set_viewport_size(SIZES[size])
    return tab


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_shopper_lists_the_producers_and_sees_those_without_a_place_on_the_map(
    browser: Any, live_server: Any, communes_for_live_server: None, request: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    territory = request.getfixturevalue("territory")
    placeless_producers(territory)
    tab = tab_of(browser, live_server, size)
    tab.goto(live_server.url + "/?commune=Ambert&radius_km=20")
    if size == "phone":  # the list first, the map a tap away
        tab.get_by_role("button", name="Carte", exact=True).click()
    # The map (the 20 km around Ambert) shows the places by kind and the two producers without a place
    # as square badges, told apart by their title.
    tab.wait_for_function("() => document.getElementById('map')?.dataset.producers === '2'")
    badges = tab.locator(".leaflet-marker-icon.producer-marker")
    assert badges.count() == 2
    titles = sorted(badges.nth(i).get_attribute("title") for i in range(2))
    assert titles[0].startswith("Bergerie des Fourches — Producteur")
    assert tab.locator("#map-producers").inner_text() == "2 producteurs sans lieu de vente"
    shot(tab, SHOTS, f"search-map-{size}")
    # A badge's popup says the producer has no place of sale and where its position comes from.
    bergerie = tab.locator('.leaflet-marker-icon.producer-marker[title^="Bergerie"]')
    # Markers near Ambert overlap at this zoom: the keyboard opens the badge's popup.
    bergerie.focus()
    tab.keyboard.press("Enter")
    popup = tab.locator(".leaflet-popup-content")
    popup.get_by_text("Position\u202f: centre de la commune").wait_for()
    assert popup.get_by_role("link", name="Bergerie des Fourches").is_visible()
    shot(tab, SHOTS, f"search-map-popup-{size}")
    # The Producers list: the same search, nearest first, with their products.
    if size == "phone":
        tab.get_by_role("button", name="Liste", exact=True).click()
    tab.get_by_role("navigation", name="Que lister").get_by_role("link", name="Producteurs", exact=True).click()
    tab.wait_for_url("**what=producers*")
    items = tab.locator("#producer-list li.result")
    assert items.count() == 3
    assert items.first.inner_text().startswith("Bergerie des Fourches")
    assert "Fromages de chèvre" in items.first.inner_text()
    page_fits(tab, edge=False)
    shot(tab, SHOTS, f"search-producers-{size}")
    # The search form keeps the list: a new search stays on the producers.
    if size == "phone":  # the filters fold under a button on a phone
        tab.click("summary.filters-button")
    tab.get_by_label("Produits").select_option("cheese")
    tab.get_by_role("button", name="Rechercher").click()
    tab.wait_for_url("**category=cheese*")
    assert "what=producers" in tab.url
    assert tab.locator("#producer-list li.result").count() == 3
    tab.get_by_role("link", name="Chèvrerie du Pic").click()
    tab.get_by_role("heading", name="Chèvrerie du Pic").wait_for()
    assert tab.get_by_text("Aucun lieu de vente n’est encore indiqué.").is_visible()
    tab.context.close()


def test_a_place_shows_its_products_and_the_producers_supplying_it(
    browser: Any, live_server: Any, communes_for_live_server: None, request: Any, settings: Any
) -> None:
    """A shopper on a phone; the place's page checked at desktop size too (`fits_at`)."""
    settings.TERROIR_TILE_URL = ""
    size = "phone"
    territory = request.getfixturevalue("territory")
    tab = tab_of(browser, live_server, size)
    tab.goto(live_server.url + territory.le_local.get_absolute_url())
    products = tab.locator("#product-list a")
    assert products.all_inner_texts() == ["Beurre et crème", "Fromages de vache", "Miel et produits de la ruche"]
    suppliers = tab.locator("#supplier-list > li > a")
    assert suppliers.all_inner_texts() == ["GAEC des Monts du Forez", "Rucher de la Durolle"]
    page_fits(tab, edge=False)
    fits_at(tab, (SIZES["desktop"]["width"], SIZES["desktop"]["height"]), edge=False)
    shot(tab, SHOTS, f"place-{size}")
    # A product leads to a search for it around the place; a supplier to its page and where to buy.
    tab.get_by_role("link", name="Miel et produits de la ruche").click()
    tab.wait_for_url("**category=honey*")
    names = tab.locator("#result-list li.result > a").all_inner_texts()
    assert "Le Local, magasin de producteurs" in names
    tab.go_back()
    tab.get_by_role("link", name="Rucher de la Durolle").click()
    tab.get_by_role("heading", name="Rucher de la Durolle").wait_for()
    where = tab.locator("section[aria-labelledby='where-to-buy'] .place-list a").all_inner_texts()
    assert "Le Local, magasin de producteurs" in where
    shot(tab, SHOTS, f"producer-{size}")
    # The farm run by its producer lists that producer.
    tab.goto(live_server.url + territory.farm_shop.get_absolute_url())
    assert tab.locator("#supplier-list .role").inner_text() == "tient ce lieu"
    tab.context.close()


def test_the_widget_shows_the_producers_layer_and_list(
    browser: Any, live_server: Any, communes_for_live_server: None, request: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    territory = request.getfixturevalue("territory")
    placeless_producers(territory)
    tab = tab_of(browser, live_server, "phone")
    tab.goto(live_server.url + "/widget/?commune=Ambert&radius_km=20&what=producers")
    tab.wait_for_function("() => document.getElementById('map')?.dataset.producers === '2'")
    assert tab.locator("#producer-list li.result").count() == 3
    assert tab.locator("#producer-list a").first.get_attribute("target") == "_blank"
    shot(tab, SHOTS, "widget-phone")
    tab.context.close()
