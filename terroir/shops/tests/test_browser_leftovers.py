"""In a real browser, in French (the manager's journeys at desktop size, their pages at both sizes
elsewhere; the tables at desktop and phone sizes), the shops' pages changed for what their users
stumbled on: an opening with shifts is deleted only once they are listed and the box ticked; a statement
sent stays as sent, a till file received late making a correcting statement. Screenshots
go to /tmp/shots-qa (with TERROIR_SCREENSHOTS set)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.shops import services, till
from terroir.shops.models import OpeningSlot, Rota, RotaStatus, Shift

from .conftest import le_local_build, spaced
from .test_browser import DESKTOP, SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-qa")
DATA = Path(__file__).parent / "data"


# The manager's back-office work, at desktop size; an opening's page at both sizes: test_browser.py's
# test_every_page_of_the_shop_fits_the_screen.
@pytest.mark.parametrize("size", [DESKTOP], ids=["desktop"])
def test_an_opening_with_shifts_lists_them_and_asks_to_tick_before_deleting(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    slot = services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, status=RotaStatus.OPTIMAL)
    for day in (3, 10):
        Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, day), member=le_local.claire)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/slots/{slot.pk}/")
    assert tab.locator("#delete-items li").all_inner_texts() == [
        "03/03/2026 15 h–19 h — Claire", "10/03/2026 15 h–19 h — Claire"]  # fmt: skip
    page_fits(tab, "slot-edit")
    shot(tab, SHOTS, f"slot-delete-{size[0]}")
    tab.click("#delete-form button")  # the box is required: the browser does not send the form
    assert OpeningSlot.objects.filter(pk=slot.pk).exists()
    tab.check("#delete-form input[name=confirm]")
    tab.click("#delete-form button")
    tab.wait_for_url("**/rota/")
    assert not OpeningSlot.objects.filter(pk=slot.pk).exists() and not Shift.objects.exists()
    tab.context.close()


def date_fields(tab: Any) -> list[str]:
    """The order of the day, month and year fields of the page's date inputs, as the browser draws them
    (read in their user-agent shadow trees through the debugging protocol: the page's scripts cannot)."""
    cdp = tab.context.new_cdp_session(tab)
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    cdp.detach()
    order: list[str] = []

    def walk(node: dict[str, Any], inside: bool) -> None:
        values = node.get("attributes", [])
        attributes = dict(zip(values[::2], values[1::2], strict=True))
        inside = inside or (node.get("nodeName") == "INPUT" and attributes.get("type") == "date")
        pseudo = attributes.get("pseudo", "")
        if inside and pseudo.startswith("-webkit-datetime-edit-") and pseudo.endswith("-field"):
            order.append(pseudo.removeprefix("-webkit-datetime-edit-").removesuffix("-field"))
        for child in node.get("shadowRoots", []) + node.get("children", []):
            walk(child, inside)

    walk(root, False)
    return order


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_statement_sent_and_its_correcting_statement(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    tab = french_tab(browser, live_server, le_local.florent, size)
    query = "?month=2026-03"
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/statements/{le_local.depositor.pk}/{query}")
    tab.click("#send-form button")
    tab.wait_for_selector("#sent-note")
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as upload:
        till.till_save(till.till_read(Path(upload.name), shop=le_local.shop), shop=le_local.shop,
                       file_name="z_report_le_local_2026-03.csv", digest="late", by=le_local.florent)  # fmt: skip
    tab.reload()
    assert spaced(tab.locator("#gross").inner_text()) == "17,00\u00a0€"  # as sent
    assert spaced(tab.locator("#correction-1 .correction-due").inner_text()) == "19,12\u00a0€"
    # The late lines as the other money tables: on a phone, cards with every amount on the screen.
    late = "#correction-1 table.cards td.num[data-label='Montant']"
    assert sorted(spaced(a).replace("\u00a0", " ") for a in amounts_in_view(tab, late)) == [
        "-8,50 €", "25,50 €", "8,50 €"]  # fmt: skip
    rows = tab.evaluate("getComputedStyle(document.querySelector('#correction-1 tbody tr')).display")
    assert rows == ("block" if size[0] < 600 else "table-row")
    assert tab.locator("#correction-1 a[href*='/corrections/1.pdf']").count() == 1
    assert date_fields(tab) == ["day", "month", "year"] * 2  # the period's dates in French order
    page_fits(tab, "statement")
    shot(tab, SHOTS, f"statement-correction-{size[0]}")
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/statements/{query}")
    assert "3 ventes enregistrées depuis" in tab.locator("table").inner_text()
    page_fits(tab, "statements")
    shot(tab, SHOTS, f"statements-sent-{size[0]}")
    tab.context.close()


# At desktop size; the catalogue at both sizes: test_the_shops_tables_show_their_amounts_on_a_phone.
@pytest.mark.parametrize("size", [DESKTOP], ids=["desktop"])
def test_a_refused_product_is_summed_up_at_the_top_and_its_link_reaches_the_field(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/catalogue/")
    tab.select_option("#product-seller", str(le_local.depositor.pk))
    tab.fill("#product-code", "MIEL-1K")
    tab.fill("#product-name", "   ")  # the browser sends it; the server finds no name
    tab.fill("#product-unit_price", "15")
    tab.click("#product-form button")
    tab.wait_for_selector("#error-summary")
    assert tab.locator("#error-summary").is_visible()  # at the top: seen without scrolling
    assert tab.locator("#error-summary").bounding_box()["y"] < size[1]
    assert tab.locator("#product-name_error").inner_text() == "Ce champ est obligatoire."
    page_fits(tab, "catalogue")
    shot(tab, SHOTS, f"catalogue-errors-{size[0]}", full_page=False)
    tab.click("#error-summary a")
    assert tab.evaluate("location.hash") == "#product-name"
    assert tab.locator("#product-name").is_visible()
    shot(tab, SHOTS, f"catalogue-error-field-{size[0]}", full_page=False)
    tab.context.close()


PHONE = (390, 844)


def amounts_in_view(tab: Any, selector: str) -> list[str]:
    """The amounts of a table's cells that are on the screen, left to right (none cut by its edge)."""
    return tab.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((cell) => {
             const box = cell.getBoundingClientRect();
             return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
           }).map((cell) => cell.innerText.trim())""",
        selector,
    )


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_shops_tables_show_their_amounts_on_a_phone(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    services.sale_record(shop=le_local.shop, product=le_local.fourme, sold_on=dt.date(2026, 3, 4), quantity=D("1"))
    tab = french_tab(browser, live_server, le_local.florent, size)
    shop, query = le_local.shop.pk, "?month=2026-03"
    pages = {
        "catalogue": (f"/shops/{shop}/catalogue/", "table.cards td.num",
                      ["6,40 € / pièce", "3,90 € / pièce", "8,50 € / pièce"]),
        "sales": (f"/shops/{shop}/sales/", "table.cards td.num[data-label='Montant']", ["6,40 €", "17,00 €"]),
        "statements": (f"/shops/{shop}/statements/{query}", "table.cards tbody td.num[data-label='Montant dû']",
                       ["6,40 €", "12,75 €"]),
        "statement": (f"/shops/{shop}/statements/{le_local.depositor.pk}/{query}",
                      "table.cards td.num[data-label='Ventes']", ["17,00 €"]),
        "shop": (f"/shops/{shop}/{query}", "table.cards td.num[data-label='Ventes']", ["6,40 €", "17,00 €"]),
    }  # fmt: skip
    for name, (path, cells, amounts) in pages.items():
        tab.goto(f"{live_server.url}{path}")
        seen = [spaced(text).replace("\u00a0", " ") for text in amounts_in_view(tab, cells)]
        assert sorted(seen) == sorted(amounts), (name, seen)
        page_fits(tab, name)
        shot(tab, SHOTS, f"table-{name}-{size[0]}")
    tab.context.close()
