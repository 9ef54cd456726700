"""In a real browser, in French at desktop and phone sizes, the shops' pages changed for what their users
stumbled on: an opening with shifts is deleted only once they are listed and the box ticked. Screenshots
go to /tmp/shots-qa (with TERROIR_SCREENSHOTS set)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import french_tab, page_fits, shot
from terroir.shops import services
from terroir.shops.models import OpeningSlot, Rota, RotaStatus, Shift

from .conftest import le_local_build
from .test_browser import SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-qa")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_an_opening_with_shifts_lists_them_and_asks_to_tick_before_deleting(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    slot = services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, status=RotaStatus.OPTIMAL)
    for day in (3, 10):
        Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, day), member=le_local.claire)
    tab = french_tab(browser, live_server, le_local.florent, size)
    tab.goto(f"{live_server.url}/shops/{le_local.shop.pk}/rota/slots/{slot.pk}/")
    assert tab.locator("#delete-items li").all_inner_texts() == [
        "03/03/2026 15:00–19:00 — Claire", "10/03/2026 15:00–19:00 — Claire"]  # fmt: skip
    page_fits(tab, "slot-edit")
    shot(tab, SHOTS, f"slot-delete-{size[0]}")
    tab.click("#delete-form button")  # the box is required: the browser does not send the form
    assert OpeningSlot.objects.filter(pk=slot.pk).exists()
    tab.check("#delete-form input[name=confirm]")
    tab.click("#delete-form button")
    tab.wait_for_url("**/rota/")
    assert not OpeningSlot.objects.filter(pk=slot.pk).exists() and not Shift.objects.exists()
    tab.context.close()
