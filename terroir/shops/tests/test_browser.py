"""In a real browser: a depositor reads their statement and downloads it as PDF (at desktop size: the
shop's accounts are back-office work); the manager computes the rota on the page at desktop size, an
associate finds their shifts and offers one on a phone; every page of the shop fits the screen at both
sizes (the pages of the one-size journeys of this app among them: docs/performance.md, round 11's table).
Screenshots go to /tmp/shots-shops (or TERROIR_SCREENSHOTS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.shops import services

from .conftest import le_local_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 900), (390, 844)]
DESKTOP, PHONE = SIZES
SHOTS = Path("/tmp/shots-shops")


def a_month_of_sales(le_local: Any) -> None:
    for day, product, quantity in [(3, le_local.honey, "3"), (7, le_local.honey, "-1"), (10, le_local.honey, "4"),
                                   (10, le_local.fourme, "2"), (14, le_local.butter, "5")]:  # fmt: skip
        services.sale_record(shop=le_local.shop, product=product, sold_on=dt.date(2026, 3, day), quantity=D(quantity))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2025, 11, 20), quantity=D("6"))


@pytest.mark.parametrize("size", [DESKTOP], ids=["desktop"])  # its pages at both sizes: test_every_page_…
def test_a_depositor_reads_their_statement_and_downloads_it_as_pdf(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    a_month_of_sales(le_local)
    tab = french_tab(browser, live_server, people.hugo, size)
    tab.goto(f"{live_server.url}/shops/")
    tab.click("text=Rucher de la Durolle")
    tab.wait_for_url("**/statements/**")
    tab.fill("input[name=start]", "2026-03-01")
    tab.fill("input[name=end]", "2026-03-31")
    tab.click("button:has-text('Afficher')")
    tab.wait_for_url("**start=2026-03-01**")
    # 6 jars sold (3 − 1 + 4) × 8.50 = 51.00 €; 25 % = 12.75 €; due 38.25 €.
    assert tab.locator("#gross").inner_text() == "51,00\u00a0€"
    assert tab.locator("#commission").inner_text() == "12,75\u00a0€"
    assert tab.locator("#due").inner_text() == "38,25\u00a0€"
    assert "Fourme" not in tab.content()  # the associate's products are not on the depositor's statement
    page_fits(tab)
    shot(tab, SHOTS, f"statement-{size[0]}")
    with tab.expect_download() as download:
        tab.click("text=Télécharger en PDF")
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    tab.context.close()


def rota_ready(le_local: Any, people: Any) -> None:
    shop = le_local.shop
    services.opening_slot_add(shop=shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=2)
    services.opening_slot_add(shop=shop, weekday=5, starts=dt.time(9), ends=dt.time(12, 30), needed=1)
    for name in ("Marc", "Sylvie"):
        services.rota_member_save(shop=shop, seller=le_local.associate, name=name, min_minutes=240, max_minutes=480)
    le_local.claire.min_minutes = 240
    le_local.claire.save()


def test_the_manager_computes_the_rota_and_an_associate_offers_a_shift(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    """Each at the size they use: the manager at a desktop, the associate on a phone. The other sizes of
    these pages: the rota settings in test_every_page_…, the computed rota as the manager in
    test_browser_history.py, as the associate at desktop size in the print test below."""
    le_local = le_local_build(territory, people)
    rota_ready(le_local, people)
    manager = french_tab(browser, live_server, le_local.florent, DESKTOP)
    manager.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/")
    page_fits(manager)
    shot(manager, SHOTS, f"rota-settings-{DESKTOP[0]}")
    manager.fill("input[name=first_day]", "2026-03-02")
    manager.fill("input[name=weeks]", "2")
    manager.click("button:has-text('Calculer')")
    manager.wait_for_url("**/rota/*/")
    manager.wait_for_function("() => document.getElementById('rota-status')?.dataset.status === 'optimal'")
    assert manager.locator("table.rota-table tbody tr").count() == 4
    manager.context.close()

    claire = french_tab(browser, live_server, people.claire, PHONE)
    claire.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/")
    claire.click("ul >> a:has-text('au')")
    claire.wait_for_url("**/rota/*/")
    claire.wait_for_function("() => document.getElementById('rota-status')?.dataset.status === 'optimal'")
    mine = claire.locator(".on-duty.mine")
    assert mine.count() >= 1
    page_fits(claire)
    shot(claire, SHOTS, f"rota-{PHONE[0]}")
    # Nobody already on an opening is offered to take Claire's shift of it.
    rows = claire.locator("table.rota-table tbody tr").filter(has=claire.locator("form.swap"))
    offered_to_marc = None
    for index in range(rows.count()):
        row = rows.nth(index)
        on_duty = set(row.locator(".on-duty").all_inner_texts())
        options = set(row.locator("option").all_inner_texts())
        assert options and not options & on_duty and options | on_duty == {"Claire", "Marc", "Sylvie"}
        if "Marc" in options and offered_to_marc is None:
            offered_to_marc = row
    assert offered_to_marc is not None
    offered_to_marc.locator("select").select_option(label="Marc")
    offered_to_marc.locator("button").click()
    claire.wait_for_selector(".message:has-text('Marc')")
    assert claire.locator(".message").count() == 1
    assert "En attente de la réponse de Marc" in claire.locator("main").inner_text()
    claire.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_every_page_of_the_shop_fits_the_screen(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    """The manager's pages, with those that the one-size journeys reach at the other size: the seller's page
    (its commission, its end), the rota's settings and an opening's page (the editing, leftovers and rota
    journeys run at desktop size only)."""
    le_local = le_local_build(territory, people)
    a_month_of_sales(le_local)
    rota_ready(le_local, people)
    shop = le_local.shop.pk
    slot = le_local.shop.opening_slots.get(weekday=1)
    tab = french_tab(browser, live_server, le_local.florent, size)
    for name, path in [
        ("list", "/shops/"), ("figures", f"/shops/{shop}/?start=2026-03-01&end=2026-03-31"),
        ("catalogue", f"/shops/{shop}/catalogue/"), ("sales", f"/shops/{shop}/sales/"),
        ("statements", f"/shops/{shop}/statements/?month=2026-03"),
        ("seller-edit", f"/shops/{shop}/sellers/{le_local.depositor.pk}/"), ("rota-settings", f"/shops/{shop}/rota/"),
        ("slot-edit", f"/shops/{shop}/rota/slots/{slot.pk}/"),
    ]:  # fmt: skip
        tab.goto(f"{live_server.url}{path}")
        page_fits(tab)
        shot(tab, SHOTS, f"{name}-{size[0]}")
        if name == "figures":  # read while it is open: loading a page is most of what a browser test costs
            # Honey 6 × 8.50 = 51.00, Fourme 2 × 6.40 = 12.80, butter 5 × 3.90 = 19.50; commission on the honey only.
            assert tab.locator("#turnover").inner_text() == "83,30\u00a0€"
            assert tab.locator("#commission").inner_text() == "12,75\u00a0€"
            assert tab.locator("table.seasonal td.gap").count() > 0
            assert tab.locator("table.seasonal tbody tr:last-child td").last.inner_text() == "83,30"
            assert tab.locator("svg.bars rect").nth(11).bounding_box()["height"] > 50
    tab.context.close()
    coordinator = french_tab(browser, live_server, people.camille, size)
    coordinator.goto(f"{live_server.url}/shops/")
    assert coordinator.locator("select[name=place]").is_visible()
    page_fits(coordinator)
    shot(coordinator, SHOTS, f"list-coordinator-{size[0]}")
    coordinator.context.close()
    # The depositor's own pages (their statement journey runs at desktop size only).
    depositor = french_tab(browser, live_server, people.hugo, size)
    for name, path in [("list-depositor", "/shops/"),
                       ("statement-depositor", f"/shops/{shop}/statements/{le_local.depositor.pk}/"
                                               "?start=2026-03-01&end=2026-03-31")]:  # fmt: skip
        depositor.goto(f"{live_server.url}{path}")
        page_fits(depositor, name)
        shot(depositor, SHOTS, f"{name}-{size[0]}")
    depositor.context.close()


def test_the_rota_prints_as_its_table_without_the_sites_header_nor_the_swap_forms(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    le_local = le_local_build(territory, people)
    rota_ready(le_local, people)
    manager = french_tab(browser, live_server, le_local.florent, SIZES[0])
    manager.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/")
    manager.fill("input[name=first_day]", "2026-03-02")
    manager.fill("input[name=weeks]", "2")
    manager.click("button:has-text('Calculer')")
    manager.wait_for_url("**/rota/*/")
    manager.wait_for_function("() => document.getElementById('rota-status')?.dataset.status === 'optimal'")
    rota_url = manager.url
    manager.context.close()
    claire = french_tab(browser, live_server, people.claire, SIZES[0])
    claire.goto(rota_url)
    claire.wait_for_function("() => document.getElementById('rota-status')?.dataset.status === 'optimal'")
    assert claire.locator("form.swap").first.is_visible()
    page_fits(claire, "rota as the associate")  # at desktop size: the rota journey has her on a phone
    claire.emulate_media(media="print")  # form.swap's own display outweighed .no-print: the forms were printed
    assert claire.locator("table.rota-table").is_visible()
    assert claire.locator("table.rota-table tbody tr").count() == 4
    assert not claire.locator(".site-header").is_visible()
    assert claire.locator("form.swap:visible").count() == 0
    assert claire.locator("a:has-text('iCalendar'):visible").count() == 0
    claire.context.close()
