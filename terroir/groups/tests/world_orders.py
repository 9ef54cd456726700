"""A distribution of the AMAP des Volcans two weeks ahead, with its one-off order round: the cheese farm
(Claire) and the honey farm (Hugo) take part; Jeanne and Paul are members; Agnès organises; Bruno
organises another group; Camille coordinates. Used by the orders', volunteers' and sheet's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.groups import orders, services
from terroir.groups.models import Distribution, Group, GroupMember, OrderProduct, OrderRound

from .conftest import Amap, amap_build


@dataclass
class World:
    amap: Amap
    group: Group
    distribution: Distribution
    round: OrderRound
    fourme: OrderProduct  # 20 pieces at most
    honey: OrderProduct  # no maximum
    jeanne: GroupMember
    paul: GroupMember
    bruno: Any  # organiser of another group
    other_group: Group


def next_thursday(days_ahead: int = 14) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return day + dt.timedelta(days=(3 - day.weekday()) % 7)


def member(group: Group, email: str, first: str, last: str) -> GroupMember:
    user = person(email)
    user.first_name, user.last_name = first, last
    user.save()
    return services.member_join(group=group, by=user)


def world_build(territory: Any, people: Any) -> World:
    amap = amap_build(territory)
    group = amap.group
    day = next_thursday()
    services.distributions_generate(group=group, start=day, end=day, by=amap.agnes)
    distribution = Distribution.objects.get(group=group, date=day)
    closes = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=3), dt.time(20)))
    order_round = orders.order_round_save(distribution=distribution, closes_at=closes, by=amap.agnes,
                                          producers=[territory.cheese_farm, territory.honey_farm])  # fmt: skip
    fourme = orders.order_product_save(order_round=order_round, producer=territory.cheese_farm, name="Fourme d'Ambert",
                                       unit="pièce", price=Decimal("7.50"), max_quantity=Decimal(20),
                                       by=people.claire)  # fmt: skip
    honey = orders.order_product_save(order_round=order_round, producer=territory.honey_farm,
                                      name="Miel de châtaignier", unit="pot de 500 g", price=Decimal("8.40"),
                                      max_quantity=None, by=people.hugo)  # fmt: skip
    jeanne = member(group, "jeanne@example.org", "Jeanne", "Martin")
    paul = member(group, "paul@example.org", "Paul", "Bernard")
    other = Actor.objects.create(name="Centre social des Couronneries", is_organisation=True,
                                 legal_form="association", commune=territory.poitiers)  # fmt: skip
    bruno = person("bruno@couronneries.example.org")
    Membership.objects.create(user=bruno, actor=other, how="coordinator")
    other_group = services.group_create(
        by=bruno, organiser=other, name="Groupe d'achat des Couronneries", kind="neighbourhood", place=None,
        frequency="monthly", week_of_month=1, weekday=2, starts_on=dt.date(2026, 1, 1), starts_at=dt.time(17),
        ends_at=dt.time(19),
    )  # fmt: skip
    return World(amap, group, distribution, order_round, fourme, honey, jeanne, paul, bruno, other_group)
