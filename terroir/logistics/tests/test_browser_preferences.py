"""In a real browser, at desktop and phone sizes: a producer sets how they usually deliver each customer;
nothing is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import offline_tab, page_fits, screenshot
from terroir.logistics.models import DeliveryPreference
from terroir.logistics.tests.test_delivery_mode import relay_week
from terroir.needs.tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_a_producer_sets_how_they_usually_deliver_each_customer(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    week = relay_week(territory)
    width, height = size
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), people.claire, live_server)
    name = "desktop" if width > 1000 else "phone"

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
    screenshot(tab, f"preferences-error-{name}")
    tab.select_option(f"#id_relay_{canteen}", str(week["platform"].pk))
    tab.click("#preferences button[type=submit]")
    tab.wait_for_selector(".messages, [role=status], .message", state="attached")
    assert "Vos choix habituels sont enregistrés" in tab.content()
    assert tab.locator(f"#id_mode_{shop}").input_value() == "self"
    page_fits(tab, axe=True)
    screenshot(tab, f"preferences-{name}")
    assert {(p.customer_id, p.delivery_mode) for p in DeliveryPreference.objects.all()} == {
        (shop, "self"), (canteen, "relay")
    }
    context.close()
