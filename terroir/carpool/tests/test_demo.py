"""The demo territory's carpooling: a producer's market trip and a school bus's hold, bread that fits the
bus, meat no trip can take, eggs delivered with a whole signed chain; loaded once and kept."""

from __future__ import annotations

import datetime as dt

import pytest

from terroir.carpool.demo import PREFIX, carpool_demo_load
from terroir.carpool.models import Acceptance, Parcel, ParcelStatus, Trip

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 9)  # a Wednesday


def test_the_demo_s_bread_rides_the_school_bus_its_meat_finds_no_cold_trip_and_its_eggs_were_delivered() -> None:
    said = carpool_demo_load(today=TODAY)
    assert said.startswith("2 trips")
    bus = Trip.objects.get(driver__username=PREFIX + "transdore")
    assert bus.weekdays == 0b11111 and len(bus.stops) == 2
    bread = Parcel.objects.get(category__slug="bread-cereals")
    assert bread.status == ParcelStatus.PROPOSED and bread.rides.get().trip == bus
    meat = Parcel.objects.get(category__slug="meat")
    assert meat.status == ParcelStatus.WAITING and meat.unmatched_reason == "cold_chain"
    eggs = Parcel.objects.get(category__slug="eggs")
    assert eggs.status == ParcelStatus.DELIVERED and eggs.holder.username == PREFIX + "bistrot"
    chain = list(eggs.handovers.order_by("rank").values_list("kind", "giver__username", "taker__username"))
    assert chain == [("pickup", PREFIX + "agnes", PREFIX + "florent"), ("delivery", PREFIX + "florent",
                                                                        PREFIX + "bistrot")]  # fmt: skip
    assert Acceptance.objects.filter(handover__parcel=eggs).count() == 2
    assert eggs.handovers.get(rank=1).at.date() == dt.date(2026, 12, 5)  # last Saturday


def test_loading_the_demo_again_keeps_it() -> None:
    carpool_demo_load(today=TODAY)
    assert carpool_demo_load(today=TODAY).startswith("kept")
    assert Parcel.objects.count() == 3 and Trip.objects.count() == 2
