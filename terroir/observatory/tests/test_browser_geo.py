"""In a real browser, at desktop and phone sizes: the territory dashboard's geographic and producer
indicators (access compared, markets by weekday, the map of the communes with its legend and table,
producers, local or not) and the place page's local figures; nothing wider than the screen, nothing
refused by the Content-Security-Policy; screenshots in /tmp/shots-geo/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser import SIZES, tab_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-geo")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_dashboard_maps_and_compares_access_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    livradois = territory_create(slug="livradois", name="Ambert Livradois Forez et Thiers",
                                 epcis=["200070761", "200070712"])  # fmt: skip
    communes = livradois.communes.filter(lat__isnull=False).count()
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    tab.goto(f"{live_server.url}/observatory/livradois/")
    tab.wait_for_function("document.getElementById('access-map')?.dataset.drawn === '1'")
    assert tab.locator("#access-map path.leaflet-interactive").count() == communes
    assert tab.locator("#communes-table tbody tr").count() == communes
    assert tab.locator("#access-legend li").count() == 6
    compared = tab.locator("#compared-table tbody tr")
    assert compared.count() == 3  # the territory, the Puy-de-Dôme, France
    assert "France" in compared.nth(2).inner_text()
    assert tab.locator("#weekday-table tbody tr").count() == 7
    assert tab.locator("#producers-count").inner_text() == "2"  # the cheese farm (Ambert), the honey farm (Thiers)
    assert "Aucune donnée" not in tab.locator("#local-section").inner_text()
    tab.select_option("#map-kind", "market")
    tab.wait_for_function("document.getElementById('access-map')?.dataset.kind === 'market'")
    page_fits(tab, "the dashboard", charts=True)
    tab.locator("#access-map-section").screenshot(path=str(SHOTS / f"map-{size}.png"))
    shot(tab, SHOTS, f"territory-{size}")

    tab.goto(f"{live_server.url}{territory.ambert_market.get_absolute_url()}")
    tab.wait_for_selector("#local-figures")
    # The cheese farm 2.5 km away, the honey farm of Thiers 38.3 km: both within 150 km.
    assert "2 de ses 2 producteurs" in tab.locator("#local-figures").inner_text()
    page_fits(tab)
    shot(tab, SHOTS, f"place-{size}")
    assert refused == []
    tab.context.close()
