"""In a real browser: a coordinator lists the candidate relay sites, adds one, studies the week (computed on
the task queue, immediate here), and reads the scenarios' table and chart and the map of the cheapest one,
at a desktop; a carrier adds a site by its commune, on a phone. Each page is checked at the other size too
where the journey reaches it (`fits_at`); nothing is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, screenshot
from terroir.logistics.models import RelayCandidate
from terroir.logistics.tests.test_permissions import WEEK
from terroir.logistics.tests.test_relays import week_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP, PHONE = (1366, 900), (390, 844)


def test_a_coordinator_adds_a_site_studies_the_week_and_reads_the_scenarios_and_the_map(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""  # no tiles: the marks and lines say it all
    settings.TERROIR_ROUTING_URL = ""
    week_orders(territory)
    RelayCandidate.objects.create(name="Actypôles Thiers", lat=45.84, lon=3.50, fixed_cost_week=60,
                                  capacity_kg_day=100, opening_hours="Tu,Th 06:00-12:00")  # fmt: skip
    tab = french_tab(browser, live_server, people.camille, DESKTOP)
    name = "desktop"

    tab.goto(f"{live_server.url}/logistics/relays/new/")
    tab.fill("#id_name", "Plateforme Clermont-Nord")
    tab.fill("#id_lat", "45.80")
    tab.fill("#id_lon", "3.11")
    tab.fill("#id_fixed_cost_week", "121")
    tab.fill("#id_capacity_kg_day", "200")
    tab.check("#id_cold_room")
    screenshot(tab, f"relay-candidate-{name}")
    page_fits(tab, edge=False)
    fits_at(tab, PHONE, edge=False)
    tab.click("button:has-text('Ajouter')")
    tab.wait_for_url("**/logistics/relays/**")
    tab.wait_for_selector("#candidates")
    assert tab.locator("#candidates tbody tr").count() == 2
    page_fits(tab)
    fits_at(tab, PHONE)
    screenshot(tab, f"relay-list-{name}")

    tab.fill("#id_week", WEEK.isoformat())
    tab.click("#study-form button[type=submit]")
    tab.wait_for_url("**/logistics/studies/**")
    tab.wait_for_selector("#scenarios", timeout=60_000)
    rows = tab.locator("#scenarios tbody tr")
    assert rows.count() == 3  # direct, at most 1 platform, at most 2
    assert "Direct (aujourd’hui)" in rows.first.inner_text()
    assert tab.locator("#scenarios-charts svg").count() == 5
    tab.wait_for_function("() => document.getElementById('relay-map')?.dataset.drawn !== undefined")
    assert tab.locator("#relay-map .relay-marker.farm").count() == 3
    assert tab.locator("#relay-map .relay-marker.customer").count() == 2
    assert tab.locator("#relay-map .relay-marker.open, #relay-map .relay-marker.closed").count() == 2
    assert int(tab.locator("#relay-map").get_attribute("data-drawn") or 0) >= 1
    page_fits(tab, axe=True)
    fits_at(tab, PHONE, axe=True)
    screenshot(tab, f"relay-study-{name}")
    # Another scenario on the map: direct deliveries alone, no platform open.
    tab.click("#scenarios a:has-text('Voir sur la carte') >> nth=0")
    tab.wait_for_url("**scenario=0")
    tab.wait_for_function("() => document.getElementById('relay-map')?.dataset.drawn !== undefined")
    assert tab.locator("#relay-map .relay-marker.open").count() == 0
    assert tab.locator("#relay-map .relay-marker.closed").count() == 2
    tab.context.close()


def test_a_carrier_adds_a_site_by_its_commune_and_finds_it_placed_at_its_centre(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_GEOCODER_URL = ""  # offline: a commune alone stands at its centre
    tab = french_tab(browser, live_server, people.camille, PHONE)
    name = "phone"

    tab.goto(f"{live_server.url}/logistics/relays/new/")
    tab.fill("#id_name", "Quai de Thiers")
    tab.fill("#id_commune", "Thierz")  # misspelt: the closest names are offered
    tab.fill("#id_fixed_cost_week", "90")
    tab.fill("#id_capacity_kg_day", "300")
    tab.click("button:has-text('Ajouter')")
    tab.wait_for_selector(".errorlist")
    assert "Thiers (63)" in tab.locator(".errorlist").first.inner_text()
    page_fits(tab, edge=False)
    fits_at(tab, DESKTOP, edge=False)
    screenshot(tab, f"relay-candidate-commune-error-{name}")
    tab.fill("#id_commune", "Thiers (63)")
    tab.click("button:has-text('Ajouter')")
    tab.wait_for_url("**/logistics/relays/**")
    tab.wait_for_selector("#candidates")
    row = tab.locator("#candidates tbody tr").first
    assert "Quai de Thiers" in row.inner_text() and "Thiers" in row.inner_text()
    assert "sans position" not in row.inner_text()
    assert "se trouve au centre de Thiers" in tab.content()
    page_fits(tab)
    fits_at(tab, DESKTOP)
    screenshot(tab, f"relay-list-commune-{name}")
    candidate = RelayCandidate.objects.get(name="Quai de Thiers")
    assert candidate.commune_id == "63430" and candidate.lat is None
    tab.context.close()
