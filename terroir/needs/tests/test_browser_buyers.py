"""In a real browser, at desktop and phone size: a new canteen publishes its first need, placing its
delivery point by dragging the pin; closing a need asks for its outcome and a confirmation. No page is
wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.accounts.services import organisation_create
from terroir.conftest import offline_tab, page_fits, shot
from terroir.directory.models import Commune, Place
from terroir.needs.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SHOTS = Path("/tmp/shots-D")


def tab_of(browser: Any, live_server: Any, user: Any, size: str) -> Any:
    from django.test import Client

    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = offline_tab(browser, live_server, context)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return tab


@pytest.mark.parametrize("size", list(SIZES))
def test_a_new_canteen_publishes_its_first_need_placing_the_delivery_point_with_the_pin(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    canteen = organisation_create(
        user=people.hugo, name="Cantine de l'école de la Durolle", role="buyer", buyer_kind="canteen",
        commune=Commune.objects.get(code="63430"),
    )  # fmt: skip
    tab = tab_of(browser, live_server, people.hugo, size)
    tab.goto(live_server.url + "/needs/new/")
    assert tab.input_value("input[name=place_name]") == canteen.name
    start = float(tab.input_value("#id_place_lat")), float(tab.input_value("#id_place_lon"))
    pin = tab.locator("#pin-map .leaflet-marker-icon")
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 2
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + 40, y + 30, steps=8)
    tab.mouse.up()
    assert tab.input_value("#id_place_pinned") == "True"
    moved = float(tab.input_value("#id_place_lat")), float(tab.input_value("#id_place_lon"))
    assert moved != start and moved[0] < start[0] and moved[1] > start[1]  # down and right: south-east
    shot(tab, SHOTS, f"need-form-{size}")
    page_fits(tab, f"need-form-{size}", edge=False)

    tab.fill("input[name=title]", "Salades pour la cantine")
    tab.select_option("select[name=category]", "salads")
    tab.fill("input[name=quantity]", "15")
    tab.fill("input[name=max_km]", "60")
    tab.get_by_role("button", name="Publier", exact=True).click()
    tab.wait_for_selector("text=Publié")
    need = Need.objects.get(title="Salades pour la cantine")
    place = Place.objects.get(operator=canteen)
    assert need.delivery_place == place and need.status == Need.Status.OPEN
    assert (round(place.lat or 0, 6), round(place.lon or 0, 6)) == (round(moved[0], 6), round(moved[1], 6))
    shot(tab, SHOTS, f"need-published-{size}")
    page_fits(tab, f"need-published-{size}", edge=False)

    assert tab.input_value("select#outcome") == ""
    tab.select_option("select#outcome", "partly")
    tab.get_by_role("button", name="Clore", exact=True).click()
    tab.wait_for_selector("text=Un besoin clos ne peut pas être rouvert.")
    shot(tab, SHOTS, f"need-close-confirm-{size}")
    page_fits(tab, f"need-close-confirm-{size}", edge=False)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    tab.get_by_role("button", name="Clore le besoin").click()
    tab.wait_for_selector("text=Le besoin est clos.")
    need.refresh_from_db()
    assert (need.status, need.outcome) == (Need.Status.CLOSED, "partly")
    tab.context.close()


def test_the_canteen_s_organisation_page_asks_buyer_questions(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any
) -> None:
    """At desktop size: what it asks does not depend on the screen, and the tour checks a buyer
    organisation's edit page at phone size (site/tests/test_browser_axe.py, round 10)."""
    size = "desktop"
    canteen = organisation_create(
        user=people.hugo, name="Cantine de l'école de la Durolle", role="buyer", buyer_kind="canteen",
        commune=Commune.objects.get(code="63430"),
    )  # fmt: skip
    tab = tab_of(browser, live_server, people.hugo, size)
    tab.goto(f"{live_server.url}/edit/actor/{canteen.pk}/")
    assert tab.locator("select[name=buyer_kind]").count() == 1
    assert tab.locator("input[name=delivery_radius_km]").count() == 0
    shot(tab, SHOTS, f"buyer-organisation-{size}")
    page_fits(tab, f"buyer-organisation-{size}", edge=False)
    tab.context.close()
