"""In a real browser: the manager ends a depositor who leaves the shop from their page (the catalogue then
lists them apart) and reads the statements with their rates as percentages (at desktop size: back-office
work), and at desktop and phone sizes a computed rota keeps its hours after the opening changes. The
pages fit the screen; screenshots go where TERROIR_SCREENSHOTS says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import timezone

from terroir.conftest import french_tab, page_fits, screenshot
from terroir.shops import services
from terroir.shops.models import Seller

from .conftest import le_local_build, opened_on, spaced
from .test_browser import DESKTOP, SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The manager's back-office work, at desktop size; the seller's page, the catalogue and the statements at
# both sizes: test_browser.py's test_every_page_of_the_shop_fits_the_screen.
@pytest.mark.parametrize("size", [DESKTOP], ids=["desktop"])
def test_the_manager_ends_a_depositor_and_reads_the_rates_as_percentages(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    tab = french_tab(browser, live_server, le_local.florent, size)
    shop = le_local.shop.pk
    tab.goto(f"{live_server.url}/shops/{shop}/sellers/{le_local.depositor.pk}/")
    tab.wait_for_selector("#end-form")
    assert "25\u00a0%" in spaced(tab.locator("main").inner_text())  # the rates' history, as a percentage
    page_fits(tab)
    screenshot(tab, f"sh-seller-edit-{size[0]}")
    tab.fill("input[name=last_day]", "2026-03-31")
    tab.click("#end-form button")
    tab.wait_for_url("**/catalogue/")
    tab.wait_for_selector("#former")
    assert Seller.objects.get(pk=le_local.depositor.pk).ended_on == dt.date(2026, 3, 31)
    assert "Rucher de la Durolle" in tab.locator("#former").inner_text()
    assert "Rucher de la Durolle" not in tab.locator("table").first.inner_text()
    page_fits(tab)
    screenshot(tab, f"sh-catalogue-former-{size[0]}")

    tab.goto(f"{live_server.url}/shops/{shop}/statements/?month=2026-03")
    tab.wait_for_selector("table")
    row = spaced(tab.locator("tr", has_text="Rucher de la Durolle").inner_text())
    assert "25\u00a0%" in row and "0,2500" not in row
    page_fits(tab)
    screenshot(tab, f"sh-statements-{size[0]}")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_computed_rota_shows_the_hours_it_was_made_with(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    slot = services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    rota = services.rota_request(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1, by=le_local.florent)
    services.rota_execute(rota.pk, time_limit_s=20)
    services.opening_slot_update(slot=slot, weekday=1, starts=dt.time(9), ends=dt.time(12, 30), needed=1)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}{rota.get_absolute_url()}")
    tab.wait_for_selector(".rota-table")
    assert "15 h–19 h" in tab.locator(".rota-table").inner_text()  # as the opening hours say it
    assert "9 h–12 h 30" not in tab.locator(".rota-table").inner_text()
    page_fits(tab)
    screenshot(tab, f"sh-rota-kept-{size[0]}")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_statement_whose_rate_changed_within_the_month_shows_both_rates(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    opened_on(le_local.shop, dt.date(2025, 9, 1))
    today = timezone.localdate()
    if today.day == 1:
        pytest.skip("the month has no day before today")
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=today.replace(day=1), quantity=D("4"))
    services.shop_commission_change(shop=le_local.shop, rate=D("0.20"))  # from today on
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=today, quantity=D("2"))
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/statements/{le_local.depositor.pk}/?month={today:%Y-%m}")
    tab.wait_for_selector("#commission")
    assert "25\u00a0% sur 34,00\u00a0€, 20\u00a0% sur 17,00\u00a0€" in spaced(tab.locator("main").inner_text())
    assert spaced(tab.locator("#commission").inner_text()) == "11,90\u00a0€"  # 8.50 € + 3.40 €
    assert "une fois sur les ventes à chaque taux" in tab.locator("#rates-note").inner_text()
    page_fits(tab)
    screenshot(tab, f"sh-statement-two-rates-{size[0]}")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_catalogue_shows_a_planned_default_beside_todays_and_fits(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    later = timezone.localdate() + dt.timedelta(days=14)
    services.shop_commission_change(shop=le_local.shop, rate=D("0.22"), applies_from=later)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/catalogue/")
    tab.wait_for_selector("#default-rate")
    planned = f"22\u00a0% à partir du {later:%d/%m/%Y}"
    assert planned in spaced(tab.locator("#default-rate").inner_text())
    assert planned in spaced(tab.locator("tr", has_text="Rucher de la Durolle").first.inner_text())
    page_fits(tab)
    screenshot(tab, f"sh-catalogue-planned-{size[0]}")
    tab.context.close()
