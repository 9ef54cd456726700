"""The demo's events: published, at markets and shops, their producers taking part, shown on the pages."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.directory.models import Place
from terroir.events import services
from terroir.events.demo import events_demo_load
from terroir.events.models import Participation

pytestmark = pytest.mark.django_db


def test_the_demo_events_are_coming_at_markets_and_shops_with_their_producers(territory: Any) -> None:
    made = events_demo_load(places=Place.objects.filter(commune=territory.ambert))
    coming = list(services.upcoming())
    assert made == len(coming) == 2  # the market and Le Local; the farm shop is no market nor shop
    assert {e.place for e in coming} == {territory.ambert_market, territory.le_local}
    taking_part = Participation.objects.filter(event__place=territory.le_local, status="accepted")
    assert {p.producer for p in taking_part} == {territory.cheese_farm, territory.honey_farm}
