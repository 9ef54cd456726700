"""A producer who sells in a shop, the organisation that owns one and the place that holds one are not
deleted from the directory while the shop keeps their records: the directory's delete services refuse
with the reason and what to do, and so does the admin (its delete page and its delete action), instead
of an error page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from terroir.conftest import person
from terroir.directory.models import Actor, Place
from terroir.directory.services import actor_delete, place_delete
from terroir.shops import services
from terroir.shops.models import Sale, Seller

pytestmark = pytest.mark.django_db


def test_the_delete_service_refuses_a_producer_with_sales_and_says_why(le_local: Any, territory: Any) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.honey_farm)
    assert refused.value.messages == [
        "Rucher de la Durolle vend à Le Local, magasin de producteurs, où 1 vente est enregistrée à son nom et "
        "gardée pour les relevés du magasin\u202f: il ne peut pas être supprimé. S’il fait doublon avec une autre "
        "fiche, les fusionner déplace les ventes vers la fiche gardée."
    ]
    assert Actor.objects.filter(pk=territory.honey_farm.pk).exists() and Sale.objects.count() == 1


def test_a_seller_without_sales_is_removed_from_the_shop_first(le_local: Any, territory: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        actor_delete(actor=territory.honey_farm)
    assert "retirent d’abord des producteurs du magasin" in refused.value.messages[0]
    services.seller_delete(seller=le_local.depositor)
    actor_delete(actor=territory.honey_farm)
    assert not Actor.objects.filter(pk=territory.honey_farm.pk).exists()


def test_the_shops_place_and_owner_are_not_deleted(le_local: Any, territory: Any) -> None:
    with pytest.raises(ValidationError) as place_refused:
        place_delete(place=territory.le_local)
    assert "fermé depuis" in place_refused.value.messages[0]
    with pytest.raises(ValidationError) as owner_refused:
        actor_delete(actor=le_local.sas)
    assert "SAS Le Local" in owner_refused.value.messages[0]
    assert Place.objects.filter(pk=territory.le_local.pk).exists() and Actor.objects.filter(pk=le_local.sas.pk)


def test_entries_no_shop_keeps_are_deleted_as_before(le_local: Any, territory: Any) -> None:
    actor_delete(actor=territory.market_gardener)
    place_delete(place=territory.poitiers_market)
    assert not Actor.objects.filter(pk=territory.market_gardener.pk).exists()


@pytest.fixture
def admin_client(db: Any) -> Client:
    root = person("root@example.org", staff=True)
    root.is_superuser = True
    root.save()
    client = Client()
    client.force_login(root)
    return client


def test_the_admins_delete_page_sends_back_to_the_producer_with_the_reason(
    le_local: Any, territory: Any, admin_client: Client
) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    url = reverse("admin:directory_actor_delete", args=[territory.honey_farm.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    change = reverse("admin:directory_actor_change", args=[territory.honey_farm.pk])
    assert response.redirect_chain == [(change, 302)]
    assert "1 vente est enregistrée à son nom" in response.content.decode()
    assert Actor.objects.filter(pk=territory.honey_farm.pk).exists()


def test_the_admins_delete_action_refuses_with_the_reasons_and_deletes_nothing(
    le_local: Any, territory: Any, admin_client: Client
) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    chosen = [territory.honey_farm.pk, territory.market_gardener.pk]
    response = admin_client.post(reverse("admin:directory_actor_changelist"),
                                 {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
                                 follow=True)  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "1 vente est enregistrée à son nom" in body
    assert Actor.objects.filter(pk__in=chosen).count() == 2 and Seller.objects.count() == 2
    place = admin_client.post(reverse("admin:directory_place_changelist"),
                              {"action": "delete_selected", "_selected_action": [territory.le_local.pk], "post": "yes"},
                              follow=True)  # fmt: skip
    assert "fermé depuis" in place.content.decode() and Place.objects.filter(pk=territory.le_local.pk).exists()


def test_the_admins_delete_action_still_deletes_what_no_shop_keeps(territory: Any, admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:directory_actor_changelist"),
                                 {"action": "delete_selected", "_selected_action": [territory.market_gardener.pk],
                                  "post": "yes"})  # fmt: skip
    assert response.status_code == 302 and not Actor.objects.filter(pk=territory.market_gardener.pk).exists()
