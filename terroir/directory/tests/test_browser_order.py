"""In a real browser, at desktop and phone size: a producer sets where to order their food online on
their form, and the producer's page shows the link, the page no wider than the screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import offline_tab, page_fits, shot, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TERROIR_SCREENSHOTS", "/tmp/shots-dfc"))
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# A long address, as hub pages have: it must not push the page wider than a phone.
ORDER_URL = "https://openfoodfrance.org/rucher-de-la-durolle-miel-de-montagne-et-pain-d-epices/shop#/list"


@pytest.mark.parametrize("size", list(SIZES))
def test_a_producer_sets_the_order_link_and_visitors_find_it_on_the_page(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    context = browser.new_context(locale="fr-FR", viewport=SIZES[size], is_mobile=size == "phone")
    tab = signed_in(offline_tab(browser, live_server, context), people.hugo, live_server)
    farm = territory.honey_farm
    tab.goto(f"{live_server.url}/edit/actor/{farm.pk}/")
    field = tab.get_by_label("Où commander en ligne")
    field.fill(ORDER_URL.removeprefix("https://"))  # the registry adds https://
    SHOTS.mkdir(parents=True, exist_ok=True)
    page_fits(tab, edge=False)
    with tab.expect_navigation():
        tab.locator("form.edit button[type=submit]").click()
    # The form opens again with what was stored: the address as the field registry cleaned it.
    tab.get_by_label("Où commander en ligne").wait_for()
    assert tab.get_by_label("Où commander en ligne").input_value() == ORDER_URL
    page_fits(tab, edge=False)
    shot(tab, SHOTS, f"producer-order-form-{size}")
    visitor = offline_tab(browser, live_server, browser.new_context(locale="fr-FR", viewport=SIZES[size]))
    visitor.goto(f"{live_server.url}{farm.get_absolute_url()}")
    link = visitor.get_by_role("link", name="Commander en ligne")
    link.wait_for()
    assert link.get_attribute("href") == ORDER_URL
    assert link.get_attribute("rel") == "nofollow noopener"
    assert "openfoodfrance.org" in visitor.locator(".order-online").inner_text()
    page_fits(visitor)
    shot(visitor, SHOTS, f"producer-order-link-{size}")
