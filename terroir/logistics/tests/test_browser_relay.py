"""In a real browser, at a coordinator's desktop, each page checked on a phone too where the journey
reaches it (`fits_at`): a coordinator sends an order through a relay platform from the order form, sees
each order's choice on the planner, then reads a two-echelon run: the orders kept out of the rounds by
their producer's choice, the route sheets naming each parcel's producer, and the delivery notes, one per
customer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, shot
from terroir.logistics import services
from terroir.logistics.models import DeliveryOrder
from terroir.logistics.tests.test_delivery_mode import WEEK, relay_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-echelon")
DESKTOP, PHONE = (1366, 900), (390, 844)


def test_an_order_goes_through_a_relay_platform_and_the_notes_say_whose_goods_they_are(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    settings.TERROIR_ROUTING_URL = ""  # offline distances
    week = relay_week(territory)
    problem, labels = services.problem_for_week([week["truck"], week["van"]], week["orders"])
    run = services.run_start(problem, by=people.camille, week=WEEK, labels=labels, time_limit_s=1, background=False)
    width = DESKTOP[0]
    SHOTS.mkdir(exist_ok=True)
    tab = french_tab(browser, live_server, people.camille, DESKTOP)

    # The order form: the producer chooses the relay platform for this customer.
    tab.goto(f"{live_server.url}/logistics/orders/new/?week={WEEK.isoformat()}")
    tab.select_option("#id_producer", str(territory.cheese_farm.pk))
    tab.select_option("#id_customer", str(week["canteen"].pk))
    tab.fill("#id_kg", "12")
    tab.select_option("#id_delivery_mode", "relay")
    tab.select_option("#id_relay", str(week["platform"].pk))
    page_fits(tab)
    fits_at(tab, PHONE)
    shot(tab, SHOTS, f"order-form-{width}")
    tab.click("form button[type=submit]:has-text('Ajouter')")
    tab.wait_for_url("**/logistics/?week=*")
    # The planner lists each order with its producer's choice when it is not the pooled round.
    tab.wait_for_selector("span.delivery-mode")
    modes = tab.locator("span.delivery-mode").all_inner_texts()
    assert sum("par une plateforme relais (Plateforme Clermont-Nord)" in m for m in modes) == 3
    assert "le producteur livre lui-même" in modes and "un trajet de covoiturage" in modes
    page_fits(tab, edge=False)
    fits_at(tab, PHONE, edge=False)
    shot(tab, SHOTS, f"planner-{width}")
    saved = DeliveryOrder.objects.latest("pk")
    assert (saved.delivery_mode, saved.relay_id) == ("relay", week["platform"].pk)

    # The run: the orders the producers carry themselves, then the delivery notes.
    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/")
    tab.wait_for_selector("#outside")
    outside = tab.locator("#outside").inner_text()
    assert "livré par le producteur" in outside and "envoyé par un trajet de covoiturage" in outside
    page_fits(tab, edge=False)
    fits_at(tab, PHONE, edge=False)
    shot(tab, SHOTS, f"run-{width}")
    tab.click("text=Bons de livraison")
    tab.wait_for_url(f"**/runs/{run.pk}/notes/")
    tab.wait_for_selector("section.delivery-note")
    assert tab.locator("section.delivery-note").count() == 2
    producers = tab.locator("section.delivery-note td.producer").all_inner_texts()
    assert producers == [territory.cheese_farm.name] * 2
    page_fits(tab)
    fits_at(tab, PHONE)
    shot(tab, SHOTS, f"notes-{width}")

    # The route sheets: every parcel says whose goods it is, at the platform too.
    tab.goto(f"{live_server.url}/logistics/runs/{run.pk}/sheets/")
    tab.wait_for_selector("section.sheet")
    assert tab.locator("small.producer").count() == 6
    assert "Plateforme Clermont-Nord" in tab.locator("section.sheet").first.inner_text()
    page_fits(tab, edge=False)
    fits_at(tab, PHONE, edge=False)
    shot(tab, SHOTS, f"sheets-{width}")
    tab.context.close()
