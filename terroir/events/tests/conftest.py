"""An organiser (the supermarket's company, Sophie) and its local-product day, a producer taking part
(the cheese farm, Claire), a producer not taking part (the honey farm, Hugo), another organisation (a
canteen's, Victor), somebody with no organisation (Nina) and the coordinator (Camille)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from terroir.conftest import person
from terroir.events import services
from terroir.events.models import Event, Participation

SOON = dt.timedelta(days=10)


@dataclass
class Cast:
    organiser: Any  # the supermarket's company
    event: Event
    participation: Participation
    victor: Any
    nina: Any


def local_day(people: Any, territory: Any, **changes: Any) -> Event:
    start = (timezone.localtime() + SOON).replace(hour=9, minute=0, second=0, microsecond=0)
    arguments = {
        "by": people.sophie, "organiser": territory.clermont_supermarket.operator,
        "title": "Journée des producteurs d'Auvergne", "kind": Event.Kind.LOCAL_PRODUCT_DAY, "starts_at": start,
        "ends_at": start + dt.timedelta(hours=9), "place_id": territory.clermont_supermarket.pk,
        "description": "Dégustation, rencontre; fromages, miel.",
    }  # fmt: skip
    return services.event_create(**{**arguments, **changes})


@pytest.fixture
def cast(territory: Any, people: Any) -> Cast:
    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor

    event = services.event_publish(event=local_day(people, territory), by=people.sophie)
    participation = services.participation_signup(event=event, producer=territory.cheese_farm, by=people.claire)
    services.participation_decide(participation=participation, accept=True, by=people.sophie)
    victor, nina = person("victor@cantine.example.org"), person("nina@example.org")
    canteen = Actor.objects.create(name="Syndicat des cantines du Livradois", is_buyer=True, buyer_kind="canteen")
    Membership.objects.create(user=victor, actor=canteen, how="coordinator")
    return Cast(organiser=territory.clermont_supermarket.operator, event=event, participation=participation,
                victor=victor, nina=nina)  # fmt: skip
