"""In a real browser, on a desktop and on a phone: a coordinator adds an order whose producer sends it by
a carpool trip; meat that does not ask for the cold chain is refused with the reason on the form; bread
is kept, the planner shows its parcel's state, and its link opens the parcel's page. No page scrolls
sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from terroir.carpool.eligibility import eligibility_seed
from terroir.conftest import offline_tab, page_fits, screenshot
from terroir.directory.models import Actor, Category
from terroir.logistics.models import DeliveryOrder
from terroir.needs.tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
# A Monday ahead of the clock, counted from the real today: a carpool parcel travels today or later (carpool's
# service), so a fixed date would fail once the calendar passed it.
WEEK = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_an_order_sent_by_carpool_becomes_a_parcel_whose_page_opens_from_the_planner(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    eligibility_seed()
    buyer = Actor.objects.get(name="SAS Supermarché des Volcans")
    buyer.lat, buyer.lon = 45.7797, 3.0863
    buyer.save()
    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), people.camille, live_server)
    tab.set_default_timeout(30_000)

    tab.goto(f"{live_server.url}/logistics/orders/new/?week={WEEK.isoformat()}")
    tab.select_option("#id_producer", str(territory.cheese_farm.pk))
    tab.select_option("#id_customer", str(buyer.pk))
    tab.fill("#id_description", "Colis de viande")
    tab.select_option("#id_category", str(Category.objects.get(slug="meat").pk))
    tab.fill("#id_kg", "8")
    tab.select_option("#id_delivery_mode", "carpool")
    screenshot(tab, f"carpool-order-form-{size}")
    page_fits(tab, f"carpool-order-form-{size}")
    tab.press("form button[type=submit]:has-text('Ajouter')", "Enter")
    tab.wait_for_selector("ul.errorlist")
    assert "chaîne du froid" in tab.locator("ul.errorlist").first.inner_text()
    screenshot(tab, f"carpool-order-refused-{size}")
    page_fits(tab, f"carpool-order-refused-{size}")
    assert not DeliveryOrder.objects.exists()

    tab.fill("#id_description", "Pain de seigle")
    tab.select_option("#id_category", str(Category.objects.get(slug="bread-cereals").pk))
    tab.press("form button[type=submit]:has-text('Ajouter')", "Enter")
    tab.wait_for_url("**/logistics/?week=*")
    link = tab.locator("a.carpool-parcel")
    link.wait_for()
    assert link.inner_text().startswith("colis\u202f: ")
    screenshot(tab, f"carpool-order-planner-{size}")
    page_fits(tab, f"carpool-order-planner-{size}")
    link.click()
    tab.wait_for_url(re.compile(r"/carpool/parcels/\d+/$"))
    tab.wait_for_selector("h1")
    assert "Pain de seigle" in tab.locator("h1").inner_text()
    screenshot(tab, f"carpool-order-parcel-{size}")
    page_fits(tab, f"carpool-order-parcel-{size}")
    context.close()


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_carrier_planning_an_order_reads_its_parcel_s_chain_of_responsibility_from_the_planner(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    from terroir.accounts.models import Membership
    from terroir.carpool import services as carpool
    from terroir.carpool.models import GoodsState, HandoverKind
    from terroir.conftest import person

    from .test_carpool_orders import ambert_trip, new_order, parcel_of

    settings.TERROIR_TILE_URL = ""
    carrier = Actor.objects.create(name="Coopérative du Livradois", is_carrier=True, is_organisation=True)
    lea = person("lea@livradois.example.org")
    Membership.objects.create(user=lea, actor=carrier, how="member")
    ambert_trip(territory, people)
    order = new_order(territory, people, owner=carrier)
    parcel = parcel_of(order)
    ride = carpool.live_ride(parcel)
    assert ride is not None
    carpool.ride_confirm(ride=ride, by=people.hugo)
    carpool.ride_confirm(ride=ride, by=people.claire)
    handover = carpool.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                       place="GAEC des Monts du Forez", state=GoodsState.GOOD)  # fmt: skip
    carpool.handover_accept(handover=handover, by=people.hugo)
    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), lea, live_server)
    tab.set_default_timeout(30_000)

    tab.goto(f"{live_server.url}/logistics/?week={WEEK.isoformat()}")
    link = tab.locator("a.carpool-parcel")
    link.wait_for()
    assert link.inner_text() == "colis\u202f: en route"
    link.click()
    tab.wait_for_url(re.compile(r"/supply/orders/\d+/parcel/$"))
    tab.wait_for_selector("#chain")
    assert "Rucher de la Durolle" in tab.locator("#holder").inner_text()  # the driver by his farm
    assert tab.locator("#order-parcel form").count() == 0
    screenshot(tab, f"carpool-order-parcel-carrier-{size}")
    page_fits(tab, f"carpool-order-parcel-carrier-{size}")
    context.close()
