"""In a real browser, at desktop and phone sizes: the organiser adds the usual tasks, a member volunteers
for one and sees their calendar's address, the organiser sees which distributions still lack volunteers;
every page fits the screen. Screenshots go to /tmp/shots-go."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot

from .test_orders_browser import SHOTS, SIZES
from .world_orders import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_member_volunteers_and_the_organiser_sees_what_is_still_lacking(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    world = world_build(territory, people)
    page = f"{live_server.url}/groups/distributions/{world.distribution.pk}/volunteers/"
    agnes = french_tab(browser, live_server, world.amap.agnes, size)
    agnes.goto(page)
    agnes.click("button[name=usual]")
    agnes.wait_for_selector("li.volunteer-task >> nth=2")
    page_fits(agnes, axe=True)
    shot(agnes, SHOTS, f"volunteers-organiser-{size[0]}")
    jeanne = french_tab(browser, live_server, world.jeanne.user, size)
    jeanne.goto(page)
    jeanne.locator("li.volunteer-task", has_text="Distribution").locator("button").click()
    jeanne.wait_for_selector(".message")
    task = jeanne.locator("li.volunteer-task", has_text="Distribution")
    assert "Jeanne Martin" in task.inner_text() and task.get_attribute("data-left") == "1"
    assert task.locator("button").inner_text() == "Se retirer"
    assert "/calendar.ics" in jeanne.locator("a.calendar-link").inner_text()
    page_fits(jeanne, axe=True)
    shot(jeanne, SHOTS, f"volunteers-member-{size[0]}")
    jeanne.context.close()
    agnes.goto(f"{live_server.url}/groups/{world.group.pk}/volunteers/")
    row = agnes.locator("#staffing tbody tr").first
    assert "1 / 4" in row.inner_text() and "Installation\u202f: 1" in row.inner_text()
    page_fits(agnes, axe=True)
    shot(agnes, SHOTS, f"volunteers-needed-{size[0]}")
    agnes.context.close()
