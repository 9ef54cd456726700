"""The producers' shops under /api/v1/shops: public facts for anybody; sellers, products and prices for the
shop's managers and its sellers; sales, statements (JSON, CSV, PDF) and the rota (JSON, iCalendar) each
for whom the pages show them to; writes through the shops' services with a key of scope write. The role
matrix: anonymous, an outsider, a seller of another shop, an associate, a depositor, the owner's manager
and a coordinator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.models import Membership
from terroir.accounts.services import api_token_create
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.directory.services import place_create
from terroir.shops import services
from terroir.shops.models import Product, Rota, RotaStatus, Sale, Shift
from terroir.shops.tests.conftest import LeLocal, le_local_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def le_local(territory: Any, people: Any) -> LeLocal:
    shop = le_local_build(territory, people)
    services.sale_record(shop=shop.shop, product=shop.honey, sold_on=dt.date(2026, 3, 3), quantity=D("3"))
    services.sale_record(shop=shop.shop, product=shop.honey, sold_on=dt.date(2026, 3, 7), quantity=D("-1"))
    services.sale_record(shop=shop.shop, product=shop.fourme, sold_on=dt.date(2026, 3, 10), quantity=D("2"))
    return shop


@pytest.fixture
def rota(le_local: LeLocal) -> Rota:
    slot = services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    made = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1, status=RotaStatus.OPTIMAL)
    Shift.objects.create(rota=made, slot=slot, date=dt.date(2026, 3, 3), member=le_local.claire)
    return made


def seller_of_another_shop(territory: Any) -> Any:
    coop = Actor.objects.create(name="SCIC Paysans de Limagne", is_organisation=True)
    place = place_create(name="Boutique paysanne de Limagne", kind="producers_shop", commune=territory.clermont,
                         lat=45.78, lon=3.09, operator=coop, producers=[territory.market_gardener])  # fmt: skip
    services.seller_add(shop=services.shop_create(place=place), actor=territory.market_gardener, kind="depositor")
    paul = person("paul@jardins-limagne.example.org")
    Membership.objects.create(user=paul, actor=territory.market_gardener, how="coordinator")
    return paul


def key_of(role: str, le_local: LeLocal, people: Any, territory: Any, scope: str = "read") -> dict[str, Any]:
    if role == "anonymous":
        return {}
    user = {
        "outsider": lambda: person("jeanne@example.org"),
        "seller_of_another_shop": lambda: seller_of_another_shop(territory),
        "associate": lambda: people.claire,
        "depositor": lambda: people.hugo,
        "manager": lambda: le_local.florent,
        "coordinator": lambda: people.camille,
    }[role]()
    _token, key = api_token_create(user=user, name="test", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def reads(le_local: LeLocal, rota: Rota) -> dict[str, str]:
    base = f"/api/v1/shops/{le_local.shop.pk}"
    march = "?start=2026-03-01&end=2026-03-31"
    dep, assoc = le_local.depositor.pk, le_local.associate.pk
    return {
        "list": "/api/v1/shops", "shop": base, "sellers": f"{base}/sellers", "products": f"{base}/products",
        "sales": f"{base}/sales{march}", "statements": f"{base}/statements{march}",
        "depositor_statement": f"{base}/statements/{dep}{march}",
        "depositor_csv": f"{base}/statements/{dep}.csv{march}", "depositor_pdf": f"{base}/statements/{dep}.pdf{march}",
        "associate_statement": f"{base}/statements/{assoc}{march}",
        "rotas": f"{base}/rotas", "rota": f"{base}/rotas/{rota.pk}", "ical": f"{base}/rotas/{rota.pk}.ics",
    }  # fmt: skip


PUBLIC = {"list", "shop"}
SELLERS = PUBLIC | {"sellers", "products", "sales", "statements"}
EVERYTHING = {
    "list", "shop", "sellers", "products", "sales", "statements", "depositor_statement", "depositor_csv",
    "depositor_pdf", "associate_statement", "rotas", "rota", "ical",
}  # fmt: skip
ALLOWED = {
    "anonymous": PUBLIC,
    "outsider": PUBLIC,
    "seller_of_another_shop": PUBLIC,
    "associate": SELLERS | {"associate_statement", "rotas", "rota", "ical"},
    "depositor": SELLERS | {"depositor_statement", "depositor_csv", "depositor_pdf"},
    "manager": EVERYTHING,
    "coordinator": EVERYTHING,
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_reads_exactly_what_the_pages_show_it(role: str, le_local: LeLocal, rota: Rota, people: Any,
                                                        territory: Any) -> None:  # fmt: skip
    headers = key_of(role, le_local, people, territory)
    answers = {name: Client().get(url, **headers).status_code for name, url in reads(le_local, rota).items()}
    refused = 401 if role == "anonymous" else 403
    assert answers == {name: 200 if name in ALLOWED[role] else refused for name in answers}


def test_the_public_facts_of_a_shop(le_local: LeLocal, territory: Any) -> None:
    body = Client().get(f"/api/v1/shops/{le_local.shop.pk}").json()
    assert body == {
        "id": le_local.shop.pk, "name": "Le Local, magasin de producteurs", "place": territory.le_local.pk,
        "address": territory.le_local.address, "commune": "63003", "owner": "SAS Le Local",
        "default_commission": "0.2500",
    }  # fmt: skip


def test_commission_rates_are_for_the_managers_only(le_local: LeLocal, people: Any, territory: Any) -> None:
    url = f"/api/v1/shops/{le_local.shop.pk}/sellers"
    depositor = Client().get(url, **key_of("depositor", le_local, people, territory)).json()
    manager = Client().get(url, **key_of("manager", le_local, people, territory)).json()
    assert {s["name"]: s["commission_rate"] for s in depositor} == {
        "GAEC des Monts du Forez": None, "Rucher de la Durolle": None,
    }  # fmt: skip
    assert {s["name"]: s["commission_rate"] for s in manager} == {
        "GAEC des Monts du Forez": "0", "Rucher de la Durolle": "0.2500",
    }  # fmt: skip


def test_a_depositor_reads_their_own_sales_and_statement_and_its_files(le_local: LeLocal, people: Any,
                                                                        territory: Any) -> None:  # fmt: skip
    headers = key_of("depositor", le_local, people, territory)
    base = f"/api/v1/shops/{le_local.shop.pk}"
    sales = Client().get(f"{base}/sales?start=2026-03-01&end=2026-03-31", **headers).json()
    assert sales["count"] == 2 and {s["amount"] for s in sales["results"]} == {"25.50", "-8.50"}
    statements = Client().get(f"{base}/statements?start=2026-03-01&end=2026-03-31", **headers).json()
    assert len(statements) == 1
    statement = statements[0]
    # 2 jars net × 8.50 = 17.00 €; 25 % = 4.25 €; due 12.75 €.
    assert (statement["gross"], statement["commission"], statement["due"], statement["refunds"]) == (
        "17.00", "4.25", "12.75", "-8.50"
    )  # fmt: skip
    csv = Client().get(statement["csv_url"], **headers)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Montant dû;12.75" in csv.content.decode("utf-8-sig")
    pdf = Client().get(statement["pdf_url"], **headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_manager_reads_every_statement_and_all_the_sales(le_local: LeLocal, people: Any, territory: Any) -> None:
    headers = key_of("manager", le_local, people, territory)
    base = f"/api/v1/shops/{le_local.shop.pk}"
    statements = Client().get(f"{base}/statements?start=2026-03-01&end=2026-03-31", **headers).json()
    assert {s["name"]: s["due"] for s in statements} == {"GAEC des Monts du Forez": "12.80",
                                                          "Rucher de la Durolle": "12.75"}  # fmt: skip
    assert Client().get(f"{base}/sales?start=2026-03-01&end=2026-03-31&limit=1", **headers).json()["count"] == 3


def test_the_rota_as_json_and_icalendar(le_local: LeLocal, rota: Rota, people: Any, territory: Any) -> None:
    headers = key_of("associate", le_local, people, territory)
    body = Client().get(f"/api/v1/shops/{le_local.shop.pk}/rotas/{rota.pk}", **headers).json()
    assert body["status"] == "optimal" and body["shifts"] == [
        {"date": "2026-03-03", "starts": "15:00", "ends": "19:00", "member": le_local.claire.pk, "name": "Claire"}
    ]
    ical = Client().get(body["ical_url"], **headers)
    assert ical.status_code == 200 and b"BEGIN:VCALENDAR" in ical.content and b"Claire" in ical.content


def test_a_period_that_is_not_one_is_refused(le_local: LeLocal, people: Any, territory: Any) -> None:
    headers = key_of("manager", le_local, people, territory)
    base = f"/api/v1/shops/{le_local.shop.pk}"
    for query in ("start=2026-03-31&end=2026-03-01", "start=2026-03-01", "start=2025-01-01&end=2026-03-01"):
        response = Client().get(f"{base}/statements?{query}", **headers)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter", query


def test_the_manager_enters_a_sale_and_a_refund_with_a_write_key(le_local: LeLocal, people: Any,
                                                                 territory: Any) -> None:  # fmt: skip
    url = f"/api/v1/shops/{le_local.shop.pk}/sales"
    sale = {"product": le_local.butter.pk, "sold_on": "2026-03-12", "quantity": "-2"}
    read_key = key_of("manager", le_local, people, territory)
    assert Client().post(url, sale, content_type="application/json", **read_key).status_code == 403
    write_key = key_of("manager", le_local, people, territory, scope="write")
    response = Client().post(url, sale, content_type="application/json", **write_key)
    assert response.status_code == 201 and response.json()["amount"] == "-7.80"
    assert Sale.objects.get(pk=response.json()["id"]).created_by == le_local.florent
    other = Client().post(url, sale | {"product": 999_999}, content_type="application/json", **write_key)
    assert other.status_code == 400 and other.json()["error"]["parameter"] == "product"


@pytest.mark.parametrize("role", ["associate", "depositor", "seller_of_another_shop", "outsider"])
def test_nobody_but_the_managers_writes(role: str, le_local: LeLocal, people: Any, territory: Any) -> None:
    headers = key_of(role, le_local, people, territory, scope="write")
    base = f"/api/v1/shops/{le_local.shop.pk}"
    sale = {"product": le_local.honey.pk, "sold_on": "2026-03-12", "quantity": "5"}
    product = {"seller": le_local.depositor.pk, "code": "MIEL-500", "name": "Miel", "unit_price": "1.00"}
    assert Client().post(f"{base}/sales", sale, content_type="application/json", **headers).status_code == 403
    assert Client().post(f"{base}/products", product, content_type="application/json", **headers).status_code == 403
    assert Sale.objects.count() == 3 and Product.objects.get(code="MIEL-500").unit_price == D("8.50")


def test_a_new_price_through_the_api_leaves_past_sales_at_theirs(le_local: LeLocal, people: Any,
                                                                 territory: Any) -> None:  # fmt: skip
    headers = key_of("coordinator", le_local, people, territory, scope="write")
    product = {"seller": le_local.depositor.pk, "code": "MIEL-500", "name": "Miel de châtaignier 500 g",
               "unit_price": "9.00"}  # fmt: skip
    response = Client().post(f"/api/v1/shops/{le_local.shop.pk}/products", product, content_type="application/json",
                             **headers)  # fmt: skip
    assert response.status_code == 200 and response.json()["unit_price"] == "9.00"
    assert {s.unit_price for s in Sale.objects.filter(product=le_local.honey)} == {D("8.50")}


def test_the_shops_schemas_keep_their_own_names_in_the_document(client: Any) -> None:
    """The document names a schema by its class: a shops `ProductOut` once replaced the places' one (the
    fuzzing then found /places/{id} answering against the shops' product)."""
    from ninja import Schema

    from terroir.api.routers import shops as router

    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    declared = [value for value in vars(router).values() if isinstance(value, type) and issubclass(value, Schema)]
    ours = [schema for schema in declared if schema.__module__ == router.__name__]
    assert ours
    for schema in ours:
        if schema.__name__.endswith("In"):
            continue  # query and body schemas are inlined or named apart
        assert set(components[schema.__name__]["properties"]) == set(schema.model_fields), schema.__name__
    assert "code" not in components["ProductOut"]["properties"]  # the places' products are categories
