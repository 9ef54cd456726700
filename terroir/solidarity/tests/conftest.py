"""A solidarity grocery of Poitiers as the tests know it: "Le Panier solidaire" run by an association
(Nadia orders for it), funded by the CCAS of Poitiers (Lucie reads its figures) through a programme paying
50 % of each price, at most 2 € per unit, 100 € from 2026; the cheese farm (Claire) and the honey farm
(Hugo) supply it at agreed prices. Another grocery (in Thiers, Yves) and another funder (a foundation,
Paul) with a programme of their own, to prove nobody sees the other's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor, Place
from terroir.directory.services import place_create
from terroir.solidarity import services
from terroir.solidarity.models import AgreedPrice, Programme

# From 2026, and still running a year from now: the pages order at today's prices.
YEAR = (dt.date(2026, 1, 1), max(dt.date(2026, 12, 31), dt.date.today() + dt.timedelta(days=365)))
DAY = dt.date(2026, 3, 10)


@dataclass
class Panier:
    grocery: Place
    association: Actor
    nadia: Any  # orders for the grocery
    ccas: Actor
    lucie: Any  # member of the CCAS (the funder)
    programme: Programme
    fourme: AgreedPrice  # cheese farm, 6.40 €/piece, programme-wide
    butter: AgreedPrice  # cheese farm, 3.90 €/piece
    honey: AgreedPrice  # honey farm, 12.00 €/kg
    other_grocery: Place
    yves: Any  # orders for the other grocery
    foundation: Actor
    paul: Any  # member of the foundation
    other_programme: Programme


def organisation(name: str, member: Any, **fields: Any) -> Actor:
    actor = Actor.objects.create(name=name, is_organisation=True, **fields)
    Membership.objects.create(user=member, actor=actor, how="coordinator")
    return actor


def panier_build(territory: Any, people: Any) -> Panier:
    nadia, lucie = person("nadia@panier-solidaire.example.org"), person("lucie@ccas-poitiers.example.org")
    yves, paul = person("yves@epicerie-thiers.example.org"), person("paul@fondation.example.org")
    association = organisation("Association Le Panier solidaire", nadia, is_buyer=True, commune=territory.poitiers)
    grocery = place_create(name="Le Panier solidaire", kind="solidarity_grocery", commune=territory.poitiers,
                           lat=46.5802, lon=0.3404, operator=association)  # fmt: skip
    thiers_association = organisation("Association Solidarité Thiers", yves, commune=territory.thiers)
    other_grocery = place_create(
        name="Épicerie solidaire de Thiers",
        kind="solidarity_grocery",
        commune=territory.thiers,
        lat=45.857,
        lon=3.547,
        operator=thiers_association,
    )
    ccas = organisation("CCAS de Poitiers", lucie, commune=territory.poitiers)
    foundation = organisation("Fondation des Volcans", paul, commune=territory.clermont)
    programme = services.programme_create(
        name="Fruits et produits frais 2026", funder=ccas, groceries=[grocery],
        producers=[territory.cheese_farm, territory.honey_farm], share_kind="percent", share_rate=Decimal("0.5"),
        share_cap=Decimal("2.00"), budget=Decimal("100.00"), starts=YEAR[0], ends=YEAR[1],
    )  # fmt: skip
    other_programme = services.programme_create(
        name="Produits laitiers Thiers", funder=foundation, groceries=[other_grocery], share_kind="per_unit",
        share_amount=Decimal("0.50"), budget=Decimal("500.00"), starts=YEAR[0], ends=YEAR[1],
    )  # fmt: skip
    fourme = services.price_set(programme=programme, producer=territory.cheese_farm, product="Fourme d'Ambert 250 g",
                                unit="piece", price=Decimal("6.40"), valid_from=YEAR[0])  # fmt: skip
    butter = services.price_set(programme=programme, producer=territory.cheese_farm, product="Beurre cru 250 g",
                                unit="piece", price=Decimal("3.90"), valid_from=YEAR[0])  # fmt: skip
    honey = services.price_set(programme=programme, producer=territory.honey_farm, product="Miel de châtaignier",
                               unit="kg", price=Decimal("12.00"), valid_from=YEAR[0])  # fmt: skip
    services.price_set(programme=other_programme, producer=territory.cheese_farm, product="Fourme d'Ambert 250 g",
                       unit="piece", price=Decimal("6.10"), valid_from=YEAR[0])  # fmt: skip
    return Panier(grocery, association, nadia, ccas, lucie, programme, fourme, butter, honey, other_grocery, yves,
                  foundation, paul, other_programme)  # fmt: skip


@pytest.fixture
def panier(territory: Any, people: Any) -> Panier:
    return panier_build(territory, people)
