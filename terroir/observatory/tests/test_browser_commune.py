"""In a real browser, at desktop and phone sizes: a commune's page over time (reached from the dashboard's
table of communes), the coordination page reading its isolated producers from the snapshot (relay
platforms in what could help), and a producer's space leading to the isolation flag; nothing wider than
the screen, nothing refused by the Content-Security-Policy. Screenshots in /tmp/shots-obs/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.directory.services import place_create
from terroir.needs.tests.test_browser import signed_in
from terroir.observatory import snapshots
from terroir.observatory.models import SnapshotRun
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser import SIZES, tab_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-obs")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_commune_over_time_the_coordination_from_the_snapshot_and_the_flag_from_my_space(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    trio = territory_create(slug="trio", name="Ambert, Thiers et Clermont-Ferrand", codes=["63003", "63430", "63113"])
    place_create(name="Plateforme relais de Thiers", kind="relay", lat=45.8560, lon=3.5900)
    for month in (9, 10):
        snapshots.snapshot_take(run=SnapshotRun.objects.create(territory=trio, period=dt.date(2026, month, 1)))
    place_create(name="Marché de Thiers", kind="market", commune=territory.thiers, lat=45.857, lon=3.547)
    snapshots.snapshot_take(run=SnapshotRun.objects.create(territory=trio, period=dt.date(2026, 11, 1)))
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    tab.goto(f"{live_server.url}/observatory/trio/")
    tab.wait_for_selector("#communes-details")
    assert "Puy-de-Dôme (63)" in tab.locator("#compared-table").inner_text()
    tab.click("#communes-details summary")
    tab.wait_for_function("document.getElementById('communes-details')?.open === true")
    tab.locator("#communes-table a", has_text="Thiers").click()
    tab.wait_for_url(re.compile(r".*/observatory/trio/communes/63430/$"))
    tab.wait_for_selector("#commune-latest")
    assert tab.locator("svg.chart-history").count() >= 5
    assert "Puy-de-Dôme (63)" in tab.locator("main").inner_text()
    tab.click("#commune-table-details summary")
    tab.wait_for_function("document.getElementById('commune-table-details')?.open === true")
    row = tab.locator("#commune-table tr", has_text="Lieux ouverts au public").inner_text()
    # September, October, November with its new market, and December: the territory's first snapshot, taken
    # on the worker when it was created (before the market).
    assert row.split()[-4:] == ["0", "0", "1", "0"]
    page_fits(tab, "commune", charts=True)
    shot(tab, SHOTS, f"commune-{size}")

    tab = signed_in(tab, people.camille, live_server)
    tab.goto(f"{live_server.url}/observatory/trio/coordination/")
    tab.wait_for_selector("#isolated-list")
    assert "instantané du" in tab.locator("#isolated-as-of").inner_text()
    honey = tab.locator("#isolated-list li.isolated", has_text="Rucher de la Durolle").inner_text()
    assert "Plateforme relais de Thiers" in honey and "par la route" in honey
    page_fits(tab, "coordination", charts=True)
    shot(tab, SHOTS, f"coordination-{size}")
    tab.context.close()

    tab = signed_in(tab_at(browser, live_server, size), people.claire, live_server)
    tab.goto(f"{live_server.url}/account/space/")
    link = tab.locator(f"#isolation-link-{territory.cheese_farm.pk}")
    link.wait_for()
    page_fits(tab, "space", charts=True)
    shot(tab, SHOTS, f"space-{size}")
    link.click()
    tab.wait_for_url(re.compile(r".*/isolation/$"))
    tab.wait_for_selector("#id_reason")
    assert refused == []
    tab.context.close()
