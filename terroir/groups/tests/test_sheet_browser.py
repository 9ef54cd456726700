"""In a real browser, at desktop and phone sizes: the organiser opens the distribution sheet (members'
baskets and orders, what producers bring), which fits the screen, prints on paper without the site's
header, and downloads as PDF. Screenshots go to /tmp/shots-go."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.groups import orders, volunteers

from .test_orders_browser import SHOTS, SIZES
from .test_sheet import winter_baskets
from .world_orders import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_organiser_prints_the_distribution_sheet_and_downloads_it_as_pdf(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    world = world_build(territory, people)
    winter_baskets(world, territory)
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(2), world.honey.pk: D(1)})  # fmt: skip
    [setting_up, *_rest] = volunteers.volunteer_tasks_usual(distribution=world.distribution, by=world.amap.agnes)
    volunteers.volunteer_sign_up(task=setting_up, member=world.paul, by=world.paul.user)
    tab = french_tab(browser, live_server, world.amap.agnes, size)
    tab.goto(f"{live_server.url}/groups/distributions/{world.distribution.pk}/order/")
    tab.click("nav.distribution-tabs >> text=Feuille de distribution")
    tab.wait_for_url("**/sheet/")
    names = tab.locator("#sheet-members td.member").all_inner_texts()
    assert names == ["Jeanne Martin", "Laissé au groupement", "Mme Durand", "Paul Bernard"]
    assert "À payer\u202f: 23,40\u00a0€" in tab.locator("#sheet-members").inner_text()
    assert tab.locator("#sheet-producers tbody tr").count() == 3
    page_fits(tab, axe=True)
    shot(tab, SHOTS, f"sheet-{size[0]}")
    tab.emulate_media(media="print")
    assert not tab.locator(".site-header").is_visible() and not tab.locator(".distribution-tabs").is_visible()
    shot(tab, SHOTS, f"sheet-print-{size[0]}")
    tab.emulate_media(media="screen")
    with tab.expect_download() as download:
        tab.click("text=Télécharger en PDF")
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    tab.context.close()
