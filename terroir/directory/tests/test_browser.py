"""Real-browser tests: Playwright driving Debian's Chromium against the live test server.

Map tiles are switched off (no network in the suite); the map must still show markers and clusters.
Waits are written as functions ("() => …"): Playwright evaluates a bare expression with eval() at each
poll, which the pages' Content-Security-Policy refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_searches_ambert_filters_markets_sees_the_map_and_opens_a_producer(
    page: Any, live_server: Any, communes_for_live_server: None, request: Any
) -> None:
    territory = request.getfixturevalue("territory")
    page.goto(live_server.url + "/")
    page.get_by_label("Près de (commune ou code postal)").fill("Ambert")
    page.get_by_label("Dans un rayon de (km)").fill("40")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/?*commune=Ambert*")
    results = page.locator("#result-list li.result")
    # The farm shop, the market and Le Local in Ambert (the canteen in Thiers is for professionals).
    assert results.count() == 3
    page.locator("#kinds-summary").click()
    page.get_by_label("Marché", exact=True).check()
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**kind=market*")
    assert page.locator("#result-list li.result").all_inner_texts()[0].startswith("Marché d'Ambert")
    assert page.locator("#result-list li.result").count() == 1
    # The map asked the server for this view and drew the market as a marker.
    page.wait_for_function("() => document.getElementById('map')?.dataset.places === '1'")
    markers = page.locator(".leaflet-marker-icon")
    assert markers.count() == 1
    assert markers.first.get_attribute("title") == "Marché d'Ambert — marché"
    # Open the market, then a producer selling there.
    page.get_by_role("link", name="Marché d'Ambert").click()
    page.get_by_role("heading", name="Marché d'Ambert").wait_for()
    page.get_by_role("link", name="GAEC des Monts du Forez").click()
    page.get_by_role("heading", name="GAEC des Monts du Forez").wait_for()
    assert page.get_by_text("Fromages de vache").is_visible()
    assert page.url.endswith(territory.cheese_farm.get_absolute_url())


def test_the_map_shows_clusters_when_zoomed_out(
    page: Any, live_server: Any, communes_for_live_server: None, request: Any, settings: Any
) -> None:
    request.getfixturevalue("territory")
    from terroir.directory import search

    original = search.MAP_POINT_LIMIT
    search.MAP_POINT_LIMIT = 2
    try:
        page.goto(live_server.url + "/")
        page.wait_for_function("() => Number(document.getElementById('map')?.dataset.clusters) > 0")
        clusters = page.locator(".leaflet-marker-icon.cluster")
        total = sum(int(t) for t in clusters.all_inner_texts())
        assert total == 4  # the public places in the territory's view (not Poitiers, nor the canteen)
        clusters.first.click()
        page.wait_for_function("() => document.getElementById('map')?.dataset.loading === '0'")
    finally:
        search.MAP_POINT_LIMIT = original


def test_the_page_is_usable_on_a_phone(
    browser: Any, live_server: Any, communes_for_live_server: None, request: Any
) -> None:
    request.getfixturevalue("territory")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR")
    phone = context.new_page()
    phone.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
    )
    phone.goto(live_server.url + "/?commune=Ambert&radius_km=40")
    page_fits(phone, "the search on a phone", edge=False)
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    context.close()


def test_on_a_phone_a_refused_search_names_the_field_as_labelled_and_shows_it_unfolded(
    browser: Any, live_server: Any, communes_for_live_server: None, request: Any
) -> None:
    """The filters fold under a button on a phone: a refusal that names one of them (« Dans un rayon de
    (km) », not the address's radius_km) keeps them unfolded, so that the reader sees the field it names."""
    request.getfixturevalue("territory")
    phone = french_tab(browser, live_server, None, (390, 844))
    phone.goto(live_server.url + "/?commune=Ambert&radius_km=abc")
    said = phone.locator("#search-error").inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert "Recherche impossible : « Dans un rayon de (km) » — « abc » n’est pas un nombre" in said
    assert "radius_km" not in said
    assert phone.locator("#radius_km").is_visible()
    page_fits(phone, "a refused search on a phone", edge=False)  # as the search on a phone above
    # A refusal of a field above the fold leaves the filters folded, as a search without error.
    phone.goto(live_server.url + "/?commune=Nulle-Part-sur-Mer")
    assert "« Près de (commune ou code postal) »" in phone.locator("#search-error").inner_text().replace("\u00a0", " ")
    assert not phone.locator("#radius_km").is_visible()
