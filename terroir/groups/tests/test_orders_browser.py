"""In a real browser, at desktop and phone sizes: a member places a one-off order before the closing time
(and is told what is left when they ask for too much), the organiser reads the summary and the round's
settings, a producer their own orders; every page fits the screen. Screenshots go to /tmp/shots-go."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.groups import orders
from terroir.groups.models import OrderLine

from .world_orders import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 900), (390, 844)]
SHOTS = Path("/tmp/shots-go")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_member_places_a_one_off_order_before_the_closing_time(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    world = world_build(territory, people)
    orders.order_place(order_round=world.round, member=world.paul, by=world.paul.user,
                       quantities={world.fourme.pk: D(16)})  # fmt: skip
    url = f"{live_server.url}/groups/distributions/{world.distribution.pk}/order/"
    tab = french_tab(browser, live_server, world.jeanne.user, size)
    # From the group's calendar: each coming distribution links to its one-off order when there is one.
    tab.goto(f"{live_server.url}/groups/{world.group.pk}/")
    page_fits(tab, axe=True)
    shot(tab, SHOTS, f"group-member-{size[0]}")
    tab.locator("#distributions a", has_text="Commande ponctuelle").first.click()
    tab.wait_for_url(url)
    assert tab.locator("#round-status").get_attribute("data-open") == "1"
    assert "reste 4\u00a0pièces" in tab.locator("#order-form").inner_text()
    # axe-core reads the member's order page once per size, refused (its form with the error list); the
    # other states of the same page (empty, saved) are checked for their width and edges.
    page_fits(tab)
    shot(tab, SHOTS, f"order-member-{size[0]}")
    # Too many: the page says how many are left and takes nothing.
    tab.fill(f"input[name=q{world.fourme.pk}]", "5")
    tab.fill(f"input[name=q{world.honey.pk}]", "2")
    tab.click("#order-save")
    tab.wait_for_selector("#order-form .errorlist")
    assert "il n’en reste que 4\u00a0pièces" in tab.locator("#order-form .errorlist").inner_text()
    assert not OrderLine.objects.filter(member=world.jeanne).exists()
    page_fits(tab, axe=True)
    shot(tab, SHOTS, f"order-refused-{size[0]}")
    tab.fill(f"input[name=q{world.fourme.pk}]", "3")
    tab.fill(f"input[name=q{world.honey.pk}]", "2")
    tab.click("#order-save")
    tab.wait_for_selector("#my-total")
    # 3 × 7.50 + 2 × 8.40 = 39.30 €.
    assert tab.locator("#my-total").inner_text() == "39,30\u00a0€"
    assert tab.locator(".message").count() == 1
    page_fits(tab)
    shot(tab, SHOTS, f"order-saved-{size[0]}")
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_half_a_piece_is_refused_by_the_page_s_own_message_not_the_browser_s(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    """The Fourme is counted by the piece (its field steps by one): Chromium would keep the form and show
    its own bubble, in the browser's language; the form is `novalidate`, so the page says it, in French,
    naming the product, its unit and the two whole numbers to choose from."""
    world = world_build(territory, people)
    tab = french_tab(browser, live_server, world.jeanne.user, size)
    tab.goto(f"{live_server.url}/groups/distributions/{world.distribution.pk}/order/")
    assert tab.locator(f"input[name=q{world.fourme.pk}]").get_attribute("step") == "1"
    tab.fill(f"input[name=q{world.fourme.pk}]", "2.5")
    tab.click("#order-save")
    tab.wait_for_selector("#order-form .errorlist", timeout=10_000)
    said = tab.locator("#order-form .errorlist").inner_text()
    assert "Fourme d'Ambert se compte en unités entières (pièce)\u202f: commandez 2 ou 3, pas 2,5." in said
    assert not OrderLine.objects.filter(member=world.jeanne).exists()
    page_fits(tab)
    tab.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_organiser_and_a_producer_read_the_orders_and_the_pages_fit(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    world = world_build(territory, people)
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(2), world.honey.pk: D(1)})  # fmt: skip
    orders.order_place(order_round=world.round, member=world.paul, by=world.paul.user,
                       quantities={world.fourme.pk: D(1)})  # fmt: skip
    base = f"{live_server.url}/groups/distributions/{world.distribution.pk}"
    agnes = french_tab(browser, live_server, world.amap.agnes, size)
    agnes.goto(f"{base}/order/")
    assert agnes.locator("#round-form").is_visible() and agnes.locator("#product-form").is_visible()
    page_fits(agnes, axe=True)
    shot(agnes, SHOTS, f"order-organiser-{size[0]}")
    agnes.goto(f"{base}/order/summary/")
    # Fourme 3 × 7.50 = 22.50 €, honey 8.40 €.
    assert agnes.locator("#round-total").inner_text() == "30,90\u00a0€"
    page_fits(agnes, axe=True)
    shot(agnes, SHOTS, f"order-summary-{size[0]}")
    agnes.context.close()
    claire = french_tab(browser, live_server, people.claire, size)
    claire.goto(f"{base}/order/summary/")
    text = claire.locator("main").inner_text()
    assert "Fourme d'Ambert" in text and "Miel" not in text
    page_fits(claire)  # the summary as the organiser reads it (every line) went through axe-core above
    shot(claire, SHOTS, f"order-producer-{size[0]}")
    claire.goto(f"{live_server.url}/groups/")
    claire.click("#orders-to-prepare")
    claire.wait_for_url("**/groups/orders/")
    assert "3\u00a0pièces — Fourme d'Ambert\u202f: 22,50\u00a0€" in claire.locator("main").inner_text()
    page_fits(claire, axe=True)
    shot(claire, SHOTS, f"producer-orders-{size[0]}")
    claire.context.close()
