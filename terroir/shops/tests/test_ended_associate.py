"""An associate farm that left the shop: until its last day its people are associates (the shop's figures,
the rota, their statement); after it they read their own statements of the periods it sold in, nothing
else of the shop, on the pages and through the API. The API's list of sellers leaves out those who left
unless asked (include_ended), and says when each leaves or left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from terroir.api.tests.test_shops import key_of
from terroir.shops import access, services

from .test_permissions import pages, world  # noqa: F401  (the fixture `world`: a rota, a shift, a sale)

pytestmark = pytest.mark.django_db
ASSOCIATE_PAGES = {"shop", "associate_statement", "rota_home", "rota", "calendar"}


@pytest.fixture
def cheese_left(le_local: Any, today_is: Any) -> Any:
    """The cheese farm (Claire's) sold butter on 3 March 2026 and its last day at the shop is 10 March."""
    today_is(dt.date(2026, 3, 4))
    services.sale_record(shop=le_local.shop, product=le_local.butter, sold_on=dt.date(2026, 3, 3), quantity=D("1"))
    services.seller_end(seller=le_local.associate, last_day=dt.date(2026, 3, 10))
    return le_local


@pytest.mark.parametrize(("today", "allowed"), [
    (dt.date(2026, 3, 10), ASSOCIATE_PAGES),  # their last day: still an associate
    (dt.date(2026, 3, 11), {"associate_statement"}),  # the day after: their own statement only
], ids=["last_day", "day_after"])  # fmt: skip
def test_an_associate_who_left_reads_only_their_own_statement(cheese_left: Any, people: Any, world: Any,  # noqa: F811
                                                              today_is: Any, today: dt.date,
                                                              allowed: set[str]) -> None:  # fmt: skip
    today_is(today)
    client = Client()
    client.force_login(people.claire)
    answers = {name: client.get(url).status_code for name, url in pages(cheese_left, world).items()}
    assert answers == {name: 200 if name in allowed else 403 for name in answers}
    statement = client.get(pages(cheese_left, world)["associate_statement"] + "?month=2026-03").content.decode()
    assert "Beurre cru 250" in statement  # their March sale stays theirs to read


def test_the_shop_leaves_the_list_of_a_person_of_a_farm_that_left(cheese_left: Any, people: Any,
                                                                    today_is: Any) -> None:  # fmt: skip
    today_is(dt.date(2026, 3, 11))
    shops, sellers = access.shops_of(people.claire)
    assert shops == [] and sellers == [cheese_left.associate]
    assert not access.can_see_shop(people.claire, cheese_left.shop)


def test_the_api_lists_the_sellers_still_there_and_says_who_leaves(cheese_left: Any, people: Any, territory: Any,
                                                                   today_is: Any) -> None:  # fmt: skip
    url = f"/api/v1/shops/{cheese_left.shop.pk}/sellers"
    headers = key_of("manager", cheese_left, people, territory)
    today_is(dt.date(2026, 3, 10))
    leaving = Client().get(url, **headers).json()
    assert {s["name"]: s["ended_on"] for s in leaving} == {
        "GAEC des Monts du Forez": "2026-03-10",
        "Rucher de la Durolle": None,
    }
    today_is(dt.date(2026, 3, 11))
    assert [s["name"] for s in Client().get(url, **headers).json()] == ["Rucher de la Durolle"]
    every = Client().get(url + "?include_ended=true", **headers).json()
    assert {s["name"]: s["ended_on"] for s in every} == {
        "GAEC des Monts du Forez": "2026-03-10",
        "Rucher de la Durolle": None,
    }


def test_through_the_api_a_seller_who_left_reads_their_own_sales_and_statements_only(
    cheese_left: Any, people: Any, territory: Any, today_is: Any
) -> None:
    today_is(dt.date(2026, 3, 11))
    base, march = f"/api/v1/shops/{cheese_left.shop.pk}", "?start=2026-03-01&end=2026-03-31"
    headers = key_of("associate", cheese_left, people, territory)
    answers = {name: Client().get(base + path, **headers).status_code for name, path in {
        "sellers": "/sellers", "products": "/products", "rotas": "/rotas", "sales": f"/sales{march}",
        "statements": f"/statements{march}", "own": f"/statements/{cheese_left.associate.pk}{march}",
    }.items()}  # fmt: skip
    assert answers == {"sellers": 403, "products": 403, "rotas": 403, "sales": 200, "statements": 200, "own": 200}
    statements = Client().get(f"{base}/statements{march}", **headers).json()
    assert [s["gross"] for s in statements] == ["3.90"]


def test_the_api_lists_on_sale_only_the_products_of_the_producers_still_there(
    cheese_left: Any, people: Any, territory: Any, today_is: Any
) -> None:
    """As the catalogue page: after the cheese farm's last day its cheese and butter are no longer on sale (a
    sale of them is refused); include_ended gives them, for the past sales that name them."""
    url = f"/api/v1/shops/{cheese_left.shop.pk}/products"
    headers = key_of("manager", cheese_left, people, territory)
    everything = {"Fourme d'Ambert AOP 250 g", "Beurre cru 250 g", "Miel de châtaignier 500 g"}
    today_is(dt.date(2026, 3, 10))  # their last day: still on sale
    assert {p["name"] for p in Client().get(url, **headers).json()} == everything
    today_is(dt.date(2026, 3, 11))
    on_sale = [p["name"] for p in Client().get(url, **headers).json()]
    assert on_sale == ["Miel de châtaignier 500 g"]
    page = Client()
    page.force_login(cheese_left.florent)
    catalogue = page.get(f"/shops/{cheese_left.shop.pk}/catalogue/").context["products"]
    assert [p.name for p in catalogue] == on_sale  # the API agrees with the catalogue page
    every = Client().get(url + "?include_ended=true", **headers).json()
    assert {p["name"] for p in every} == everything
    assert {p["seller"] for p in every if p["name"] == "Beurre cru 250 g"} == {cheese_left.associate.pk}
