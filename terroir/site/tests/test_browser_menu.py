"""The account menu in a real browser (docs/navigation.md): on a desktop (1366×900) it holds on one line for
a producer and for a coordinator, the apps that do not concern them folded under "Plus", which opens as a
drop-down over the page; on a phone (390×844) "Plus" opens inside the folded menu. Screenshots under
/tmp/shots-ev/ when TERROIR_SCREENSHOTS names it."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from django.test import Client

from terroir.conftest import offline_tab, page_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
# Every item of the account menu's line: its links, "Plus" and the sign-out button.
ITEMS = ".account-nav > a, .account-nav > details > summary, .account-nav > form"


def tab_of(browser: Any, live_server: Any, user: Any, size: str, *, script: bool = True) -> Any:
    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height},
                                  is_mobile=size == "phone", java_script_enabled=script)  # fmt: skip
    tab = offline_tab(browser, live_server, context)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return tab


def lines_of(tab: Any) -> int:
    """On how many lines the account menu's items lie: a new line where an item's top is a line's height
    below the one before (links, a summary and a button of one line differ by a few pixels)."""
    tab.wait_for_load_state("load")  # measured once styled: an unstyled menu is one item a line
    script = f"() => [...document.querySelectorAll({ITEMS!r})].map(e => e.getBoundingClientRect().top)"
    tops = sorted(tab.evaluate(script))
    assert tops
    return 1 + sum(later - earlier > 12 for earlier, later in pairwise(tops))


@pytest.mark.parametrize("who", ["claire", "camille"])
def test_on_a_desktop_the_account_menu_holds_on_one_line_and_more_drops_down(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, who: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_of(browser, live_server, getattr(people, who), "desktop")
    tab.goto(live_server.url + "/needs/")
    assert lines_of(tab) == 1
    assert not tab.locator("#more-menu li").first.is_visible()
    screenshot(tab, f"menu-{who}-desktop")
    tab.locator("#more-menu > summary").click()
    carpool = tab.locator("#more-menu").get_by_role("link", name="Covoiturage")
    assert carpool.is_visible()
    # A drop-down over the page: opening it moves nothing below the header.
    assert lines_of(tab) == 1
    screenshot(tab, f"menu-{who}-more-desktop")
    page_fits(tab, edge=False)
    carpool.click()
    tab.wait_for_url("**/carpool/")
    tab.context.close()


@pytest.mark.parametrize("who", ["claire", "camille"])
def test_on_a_phone_more_opens_inside_the_folded_menu(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, who: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_of(browser, live_server, getattr(people, who), "phone")
    tab.goto(live_server.url + "/needs/")
    assert not tab.locator("#more-menu").is_visible()
    tab.click("summary.menu-button")
    tab.locator("#more-menu > summary").click()
    shops = tab.locator("#more-menu").get_by_role("link", name="Magasins")
    assert shops.is_visible()
    box = shops.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES["phone"][0]
    page_fits(tab, edge=False)
    screenshot(tab, f"menu-{who}-more-phone")
    shops.click()
    tab.wait_for_url("**/shops/")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_more_opens_without_javascript(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = tab_of(browser, live_server, people.claire, size, script=False)
    tab.goto(live_server.url + "/needs/")
    alerts = tab.locator("#more-menu").get_by_role("link", name="Alertes")
    assert not alerts.is_visible()
    tab.locator("#more-menu > summary").click()  # the header's menu is open in the HTML: no button to press
    assert alerts.is_visible()
    page_fits(tab, edge=False)
    screenshot(tab, f"menu-claire-more-no-script-{size}")
    alerts.click()
    tab.wait_for_url("**/needs/alerts/")
    tab.context.close()
