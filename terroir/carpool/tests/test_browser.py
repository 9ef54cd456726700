"""In a real browser, on a phone (where carriers and producers hand parcels over): Hugo offers his Tuesday
trip Thiers → Courpière → Clermont-Ferrand with a refrigerated box; Claire asks for a parcel of cheese from
Courpière to Sophie in Clermont; the trip is proposed with its explanation; both confirm; Claire hands the
parcel to Hugo, who signs; Hugo delivers it to Sophie, who signs; the delivery note shows the chain. No page
scrolls sideways; each page of the journey is checked at desktop size too where it is reached (`fits_at`)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from terroir.carpool.eligibility import eligibility_seed
from terroir.conftest import fits_at, french_tab, offline_tab, page_fits, past_the_edge, screenshot
from terroir.directory.models import Category
from terroir.needs.tests.test_browser import signed_in

from .conftest import TUESDAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def submit(tab: Any, button: str) -> None:
    """Press the form's button from the keyboard. (A mouse click right after a full-page screenshot of a
    long form was lost: Chromium had not yet put back the viewport the screenshot stretched.)"""
    tab.press(button, "Enter")


def test_a_trip_offered_a_parcel_requested_confirmed_picked_up_and_delivered(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any
) -> None:
    """The journey once, on a phone; each page it goes through checked at desktop size where it is reached
    (the parcel's page in transit is checked at both sizes in test_browser_code.py)."""
    settings.TERROIR_TILE_URL = ""
    eligibility_seed()
    size = "phone"

    def tab_of(user: Any, size: str = size) -> Any:
        tab = french_tab(browser, live_server, user, SIZES[size])  # the first: the process's kept tab
        tab.set_default_timeout(30_000)  # each save runs the day's matching in the request's process (tests)
        return tab

    hugo, claire, sophie = tab_of(people.hugo), tab_of(people.claire), tab_of(people.sophie)

    # Hugo offers his trip.
    hugo.goto(f"{live_server.url}/carpool/")
    screenshot(hugo, f"carpool-home-{size}")
    page_fits(hugo, f"carpool-home-{size}")
    fits_at(hugo, SIZES["desktop"])
    hugo.click("#offer-trip")
    hugo.wait_for_url("**/carpool/trips/new/")
    hugo.fill("input[name=origin]", "Thiers")
    hugo.fill("input[name=stops]", "Courpière")
    hugo.fill("input[name=destination]", "Clermont-Ferrand")
    hugo.fill("input[name=day]", TUESDAY.isoformat())
    hugo.fill("input[name=leaves]", "08:00")
    hugo.fill("input[name=arrives_by]", "10:30")
    hugo.check("input[name=weekdays][value='1']")
    hugo.fill("input[name=free_kg]", "50")
    hugo.fill("input[name=free_litres]", "200")
    hugo.select_option("select[name=condition]", "refrigerated")
    hugo.fill("input[name=detour_minutes]", "15")
    screenshot(hugo, f"carpool-trip-form-{size}")
    page_fits(hugo, f"carpool-trip-form-{size}")
    fits_at(hugo, SIZES["desktop"])
    submit(hugo, "#trip-form button[type=submit]")
    hugo.wait_for_url(re.compile(r"/carpool/trips/\d+/$"))
    assert "Thiers (63) → Courpière (63) → Clermont-Ferrand (63)" in hugo.locator("dl.facts").inner_text()
    screenshot(hugo, f"carpool-trip-{size}")
    page_fits(hugo, f"carpool-trip-{size}")
    fits_at(hugo, SIZES["desktop"])

    # Claire asks for a parcel of cheese: the matching runs when her request is saved.
    claire.goto(f"{live_server.url}/carpool/parcels/new/")
    claire.fill("input[name=description]", "Fourme d'Ambert, 6 pièces")
    claire.select_option("select[name=category]", str(Category.objects.get(slug="cow-cheese").pk))
    claire.fill("input[name=origin]", "Courpière")
    claire.fill("input[name=origin_address]", "Ferme du Bourg")
    claire.fill("input[name=destination]", "Clermont-Ferrand")
    claire.fill("input[name=recipient]", people.sophie.email)
    claire.fill("input[name=day]", TUESDAY.isoformat())
    claire.fill("input[name=ready_at]", "07:00")
    claire.fill("input[name=due_by]", "11:00")
    claire.fill("input[name=kg]", "8")
    claire.fill("input[name=litres]", "20")
    claire.fill("input[name=value]", "120")
    screenshot(claire, f"carpool-parcel-form-{size}")
    page_fits(claire, f"carpool-parcel-form-{size}")
    fits_at(claire, SIZES["desktop"])
    submit(claire, "#parcel-form button[type=submit]")
    claire.wait_for_url(re.compile(r"/carpool/parcels/\d+/$"))
    parcel_url = claire.url
    assert "Trajet proposé" in claire.locator("#status").inner_text()
    explained = claire.locator("#explained").inner_text()
    assert "min, réfrigéré, arrive à" in explained
    screenshot(claire, f"carpool-parcel-proposed-{size}")
    page_fits(claire, f"carpool-parcel-proposed-{size}")
    fits_at(claire, SIZES["desktop"])

    # Both confirm.
    claire.click("#confirm")
    claire.wait_for_selector("text=l’expéditeur a confirmé")
    hugo.goto(parcel_url)
    hugo.click("#confirm")
    hugo.wait_for_selector("#status:has-text('Confirmé')")

    # Claire hands the parcel to Hugo at the pickup, with the temperature.
    claire.goto(parcel_url)
    assert claire.locator("select[name=handover-kind]").input_value() == "pickup"
    claire.fill("input[name=handover-celsius]", "3.5")
    screenshot(claire, f"carpool-handover-{size}")
    page_fits(claire, f"carpool-handover-{size}")
    fits_at(claire, SIZES["desktop"])
    claire.click("#record")
    claire.wait_for_selector("#pending")
    assert "Responsable maintenant\u202f: GAEC des Monts du Forez" in claire.locator("#holder").inner_text()

    # Hugo checks and signs: he is responsible now.
    hugo.goto(parcel_url)
    hugo.fill("input[name=accept-celsius]", "3.6")
    screenshot(hugo, f"carpool-sign-{size}")
    page_fits(hugo, f"carpool-sign-{size}")
    fits_at(hugo, SIZES["desktop"])
    hugo.click("#sign")
    hugo.wait_for_selector("#holder:has-text('Responsable maintenant\u202f: Rucher de la Durolle')")
    assert "En route" in hugo.locator("#status").inner_text()

    # Hugo delivers to Sophie, who signs.
    assert hugo.locator("select[name=handover-kind]").input_value() == "delivery"
    hugo.fill("input[name=handover-celsius]", "3.8")
    hugo.click("#record")
    hugo.wait_for_selector("#pending")
    sophie.goto(parcel_url)
    sophie.fill("input[name=accept-celsius]", "3.9")
    sophie.click("#sign")
    sophie.wait_for_selector("#status:has-text('Livré')")
    assert sophie.locator("#chain li").count() == 2
    screenshot(sophie, f"carpool-delivered-{size}")
    page_fits(sophie, f"carpool-delivered-{size}")
    fits_at(sophie, SIZES["desktop"])

    # The delivery note, printable.
    sophie.click("text=Bon de livraison")
    sophie.wait_for_url("**/note/")
    note = sophie.locator("section.delivery-note").inner_text()
    assert "Enlèvement" in note and "Livraison" in note and "signé par SAS Supermarché des Volcans" in note
    screenshot(sophie, f"carpool-note-{size}")
    page_fits(sophie, f"carpool-note-{size}")
    fits_at(sophie, SIZES["desktop"])
    for tab in (hugo, claire, sophie):
        tab.context.close()


# The coordinator's back-office work, at desktop size; the page at both sizes: the tour
# (site/tests/test_browser_axe.py, the coordinator's `more_pages`).
@pytest.mark.parametrize("size", ["desktop"], ids=["desktop"])
def test_a_coordinator_changes_which_products_may_ride(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    eligibility_seed()
    width, height = SIZES[size]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    tab = signed_in(offline_tab(browser, live_server, context), people.camille, live_server)
    tab.goto(f"{live_server.url}/carpool/eligibility/")
    screenshot(tab, f"carpool-eligibility-{size}")
    page_fits(tab, f"carpool-eligibility-{size}")
    eggs = tab.locator("#eligibility tbody tr", has_text="Œufs")
    eggs.locator("input[type=checkbox][name$='-allowed']").uncheck()
    submit(tab, "#eligibility button[type=submit]")
    tab.wait_for_selector(".messages:has-text('Le tableau des produits admis est enregistré')")
    assert not tab.locator("#eligibility tbody tr", has_text="Œufs").locator("input[name$='-allowed']").is_checked()


def test_a_pasted_paragraph_in_the_commune_field_is_refused_in_a_short_sentence_that_fits_a_phone(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780})
    tab = signed_in(offline_tab(browser, live_server, context), people.hugo, live_server)
    tab.goto(f"{live_server.url}/carpool/trips/new/")
    tab.fill("input[name=origin]", "x" * 3000)
    tab.fill("input[name=destination]", "Clermont-Ferrand")
    tab.fill("input[name=day]", TUESDAY.isoformat())
    tab.fill("input[name=leaves]", "08:00")
    tab.fill("input[name=arrives_by]", "10:30")
    submit(tab, "#trip-form button[type=submit]")
    error = tab.locator(".errorlist li", has_text="commune").first
    error.wait_for()
    said = error.inner_text()
    assert said.startswith("Aucune commune ne porte le nom") and len(said) < 120, said
    # The field keeps what was typed (its text scrolls inside it); nothing else runs past the screen.
    page_fits(tab, "carpool-trip-form-refused-phone", edge=False)
    assert [e for e in past_the_edge(tab) if not e.startswith("INPUT")] == []
    tab.context.close()
