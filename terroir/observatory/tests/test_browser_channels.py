"""In a real browser, at desktop and phone sizes: a territory's channels compared and activity (tables,
definitions, SVG charts), nothing wider than the screen, nothing refused by the Content-Security-Policy;
screenshots in /tmp/shots-leftovers/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits
from terroir.needs.models import Answer
from terroir.site.tests.test_browser import SIZES, tab_at

from .test_channels_activity import ambert_alone, need, round_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-leftovers")


@pytest.mark.parametrize("size", list(SIZES))
def test_channels_compared_and_activity_read_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, size: str
) -> None:
    SHOTS.mkdir(exist_ok=True)
    round_for(territory, cost=30.0, saved={"km": 40.0, "hours": 1.0, "co2_kg": 9.5, "cost": 25.0})
    Answer.objects.create(need=need(territory), producer=territory.cheese_farm, kind=Answer.Kind.OFFER)
    # Created last: its first snapshot, taken at once (tasks run when queued here), sees the round and answer.
    place = ambert_alone()
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    tab.goto(f"{live_server.url}/observatory/{place.slug}/")
    tab.wait_for_selector("#channels-table")
    market = tab.locator("#channels-table tr[data-kind='market']")
    assert "Marché" in market.inner_text() and market.locator("td.channel-transport").inner_text().startswith("15,0")
    assert tab.locator("#channels-definitions dt").count() == 7
    assert tab.locator("#channels-hours-chart rect").count() == 3  # farm, market, shop: online has no hours, no bar
    assert tab.locator("#activity-needs td").inner_text() == "1 → 1 → 0"
    assert "pas de données" in tab.locator("#activity-meetings td").inner_text()
    assert tab.locator("#activity-saved-chart").is_visible()
    page_fits(tab, "the dashboard", charts=True)
    # A table wider than the screen scrolls in its own box, reachable by keyboard (menu.js).
    box = tab.locator("#channels-table").locator("xpath=..")
    if box.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
        assert box.get_attribute("tabindex") == "0"
    tab.locator("#channels").screenshot(path=str(SHOTS / f"channels-{size}.png"))
    tab.locator("#activity").screenshot(path=str(SHOTS / f"activity-{size}.png"))
    assert refused == []
    tab.context.close()
