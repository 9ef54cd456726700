"""directory.0010 and logistics.0005: the phones already stored are rewritten E.164, the unreadable kept."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from terroir.directory.models import Actor, Place

pytestmark = pytest.mark.django_db

migration = importlib.import_module("terroir.directory.migrations.0011_phones_e164")


def test_stored_phones_are_rewritten_e164_and_unreadable_ones_are_kept_and_counted(territory: Any) -> None:
    Actor.objects.filter(pk=territory.cheese_farm.pk).update(phone="04 73 82 00 01")  # as edits stored it
    Actor.objects.filter(pk=territory.honey_farm.pk).update(phone="0590 81 23 45")
    Actor.objects.filter(pk=territory.market_gardener.pk).update(phone="tél. : voir le site")
    Place.objects.filter(pk=territory.le_local.pk).update(phone="+33 4 73 82 00 02")
    Place.objects.filter(pk=territory.farm_shop.pk).update(phone="+33473820001")  # as imports stored it

    actors = migration.phones_normalise(Actor)
    places = migration.phones_normalise(Place)

    phones = dict(Actor.objects.values_list("pk", "phone"))
    assert phones[territory.cheese_farm.pk] == "+33473820001"
    assert phones[territory.honey_farm.pk] == "+590590812345"
    assert phones[territory.market_gardener.pk] == "tél. : voir le site"  # nothing a person gave is lost
    assert (actors.changed, actors.unchanged, actors.kept) == (2, 0, [territory.market_gardener.pk])
    assert Place.objects.get(pk=territory.le_local.pk).phone == "+33473820002"
    assert (places.changed, places.unchanged, places.kept) == (1, 1, [])
    lines: list[str] = []
    migration.report("directory.Actor", actors, lines.append)
    assert lines == [
        f"\n  directory.Actor: 2 phones written E.164, 0 already were, 1 kept as given, not a phone number "
        f"(ids {territory.market_gardener.pk})"
    ]
