"""The AMAP the personas know: "AMAP des Volcans" in Clermont-Ferrand, organised by its association (Agnès
acts for it), picking up on Thursday evenings at a neighbourhood hall of the directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor, Category, Place
from terroir.directory.services import place_create
from terroir.groups import services
from terroir.groups.models import Contract, ContractOption, Group, GroupMember

THURSDAY = 3


@dataclass
class Amap:
    group: Group
    association: Actor
    hall: Place
    agnes: Any  # acts for the association: organises


def amap_build(territory: Any) -> Amap:
    association = Actor.objects.create(name="Association AMAP des Volcans", is_organisation=True,
                                       legal_form="association", commune=territory.clermont)  # fmt: skip
    agnes = person("agnes@amap-volcans.example.org")
    Membership.objects.create(user=agnes, actor=association, how="coordinator")
    hall = place_create(name="Salle de quartier des Salins", kind="amap", commune=territory.clermont, lat=45.7712,
                        lon=3.0889, producers=[territory.market_gardener])  # fmt: skip
    group = services.group_create(
        by=agnes, organiser=association, name="AMAP des Volcans", kind="amap", place=hall, frequency="weekly",
        weekday=THURSDAY, starts_on=dt.date(2026, 4, 1), starts_at=dt.time(18, 0), ends_at=dt.time(19, 30),
        description="Légumes, fromages et miel, chaque jeudi soir.",
    )  # fmt: skip
    return Amap(group=group, association=association, hall=hall, agnes=agnes)


@pytest.fixture
def amap(territory: Any) -> Amap:
    return amap_build(territory)


SPRING = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))  # Thursdays: 13 distributions
ASCENSION = dt.date(2026, 5, 14)  # the market gardener does not deliver that day: 12 deliveries
PAYMENT_DATES = [dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)]
BEFORE = dt.date(2026, 3, 20)  # members subscribing before the season


@dataclass
class Season:
    amap: Amap
    contract: Contract
    petit: ContractOption
    grand: ContractOption
    bernard: GroupMember
    chloe: GroupMember
    denis: GroupMember


def season_build(territory: Any, amap: Amap) -> Season:
    """The market gardener's vegetables contract of the spring, open; three members, none subscribed yet."""
    group = amap.group
    services.distributions_generate(group=group, start=SPRING[0], end=SPRING[1], by=amap.agnes)
    contract = services.contract_create(
        group=group, by=amap.agnes, producer=territory.market_gardener,
        product=Category.objects.get(slug="vegetables"), title="Légumes de saison 2026", starts_on=SPRING[0],
        ends_on=SPRING[1], payment_dates=PAYMENT_DATES,
        options=[("petit panier", "3 à 4 kg de légumes", Decimal("12.55")),
                 ("grand panier", "6 à 7 kg de légumes", Decimal("18.75"))],
    )  # fmt: skip
    services.contract_skip(contract=contract, distribution=group.distributions.get(date=ASCENSION), skipped=True,
                           by=amap.agnes)  # fmt: skip
    services.contract_set_state(contract=contract, state="open", by=amap.agnes)
    members = [services.member_join(group=group, by=person(f"{name}@example.org"))
               for name in ("bernard", "chloe", "denis")]  # fmt: skip
    petit, grand = contract.options.all()
    return Season(amap, contract, petit, grand, *members)


@pytest.fixture
def season(territory: Any, amap: Amap) -> Season:
    return season_build(territory, amap)
