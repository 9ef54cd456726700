"""Forms' lists of checkboxes (a producer's alert products, a need's months, delivery days and labels), in a
real browser at desktop and phone size: each box sits on its words' line and the list flows in lines rather
than one box a line. Screenshots in /tmp/shots-f15/."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import page_fits, shot
from terroir.site.tests.test_browser_phone import SIZES, tab_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each box of a choice list: how far its middle is from its label's middle, and the list's lines.
MEASURE = """() => [...document.querySelectorAll('form label > input[type=checkbox]')]
  .filter(box => box.closest('div[id^="id_"]'))
  .map(box => { const b = box.getBoundingClientRect(), l = box.parentElement.getBoundingClientRect();
    return {name: box.id, off: Math.abs((b.top + b.bottom) / 2 - (l.top + l.bottom) / 2), top: Math.round(l.top)}; })"""


@pytest.mark.parametrize("size", SIZES)
def test_a_choice_list_s_boxes_sit_on_their_words_line_and_the_list_flows(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any, size: str
) -> None:
    settings.TERROIR_TILE_URL = ""
    for who, path, name in ((people.claire, "/needs/alerts/", "alerts"), (people.sophie, "/needs/new/", "need-new")):
        tab = tab_at(browser, live_server, who, SIZES[size])
        tab.goto(live_server.url + path)
        boxes = tab.evaluate(MEASURE)
        assert len(boxes) > 12, path
        assert [b["name"] for b in boxes if b["off"] > 3] == [], path
        # The twelve months of a need take fewer lines than twelve.
        if path == "/needs/new/":
            lines = {b["top"] for b in boxes if b["name"].startswith("id_months_")}
            assert len(lines) <= (4 if size == "phone" else 2), lines
        page_fits(tab, edge=False)
        shot(tab, "/tmp/shots-f15", f"{name}-{size}")
        tab.context.close()
