"""The distribution sheet: per member what they collect — their contract baskets, with absences and
transfers applied, and their one-off order lines with what they pay — and per producer what they bring;
as a page to print and as PDF."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from terroir.directory.models import Category
from terroir.groups import orders, services, sheet
from terroir.groups.models import GroupMember
from terroir.lib.tests.pdf_text import pdf_strings

from .world_orders import World, member, world_build

pytestmark = pytest.mark.django_db


def winter_baskets(world: World, territory: Any) -> dict[str, GroupMember]:
    """The market gardener's winter contract: Jeanne a small basket, Paul a big one; Marc (away, his basket
    left to the group) and Léa (away, hers given to Mme Durand, who is not a member) a small one each."""
    agnes, group = world.amap.agnes, world.group
    today = timezone.localdate()
    contract = services.contract_create(
        group=group, by=agnes, producer=territory.market_gardener, product=Category.objects.get(slug="vegetables"),
        title="Légumes d'hiver", starts_on=today, ends_on=today + dt.timedelta(days=60), payment_dates=[today],
        options=[("petit panier", "3 kg", D("12.00")), ("grand panier", "", D("18.00"))],
    )  # fmt: skip
    services.contract_set_state(contract=contract, state="open", by=agnes)
    petit, grand = contract.options.all()
    marc = member(group, "marc@example.org", "Marc", "Petit")
    lea = member(group, "lea@example.org", "Léa", "Roux")
    for who, option in ((world.jeanne, petit), (world.paul, grand), (marc, petit), (lea, petit)):
        services.subscription_create(contract=contract, by=who.user, option=option, quantity=1)
    services.absence_declare(distribution=world.distribution, by=marc.user)
    services.absence_declare(distribution=world.distribution, by=lea.user, transfer_to_name="Mme Durand")
    return {"marc": marc, "lea": lea}


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def test_each_member_collects_their_baskets_and_orders_and_each_producer_brings_the_sum(
    world: World, territory: Any
) -> None:
    winter_baskets(world, territory)
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(2)})  # fmt: skip
    orders.order_place(order_round=world.round, member=world.paul, by=world.paul.user,
                       quantities={world.honey.pk: D(1)})  # fmt: skip
    built = sheet.sheet_of(world.distribution)
    rows = {m.name: m for m in built.members}
    assert list(rows) == ["Jeanne Martin", "Laissé au groupement", "Mme Durand", "Paul Bernard"]
    jeanne = rows["Jeanne Martin"]
    assert [(i.producer, i.what, i.quantity) for i in jeanne.items] == [
        ("EARL Les Jardins de Limagne", "Légumes d'hiver — petit panier (3 kg)", 1),
        ("GAEC des Monts du Forez", "Fourme d'Ambert", 2),
    ]
    assert jeanne.to_pay == D("15.00")  # 2 × 7.50: the baskets are paid by the season's instalments
    assert rows["Paul Bernard"].to_pay == D("8.40")
    # Marc's basket waits for the group; Léa's is collected by the person she named.
    assert rows["Laissé au groupement"].items[0].note == "Marc Petit est absent·e"
    assert rows["Mme Durand"].items[0].note == "donné par Léa Roux"
    brought = {p.name: p.items for p in built.producers}
    vegetables = [
        ("Légumes d'hiver — grand panier", 1, "panier"),
        ("Légumes d'hiver — petit panier (3 kg)", 3, "panier"),
    ]
    assert brought["EARL Les Jardins de Limagne"] == vegetables
    assert brought["GAEC des Monts du Forez"] == [("Fourme d'Ambert", 2, "pièce")]
    assert brought["Rucher de la Durolle"] == [("Miel de châtaignier", 1, "pot de 500 g")]


def test_the_sheet_prints_from_its_page_and_downloads_as_pdf(world: World, territory: Any) -> None:
    winter_baskets(world, territory)
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(3)})  # fmt: skip
    client = Client()
    client.force_login(world.amap.agnes)
    page = client.get(reverse("groups:sheet", args=[world.distribution.pk])).content.decode()
    assert page.count('<tr><td class="member">') == 4
    assert "3\u00a0pièces Fourme d&#x27;Ambert" in page and "À payer\u202f: 22,50\u00a0€" in page
    assert "data-print" in page
    response = client.get(reverse("groups:sheet_pdf", args=[world.distribution.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    # The PDF writes the page's figures: a no-break space in them and before a colon (the core fonts lack
    # the narrow one), never a plain space.
    text = pdf_strings(response.content)
    assert any(s.startswith("3\u00a0pièces Fourme d'Ambert") for s in text), text
    assert "À payer\u00a0: 22,50\u00a0€" in text
    assert not [s for s in text if re.search(r"\d [\d€%]| [:;?!]", s)]


def test_a_distribution_with_nothing_to_collect_still_gives_a_sheet(world: World) -> None:
    built = sheet.sheet_of(world.distribution)
    assert built.members == [] and built.producers == []
    assert sheet.sheet_pdf(built).startswith(b"%PDF")


def test_the_sheet_and_the_summary_take_as_many_queries_for_six_members_as_for_two(
    world: World, territory: Any
) -> None:
    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as on_sheet:
            sheet.sheet_of(world.distribution)
        with CaptureQueriesContext(connection) as on_summary:
            orders.summary_of(world.round)
        return len(on_sheet), len(on_summary)

    winter_baskets(world, territory)  # four members with baskets, two of them away
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(1)})  # fmt: skip
    before = counted()
    for n in range(4):
        extra = member(world.group, f"extra{n}@example.org", f"Extra{n}", "Membre")
        orders.order_place(order_round=world.round, member=extra, by=extra.user,
                           quantities={world.fourme.pk: D(1), world.honey.pk: D(1)})  # fmt: skip
    assert counted() == before
