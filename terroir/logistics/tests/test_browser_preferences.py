"""In a real browser: a producer sets how they usually deliver each customer, and finds another customer of
the directory to add; a person of no producer reads what the page is for, a coordinator finds a producer.
Each journey runs once, at its users' size (a farmer's phone, a coordinator's desktop), and each page it
reaches is checked at the other size there (`fits_at`); nothing is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, screenshot, shot
from terroir.logistics.models import DeliveryPreference, Depot
from terroir.logistics.tests.test_delivery_mode import relay_week
from terroir.logistics.tests.test_preferences import directory_customers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP, PHONE = (1366, 900), (390, 844)


def test_a_producer_sets_how_they_usually_deliver_each_customer(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    """On a phone (a farmer); the form with its error and with its choices saved checked at desktop size
    too, axe-core included where the phone's check has it."""
    week = relay_week(territory)
    tab = french_tab(browser, live_server, people.claire, PHONE)
    name = "phone"

    tab.goto(f"{live_server.url}/account/space/")
    tab.click(f"#preferences-link-{territory.cheese_farm.pk}")
    tab.wait_for_url(f"**/logistics/preferences/{territory.cheese_farm.pk}/")
    assert tab.locator("fieldset.preference").count() == 2
    shop, canteen = week["shop"].pk, week["canteen"].pk
    tab.select_option(f"#id_mode_{shop}", "self")
    tab.select_option(f"#id_mode_{canteen}", "relay")  # its platform forgotten: said on the row
    tab.click("#preferences button[type=submit]")
    tab.wait_for_selector(".errorlist")
    assert "Indiquez la plateforme relais" in tab.locator(".errorlist").first.inner_text()
    page_fits(tab, edge=False)
    fits_at(tab, DESKTOP, "the preferences' error at desktop size", edge=False)
    screenshot(tab, f"preferences-error-{name}")
    tab.select_option(f"#id_relay_{canteen}", str(week["platform"].pk))
    tab.click("#preferences button[type=submit]")
    tab.wait_for_selector(".messages, [role=status], .message", state="attached")
    assert "Vos choix habituels sont enregistrés" in tab.content()
    assert tab.locator(f"#id_mode_{shop}").input_value() == "self"
    page_fits(tab, axe=True)
    fits_at(tab, DESKTOP, "the preferences saved at desktop size", axe=True)
    screenshot(tab, f"preferences-{name}")
    assert {(p.customer_id, p.delivery_mode) for p in DeliveryPreference.objects.all()} == {
        (shop, "self"),
        (canteen, "relay"),
    }
    tab.context.close()


def test_a_producer_finds_a_customer_of_the_directory_and_chooses_how_to_deliver_it(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    """Claire has no order yet: she searches the directory for the school canteen of Thiers, forgets the
    relay platform of her relay choice (said on its row), then adds it; it is listed with her choices. On
    a phone; the search's results, the error and the added customer checked at desktop size too."""
    found = directory_customers(territory)
    platform = Depot.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.10)
    canteen = found["canteen"].pk
    tab = french_tab(browser, live_server, people.claire, PHONE)
    name = "phone"

    tab.goto(f"{live_server.url}/logistics/preferences/{territory.cheese_farm.pk}/")
    assert tab.locator("fieldset.preference").count() == 0
    tab.fill("#id_q", "cantine thiers")
    tab.click("#customer-search button[type=submit]")
    tab.wait_for_url("**q=cantine+thiers**")
    tab.wait_for_selector(f"#found-{canteen}")
    assert tab.locator("#customers-found form").count() == 1
    fits_at(tab, DESKTOP, "the customers found at desktop size")
    tab.select_option(f"#id_add_{canteen}_delivery_mode", "relay")
    tab.click(f"#found-{canteen} button[type=submit]")
    tab.wait_for_url(f"**/logistics/preferences/{territory.cheese_farm.pk}/add/")
    tab.wait_for_selector(f"#found-{canteen} .errorlist")
    assert "Indiquez la plateforme relais" in tab.locator(f"#found-{canteen} .errorlist").first.inner_text()
    page_fits(tab)
    fits_at(tab, DESKTOP, "the customer's error at desktop size")
    screenshot(tab, f"preferences-add-error-{name}")
    tab.select_option(f"#id_add_{canteen}_relay", str(platform.pk))
    tab.click(f"#found-{canteen} button[type=submit]")
    tab.wait_for_url(f"**/logistics/preferences/{territory.cheese_farm.pk}/#customer-{canteen}")
    tab.wait_for_selector(f"#customer-{canteen}")
    assert "fait partie de vos clients" in tab.content()
    assert tab.locator(f"#id_mode_{canteen}").input_value() == "relay"
    assert tab.locator(f"#id_relay_{canteen}").input_value() == str(platform.pk)
    page_fits(tab)  # the same page with its choices saved went through axe-core in the test above
    fits_at(tab, DESKTOP, "the customer added at desktop size")
    screenshot(tab, f"preferences-added-{name}")
    chosen = DeliveryPreference.objects.get()
    assert (chosen.customer_id, chosen.delivery_mode, chosen.relay) == (canteen, "relay", platform)
    tab.context.close()


def test_a_person_of_no_producer_reads_what_the_page_is_for_and_a_coordinator_finds_a_producer(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    """At a coordinator's desktop (the buyer's page too: one tab); each page checked on a phone as well."""
    name = "desktop"
    buyer = french_tab(browser, live_server, people.sophie, DESKTOP)
    buyer.goto(f"{live_server.url}/logistics/preferences/")
    assert "aucun producteur" in buyer.locator("#preferences-who").inner_text()
    page_fits(buyer, axe=True)
    fits_at(buyer, PHONE, "the page of a person of no producer on a phone", axe=True)
    shot(buyer, "/tmp/shots-qb", f"preferences-none-{name}")
    buyer.context.close()  # the kept tab: emptied for the coordinator
    coordinator = french_tab(browser, live_server, people.camille, DESKTOP)
    coordinator.goto(f"{live_server.url}/logistics/preferences/")
    coordinator.fill("#producer-search input[name=q]", "monts forez")
    coordinator.click("#producer-search button[type=submit]")
    coordinator.wait_for_selector("#producers-found")
    page_fits(coordinator, axe=True)
    fits_at(coordinator, PHONE, "the producers found on a phone", axe=True)
    shot(coordinator, "/tmp/shots-qb", f"preferences-coordinator-{name}")
    coordinator.click(f"#producers-found a[href$='/{territory.cheese_farm.pk}/']")
    coordinator.wait_for_url(f"**/logistics/preferences/{territory.cheese_farm.pk}/")
