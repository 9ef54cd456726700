"""The demo's solidarity grocery in Thiers, inside the demo territory: a CCAS programme, two producers, a
year's orders within the budget; loaded again, it replaces itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from terroir.directory.models import Actor, Place
from terroir.solidarity import services
from terroir.solidarity.demo import solidarity_demo_clear, solidarity_demo_load
from terroir.solidarity.models import Order, OrderStatus, Programme

pytestmark = pytest.mark.django_db


def test_the_demo_grocery_orders_from_two_producers_under_a_ccas_programme(territory: Any) -> None:
    programme = solidarity_demo_load(today=dt.date(2026, 11, 30))
    assert programme.funder.name == "CCAS de Thiers"
    grocery = programme.groceries.get()
    assert grocery.kind == "solidarity_grocery" and grocery.commune is not None and grocery.commune.code == "63430"
    assert programme.producers.count() == 2
    # The demo territory's communes (Thiers Dore et Montagne), as the observatory's demo territory counts them.
    assert set(programme.producers.values_list("commune__epci_code", flat=True)) == {"200070712"}
    assert grocery.commune.epci_code == "200070712" and grocery.lat is not None
    statuses = set(Order.objects.filter(programme=programme).values_list("status", flat=True))
    assert OrderStatus.DELIVERED in statuses and statuses & {OrderStatus.SUBMITTED, OrderStatus.CONFIRMED}
    figures = services.budget_of(programme)
    assert figures.spent > 0 and 0 <= figures.remaining < figures.budget
    again = solidarity_demo_load(today=dt.date(2026, 11, 30))
    assert Programme.objects.count() == 1 and again.pk != programme.pk
    assert Place.objects.filter(name=grocery.name).count() == 1
    assert Actor.objects.filter(name="CCAS de Thiers").count() == 1
    solidarity_demo_clear()
    assert not Programme.objects.exists() and not Place.objects.filter(name=grocery.name).exists()
