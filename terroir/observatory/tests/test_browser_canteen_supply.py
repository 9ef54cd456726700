"""In a real browser, at desktop and phone sizes: the dashboard's canteens below target and their own
page with the producers that could supply each, nothing wider than the screen, nothing refused by the
Content-Security-Policy; screenshots in /tmp/shots-C/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.observatory.canteens import canteens_import
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser import SIZES, tab_at

from .test_canteens import EXCERPT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-C")


@pytest.mark.parametrize("size", list(SIZES))
def test_canteens_below_target_read_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, size: str
) -> None:
    SHOTS.mkdir(exist_ok=True)
    canteens_import(path=EXCERPT)
    territory_create(slug="livradois-thiers", name="Livradois–Thiers", codes=["63003", "63430"], local_radius_km=40)
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    tab.goto(f"{live_server.url}/observatory/livradois-thiers/")
    tab.wait_for_selector("#below-table")
    assert tab.locator("#below-table tbody tr").count() == 2
    page_fits(tab, "the dashboard")
    tab.locator("#canteens").screenshot(path=str(SHOTS / f"dashboard-below-{size}.png"))
    tab.locator("#below-link").click()
    tab.wait_for_url("**/canteens/below-target/**")
    tab.wait_for_selector("#below-list")
    first = tab.locator("#canteen-125 .below-producers li")
    assert first.count() == 3 and first.first.inner_text().startswith("GAEC des Monts du Forez")
    page_fits(tab, "the page")
    shot(tab, SHOTS, f"below-page-{size}")
    assert refused == []
    tab.context.close()
