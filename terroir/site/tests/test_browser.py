"""In a real browser, at desktop and phone sizes: the coordinator's home, the planning run's and the
import run's charts, and the menu by role; nothing wider than the screen; screenshots for a person to
look at in /tmp/shots-charts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import charts_overflow, page_fits, shot
from terroir.imports.models import ImportRun, Source
from terroir.needs.tests.test_browser import signed_in
from terroir.site.tests.test_coordination import done_run, make_needs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-charts")
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def tab_at(browser: Any, live_server: Any, size: str) -> Any:
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", locale="fr-FR")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server.url) else r.abort())
    return tab


@pytest.mark.parametrize("size", list(SIZES))
def test_the_coordinator_sees_what_waits_and_the_charts_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    make_needs(territory, people)
    run = done_run()
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    imported = ImportRun.objects.create(source=source, file_name="osm.geojson", file_sha256="0" * 64,
                                        status="done", rows=2400, rejected=310, created=2090)  # fmt: skip
    tab = signed_in(tab_at(browser, live_server, size), people.camille, live_server)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    tab.goto(f"{live_server.url}/coordination/")
    assert tab.locator("#waiting-suggestions strong").inner_text() == "0"
    assert tab.locator("#funnel-chart rect").count() == 4
    page_fits(tab, "the coordinator's home", edge=False)
    shot(tab, SHOTS, f"coordination-{size}")

    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/")
    for chart in ("week-gauge", "compare-chart", "sharing-chart"):
        assert tab.locator(f"#{chart}").is_visible()
    assert charts_overflow(tab) == []
    shot(tab, SHOTS, f"run-{size}")

    tab.goto(f"{live_server.url}/imports/runs/{imported.pk}/")
    assert tab.locator("#rows-chart").is_visible() and charts_overflow(tab) == []
    page_fits(tab, "the import run page", edge=False)
    shot(tab, SHOTS, f"import-run-{size}", full_page=False)
    assert refused == [], refused
    tab.context.close()


def menu_open(tab: Any) -> None:
    """On a phone the menu is folded under its button (static/terroir/menu.js): open it as a person would."""
    if not tab.evaluate("document.getElementById('site-menu').open"):
        tab.click("#site-menu > summary")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_visitor_and_a_producer_find_their_links_in_the_menu(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    tab = tab_at(browser, live_server, size)
    tab.goto(f"{live_server.url}/needs/")
    menu_open(tab)
    tab.click("nav.main-nav >> text=Marchés")
    tab.wait_for_url("**/?kind=market")
    page_fits(tab, edge=False)
    shot(tab, SHOTS, f"visitor-markets-{size}", full_page=False)
    assert tab.evaluate("document.querySelector('link[rel=icon]').href").endswith("favicon.svg")
    signed_in(tab, people.claire, live_server)
    tab.goto(f"{live_server.url}/places/{territory.farm_shop.pk}/")
    assert tab.locator("nav.breadcrumbs li[aria-current=page]").inner_text() == territory.farm_shop.name
    menu_open(tab)
    tab.click("text=Besoins pour moi")
    tab.wait_for_selector("#for-me")
    page_fits(tab, edge=False)
    shot(tab, SHOTS, f"producer-needs-for-me-{size}", full_page=False)
    tab.context.close()
