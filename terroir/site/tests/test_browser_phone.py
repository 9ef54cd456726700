"""On a phone (390×844) and on a desktop (1366×900), each role's main pages are no wider than the screen
(issue 15): wide tables scroll inside their own box, the header's menu and the search filters fold under
a button on the phone. Screenshots go to /tmp/shots-P/ for a person to look at.

The tour of every main page of each role (`PAGES`) is in test_browser_axe.py: each page is loaded once
there and checked for both its width and its accessibility."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import offline_tab, page_fits, shot
from terroir.logistics.tests.test_sheets import sheet_run
from terroir.needs.tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-P")
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# The main pages of each role, as paths built from the personas (territory, people) and a planned run.
Pages = Callable[[Any, Any, Any], list[str]]
PAGES: dict[str, Pages] = {
    "visitor": lambda t, p, run: [
        "/",
        "/?what=producers",
        "/?commune=Ambert&radius_km=30",
        f"/places/{t.le_local.pk}/",
        f"/producers/{t.cheese_farm.pk}/",
        "/needs/",
        "/account/login/",
    ],
    "producer": lambda t, p, run: [
        "/account/space/",
        "/account/space/name/",
        f"/edit/place/{t.farm_shop.pk}/",
        f"/edit/actor/{t.cheese_farm.pk}/",
        f"/edit/actor/{t.cheese_farm.pk}/products/",
        "/needs/inbox/",
        "/needs/alerts/",
        f"/history/place/{t.farm_shop.pk}/",
    ],
    "buyer": lambda t, p, run: ["/account/space/", "/needs/new/", "/needs/inbox/", "/needs/"],
    "coordinator": lambda t, p, run: [
        "/moderation/",
        "/imports/",
        "/imports/review/",
        "/imports/merges/",
        "/logistics/",
        "/logistics/fleet/",
        "/logistics/relays/",
        "/logistics/relays/new/",
        "/logistics/orders/new/",
        f"/logistics/runs/{run.pk}/",
        f"/logistics/runs/{run.pk}/sheets/",
        f"/logistics/runs/{run.pk}/notes/",
        "/needs/events/",
        "/account/space/audit/",
        "/account/space/claims/",
        "/account/space/roles/",
    ],
}


def who(people: Any, role: str) -> Any:
    return {"visitor": None, "producer": people.claire, "buyer": people.sophie, "coordinator": people.camille}[role]


def tab_at(browser: Any, live_server: Any, user: Any, size: dict[str, int]) -> Any:
    context = browser.new_context(locale="fr-FR", viewport=size)
    tab = offline_tab(browser, live_server, context)
    return signed_in(tab, user, live_server) if user else tab


def test_on_a_phone_the_menu_folds_under_a_button(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_at(browser, live_server, people.camille, PHONE)
    tab.goto(live_server.url + "/")
    header = tab.locator("header.site-header")
    shot(tab, SHOTS, "menu-closed-phone", full_page=False)
    assert not tab.locator(".account-nav").is_visible()
    assert header.bounding_box()["height"] < 80  # one line: the brand and the menu button
    tab.click("summary.menu-button")
    assert tab.locator(".account-nav").is_visible()
    shot(tab, SHOTS, "menu-open-phone", full_page=False)
    tab.click(".account-nav a[href='/moderation/']")
    tab.wait_for_url("**/moderation/")
    tab.click("summary.menu-button")
    tab.click("summary.menu-button")  # and closes again
    assert not tab.locator(".account-nav").is_visible()
    tab.context.close()
    # On a desktop the links show without a button.
    wide = tab_at(browser, live_server, people.camille, DESKTOP)
    wide.goto(live_server.url + "/")
    assert wide.locator(".account-nav").is_visible() and not wide.locator("summary.menu-button").is_visible()
    wide.context.close()


def test_on_a_phone_the_search_filters_fold_and_the_results_show_first(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_at(browser, live_server, None, PHONE)
    tab.goto(live_server.url + "/?commune=Ambert&radius_km=30")
    assert tab.locator("#q").is_visible() and not tab.locator("#radius_km").is_visible()
    assert tab.locator(".results h2").bounding_box()["y"] < PHONE["height"]  # on the first screen
    tab.click("summary.filters-button")
    assert tab.locator("#radius_km").is_visible() and tab.locator("#category").is_visible()
    tab.select_option("#category", index=1)
    tab.click("form.search button[type=submit]")
    tab.wait_for_url("**category=*")
    tab.context.close()
    wide = tab_at(browser, live_server, None, DESKTOP)
    wide.goto(live_server.url + "/")
    assert wide.locator("#radius_km").is_visible() and not wide.locator("summary.filters-button").is_visible()
    wide.context.close()


def test_a_producer_moves_their_place_by_dragging_the_pin(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_at(browser, live_server, people.claire, PHONE)
    tab.goto(f"{live_server.url}/edit/place/{territory.farm_shop.pk}/")
    pin = tab.locator("#pin-map .leaflet-marker-icon")
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 2
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + 40, y - 30, steps=8)  # east and north
    tab.mouse.up()
    shot(tab, SHOTS, "pin-dragged-phone")
    lat, lon = float(tab.input_value("#id_lat")), float(tab.input_value("#id_lon"))
    assert lat > 45.5601 and lon > 3.7702
    tab.click("form.edit button[type=submit]")
    tab.wait_for_load_state("load")
    territory.farm_shop.refresh_from_db()
    assert territory.farm_shop.lat == pytest.approx(lat, abs=1e-5)
    assert territory.farm_shop.lon == pytest.approx(lon, abs=1e-5)
    tab.context.close()


def test_the_route_sheet_fits_a_phone_and_its_boxes_can_be_ticked(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    run = sheet_run(territory)
    tab = tab_at(browser, live_server, people.camille, PHONE)
    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/sheets/")
    assert tab.locator("tbody.stop").count() == 4
    boxes = tab.locator("tr.stop-item input[type=checkbox]")
    assert boxes.count() == 4
    boxes.first.check()
    phone = tab.locator("a.phone").first
    assert phone.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    assert phone.bounding_box()["height"] < 30  # one line
    page_fits(tab, edge=False)
    shot(tab, SHOTS, "route-sheet-phone")
    tab.context.close()


def test_on_a_phone_a_products_months_are_one_row_of_twelve_cells_and_its_labels_chips(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    from terroir.directory.models import Offer

    tab = tab_at(browser, live_server, people.claire, PHONE)
    tab.goto(f"{live_server.url}/edit/actor/{territory.cheese_farm.pk}/products/")
    first = tab.locator("fieldset.product-row").first
    cells = first.locator(".months-row label.month-cell")
    assert cells.count() == 12
    assert len({round(cells.nth(i).bounding_box()["y"]) for i in range(12)}) == 1  # one row
    assert first.bounding_box()["height"] < 600  # a column of 12 months and 11 labels made it ~2,000 px
    # The whole page: ~11,800 px when each product was a column of months and labels.
    height = tab.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, f"the products page is {height} px tall on a phone"  # 3,092 px in December 2026
    cells.nth(5).click()  # June, clicked on its cell
    cells.nth(6).click()
    first.locator(".label-chips label.chip", has_text="Fermier").click()
    tab.click("form.products button[type=submit]")
    tab.wait_for_load_state("load")
    offer = Offer.objects.get(producer=territory.cheese_farm, category__slug="butter-cream")
    assert offer.months == (1 << 5) | (1 << 6)
    assert "Fermier" in {label.name_fr for label in offer.labels.all()}
    tab.context.close()
