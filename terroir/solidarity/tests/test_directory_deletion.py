"""The grocery, producer or funder a solidarity programme keeps orders, prices or funding of are not deleted
from the directory: the delete service refuses with the reason and what to do, instead of the database's
PROTECT error (an error page in the directory's and the admin's delete pages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from terroir.directory.models import Actor, Place
from terroir.directory.services import actor_delete, place_delete
from terroir.solidarity import services

from .conftest import DAY, Panier

pytestmark = pytest.mark.django_db


def _order(panier: Panier, territory: Any) -> None:
    services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.cheese_farm,
                         quantities={panier.fourme.pk: Decimal("3")}, ordered_on=DAY)  # fmt: skip


def test_a_grocery_with_orders_is_refused_with_the_reason(panier: Panier, territory: Any) -> None:
    _order(panier, territory)
    with pytest.raises(ValidationError) as refused:
        place_delete(place=panier.grocery)
    assert refused.value.messages == [
        "Le Panier solidaire a 1 commande solidaire, gardée pour les totaux du financeur\u202f: il ne peut pas être "
        "supprimé. S’il fait doublon avec une autre fiche, les fusionner déplace les commandes vers la fiche gardée."
    ]
    assert Place.objects.filter(pk=panier.grocery.pk).exists()


def test_a_producer_with_orders_is_refused(panier: Panier, territory: Any) -> None:
    _order(panier, territory)
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.cheese_farm)
    assert len(refused.value.messages) == 1 and "1 commande solidaire" in refused.value.messages[0]


def test_a_producer_with_agreed_prices_only_is_told_to_remove_them(panier: Panier, territory: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.honey_farm)
    assert "1 prix convenu" in refused.value.messages[0]


def test_a_funder_is_refused(panier: Panier) -> None:
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=panier.ccas)
    assert "finance le programme solidaire Fruits et produits frais 2026" in refused.value.messages[0]
    assert Actor.objects.filter(pk=panier.ccas.pk).exists()


def test_a_grocery_only_named_in_a_programme_is_deleted(panier: Panier) -> None:
    place_delete(place=panier.other_grocery)
    assert not panier.other_programme.groceries.exists()
