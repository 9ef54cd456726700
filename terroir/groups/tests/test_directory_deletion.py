"""A producer with a group's contract or one-off order and the organisation organising a group are not deleted
from the directory: the delete service refuses with the reason and what to do, instead of the database's
PROTECT error (an error page in the directory's and the admin's delete pages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from terroir.directory.models import Actor, Place
from terroir.directory.services import actor_delete, place_delete

from .conftest import Season
from .world_orders import World, world_build

pytestmark = pytest.mark.django_db


def test_a_producer_with_a_groups_contract_is_refused_with_the_reason(season: Season, territory: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.market_gardener)
    assert len(refused.value.messages) == 1
    assert "1 contrat avec un groupe de consommateurs" in refused.value.messages[0]
    assert "fusionner" in refused.value.messages[0]
    assert Actor.objects.filter(pk=territory.market_gardener.pk).exists()


def test_the_organisation_organising_a_group_is_refused(season: Season) -> None:
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=season.amap.association)
    assert "organise le groupe AMAP des Volcans" in refused.value.messages[0]


def test_a_producer_of_a_one_off_order_is_refused(territory: Any, people: Any) -> None:
    world: World = world_build(territory, people)
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.honey_farm)
    assert "1 commande ponctuelle" in refused.value.messages[0]
    assert world.honey.producer_id == territory.honey_farm.pk


def test_the_groups_pickup_place_is_deleted_and_the_group_keeps_going_without_it(season: Season) -> None:
    place_delete(place=season.amap.hall)
    season.amap.group.refresh_from_db()
    assert season.amap.group.place is None and not Place.objects.filter(pk=season.amap.hall.pk).exists()


def test_a_producer_no_group_keeps_is_deleted_as_before(season: Season, territory: Any) -> None:
    actor_delete(actor=territory.honey_farm)
    assert not Actor.objects.filter(pk=territory.honey_farm.pk).exists()
