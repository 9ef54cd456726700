"""In a real browser: a farm's owner edits her shop's opening hours with the day × slots grid on her phone,
in French and English; the grid and the OpenStreetMap expression stay in sync both ways, and expressions the
grid cannot show open in advanced mode. The journeys run at their users' size (a farmer on the go: a
phone); the edit page at desktop size, with the grid's desktop layout (a slot and the months on one line,
the code's box as wide as the other fields), is the tour's (`site/tests/test_browser_axe.py`, the
producer's `hours_typed`, both sizes), and the place's page the visitor's tour."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import offline_tab, page_fits, shot, signed_in, wider_than_the_screen
from terroir.lib import hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-hours"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# Expressions the grid shows (a round trip grid → expression → grid keeps them) and some it cannot.
GRID_EXPRESSIONS = [
    "Tu-Sa 09:00-12:30,15:00-19:00",
    "Tu-Sa 09:00-12:30,15:00-19:00; PH closed",
    "Fr 16:00-19:00; Sa 09:00-12:00",
    "week01-53/2 Sa 08:00-12:00",
    "week02-52/2 We,Fr 17:00-19:00",
    "Apr-Oct Tu,Th 08:00-13:00; PH off",
    "Jan-Feb,Nov-Dec Sa 09:00-12:00",
    "Mo-Su 08:00-24:00",
    "Mo-Fr 08:00-12:00; Su off",
]
ADVANCED_EXPRESSIONS = [
    "Mo-Fr 09:00-12:00; We 14:00-18:00",
    "Jul-Aug We 09:00-13:00; Sa 08:00-12:00",
    "Th[-1] 18:00-20:00",
    "sunrise-sunset",
    'Fr unknown "horaire non précisé"',
    "Fr 22:00-02:00",
]


def no_overflow(tab: Any, width: int) -> None:
    extra = wider_than_the_screen(tab)  # first: it waits for the stylesheets, which the list below needs too
    wide = tab.evaluate(
        """w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
        width,
    )
    assert extra <= 0, f"the page scrolls sideways ({extra}px too wide on {width}px): {wide}"


