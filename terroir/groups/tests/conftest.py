"""The AMAP the personas know: "AMAP des Volcans" in Clermont-Ferrand, organised by its association (Agnès
acts for it), picking up on Thursday evenings at a neighbourhood hall of the directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor, Place
from terroir.directory.services import place_create
from terroir.groups import services
from terroir.groups.models import Group

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
