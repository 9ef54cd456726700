"""A carpool story on the personas: Hugo (honey farm, Thiers) drives to Clermont-Ferrand on Tuesdays with a
refrigerated box; Claire (cheese farm, Ambert) sends cheese from Courpière to Sophie's supermarket."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from terroir.carpool import services
from terroir.carpool.eligibility import eligibility_seed
from terroir.carpool.models import Condition, Parcel, Trip
from terroir.directory.models import Category

# The story's Tuesday is the next one to come (one to seven days ahead): a trip or a parcel is for today or
# later (services._day_check), so a fixed date would fail once the calendar passed it.
_TODAY = datetime.date.today()
TUESDAY = _TODAY + datetime.timedelta(days=(1 - _TODAY.weekday()) % 7 or 7)
COURPIERE = ("Courpière (63)", 45.7560, 3.5390)
THIERS = ("Thiers (63)", 45.8560, 3.5470)
CLERMONT = ("Clermont-Ferrand (63)", 45.7797, 3.0863)


def trip_fields(**changes: Any) -> dict[str, Any]:
    fields = {
        "origin": THIERS[0], "origin_lat": THIERS[1], "origin_lon": THIERS[2],
        "destination": CLERMONT[0], "destination_lat": CLERMONT[1], "destination_lon": CLERMONT[2],
        "stops": [{"name": COURPIERE[0], "lat": COURPIERE[1], "lon": COURPIERE[2]}],
        "day": TUESDAY, "weekdays": 0b10, "leaves": datetime.time(8, 0), "arrives_by": datetime.time(10, 30),
        "free_kg": 50, "free_litres": 200, "condition": Condition.REFRIGERATED, "detour_minutes": 15,
    }  # fmt: skip
    return fields | changes


def parcel_fields(**changes: Any) -> dict[str, Any]:
    fields = {
        "origin": COURPIERE[0], "origin_lat": COURPIERE[1], "origin_lon": COURPIERE[2] + 0.05,
        "destination": CLERMONT[0], "destination_lat": CLERMONT[1], "destination_lon": CLERMONT[2] + 0.01,
        "day": TUESDAY, "ready_at": datetime.time(7, 0), "due_by": datetime.time(11, 0), "kg": Decimal(8),
        "litres": Decimal(20), "condition": Condition.NONE, "value": Decimal(120), "description": "Fourme d'Ambert",
    }  # fmt: skip
    return fields | changes


@dataclass
class Story:
    people: Any
    territory: Any
    trip: Trip
    parcel: Parcel


def category(slug: str) -> Category:
    return Category.objects.get(slug=slug)


@pytest.fixture
def story(territory: Any, people: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any) -> Story:
    """The trip offered, the parcel requested: the day's matching ran (on commit, as the worker would) and
    proposed the ride to both."""
    eligibility_seed()  # a transactional test's flush emptied the table the migration seeded
    with django_capture_on_commit_callbacks(execute=True):
        trip = services.trip_offer(by=people.hugo, organisation=territory.honey_farm, **trip_fields())
        parcel = services.parcel_request(by=people.claire, recipient=people.sophie, category=category("cow-cheese"),
                                         organisation=territory.cheese_farm, **parcel_fields())  # fmt: skip
    parcel.refresh_from_db()
    return Story(people=people, territory=territory, trip=trip, parcel=parcel)
