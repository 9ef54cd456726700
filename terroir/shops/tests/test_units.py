"""A shop's products are sold by a unit of the platform's one vocabulary (kg, litre, piece, dozen, crate),
named in the reader's language with its plural: the product form offers "pièce", never "piece"; the
catalogue gives "8,50 € / pièce", the statement and the sales "2 pièces"; a unit outside the vocabulary is
refused (a word for one of them, "pièces", "kilo", is read as that unit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from terroir.shops import services
from terroir.shops.models import Product

from .conftest import spaced

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(le_local: Any) -> Client:
    client = Client()
    client.force_login(le_local.florent)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    return client


def test_the_product_form_offers_the_units_in_french(le_local: Any, manager: Client) -> None:
    page = manager.get(reverse("shops:product_edit", args=[le_local.shop.pk, le_local.honey.pk])).content.decode()
    assert '<option value="piece" selected>pièce</option>' in page and '<option value="kg">kg</option>' in page
    assert ">piece<" not in page and 'value="piece"' not in page.replace('<option value="piece"', "")


def test_pages_name_the_unit_in_french_with_its_plural(le_local: Any, manager: Client) -> None:
    shop, seller = le_local.shop.pk, le_local.depositor.pk
    catalogue = spaced(manager.get(reverse("shops:catalogue", args=[shop])).content.decode())
    assert "8,50\u00a0€ / pièce" in catalogue
    statement = spaced(manager.get(reverse("shops:statement", args=[shop, seller]) + "?month=2026-03").content.decode())
    assert ">2\u00a0pièces<" in statement
    assert ">2\u00a0pièces<" in manager.get(reverse("shops:sales", args=[shop])).content.decode()
    manager.cookies["django_language"] = "en"
    english = manager.get(reverse("shops:statement", args=[shop, seller]) + "?month=2026-03").content.decode()
    assert ">2\u00a0pieces<" in english


def test_a_unit_outside_the_vocabulary_is_refused_and_a_word_for_one_is_read(le_local: Any) -> None:
    honey = services.product_save(shop=le_local.shop, seller=le_local.depositor, code="MIEL-1K", name="Miel 1 kg",
                                  unit_price=D("15"), unit="Kilo")  # fmt: skip
    assert honey.unit == "kg"
    with pytest.raises(ValidationError) as refused:
        services.product_update(product=honey, seller=le_local.depositor, code="MIEL-1K", name="Miel 1 kg",
                                unit_price=D("15"), unit="pot")  # fmt: skip
    assert "unit" in refused.value.message_dict and Product.objects.get(pk=honey.pk).unit == "kg"


def test_the_form_refuses_a_unit_it_does_not_offer(le_local: Any, manager: Client) -> None:
    url = reverse("shops:product_edit", args=[le_local.shop.pk, le_local.honey.pk])
    response = manager.post(url, {"seller": le_local.depositor.pk, "code": "MIEL-500", "name": "Miel",
                                  "unit_price": "8.50", "unit": "pot"})  # fmt: skip
    assert response.status_code == 400 and Product.objects.get(pk=le_local.honey.pk).unit == "piece"