@pytest.mark.parametrize(("language", "size"), [("fr", "phone"), ("en", "phone")])
def test_an_owner_edits_her_shops_hours_with_the_grid_and_saves(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, language: str, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    context = browser.new_context(
        locale="fr-FR" if language == "fr" else "en-GB", viewport=SIZES[size], is_mobile=size == "phone"
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    tab = signed_in(offline_tab(browser, live_server, context), people.claire, live_server)
    shop = territory.farm_shop
    tab.goto(f"{live_server.url}/edit/place/{shop.pk}/")
    grid = tab.locator("fieldset.hours-grid")
    assert grid.is_visible() and grid.is_enabled()
    friday = tab.locator(".hours-day[data-day=Fr] input[type=time]")
    assert [friday.nth(0).input_value(), friday.nth(1).input_value()] == ["16:00", "19:00"]
    # Sunday gets a morning slot, Friday a second one, the shop closes on public holidays.
    sunday_add = tab.locator(".hours-day[data-day=Su] .hours-add")
    sunday_add.click()
    tab.locator(".hours-day[data-day=Fr] .hours-add").click()
    tab.locator(".hours-day[data-day=Fr] input[type=time]").nth(2).fill("09:00")
    tab.locator(".hours-day[data-day=Fr] input[type=time]").nth(3).fill("12:00")
    tab.locator(".hours-day[data-day=Fr] input[type=time]").nth(3).dispatch_event("change")
    tab.locator(".hours-day[data-day=Fr] input[type=time]").nth(2).dispatch_event("change")
    tab.locator("input[name=hours-holidays]").check()
    expression = tab.locator("#id_opening_hours").input_value()
    assert expression == "Fr 09:00-12:00,16:00-19:00; Sa-Su 09:00-12:00; PH off"
    no_overflow(tab, SIZES[size]["width"])
    shot(tab, SHOTS, f"grid-{language}-{size}")
    tab.locator("form.edit button[type=submit]").click()
    tab.wait_for_load_state()
    shop.refresh_from_db()
    assert shop.opening_hours == hours.validate("Fr 09:00-12:00,16:00-19:00; Sa-Su 09:00-12:00; PH off")
    # Reopened, the grid shows what was saved (the normalised expression), public holidays ticked.
    assert tab.locator("input[name=hours-holidays]").is_checked()
    assert tab.locator(".hours-day[data-day=Su] input[type=time]").nth(0).input_value() == "09:00"
    no_overflow(tab, SIZES[size]["width"])
    tab.goto(f"{live_server.url}{shop.get_absolute_url()}")
    words = "fermé les jours fériés" if language == "fr" else "closed on public holidays"
    assert words in tab.locator(".hours-text").inner_text()
    no_overflow(tab, SIZES[size]["width"])
    shot(tab, SHOTS, f"place-{language}-{size}")
    context.close()


def test_the_grid_and_the_expression_round_trip_and_the_rest_opens_in_advanced_mode(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = signed_in(offline_tab(browser, live_server), people.claire, live_server)
    tab.goto(f"{live_server.url}/edit/place/{territory.farm_shop.pk}/")
    for expression in GRID_EXPRESSIONS:
        model = tab.evaluate("e => terroirHours.parse(e)", expression)
        assert model is not None, expression
        built = tab.evaluate("m => terroirHours.build(m)", model)
        assert hours.validate(built) == hours.validate(expression), (expression, built)
        assert tab.evaluate("b => terroirHours.parse(b)", built) == model
    for expression in ADVANCED_EXPRESSIONS:
        assert tab.evaluate("e => terroirHours.parse(e)", expression) is None, expression
    # Typing an expression the grid cannot show: the grid steps aside and says why.
    tab.locator(".hours-advanced summary").click()
    tab.locator("#id_opening_hours").fill("Mo-Fr 09:00-12:00; We 14:00-18:00")
    assert tab.locator("fieldset.hours-grid").evaluate("grid => grid.disabled")
    assert "grille" in tab.locator(".hours-notice").inner_text()
    tab.locator("#id_opening_hours").fill("Mo-Fr 09:00-12:00")
    assert not tab.locator("fieldset.hours-grid").evaluate("grid => grid.disabled")
    assert tab.locator(".hours-day[data-day=We] input[type=time]").nth(1).input_value() == "12:00"
    # An invalid expression is refused in French, saying where.
    tab.locator("#id_opening_hours").fill("Ma-Sa 9h-12h")
    tab.locator("form.edit button[type=submit]").click()
    tab.wait_for_load_state()
    assert "Horaires non compris à partir du caractère 1" in tab.content()
    assert tab.locator(".hours-advanced").get_attribute("open") is not None
    shot(tab, SHOTS, "advanced-error-fr")


F15_SHOTS = "/tmp/shots-f15"
MONTHS_FR = ["jan.", "fév.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
# Whether a closed <select> has room for its chosen option's text (else the browser cuts it): the text
# measured in the select's font, against its width less its padding and Chromium's arrow (1.25em).
SHOWN_WHOLE = """s => { const style = getComputedStyle(s), pen = document.createElement('canvas').getContext('2d');
  pen.font = style.font;
  const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
    - 1.25 * parseFloat(style.fontSize);
  return pen.measureText(s.selectedOptions[0].text).width <= room; }"""


def grid_tab(browser: Any, live_server: Any, people: Any, size: str) -> Any:
    context = browser.new_context(locale="fr-FR", viewport=SIZES[size], is_mobile=size == "phone")
    return signed_in(offline_tab(browser, live_server, context), people.claire, live_server)


def saved(tab: Any) -> None:
    """Submits the edit form and waits for the page it comes back to (the same address, with a message)."""
    with tab.expect_navigation():
        tab.locator("form.edit button[type=submit]").click()
    tab.locator("ul.messages").wait_for()


@pytest.mark.parametrize("size", ["phone"])
def test_an_owner_opens_her_shop_from_april_to_october_one_saturday_in_two_by_clicking_the_grid(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = grid_tab(browser, live_server, people, size)
    shop = territory.farm_shop  # Fr 16:00-19:00; Sa 09:00-12:00
    tab.goto(f"{live_server.url}/edit/place/{shop.pk}/")
    # The grid keeps near the form's column (its "add" buttons beside their day, not across the screen), and
    # a checkbox starts its line under its label.
    column = tab.locator("#id_closed_at").bounding_box()
    grid = tab.locator("fieldset.hours-grid").bounding_box()
    assert grid["x"] + grid["width"] <= column["x"] + max(column["width"], 800) + 1
    # At desktop size (the tour's `hours_typed`), a slot's start and end and the twelve months on one line.
    assert tab.locator("#id_contact_public").bounding_box()["x"] == column["x"]
    # No more Friday evenings: the slot's remove button, named for a screen reader.
    tab.get_by_role("button", name="retirer le créneau vendredi 1").click()
    assert tab.locator(".hours-day[data-day=Fr] .hours-closed").is_visible()
    # The season: the months from November to March unticked, by their labels (June and July apart).
    assert [t.strip() for t in tab.locator("fieldset.hours-months label").all_inner_texts()] == MONTHS_FR
    for month in ("jan.", "fév.", "mars", "nov.", "déc."):
        tab.locator("fieldset.hours-months").get_by_label(month, exact=True).uncheck()
    # One Saturday in two, chosen by the words the owner reads.
    weeks = tab.get_by_label("Semaines")
    weeks.select_option(label="semaines impaires (1 sur 2)")
    # The closed list shows the words that tell odd weeks from even ones, even on a phone.
    assert weeks.evaluate(SHOWN_WHOLE), weeks.evaluate("s => s.selectedOptions[0].text")
    assert tab.locator("#id_opening_hours").input_value() == "Apr-Oct week01-53/2 Sa 09:00-12:00"
    page_fits(tab, edge=False)
    shot(tab, F15_SHOTS, f"grid-season-{size}")
    saved(tab)
    shop.refresh_from_db()
    assert shop.opening_hours == "Apr-Oct week01-53/2 Sa 09:00-12:00"
    # Reopened, the grid shows the season and the week step it was given.
    months = tab.locator("fieldset.hours-months input[type=checkbox]")
    assert [months.nth(m).is_checked() for m in range(12)] == [False] * 3 + [True] * 7 + [False] * 2
    assert tab.locator("select[name=hours-week]").input_value() == "odd"
    assert not tab.locator("fieldset.hours-grid").evaluate("grid => grid.disabled")
    # The place's page says it in words.
    tab.goto(f"{live_server.url}{shop.get_absolute_url()}")
    assert tab.locator(".hours-text").inner_text().strip() == (
        "d’avril à octobre, un samedi sur deux (semaines impaires) 9 h–12 h"
    )
    assert "week01-53/2" not in tab.locator("main").inner_text()
    page_fits(tab, edge=False)
    shot(tab, F15_SHOTS, f"place-season-{size}")
    tab.context.close()


@pytest.mark.parametrize("size", ["phone"])
def test_an_owner_types_the_code_in_advanced_mode_and_the_grid_follows_or_steps_aside(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    tab = grid_tab(browser, live_server, people, size)
    shop = territory.farm_shop
    tab.goto(f"{live_server.url}/edit/place/{shop.pk}/")
    code = tab.get_by_role("textbox", name="Horaires d’ouverture")
    assert not code.is_visible()  # folded under "advanced" while the grid can show the hours
    tab.get_by_text("Code OpenStreetMap (avancé)").click()
    # Code the grid can show: it follows, season, week step and days.
    code.fill("Apr-Oct week02-52/2 We,Fr 17:00-19:00")
    assert tab.locator("select[name=hours-week]").input_value() == "even"
    assert not tab.locator("input[name=hours-month-0]").is_checked()
    assert tab.locator("input[name=hours-month-9]").is_checked()
    wednesday = tab.locator(".hours-day[data-day=We] input[type=time]")
    assert [wednesday.nth(0).input_value(), wednesday.nth(1).input_value()] == ["17:00", "19:00"]
    assert tab.locator(".hours-day[data-day=Sa] .hours-closed").is_visible()
    # Code it cannot: it steps aside, says why, and the code is what is saved.
    code.fill("Jul-Aug We 09:00-13:00; Sa 08:00-12:00")
    assert tab.locator("fieldset.hours-grid").evaluate("grid => grid.disabled")
    # The code's box as wide as the form's other fields: the whole expression in sight as it is typed.
    assert code.bounding_box()["width"] == tab.locator("#id_closed_at").bounding_box()["width"]
    assert code.evaluate("box => box.scrollWidth <= box.clientWidth")
    assert "grille" in tab.locator(".hours-notice").inner_text()
    page_fits(tab, edge=False)
    shot(tab, F15_SHOTS, f"grid-advanced-{size}")
    saved(tab)
    shop.refresh_from_db()
    assert shop.opening_hours == "Jul-Aug We 09:00-13:00; Sa 08:00-12:00"
    # Reopened: still advanced, open, the grid aside.
    assert tab.locator(".hours-advanced").get_attribute("open") is not None
    assert tab.locator("fieldset.hours-grid").evaluate("grid => grid.disabled")
    tab.goto(f"{live_server.url}{shop.get_absolute_url()}")
    assert tab.locator(".hours-text").inner_text().strip() == (
        "en juillet et août, mercredi 9 h–13 h\u202f; samedi 8 h–12 h"
    )
    page_fits(tab, edge=False)
    shot(tab, F15_SHOTS, f"place-advanced-{size}")
    tab.context.close()
