"""The tour of every main page of each role at desktop (1366×900) and phone (390×844) size (issue 15):
no page wider than the screen, and axe-core finds no serious or critical accessibility violation. Each
page is loaded once for both checks (loading it is most of what a browser test costs), and for the checks
of its own that a page has (`PAGE_CHECKS`: a form's lists of checkboxes).

axe-core is vendored for the tests only (tests/vendor/axe-core, MPL-2.0, see its PROVENANCE.md): it runs
inside the page through the browser's debugging protocol, which the pages' strict CSP does not block
(`violations` in terroir/conftest.py).
`TERROIR_SCREENSHOTS=<folder>` keeps a screenshot of every page of the tour there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from terroir.carpool.eligibility import eligibility_seed
from terroir.conftest import screenshot, violations, wider_than_the_screen
from terroir.directory.models import Category
from terroir.imports.models import ImportRun, Source
from terroir.logistics.tests.test_sheets import sheet_run
from terroir.needs.models import Answer, Need
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser_phone import PAGES, SIZES, tab_at, who

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A page reached by acting on another one: its path, then what a person does there (the page checked is
# the one the action leaves open).
Step = str | tuple[str, Callable[[Any], None]]


def close_asked(tab: Any) -> None:
    """The need's buyer chooses an outcome and closes it: the confirmation page."""
    tab.select_option("#outcome", "contracted")
    with tab.expect_navigation():
        tab.click("form[action$='/close/'] button[type=submit]")
    tab.locator("input[name=confirm]").wait_for(state="attached")


def hours_typed(tab: Any) -> None:
    """The owner opens the hours' code and types what the grid cannot show: the grid steps aside. On the
    way, the grid's layout at this size (the hours journeys of `directory/tests/test_browser_hours.py` run
    on a phone only): the grid keeps near the form's column, a checkbox starts its line under its label,
    at desktop size a slot's start and end and the twelve months each on one line; the code's box as wide
    as the form's other fields, the whole expression in sight."""
    column = tab.locator("#id_closed_at").bounding_box()
    grid = tab.locator("fieldset.hours-grid").bounding_box()
    assert grid["x"] + grid["width"] <= column["x"] + max(column["width"], 800) + 1
    assert tab.locator("#id_contact_public").bounding_box()["x"] == column["x"]
    if tab.viewport_size["width"] >= 1000:
        saturday = tab.locator(".hours-day[data-day=Sa] input[type=time]")
        assert saturday.nth(0).bounding_box()["y"] == saturday.nth(1).bounding_box()["y"]
        boxes = tab.locator("fieldset.hours-months input[type=checkbox]")
        assert boxes.nth(0).bounding_box()["y"] == boxes.nth(11).bounding_box()["y"]
    tab.click(".hours-advanced summary")
    tab.fill("#id_opening_hours", "Mo-Fr 09:00-12:00; We 14:00-18:00")
    tab.wait_for_function("() => document.querySelector('fieldset.hours-grid')?.disabled === true")
    code = tab.locator("#id_opening_hours")
    assert code.bounding_box()["width"] == column["width"]
    assert code.evaluate("box => box.scrollWidth <= box.clientWidth")


def open_need(territory: Any) -> Need:
    """The supermarket's open need for honey, which the beekeeper answered."""
    need = Need.objects.create(
        buyer=territory.clermont_supermarket.operator, title="Miel de montagne pour le rayon local",
        category=Category.objects.get(slug="honey"), quantity=40, status=Need.Status.OPEN,
        published_at=timezone.now(), delivery_place=territory.clermont_supermarket,
    )  # fmt: skip
    Answer.objects.create(need=need, producer=territory.honey_farm, kind=Answer.Kind.OFFER, price=12.5, volume=40,
                          message="Miel de châtaignier et toutes fleurs, livré le mardi.")  # fmt: skip
    return need


