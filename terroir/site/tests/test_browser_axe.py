"""The tour of every main page of each role at desktop (1366×900) and phone (390×844) size (issue 15):
no page wider than the screen, and axe-core finds no serious or critical accessibility violation. Each
page is loaded once for both checks (loading it is most of what a browser test costs).

axe-core is vendored for the tests only (tests/vendor/axe-core, MPL-2.0, see its PROVENANCE.md): it runs
inside the page through the browser's debugging protocol, which the pages' strict CSP does not block.
`TERROIR_SCREENSHOTS=<folder>` keeps a screenshot of every page of the tour there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import screenshot, wider_than_the_screen
from terroir.imports.models import ImportRun, Source
from terroir.logistics.tests.test_sheets import sheet_run
from terroir.observatory.territories import territory_create
from terroir.site.tests.test_browser_phone import PAGES, SIZES, tab_at, who

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def more_pages(territory: Any, role: str, import_run: Any) -> list[str]:
    """Pages of the role beyond its main pages (`PAGES`), checked the same way."""
    extra = {
        "visitor": ["/?kind=market", f"/suggest/place/{territory.ambert_market.pk}/", "/observatory/",
                    "/observatory/livradois/"],
        "producer": [f"/suggest/place/{territory.ambert_market.pk}/"],
        "buyer": [],
        "coordinator": ["/coordination/", f"/imports/runs/{import_run.pk}/", "/imports/mapping/", "/imports/mappings/",
                        "/observatory/canteens/import/"],
    }
    return extra[role]


def violations(tab: Any) -> list[str]:
    """The serious and critical violations of the open page, one line each: rule, impact, where."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        tab.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = tab.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert result["passes"], "axe-core did not run"  # a page it could not read would pass silently
    found = result["violations"]
    return [
        f"{v['id']} ({v['impact']}): {node['target']} — {node.get('failureSummary', '')[:160]}"
        for v in found
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


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
    tab = tab_at(browser, live_server, who(people, role), SIZES[size])
    too_wide, found = {}, {}
    for n, path in enumerate([*PAGES[role](territory, people, run), *more_pages(territory, role, import_run)]):
        response = tab.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        tab.wait_for_load_state("load")
        screenshot(tab, f"{role}-{size}-{n:02d}")
        if (extra := wider_than_the_screen(tab)) > 0:
            too_wide[path] = extra
        if problems := violations(tab):
            found[path] = problems
    tab.context.close()
    assert too_wide == {}
    assert found == {}
