"""In a real browser, on a desktop and on a phone: Hugo delivers bread to Marie, who has no Terroir account;
his parcel page asks for the code Marie received by e-mail; typing it signs for her. No page scrolls
sideways."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.carpool.models import Parcel, ParcelStatus
from terroir.conftest import offline_tab, page_fits, screenshot
from terroir.needs.tests.test_browser import signed_in

from .conftest import Story
from .test_recipient_code import delivered_to_marie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_person_delivering_types_the_recipient_s_code_on_the_parcel_page(
    browser: Any, live_server: Any, story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any,
    settings: Any, size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    parcel, _delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), story.people.hugo, live_server)
    tab.goto(f"{live_server.url}/carpool/parcels/{parcel.pk}/")
    tab.wait_for_selector("#sign-with-code")
    assert "marie.dupont@example.org" in tab.locator("#sign-with-code").inner_text()
    screenshot(tab, f"carpool-code-{size}")
    page_fits(tab)
    tab.fill("input[name=code-code]", code)
    with tab.expect_navigation():  # the form posts, then the parcel's page comes back
        tab.press("#sign-code", "Enter")
    tab.wait_for_selector("text=Signé avec le code du destinataire")
    assert tab.locator("#sign-with-code").count() == 0
    screenshot(tab, f"carpool-code-signed-{size}")
    page_fits(tab, edge=False)
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelStatus.DELIVERED
    context.close()
