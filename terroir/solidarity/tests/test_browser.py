"""In a real browser, at desktop and phone sizes: the grocery places an order at the agreed prices; the
producer confirms it and delivers less than ordered; the funder reads the programme's totals (figures,
chart, tables) and downloads them as PDF; every page fits the screen, and axe-core finds no serious
accessibility violation. Screenshots go to /tmp/shots-sg."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, shot
from terroir.solidarity import services

from .conftest import panier_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 900), (390, 844)]
SHOTS = Path("/tmp/shots-sg")


def test_a_grocery_orders_and_the_producer_delivers_less_than_ordered(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any
) -> None:
    """One run at each person's size — the grocery orders from its office (desktop), the producer confirms
    and delivers from the farm (phone) — each page checked at the other size too where it is reached
    (`fits_at`, axe-core at both sizes)."""
    desktop, phone = SIZES
    panier = panier_build(territory, people)
    tab = french_tab(browser, live_server, panier.nadia, desktop)
    tab.goto(f"{live_server.url}/solidarity/")
    page_fits(tab, axe=True)
    fits_at(tab, phone, axe=True)
    tab.click("text=Le Panier solidaire")
    tab.wait_for_url("**/solidarity/groceries/*/")
    page_fits(tab, axe=True)
    fits_at(tab, phone, axe=True)
    shot(tab, SHOTS, f"grocery-{desktop[0]}")
    tab.click("text=Commander à GAEC des Monts du Forez")
    tab.wait_for_url("**/order/**")
    tab.fill(f"#q{panier.fourme.pk}", "4")
    tab.fill(f"#q{panier.butter.pk}", "2")
    tab.fill("#note", "Livraison mardi matin")
    page_fits(tab, axe=True)
    fits_at(tab, phone, axe=True)
    shot(tab, SHOTS, f"order-new-{desktop[0]}")
    tab.click("button:has-text('Envoyer la commande')")
    tab.wait_for_url("**/solidarity/orders/*/")
    # Fourme 4 × 6.40 = 25.60, half capped at 2.00 → 8.00; butter 2 × 3.90 = 7.80, half 3.90.
    assert tab.locator("#amount").inner_text() == "33,40\u00a0€"
    assert tab.locator("#partner").inner_text() == "11,90\u00a0€"
    assert tab.locator("#status").inner_text() == "en attente du producteur"
    page_fits(tab, axe=True)
    fits_at(tab, phone, axe=True)
    tab.context.close()

    farm = french_tab(browser, live_server, people.claire, phone)
    farm.goto(f"{live_server.url}/solidarity/producers/{territory.cheese_farm.pk}/")
    page_fits(farm, axe=True)
    fits_at(farm, desktop, axe=True)
    shot(farm, SHOTS, f"producer-{phone[0]}")
    farm.click("#orders a")
    farm.wait_for_url("**/solidarity/orders/*/")
    farm.click("button:has-text('Confirmer')")
    farm.wait_for_function("() => document.getElementById('status')?.textContent === 'confirmée'")
    fourme = farm.locator("tr:has-text('Fourme') input.quantity")
    fourme.fill("3")
    page_fits(farm, axe=True)
    fits_at(farm, desktop, axe=True)
    shot(farm, SHOTS, f"order-deliver-{phone[0]}")
    farm.click("button:has-text('Marquer livrée')")
    farm.wait_for_function("() => document.getElementById('status')?.textContent === 'livrée'")
    # 3 fourmes delivered: 19.20 and 6.00; with the butter 27.00 and 9.90.
    assert farm.locator("#amount").inner_text() == "27,00\u00a0€"
    assert farm.locator("#partner").inner_text() == "9,90\u00a0€"
    assert farm.locator("#grocery-share").inner_text() == "17,10\u00a0€"
    # The producer's order page went through axe-core confirmed, with its quantities to deliver: delivered,
    # the same page without the form is checked for its width and edges.
    page_fits(farm)
    fits_at(farm, desktop)
    shot(farm, SHOTS, f"order-delivered-{phone[0]}")
    farm.context.close()


def a_season_of_orders(panier: Any, territory: Any) -> None:
    for day, producer, price, quantity, delivered in [
        (3, territory.cheese_farm, panier.fourme, "10", "10"), (10, territory.honey_farm, panier.honey, "2.5", "2"),
        (17, territory.cheese_farm, panier.butter, "6", "6"), (24, territory.honey_farm, panier.honey, "1", None),
    ]:  # fmt: skip
        order = services.order_place(programme=panier.programme, grocery=panier.grocery, producer=producer,
                                     quantities={price.pk: D(quantity)}, ordered_on=dt.date(2026, 3, day))  # fmt: skip
        if delivered is not None:
            services.order_answer(order=order, accept=True)
            line = order.lines.get()
            services.order_deliver(order=order, delivered={line.pk: D(delivered)},
                                   delivered_on=dt.date(2026, 3, day + 2))  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_funder_reads_the_programmes_totals_and_downloads_them(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, size: tuple[int, int]
) -> None:  # fmt: skip
    panier = panier_build(territory, people)
    a_season_of_orders(panier, territory)
    tab = french_tab(browser, live_server, panier.lucie, size)
    tab.goto(f"{live_server.url}/solidarity/")
    page_fits(tab, axe=True)
    tab.click("text=Fruits et produits frais 2026")
    tab.wait_for_url("**/solidarity/programmes/*/")
    tab.fill("input[name=start]", "2026-03-01")
    tab.fill("input[name=end]", "2026-03-31")
    tab.click("button:has-text('Afficher')")
    tab.wait_for_url("**start=2026-03-01**")
    # Delivered: 10 fourmes (64.00, partner 20.00), 2 kg of honey (24.00, half capped 2.00 → 4.00), 6 butters
    # (23.40, 11.70): partner 35.70; waiting: 1 kg of honey, 2.00. Remaining 100 − 35.70 − 2.00 = 62.30.
    assert tab.locator("#spent").inner_text() == "35,70\u00a0€"
    assert tab.locator("#open").inner_text() == "2,00\u00a0€"
    assert tab.locator("#remaining").inner_text() == "62,30\u00a0€"
    groceries = tab.locator("#per-grocery tbody tr").first.inner_text()
    assert "Le Panier solidaire" in groceries and "111,40\u00a0€" in groceries and "35,70\u00a0€" in groceries
    producers = tab.locator("#per-producer tbody tr").all_inner_texts()
    assert "GAEC des Monts du Forez" in producers[0] and "87,40\u00a0€" in producers[0]
    assert "Rucher de la Durolle" in producers[1] and "24,00\u00a0€" in producers[1]
    assert tab.locator("#chart-producers rect.series-1").count() == 3  # the legend's and one per producer
    page_fits(tab, axe=True)
    shot(tab, SHOTS, f"programme-{size[0]}")
    with tab.expect_download() as download:
        tab.click("text=Télécharger en PDF")
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    tab.context.close()


def test_the_coordinators_pages_fit_a_phone(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any
) -> None:  # fmt: skip
    panier = panier_build(territory, people)
    a_season_of_orders(panier, territory)
    tab = french_tab(browser, live_server, people.camille, (390, 844))
    for path, name in [("/solidarity/", "home-coordinator"),
                       (f"/solidarity/programmes/{panier.programme.pk}/", "programme-coordinator")]:  # fmt: skip
        tab.goto(f"{live_server.url}{path}")
        page_fits(tab, axe=True)
        shot(tab, SHOTS, f"{name}-390")
    tab.context.close()
