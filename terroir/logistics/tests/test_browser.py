"""In a real browser: the coordinator opens the planner, plans the week in the background (the progress
bar moves, then the page shows the rounds), sees them on the map, the saving against the status quo and
the sharing, then opens the drivers' route sheets."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import offline_tab
from terroir.logistics.tests.test_planner import WEEK, make_week
from terroir.needs.tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_plans_the_week_and_prints_the_route_sheets(
    browser: Any,
    live_server: Any,
    communes_for_live_server: None,
    territory: Any,
    people: Any,
    settings: Any,
) -> None:
    settings.TERROIR_TILE_URL = ""
    settings.TERROIR_ROUTING_URL = ""  # offline distances
    week = make_week(territory)
    tab = signed_in(offline_tab(browser, live_server), people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/?week={WEEK.isoformat()}")
    assert tab.locator("input[name=orders]:checked").count() == len(week["orders"])
    tab.uncheck(f"input[name=orders][value='{week['orders'][-1].pk}']")  # the carcasses wait for next week
    tab.fill("input[name=time_limit]", "2")
    tab.click("button:has-text('Planifier les tournées')")
    tab.wait_for_selector("#summary", timeout=30_000)  # the progress page reloads itself when the run ends
    assert tab.locator("#status-quo").is_visible()
    saved = tab.locator("#status-quo tr.saved td").first.inner_text()
    assert int(saved.split()[0]) > 0
    # The rounds are drawn on the map, one line each.
    tab.wait_for_function("() => document.getElementById('rounds-map').dataset.rounds !== undefined")
    rounds = int(tab.locator("#rounds-map").get_attribute("data-rounds") or 0)
    assert rounds >= 1 and tab.locator("#rounds-map path.leaflet-interactive").count() >= rounds
    assert tab.locator("#sharing tbody tr").count() == 3
    assert "Carcasses" not in tab.content()
    tab.click("text=Feuilles de route des chauffeurs")
    tab.wait_for_selector("section.sheet")
    assert "Léa Martin" in tab.locator("section.sheet").first.inner_text()
    assert tab.locator("section.sheet tbody tr").count() >= 2 * (len(week["orders"]) - 1)


def test_a_run_waiting_for_the_worker_says_so(
    browser: Any,
    live_server: Any,
    communes_for_live_server: None,
    territory: Any,
    people: Any,
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TERROIR_TILE_URL = ""
    make_week(territory)
    tab = signed_in(offline_tab(browser, live_server), people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/?week={WEEK.isoformat()}")
    tab.click("button:has-text('Planifier les tournées')")
    tab.wait_for_selector("#job-message:has-text('En attente du processus de calcul')")  # no worker runs here
