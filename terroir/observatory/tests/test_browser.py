"""In a real browser, at desktop and phone sizes: a territory's dashboard (canteens and access, tables,
charts, definitions), the list of territories, and the coordinator's canteen import; nothing wider than
the screen, nothing refused by the Content-Security-Policy; screenshots in /tmp/shots-observatory/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.needs.tests.test_browser import signed_in
from terroir.observatory.canteens import canteens_import
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser import SIZES, tab_at

from .test_canteens import EXCERPT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-observatory")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_territory_s_dashboard_reads_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    canteens_import(path=EXCERPT)
    territory_create(slug="livradois", name="Ambert Livradois Forez et Thiers", epcis=["200070761", "200070712"])
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    tab.goto(f"{live_server.url}/observatory/")
    tab.click("text=Ambert Livradois Forez et Thiers")
    tab.wait_for_selector("#canteens-table")
    assert tab.locator("h1").inner_text() == "Ambert Livradois Forez et Thiers"
    assert tab.locator("#canteens-count").inner_text() == "14"  # 11 around Ambert, 3 around Thiers
    # Two series (a legend of two swatches) of two bars each; one series of three bars.
    assert tab.locator("#canteens-chart rect").count() == 2 + 4 and tab.locator("#reach-chart rect").count() == 3
    assert "Moyenne simple" in tab.locator("#canteens-table").inner_text()
    assert tab.locator("#beyond li").count() > 0
    page_fits(tab, "the dashboard", charts=True)
    shot(tab, SHOTS, f"territory-{size}")

    tab = signed_in(tab, people.camille, live_server)
    tab.goto(f"{live_server.url}/observatory/canteens/import/")
    tab.set_input_files("#file", str(EXCERPT))
    tab.click("#import-start")
    tab.wait_for_selector("#run-outcome")
    assert "111 lignes lues" in tab.locator("#run-outcome").inner_text()
    assert tab.locator("#problems tbody tr").count() == 6
    page_fits(tab, "the import's run page")
    shot(tab, SHOTS, f"canteens-run-{size}")
    assert refused == []
    tab.context.close()
