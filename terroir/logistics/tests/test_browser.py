"""In a real browser: the coordinator opens the planner, plans the week in the background (the progress
bar moves, then the page shows the rounds), sees them on the map, the saving against the status quo and
the sharing, then opens the drivers' route sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import offline_tab, page_fits, shot
from terroir.logistics.tests.test_planner import WEEK, make_week
from terroir.logistics.tests.test_rounds_map import two_day_run
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
    tab.wait_for_function("() => document.getElementById('rounds-map')?.dataset.rounds !== undefined")
    rounds = int(tab.locator("#rounds-map").get_attribute("data-rounds") or 0)
    assert rounds >= 1 and tab.locator("#rounds-map path.leaflet-interactive").count() >= rounds
    assert tab.locator("#sharing tbody tr").count() == 3
    # The tables of figures keep their columns apart ("Magasin n° 10" then "2" read "n° 102" before).
    for table in ("#status-quo", "#sharing", "#customers"):
        gap = tab.evaluate(f"getComputedStyle(document.querySelector('{table} td')).paddingRight")
        assert float(gap.removesuffix("px")) >= 8, (table, gap)
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


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_rounds_map_numbers_the_stops_names_the_vehicles_and_filters_by_day(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: tuple[int, int]
) -> None:
    settings.TERROIR_TILE_URL = ""  # no tiles: the map must still say everything
    run = two_day_run(territory)
    width, height = size
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/")
    tab.wait_for_function("() => document.getElementById('rounds-map')?.dataset.shown === '2'")
    stops = tab.locator("#rounds-map .stop-marker")
    assert stops.count() == 3 and tab.locator("#rounds-map .depot-marker").count() == 1
    assert tab.locator(".stop-marker[title*='Fourgon']").inner_text() == "2"
    assert "Jeudi" in (tab.locator(".stop-marker[title*='Fourgon']").get_attribute("title") or "")
    # Keyboard: the markers are buttons in the tab order, and Enter says the stop in a popup.
    tab.locator(".stop-marker").first.focus()
    tab.keyboard.press("Enter")
    tab.wait_for_selector(".leaflet-popup-content")
    assert "arrêt" in tab.locator(".leaflet-popup-content").inner_text()
    # The day filter keeps Thursday's round alone, on the map and in the list below.
    tab.check("#day-filter input[value='3']")
    tab.wait_for_function("() => document.getElementById('rounds-map')?.dataset.shown === '1'")
    assert tab.locator("#rounds-map .stop-marker").count() == 1
    assert tab.locator("details.round:visible").count() == 1
    page_fits(tab, edge=False)
    shots = Path("/tmp/shots-rounds")
    shots.mkdir(exist_ok=True)
    shot(tab, shots, f"rounds-map-{width}")
    context.close()


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_each_route_sheet_shows_its_round_on_a_map_that_also_prints(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: tuple[int, int]
) -> None:
    settings.TERROIR_TILE_URL = ""  # no tiles: the line and the numbered stops say it all
    run = two_day_run(territory)
    width, height = size
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/sheets/")
    tab.wait_for_function("() => document.getElementById('sheet-map-2')?.dataset.shown === '1'")
    first, second = tab.locator("#sheet-map-1"), tab.locator("#sheet-map-2")
    assert first.locator(".stop-marker").count() == 2 and second.locator(".stop-marker").count() == 1
    assert first.locator(".depot-marker").count() == 1
    # Numbered as the sheet's lines: the market is the third stop of Tuesday's sheet.
    assert "Marché" in (first.locator(".stop-marker:has-text('3')").get_attribute("title") or "")
    page_fits(tab, edge=False)
    shots = Path("/tmp/shots-leftovers")
    shots.mkdir(exist_ok=True)
    shot(tab, shots, f"sheet-map-{width}")
    # Printed: the map stays, without its zoom buttons, its round fitted to the paper's width.
    tab.emulate_media(media="print")
    tab.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert first.is_visible() and not first.locator(".leaflet-control-zoom").is_visible()
    assert first.locator(".stop-marker").first.is_visible()
    shot(tab, shots, f"sheet-map-print-{width}")
    context.close()


def test_on_a_phone_an_orders_file_s_problems_keep_each_column_name_whole(
    browser: Any, live_server: Any, territory: Any, people: Any, tmp_path: Path
) -> None:
    """The problems of a refused orders file, on a phone: the line and the column the file names stay whole
    ("enlevement" read "enle / vem / ent", "Ligne" "Li / gn / e": the error box breaks long words anywhere,
    and the table gave its short columns the width of a letter); the problem itself wraps."""
    from terroir.conftest import french_tab

    from .test_orders_quoting import ROWS

    farm = make_week(territory)["farms"][0].name
    path = tmp_path / "commandes.csv"
    path.write_text(ROWS.format(farm=farm), encoding="utf-8")
    tab = french_tab(browser, live_server, people.camille, (390, 844))
    tab.goto(f"{live_server.url}/logistics/orders/import/?week={WEEK.isoformat()}")
    tab.set_input_files("#file", str(path))
    tab.click("button:has-text('Importer les commandes')")
    tab.wait_for_selector("#problems")
    # Each header and each line's and column's cell on one line: one box per cell's text.
    lines = tab.evaluate(
        """() => [...document.querySelectorAll('#problems th, #problems td:not(:last-child)')].map(cell => {
             const range = document.createRange(); range.selectNodeContents(cell);
             return [cell.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
           })"""
    )
    assert ["enlevement", 1] in lines and ["producteur", 1] in lines
    assert all(count == 1 for _text, count in lines), lines
    page_fits(tab, "an orders file's problems on a phone", axe=True)
