"""In a real browser, on a phone, each page checked at desktop size too (`fits_at`): a person chooses
English on their space; the page comes back in English with the choice kept; a person who chose English
signs in from a French browser and the pages turn English. Each page fits the screen (screenshots when
TERROIR_SCREENSHOTS is set)."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.accounts.models import Preference
from terroir.conftest import PASSWORD, fits_at, french_tab, page_fits, screenshot, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots-t2"
DESKTOP, PHONE = (1366, 900), (390, 844)


def test_a_person_chooses_english_on_their_space_and_it_is_kept(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    size = PHONE
    tab = french_tab(browser, live_server, people.claire, size)
    tab.goto(f"{live_server.url}/account/space/")
    form = tab.locator("#my-language")
    form.wait_for()
    page_fits(tab, "space in French")
    fits_at(tab, DESKTOP, "space in French at desktop size")
    screenshot(tab, f"language-space-fr-{size[0]}")
    form.locator("select").select_option("en")
    form.get_by_role("button", name="Enregistrer").click()
    tab.wait_for_function("() => document.documentElement.lang === 'en'")
    tab.wait_for_url("**/account/space/")
    assert tab.locator("h1").inner_text() == "My space"
    assert tab.locator("#my-language-choice").input_value() == "en"
    assert Preference.objects.get(user=people.claire).language == "en"
    page_fits(tab, "space in English")
    fits_at(tab, DESKTOP, "space in English at desktop size")
    screenshot(tab, f"language-space-en-{size[0]}")
    tab.context.close()


def test_a_person_who_chose_english_signs_in_from_a_french_browser_and_the_pages_turn_english(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    size = PHONE
    Preference.objects.create(user=people.hugo, language="en")
    tab = french_tab(browser, live_server, None, size)
    tab.goto(f"{live_server.url}/account/login/")
    tab.locator("input[name=login]").wait_for()
    assert tab.evaluate("document.documentElement.lang") == "fr"
    page_fits(tab, "login")
    fits_at(tab, DESKTOP, "login at desktop size")
    shot(tab, SHOTS, f"sign-in-fr-{size[0]}")
    tab.fill("input[name=login]", people.hugo.email)
    tab.fill("input[name=password]", PASSWORD)
    tab.locator("form button[type=submit]").last.click()
    tab.wait_for_url("**/account/space/")
    tab.wait_for_function("() => document.documentElement?.lang === 'en'")
    assert tab.locator("h1").inner_text() == "My space"
    page_fits(tab, "space")
    fits_at(tab, DESKTOP, "space at desktop size")
    shot(tab, SHOTS, f"signed-in-en-{size[0]}")
    # The next page too: the language cookie now says the person's choice.
    tab.goto(f"{live_server.url}/needs/")
    assert tab.evaluate("document.documentElement.lang") == "en"
    tab.context.close()