# For each box of a choice list: how far its middle is from its label's middle, and the list's lines.
MEASURE = """() => [...document.querySelectorAll('form label > input[type=checkbox]')]
  .filter(box => box.closest('div[id^="id_"]'))
  .map(box => { const b = box.getBoundingClientRect(), l = box.parentElement.getBoundingClientRect();
    return {name: box.id, off: Math.abs((b.top + b.bottom) / 2 - (l.top + l.bottom) / 2), top: Math.round(l.top)}; })"""


def choice_lists_flow(tab: Any, size: str) -> None:
    """Forms' lists of checkboxes (a producer's alert products, a need's months, delivery days and labels):
    each box sits on its words' line and the list flows in lines rather than one box a line."""
    boxes = tab.evaluate(MEASURE)
    assert len(boxes) > 12, tab.url
    assert [b["name"] for b in boxes if b["off"] > 3] == [], tab.url
    if tab.url.endswith("/needs/new/"):  # the twelve months of a need take fewer lines than twelve
        lines = {b["top"] for b in boxes if b["name"].startswith("id_months_")}
        assert len(lines) <= (4 if size == "phone" else 2), lines


# Checks of a page of the tour beyond its width and axe-core, made while it is open: (tab, size).
PAGE_CHECKS: dict[str, Callable[[Any, str], None]] = {
    "/needs/alerts/": choice_lists_flow,  # the producer's
    "/needs/new/": choice_lists_flow,  # the buyer's
}


def more_pages(territory: Any, role: str, import_run: Any, need: Any) -> list[Step]:
    """Pages of the role beyond its main pages (`PAGES`), checked the same way."""
    extra: dict[str, list[Step]] = {
        "visitor": ["/?kind=market", f"/suggest/place/{territory.ambert_market.pk}/", "/observatory/",
                    "/observatory/livradois/"],
        "producer": [f"/suggest/place/{territory.ambert_market.pk}/",
                     (f"/edit/place/{territory.farm_shop.pk}/", hours_typed)],
        "buyer": [f"/needs/{need.pk}/", (f"/needs/{need.pk}/", close_asked),
                  f"/edit/actor/{territory.clermont_supermarket.operator_id}/"],
        "coordinator": ["/coordination/", f"/imports/runs/{import_run.pk}/", "/imports/mapping/", "/imports/mappings/",
                        "/observatory/canteens/import/", "/carpool/eligibility/"],
    }  # fmt: skip
    return extra[role]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", PAGES)
def test_no_main_page_of_a_role_is_wider_than_the_screen_or_has_a_serious_accessibility_violation(
    browser: Any, live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any,
    role: str, size: str,
) -> None:  # fmt: skip
    settings.TERROIR_TILE_URL = ""
    run = sheet_run(territory)
    territory_create(slug="livradois", name="Livradois", codes=["63003", "63430"])
    source = Source.objects.create(name="bio", label="Bio")
    report = "\ufeffline;rejected;column;problem;row\n3;yes;nom;x;{}\n"
    import_run = ImportRun.objects.create(
        source=source, file_name="bio.csv", status=ImportRun.Status.DONE, rows=2, rejected=1, report=report
    )
    eligibility_seed()  # the carpool's table of products that may ride (the coordinator's page)
    tab = tab_at(browser, live_server, who(people, role), SIZES[size])
    too_wide, found = {}, {}
    need = open_need(territory)
    for n, step in enumerate([*PAGES[role](territory, people, run), *more_pages(territory, role, import_run, need)]):
        path, action = (step, None) if isinstance(step, str) else step
        response = tab.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        tab.wait_for_load_state("load")
        if check := PAGE_CHECKS.get(path):
            check(tab, size)
        if action:
            action(tab)
            path = f"{path} ({action.__name__})"
        screenshot(tab, f"{role}-{size}-{n:02d}")
        if (extra := wider_than_the_screen(tab)) > 0:
            too_wide[path] = extra
        if problems := violations(tab):
            found[path] = problems
    tab.context.close()
    assert too_wide == {}
    assert found == {}
