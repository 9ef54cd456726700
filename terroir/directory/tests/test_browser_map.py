"""The map follows the search (issue 15), in a real browser at desktop and phone sizes: it fits the
circle asked and draws it, counts what the list counts, tells the kinds apart by shape and colour with a
legend, lets a keyboard skip its markers, and takes turns with the list on a phone. The commune field
suggests communes as one types, asks which one an ambiguous name means, and "around me" sends the
browser's position. Screenshots under /tmp/shots-map/ (tiles are off: no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-map")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def tab(browser: Any, live_server: Any, viewport: dict[str, int], *, locale: str = "fr-FR", **options: Any) -> Any:
    context = browser.new_context(viewport=viewport, locale=locale, is_mobile=viewport == PHONE, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server.url) else r.abort())
    return page


def map_loaded(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('map')?.dataset.loading === '0'")


def listed(page: Any) -> int:
    title = page.locator("#results-title").inner_text()
    return int(re.match(r"\d+", title).group())  # type: ignore[union-attr]


@pytest.fixture
def places(request: Any, communes_for_live_server: None, settings: Any) -> Any:
    settings.TERROIR_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    return request.getfixturevalue("territory")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_map_fits_the_radius_draws_it_and_counts_what_the_list_counts(
    browser: Any, live_server: Any, places: Any, size: str
) -> None:
    page = tab(browser, live_server, DESKTOP if size == "desktop" else PHONE)
    page.goto(live_server.url + "/?commune=Ambert&radius_km=60")
    page_fits(page, edge=False)
    if size == "phone":
        # The list first; the map one tap away.
        assert not page.locator("#map").is_visible()
        page.get_by_role("button", name="Carte", exact=True).click()
        page.locator("#map").wait_for(state="visible")
        assert not page.locator("#result-list").is_visible()
    map_loaded(page)
    page.wait_for_function("() => document.getElementById('map')?.dataset.total !== undefined")
    # 60 km around Ambert: the farm shop, the market, Le Local and the supermarket in Clermont (the
    # canteen is for professionals); the list and the map count the same places.
    on_map = int(page.evaluate("() => document.getElementById('map')?.dataset.total"))
    assert on_map == 4
    assert page.locator("#map-status").inner_text() == "4 lieux sur la carte"
    shot(page, SHOTS, f"map-radius-{size}")
    if size == "phone":
        page.get_by_role("button", name="Liste", exact=True).click()
    assert listed(page) == on_map
    # The circle of the search and its centre are drawn; the whole circle is in view.
    assert page.locator("path.search-circle").count() == 1
    assert page.locator("path.search-centre").count() == 1
    box = page.locator("path.search-circle").bounding_box()
    if size == "phone":
        page.get_by_role("button", name="Carte", exact=True).click()
        box = page.locator("path.search-circle").bounding_box()
    frame = page.locator("#map").bounding_box()
    assert box["width"] <= frame["width"] + 1 and box["height"] <= frame["height"] + 1
    page_fits(page, edge=False)


def test_markers_show_their_kind_by_shape_with_a_legend_and_a_popup(
    browser: Any, live_server: Any, places: Any
) -> None:
    page = tab(browser, live_server, DESKTOP)
    page.goto(live_server.url + "/?commune=Ambert&radius_km=10")
    map_loaded(page)
    page.wait_for_function("() => Number(document.getElementById('map')?.dataset.places) === 3")
    market = page.locator('.leaflet-marker-icon[title="Marché d\'Ambert — marché"]')
    assert market.locator(".mk.mk-market").count() == 1
    assert page.locator(".leaflet-marker-icon .mk-producers_shop").count() == 1
    legend = page.locator("#map-legend")
    assert legend.get_by_text("Marché", exact=True).is_visible()
    assert legend.locator(".mk-market").count() == 1
    # Not colour alone: a market is round, a producers' shop square.
    radius = page.evaluate("() => getComputedStyle(document.querySelector('#map-legend .mk-market')).borderRadius")
    square = page.evaluate(
        "() => getComputedStyle(document.querySelector('#map-legend .mk-producers_shop')).borderRadius"
    )
    assert radius != square
    # Markers 300 m apart overlap at this zoom: the keyboard opens the market's popup.
    market.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Marché d'Ambert" in popup.inner_text()
    assert "Marché · Ambert" in popup.inner_text()
    assert popup.get_by_role("link", name="Voir le lieu").get_attribute("href").startswith("/places/")
    shot(page, SHOTS, "map-popup-desktop", full_page=False)
    # Moving the map asks the server again; the market's marker is kept, so its popup stays open.
    frame = page.locator("#map").bounding_box()
    x, y = frame["x"] + 60, frame["y"] + frame["height"] - 60
    with page.expect_response(lambda r: "bbox=" in r.url):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 40, y - 30, steps=5)
        page.mouse.up()
    map_loaded(page)
    assert popup.is_visible()
    assert "Marché d'Ambert" in popup.inner_text()


def test_a_keyboard_user_skips_the_map_to_the_results(browser: Any, live_server: Any, places: Any) -> None:
    page = tab(browser, live_server, DESKTOP)
    page.goto(live_server.url + "/?commune=Ambert&radius_km=10")
    map_loaded(page)
    page.locator("#search-form button[type=submit]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip-map"
    assert page.locator("#skip-map").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "results-title"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#result-list') !== null")


def test_several_kinds_at_once_from_the_form(browser: Any, live_server: Any, places: Any) -> None:
    page = tab(browser, live_server, DESKTOP)
    page.goto(live_server.url + "/?commune=Ambert&radius_km=60")
    page.locator("#kinds-summary").click()
    page.get_by_label("Marché", exact=True).check()
    page.get_by_label("Supermarché", exact=True).check()
    # The professionals' kinds are not offered to a visitor.
    assert page.get_by_label("Restauration collective").count() == 0
    shot(page, SHOTS, "kinds-open-desktop", full_page=False)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**kind=market&kind=supermarket*")
    names = {t.split("\n")[0] for t in page.locator("#result-list li.result").all_inner_texts()}
    assert names == {"Marché d'Ambert", "Supermarché des Volcans"}
    assert page.locator("#kinds-summary").inner_text() == "Type de lieu (2)"
    map_loaded(page)
    page.wait_for_function("() => document.getElementById('map')?.dataset.total === '2'")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_commune_field_suggests_and_an_ambiguous_name_asks_which_one(
    browser: Any, live_server: Any, places: Any, size: str
) -> None:
    page = tab(browser, live_server, DESKTOP if size == "desktop" else PHONE)
    page.goto(live_server.url + "/")
    page.get_by_label("Près de (commune ou code postal)").press_sequentially("st just", delay=30)
    # The suggestions of the whole text typed, not of a shorter text asked during a pause (under load).
    page.wait_for_function("() => document.getElementById('commune')?.dataset.suggestedFor === 'st just'")
    assert int(page.locator("#commune").get_attribute("data-suggested")) > 0
    options = page.locator("#commune-suggestions option")
    assert options.first.get_attribute("value") == "Saint-Just (63)"
    # "Clermont": the Clermont-Ferrand of the territory or one of France's four Clermont?
    page.get_by_label("Près de (commune ou code postal)").fill("Clermont")
    page.get_by_role("button", name="Rechercher").click()
    page.locator("#commune-options").wait_for()
    error = page.locator("#search-error").inner_text()
    assert "Plusieurs communes s’appellent « Clermont »\u202f: laquelle\u202f?" in error
    # The map does not ask the refused search again (its status stays empty).
    assert page.locator("#map-status").inner_text() == ""
    choices = page.locator("#commune-options li")
    assert choices.first.inner_text().startswith("Clermont-Ferrand (département 63")
    page_fits(page, edge=False)
    shot(page, SHOTS, f"commune-ambiguous-{size}")
    page.get_by_role("link", name="Clermont-Ferrand").click()
    page.wait_for_url("**commune=Clermont-Ferrand*")
    assert page.get_by_label("Près de (commune ou code postal)").input_value() == "Clermont-Ferrand (63)"
    assert page.locator("#search-error").count() == 0
    # A typo: French, with what it may have meant.
    page.get_by_label("Près de (commune ou code postal)").fill("Ambret")
    page.get_by_role("button", name="Rechercher").click()
    page.locator("#search-error").wait_for()
    assert "Voulez-vous dire Ambert (63)" in page.locator("#search-error").inner_text()
    page.get_by_role("link", name="Ambert", exact=True).click()
    page.wait_for_url("**commune=Ambert*")
    page.wait_for_function("() => document.getElementById('map')?.dataset.circleKm === '30'")


def test_around_me_searches_at_the_browsers_position(browser: Any, live_server: Any, places: Any) -> None:
    page = tab(
        browser, live_server, PHONE, geolocation={"latitude": 45.5497, "longitude": 3.7417}, permissions=["geolocation"]
    )
    page.goto(live_server.url + "/?radius_km=5")
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url("**near=45.54970%2C3.74170*")
    assert listed(page) == 3  # the farm shop, the market and Le Local, in and around Ambert
    assert page.get_by_label("Près de (commune ou code postal)").get_attribute("placeholder") == "Autour de moi"
    page_fits(page, edge=False)
    shot(page, SHOTS, "around-me-phone")


def test_around_me_refused_says_so_and_leaves_the_field_to_type_in(browser: Any, live_server: Any, places: Any) -> None:
    page = tab(browser, live_server, DESKTOP)  # no permission granted: the browser refuses
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Autour de moi").click()
    page.get_by_text("Votre position n’a pas été partagée").wait_for()
    assert page.url == live_server.url + "/"


def test_the_map_is_in_english_too(browser: Any, live_server: Any, places: Any) -> None:
    page = tab(browser, live_server, DESKTOP, locale="en-GB")
    page.goto(live_server.url + "/")
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Change").click()
    page.goto(live_server.url + "/?commune=Ambert&radius_km=10&kind=market")
    map_loaded(page)
    page.wait_for_function("() => document.getElementById('map')?.dataset.places === '1'")
    assert page.locator("#map-status").inner_text() == "1 place on the map"
    assert page.get_by_role("link", name="Skip the map: go to the list of results").count() == 1
    assert page.locator("#map-legend").get_by_text("Market", exact=True).is_visible()
    page.goto(live_server.url + "/?commune=Clermont")
    assert "Several communes are named “Clermont”: which one" in page.locator("#search-error").inner_text()
