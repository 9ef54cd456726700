"""The personas territory is built once per module and shared (terroir/conftest.py): these tests run in
this order in one process and check that no test sees what the one before did to it."""

from __future__ import annotations

from typing import Any

from terroir.conftest import Territory
from terroir.directory.models import Actor, Place
from terroir.directory.services import place_create


def test_a_test_may_rename_a_farm_and_add_a_place(territory: Territory) -> None:
    territory.cheese_farm.name = "Renamed in memory"
    Actor.objects.filter(pk=territory.honey_farm.pk).update(name="Renamed in the database")
    place_create(name="Marché de Thiers", kind="market", commune=territory.thiers, lat=45.856, lon=3.547)
    assert territory.farm_shop.operator.name == "Renamed in memory"  # one copy: the same farm everywhere


def test_the_next_test_gets_the_territory_as_built(territory: Territory) -> None:
    assert territory.cheese_farm.name == territory.farm_shop.operator.name == "GAEC des Monts du Forez"
    assert Actor.objects.get(pk=territory.honey_farm.pk).name == "Rucher de la Durolle"
    assert not Place.objects.filter(name="Marché de Thiers").exists()
    assert territory.farm_shop.operator is territory.cheese_farm


def test_a_test_without_the_territory_does_not_see_it(db: Any) -> None:
    assert not Place.objects.filter(name__in=["Marché d'Ambert", "Marché de Thiers"]).exists()
    assert not Actor.objects.filter(name="GAEC des Monts du Forez").exists()


def test_a_test_after_it_gets_a_territory_again(territory: Territory) -> None:
    assert Place.objects.filter(pk=territory.ambert_market.pk, name="Marché d'Ambert").exists()
