"""In a real browser, at desktop and phone sizes: the dashboard's objectives and history charts, the
coordination page (isolated producers, writing an objective, asking for a snapshot and following it), a
producer's isolation flag and the printable report (its print button under the strict CSP, one page per
theme in print); nothing wider than the screen, nothing refused by the Content-Security-Policy.
Screenshots in /tmp/shots-history/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.needs.tests.test_browser import signed_in
from terroir.observatory import registry
from terroir.observatory.models import Objective, Snapshot
from terroir.observatory.snapshots import snapshots_schedule
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser import SIZES, tab_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-history")


@pytest.mark.parametrize("size", list(SIZES))
def test_objectives_history_coordination_and_report_at_desktop_and_phone_size(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    trio = territory_create(slug="trio", name="Ambert, Thiers et Clermont-Ferrand", codes=["63003", "63430", "63113"])
    Objective.objects.create(territory=trio, indicator="access.communes_10km.market", target=100, year=2030,
                             text="Chaque commune à moins de 10 km d’un marché en 2030")  # fmt: skip
    Objective.objects.create(territory=trio, year=2028, text="Un magasin de producteurs à Clermont-Ferrand")
    for month, value in ((8, 0.0), (9, 0.0), (10, 33.3333), (11, 33.3333)):
        Snapshot.objects.create(territory=trio, indicator="access.communes_10km.market",
                                period=dt.date(2026, month, 1), value=value)  # fmt: skip
    snapshots_schedule()  # this month's snapshot of every indicator
    tab = tab_at(browser, live_server, size)
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    tab.goto(f"{live_server.url}/observatory/trio/")
    tab.wait_for_selector("#objectives-history svg.chart-history")
    goal = tab.locator("#objectives li.objective", has_text="Chaque commune à moins de 10 km d’un marché")
    assert "encore 66,7" in goal.inner_text()
    assert goal.locator("svg circle.point").count() == 5  # four months before this one, and this one
    assert "instantané du" in tab.locator("#as-of").inner_text()
    tab.click("#history summary")
    tab.wait_for_function("document.getElementById('history')?.open === true")
    page_fits(tab, "dashboard", charts=True)
    shot(tab, SHOTS, f"dashboard-{size}")

    tab = signed_in(tab, people.camille, live_server)
    tab.goto(f"{live_server.url}/observatory/trio/coordination/")
    tab.wait_for_selector("#isolated-list")
    honey = tab.locator("#isolated-list li.isolated", has_text="Rucher de la Durolle")
    assert "aucun lieu ouvert au public ni aucune tournée" in honey.inner_text()
    page_fits(tab, "coordination", charts=True)
    shot(tab, SHOTS, f"coordination-{size}")

    tab.click("#objective-new")
    tab.wait_for_url(re.compile(r".*/objectives/new/$"))
    tab.select_option("#id_indicator", "canteens.organic_share")
    tab.fill("#id_target", "20")
    tab.fill("#id_year", "2027")
    tab.fill("#id_text", "20 % de bio dans les cantines en 2027")
    page_fits(tab, "objective-form", charts=True)
    shot(tab, SHOTS, f"objective-form-{size}")
    tab.click("#objective-save")
    tab.wait_for_url(re.compile(r".*/coordination/$"))
    assert tab.locator("#objectives li.objective", has_text="20 % de bio dans les cantines").count() == 1

    tab.click("#snapshot-ask")
    tab.wait_for_url(re.compile(r".*/snapshots/\d+/$"))
    tab.wait_for_function("document.getElementById('run-status')?.dataset.status === 'done'")
    page_fits(tab, "snapshot-run", charts=True)
    shot(tab, SHOTS, f"snapshot-run-{size}")

    tab.goto(f"{live_server.url}{territory.honey_farm.get_absolute_url()}")
    tab.wait_for_selector("#isolation-link")
    # The producer's page (the map's own layers reach past its box by design: only the page is checked).
    page_fits(tab, "the producer's page", edge=False)
    assert tab.locator("#isolation-link").evaluate("e => e.getBoundingClientRect().right <= window.innerWidth")
    shot(tab, SHOTS, f"producer-page-{size}")
    tab.click("#isolation-link")
    tab.wait_for_url(re.compile(r".*/isolation/$"))
    tab.fill("#id_reason", "Plus de débouché pour le miel depuis la fermeture de l’épicerie")
    tab.click("#flag-save")
    tab.wait_for_selector("#flag-current")
    page_fits(tab, "producer-flag", charts=True)
    shot(tab, SHOTS, f"producer-flag-{size}")

    tab.goto(f"{live_server.url}/observatory/trio/report/")
    tab.wait_for_selector("#report-access")
    # summary, canteens, access, producers, activity, isolated producers
    assert tab.locator("section.report-page").count() == 2 + len(registry.THEMES)
    assert "Plus de débouché pour le miel" in tab.locator("#report-isolated").inner_text()
    page_fits(tab, "report", charts=True)
    shot(tab, SHOTS, f"report-{size}")
    # The print button works under the CSP (its behaviour is in print.js, not in an attribute).
    tab.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    tab.click("#print")
    tab.wait_for_function("document.body?.dataset.printed === '1'")
    tab.emulate_media(media="print")
    assert tab.locator("#print").is_hidden() and tab.locator(".site-header").is_hidden()
    breaks = tab.evaluate("[...document.querySelectorAll('.report-page')].map(s => getComputedStyle(s).breakAfter)")
    assert breaks[:-1] == ["page"] * (len(breaks) - 1)
    shot(tab, SHOTS, f"report-print-{size}")
    # Printed (A4): a page per theme at least.
    pdf = tab.pdf(format="A4")
    (SHOTS / f"report-{size}.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2 + len(registry.THEMES)
    assert refused == []
    tab.context.close()
