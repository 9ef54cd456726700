"""In a real browser: the supermarket accepts a joint offer of two farms, sees the agreement's delivery
orders per farm, and a member farm sees the acceptance and the same orders. Each person at their size —
the farms on a phone, the supermarket's buyer at a desktop — and each page checked at the other size too
where it is reached (`fits_at`)."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import fits_at, french_tab, page_fits, screenshot
from terroir.needs import services as needs
from terroir.needs.tests.test_board import cheese_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def signed_in(browser: Any, live_server: Any, user: Any, size: str) -> Any:
    return french_tab(browser, live_server, user, SIZES[size])


def fits(tab: Any, size: str, *, axe: bool = False) -> None:
    """`page_fits` of the open page at the person's size and at the other one."""
    page_fits(tab, axe=axe)
    fits_at(tab, SIZES["phone" if size == "desktop" else "desktop"], axe=axe)


def test_a_buyer_accepts_a_joint_offer_and_both_sides_see_its_orders_per_farm(
    browser: Any, live_server: Any, territory: Any, people: Any, settings: Any
) -> None:
    settings.TERROIR_TILE_URL = ""
    need = cheese_need(territory, people)
    needs.need_publish(need=need, by=people.sophie)
    answer = needs.answer_submit(
        need=need, producer=territory.cheese_farm, by=people.claire, kind="offer", price="13.90", volume="40"
    )
    needs.answer_submit(need=need, producer=territory.honey_farm, by=people.hugo, kind="interested")
    lead = signed_in(browser, live_server, people.claire, "phone")
    lead.goto(live_server.url + need.get_absolute_url())
    lead.get_by_role("link", name="Répondre avec d’autres producteurs (réponse groupée)").click()
    lead.wait_for_url(f"**/needs/answers/{answer.pk}/members/")
    lead.locator("select[name=member]").nth(1).select_option(str(territory.honey_farm.pk))
    lead.locator("input[name=share]").nth(0).fill("25")
    lead.locator("input[name=share]").nth(1).fill("10")
    lead.get_by_role("button", name="Enregistrer la réponse groupée").click()
    lead.wait_for_selector("#members-error")  # 25 + 10 is not 40
    assert "ne font pas le volume de l’offre" in lead.inner_text("#members-error")
    fits(lead, "phone", axe=True)
    screenshot(lead, "supply-members-phone")
    lead.locator("input[name=share]").nth(1).fill("15")
    lead.get_by_role("button", name="Enregistrer la réponse groupée").click()
    lead.wait_for_url(f"**{need.get_absolute_url()}")
    lead.wait_for_selector("text=Réponse groupée enregistrée")
    needs.answer_share_confirm(share=answer.shares.get(producer=territory.honey_farm), by=people.hugo, yes=True)

    buyer = signed_in(browser, live_server, people.sophie, "desktop")
    buyer.goto(live_server.url + need.get_absolute_url())
    row = buyer.locator("tr.answer", has_text="GAEC des Monts du Forez")
    assert territory.honey_farm.name in row.inner_text()  # one offer, with its members
    fits(buyer, "desktop")  # a need's page as its buyer goes through axe-core in the tour (site/test_browser_axe.py)
    screenshot(buyer, "supply-need-buyer-desktop")
    row.get_by_role("link", name="Accepter…").click()
    buyer.wait_for_url(f"**/supply/answers/{answer.pk}/accept/")
    buyer.wait_for_selector("#confirm-accept")
    assert "556,00" in buyer.inner_text("main")  # the value of a delivery, 40 kg at 13,90 €
    fits(buyer, "desktop", axe=True)
    screenshot(buyer, "supply-accept-desktop")
    buyer.get_by_role("button", name="Accepter cette offre").click()
    buyer.wait_for_url("**/supply/agreements/*/")
    buyer.wait_for_selector("table.orders")
    orders = buyer.inner_text("table.orders")
    assert territory.cheese_farm.name in orders and territory.honey_farm.name in orders
    assert "347,50" in orders and "208,50" in orders
    fits(buyer, "desktop")  # axe-core reads the buyer's agreement page with its history, in the next test
    screenshot(buyer, "supply-agreement-desktop")

    member = signed_in(browser, live_server, people.hugo, "phone")
    member.goto(live_server.url + need.get_absolute_url())
    member.wait_for_selector("text=L’acheteur a accepté cette offre.")
    fits(member, "phone", axe=True)  # a member's view of the need: the accepted joint offer, only this journey
    screenshot(member, "supply-need-member-phone")
    member.get_by_role("link", name="Voir l’accord et ses livraisons").click()
    member.wait_for_url("**/supply/agreements/*/")
    member.wait_for_selector("table.orders")
    assert "Modifier l’accord" not in member.inner_text("main")  # a member follows its lead
    fits(member, "phone")  # the buyer's page, less its forms: axe-core reads that one
    buyer.get_by_role("button", name="Annuler l’accord…").click()
    buyer.wait_for_url("**/cancel/")
    buyer.wait_for_selector("input[name=reason]")
    fits(buyer, "desktop", axe=True)
    screenshot(buyer, "supply-cancel-desktop")
    for tab in (buyer, member, lead):
        tab.context.close()


def test_a_buyer_changes_an_agreement_s_frequency_from_a_week_on_and_reads_its_history(
    browser: Any, live_server: Any, territory: Any, people: Any
) -> None:
    import datetime as dt

    from terroir.supply import schedule, services
    from terroir.supply.tests.test_agreements import offer, orders_of

    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie)
    before = len(orders_of(agreement))
    buyer = signed_in(browser, live_server, people.sophie, "desktop")
    buyer.goto(live_server.url + agreement.get_absolute_url())
    buyer.wait_for_selector("#schedule-form")
    assert buyer.locator("tr.order").count() == before
    in_two_weeks = schedule.monday(dt.date.today()) + dt.timedelta(weeks=2)
    buyer.select_option("#schedule-form select[name=frequency]", "fortnightly")
    buyer.fill("#schedule-form input[name=effective_from]", in_two_weeks.isoformat())
    buyer.click("#schedule-form button[type=submit]")
    buyer.wait_for_url(f"**{agreement.get_absolute_url()}")
    buyer.wait_for_selector("#history")
    assert "Nouveau calendrier enregistré" in buyer.inner_text("main")
    # This week's and the next kept, the week in two weeks made again, the one after an off week now.
    assert buyer.locator("tr.order").count() == len(orders_of(agreement)) < before
    assert "chaque semaine → toutes les deux semaines" in buyer.inner_text("#history")
    fits(buyer, "desktop", axe=True)
    screenshot(buyer, "supply-reschedule-desktop")
