"""In a real browser, at desktop and phone sizes: a person chooses English on their space; the page comes
back in English with the choice kept, and fits the screen (screenshots into TERROIR_SCREENSHOTS)."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.accounts.models import Preference
from terroir.conftest import french_tab, past_the_edge, screenshot, wider_than_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_a_person_chooses_english_on_their_space_and_it_is_kept(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    tab = french_tab(browser, live_server, people.claire, size)
    tab.goto(f"{live_server.url}/account/space/")
    form = tab.locator("#my-language")
    form.wait_for()
    assert wider_than_the_screen(tab) <= 0 and past_the_edge(tab) == []
    screenshot(tab, f"language-space-fr-{size[0]}")
    form.locator("select").select_option("en")
    form.get_by_role("button", name="Enregistrer").click()
    tab.wait_for_function("() => document.documentElement.lang === 'en'")
    tab.wait_for_url("**/account/space/")
    assert tab.locator("h1").inner_text() == "My space"
    assert tab.locator("#my-language-choice").input_value() == "en"
    assert Preference.objects.get(user=people.claire).language == "en"
    assert wider_than_the_screen(tab) <= 0 and past_the_edge(tab) == []
    screenshot(tab, f"language-space-en-{size[0]}")
    tab.context.close()
