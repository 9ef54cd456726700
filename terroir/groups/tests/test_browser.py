"""In a real browser: a member subscribes to a contract from the group's page to the confirmation (on a
phone, a consumer); the producer reads their quantities per date and the organiser records an absence (at a
desktop, back-office work); every page of the app fits the screen and axe-core finds no serious or critical
accessibility violation on it. Each journey runs once, at its users' size, and each page it reaches is
checked at the other size there (`fits_at`). Screenshots go to /tmp/shots-g."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from terroir.accounts.models import Membership
from terroir.conftest import fits_at, french_tab, page_fits, person, shot
from terroir.groups import services

from .conftest import BEFORE, amap_build, season_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP, PHONE = (1366, 900), (390, 844)
SHOTS = Path("/tmp/shots-g")


@pytest.fixture
def spring(territory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(services, "current_day", lambda: BEFORE)  # the pages as seen before the season
    return season_build(territory, amap_build(territory))


def test_a_member_subscribes_to_a_contract_from_the_group_page_to_the_confirmation(
    browser: Any, live_server: Any, spring: Any
) -> None:
    size = PHONE
    tab = french_tab(browser, live_server, spring.chloe.user, size)
    tab.goto(f"{live_server.url}/groups/{spring.amap.group.pk}/")
    assert tab.locator("#membership").inner_text() == "Vous êtes membre"
    page_fits(tab, axe=True)
    fits_at(tab, DESKTOP, "group at desktop size", axe=True)
    shot(tab, SHOTS, f"group-{size[0]}")
    tab.click("#contracts >> text=Légumes de saison 2026")
    tab.wait_for_url(f"**/groups/contracts/{spring.contract.pk}/")
    tab.get_by_label("grand panier", exact=False).check()
    tab.fill("input[name=quantity]", "1")
    page_fits(tab, axe=True)
    fits_at(tab, DESKTOP, "contract at desktop size", axe=True)
    shot(tab, SHOTS, f"contract-{size[0]}")
    tab.click("#see-total")
    tab.wait_for_url("**/subscribe/?**")
    # 12 deliveries (13 Thursdays less Ascension) × 18.75 € = 225.00 €, in three cheques of 75.00 €.
    assert tab.locator("#deliveries").inner_text() == "12"
    assert tab.locator("#total").inner_text() == "225,00\u00a0€"
    assert tab.locator("#instalments tbody tr").all_inner_texts() == [
        "01/04/2026\t75,00\u00a0€", "01/05/2026\t75,00\u00a0€", "01/06/2026\t75,00\u00a0€",
    ]  # fmt: skip
    page_fits(tab, axe=True)
    fits_at(tab, DESKTOP, "subscribe at desktop size", axe=True)
    shot(tab, SHOTS, f"subscribe-{size[0]}")
    tab.click("#confirm")
    tab.wait_for_url("**/groups/subscriptions/**")
    assert tab.locator("#total").inner_text() == "225,00\u00a0€"
    assert "Vous avez souscrit à Légumes de saison 2026." in tab.content()
    page_fits(tab, axe=True)
    fits_at(tab, DESKTOP, "subscription at desktop size", axe=True)
    shot(tab, SHOTS, f"subscription-{size[0]}")
    tab.context.close()


def test_the_producer_reads_their_quantities_per_date(
    browser: Any, live_server: Any, territory: Any, spring: Any
) -> None:
    size = DESKTOP
    contract = spring.contract
    services.subscription_create(contract=contract, by=spring.bernard.user, option=spring.grand, quantity=1,
                                 today=BEFORE)  # fmt: skip
    services.subscription_create(contract=contract, by=spring.chloe.user, option=spring.petit, quantity=2,
                                 today=BEFORE)  # fmt: skip
    martin = person("martin@jardins-limagne.example.org")
    Membership.objects.create(user=martin, actor=territory.market_gardener, how="coordinator")
    tab = french_tab(browser, live_server, martin, size)
    tab.goto(f"{live_server.url}/groups/")
    tab.click("text=Quantités à apporter (EARL Les Jardins de Limagne)")
    tab.wait_for_url("**/quantities/")
    tab.fill("#q-from", "2026-05-01")
    tab.fill("#q-until", "2026-05-31")
    tab.click("#period-form button")
    tab.wait_for_url("**from=2026-05-01**")
    dates = tab.locator(".quantity-date h2").all_inner_texts()
    assert dates == ["jeudi 7 mai 2026", "jeudi 21 mai 2026", "jeudi 28 mai 2026"]  # not Ascension (14 May)
    first = tab.locator(".quantity-date").first.locator("tbody tr").all_inner_texts()
    assert first == ["grand panier\nLégumes de saison 2026 · 6 à 7 kg de légumes\t1\t1",
                     "petit panier\nLégumes de saison 2026 · 3 à 4 kg de légumes\t2\t1"]  # fmt: skip
    page_fits(tab, axe=True)
    fits_at(tab, PHONE, "quantities on a phone", axe=True)
    shot(tab, SHOTS, f"quantities-{size[0]}")
    with tab.expect_download() as download:
        tab.click("#csv")
    path = download.value.path()
    assert path is not None and "2026-05-07;AMAP des Volcans" in Path(path).read_text(encoding="utf-8-sig")
    tab.context.close()


def test_the_organiser_records_a_members_absence_and_every_page_of_the_groups_fits_the_screen(
    browser: Any, live_server: Any, spring: Any
) -> None:
    """The organiser's journey on the distribution page, then every other page of the app as the organiser
    and as a member, each loaded once (they only need reading: one set-up for all, the absence being
    recorded) and checked at both sizes."""
    size = DESKTOP
    group, contract = spring.amap.group, spring.contract
    services.subscription_create(contract=contract, by=spring.bernard.user, option=spring.grand, quantity=1,
                                 today=BEFORE)  # fmt: skip
    distribution = group.distributions.get(date=dt.date(2026, 4, 2))
    tab = french_tab(browser, live_server, spring.amap.agnes, size)
    tab.goto(f"{live_server.url}/groups/distributions/{distribution.pk}/")
    tab.select_option("#absence-form select[name=member]", label="b•••@example.org")
    tab.select_option("#absence-form select[name=transfer_to]", label="c•••@example.org")
    tab.click("#absence-form button:not([name])")
    tab.wait_for_url(f"**/groups/distributions/{distribution.pk}/")
    tab.wait_for_selector("text=L’absence de b•••@example.org est notée.")
    assert tab.locator("#per-member tbody tr").first.inner_text().split("\t")[-1] == "c•••@example.org (transfert)"
    assert tab.locator("h1").count() == 1
    page_fits(tab, axe=True)
    fits_at(tab, PHONE, "distribution with the absence on a phone", axe=True)
    shot(tab, SHOTS, f"distribution-absence-{size[0]}")
    subscription = contract.subscriptions.get()
    organiser_pages = {
        "list": "/groups/", "manage": f"/groups/{group.pk}/manage/", "edit": f"/groups/{group.pk}/edit/",
        "contract-new": f"/groups/{group.pk}/contracts/new/", "contract-organiser": f"/groups/contracts/{contract.pk}/",
        "subscriptions": f"/groups/contracts/{contract.pk}/subscriptions/", "new": "/groups/new/",
    }  # fmt: skip
    for name, path in organiser_pages.items():
        tab.goto(f"{live_server.url}{path}")
        assert tab.locator("h1").count() == 1, name
        page_fits(tab, name, axe=True)
        fits_at(tab, PHONE, f"{name} on a phone", axe=True)
        shot(tab, SHOTS, f"{name}-{size[0]}")
    tab.context.close()
    tab = french_tab(browser, live_server, spring.bernard.user, size)
    member_pages = {"mine": "/groups/mine/", "own-subscription": f"/groups/subscriptions/{subscription.pk}/"}
    for name, path in member_pages.items():
        tab.goto(f"{live_server.url}{path}")
        # A member's subscription page is checked by axe-core at both sizes where the subscription journey
        # above lands on it (with its message): here its width and edges only.
        page_fits(tab, name, axe=name != "own-subscription")
        fits_at(tab, PHONE, f"{name} on a phone", axe=name != "own-subscription")
        shot(tab, SHOTS, f"{name}-{size[0]}")
    tab.context.close()
