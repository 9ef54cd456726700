"""In a real browser: a visitor corrects hours while the owner changes them; the owner's moderation page
shows the value then, now and suggested, and asks before replacing. The journeys run on a phone (a
visitor at the place, a farmer between two jobs); each page is checked at desktop size too where it is
reached (`fits_at`). No page is wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, shot
from terroir.contributions import revisions
from terroir.contributions.models import Suggestion
from terroir.directory.models import Place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SHOTS = Path("/tmp/shots-D")


def test_a_suggestion_made_before_the_owner_s_edit_is_accepted_only_once_confirmed(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any
) -> None:
    size = "phone"
    shop = territory.farm_shop
    visitor = french_tab(browser, live_server, None, SIZES[size])
    visitor.goto(f"{live_server.url}/suggest/place/{shop.pk}/")
    shot(visitor, SHOTS, f"suggest-{size}")
    page_fits(visitor, f"suggest-{size}", edge=False)
    fits_at(visitor, SIZES["desktop"], f"suggest-{size} at desktop size", edge=False)
    visitor.click("details.hours-advanced summary")  # the expression itself, under the hours grid
    visitor.fill("input[name=opening_hours]", "Fr 16:00-20:00")
    # Meanwhile, the farm changes its hours.
    revisions.entry_edit(entry=shop, changes={"opening_hours": "Fr 15:00-19:00"}, by=people.claire, version=None)
    visitor.get_by_role("button", name="Envoyer la suggestion").click()
    visitor.wait_for_selector("h1")
    suggestion = Suggestion.objects.get()
    assert suggestion.changes["opening_hours"] == ["Fr 16:00-19:00; Sa 09:00-12:00", "Fr 16:00-20:00"]

    owner = french_tab(browser, live_server, people.claire, SIZES[size])
    owner.goto(f"{live_server.url}/moderation/")
    row = owner.locator(f"#suggestion-{suggestion.pk}")
    text = row.inner_text()
    # Then, now and suggested, in words as the public pages say them.
    assert "vendredi 16 h–19 h\u202f; samedi 9 h–12 h" in text and "vendredi 15 h–19 h" in text
    assert "vendredi 16 h–20 h" in text
    shot(owner, SHOTS, f"moderation-{size}")
    page_fits(owner, f"moderation-{size}", edge=False)
    fits_at(owner, SIZES["desktop"], f"moderation-{size} at desktop size", edge=False)
    row.get_by_role("button", name="Accepter", exact=True).click()
    owner.wait_for_selector("input[name=confirm]", state="attached")
    shot(owner, SHOTS, f"moderation-confirm-{size}")
    page_fits(owner, f"moderation-confirm-{size}", edge=False)
    fits_at(owner, SIZES["desktop"], f"moderation-confirm-{size} at desktop size", edge=False)
    assert Place.objects.get(pk=shop.pk).opening_hours == "Fr 15:00-19:00"
    owner.locator(f"#suggestion-{suggestion.pk} form").first.get_by_role("button").click()
    owner.wait_for_selector("text=Rien à vérifier.")
    assert Place.objects.get(pk=shop.pk).opening_hours == "Fr 16:00-20:00"
    for tab in (visitor, owner):
        tab.context.close()


def test_a_visitor_suggests_hours_with_the_owners_grid(browser: Any, live_server: Any, territory: Any) -> None:
    size = "phone"
    shop = territory.farm_shop  # "Fr 16:00-19:00; Sa 09:00-12:00"
    visitor = french_tab(browser, live_server, None, SIZES[size])
    visitor.goto(f"{live_server.url}/suggest/place/{shop.pk}/")
    grid = visitor.locator("fieldset.hours-grid")
    grid.wait_for()
    assert not visitor.locator("input[name=opening_hours]").is_visible()  # the expression is under "advanced"
    assert "Version" not in visitor.locator("form.edit").inner_text()  # a hidden field has no label to show
    friday = visitor.locator(".hours-day[data-day=Fr] input[type=time]")
    assert [friday.nth(0).input_value(), friday.nth(1).input_value()] == ["16:00", "19:00"]
    friday.nth(1).fill("20:00")
    friday.nth(1).dispatch_event("change")
    visitor.wait_for_function("() => document.querySelector('input[name=opening_hours]')?.value.includes('20:00')")
    shot(visitor, SHOTS, f"suggest-grid-{size}")
    page_fits(visitor, f"suggest-grid-{size}", edge=False)
    fits_at(visitor, SIZES["desktop"], f"suggest-grid-{size} at desktop size", edge=False)
    visitor.get_by_role("button", name="Envoyer la suggestion").click()
    visitor.wait_for_selector("h1")
    suggestion = Suggestion.objects.get()
    assert suggestion.changes["opening_hours"] == ["Fr 16:00-19:00; Sa 09:00-12:00", "Fr 16:00-20:00; Sa 09:00-12:00"]
    visitor.context.close()
