"""In a real browser: the manager changes a depositor's commission and an opening slot from the catalogue
and rota pages at desktop size (back-office work), and the product and rota person pages fit the screen at
desktop and phone sizes. Screenshots go to
/tmp/shots-shx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.shops import services
from terroir.shops.models import OpeningSlot, Seller

from .conftest import le_local_build, spaced
from .test_browser import DESKTOP, SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-shx")


# The manager's back-office work, at desktop size; the seller's page, the catalogue, the rota's settings
# and an opening's page at both sizes: test_browser.py's test_every_page_of_the_shop_fits_the_screen.
@pytest.mark.parametrize("size", [DESKTOP], ids=["desktop"])
def test_the_manager_changes_a_depositors_commission_and_an_opening_slot(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    slot = services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=2)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/catalogue/")
    tab.click("table >> a:has-text('Rucher de la Durolle')")
    tab.wait_for_url(f"**/sellers/{le_local.depositor.pk}/")
    # Sales are recorded in the depositor's name: the page says why they cannot be removed, and no button.
    assert "1 vente est enregistrée à son nom" in tab.locator("#delete-note").inner_text()
    assert tab.locator("#delete-form").count() == 0
    page_fits(tab)
    shot(tab, SHOTS, f"seller-edit-{size[0]}")
    tab.fill("input[name=commission_percent]", "20")
    tab.click("#edit-form button")
    tab.wait_for_url("**/catalogue/")
    tab.wait_for_selector(".message")
    assert Seller.objects.get(pk=le_local.depositor.pk).commission_rate == D("0.2000")
    assert "20\u00a0%" in spaced(tab.locator("table").first.inner_text())  # a French percentage
    page_fits(tab)
    shot(tab, SHOTS, f"catalogue-after-{size[0]}")

    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/")
    tab.click("main ul >> a:has-text('15 h–19 h')")
    tab.wait_for_url(f"**/rota/slots/{slot.pk}/")
    page_fits(tab)
    shot(tab, SHOTS, f"slot-edit-{size[0]}")
    tab.select_option("select[name=weekday]", "5")
    tab.fill("input[name=starts]", "09:00")
    tab.fill("input[name=ends]", "12:30")
    tab.fill("input[name=needed]", "1")
    tab.click("#edit-form button")
    tab.wait_for_url("**/rota/")
    tab.wait_for_selector("main ul >> a:has-text('9 h–12 h 30')")
    changed = OpeningSlot.objects.get(pk=slot.pk)
    assert (changed.weekday, changed.starts, changed.ends, changed.needed) == (5, dt.time(9), dt.time(12, 30), 1)
    page_fits(tab)
    shot(tab, SHOTS, f"rota-after-{size[0]}")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_product_and_rota_person_pages_fit_the_screen(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=2)
    services.opening_slot_add(shop=le_local.shop, weekday=5, starts=dt.time(9), ends=dt.time(12, 30), needed=1)
    tab = french_tab(browser, live_server, le_local.florent, size)
    shop = le_local.shop.pk
    for name, path in [("product-edit", f"/shops/{shop}/products/{le_local.honey.pk}/"),
                       ("member-edit", f"/shops/{shop}/rota/members/{le_local.claire.pk}/")]:  # fmt: skip
        tab.goto(f"{live_server.url}{path}")
        tab.wait_for_selector("#edit-form")
        page_fits(tab)
        shot(tab, SHOTS, f"{name}-{size[0]}")
    # A product without sales can be deleted from its page.
    tab.goto(f"{live_server.url}/shops/{shop}/products/{le_local.butter.pk}/")
    tab.click("#delete-form button")
    tab.wait_for_url("**/catalogue/")
    tab.wait_for_selector(".message")
    assert "Beurre cru" not in tab.locator("table").nth(1).inner_text()
    tab.context.close()
