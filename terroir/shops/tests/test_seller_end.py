"""A producer who leaves the shop ("ended"): after their last day their products cannot be sold (a till
line after it is refused with its line number, in the reader's language, never dropped), they leave the
current lists and the later rotas; their sales and statements of past periods stay. Only the shop's
managers and the territory's coordinators end a seller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.shops import services, till
from terroir.shops.models import Sale, Seller

from .conftest import MARCH, spaced
from .test_editing import ROLES, user_of

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
EDITORS = {"manager", "coordinator"}


@pytest.fixture
def left(le_local: Any) -> Any:
    """The honey farm sold until 5 March 2026 and left the shop."""
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    services.seller_end(seller=le_local.depositor, last_day=dt.date(2026, 3, 5))
    return le_local


def test_a_till_line_of_a_product_of_a_producer_who_left_is_refused_with_its_line(left: Any) -> None:
    # The Z report (synthetic) sells honey on 3 March (before the end: fine) and refunds one on 7 March (after).
    with translation.override("fr"):
        read = till.till_read(DATA / "z_report_le_local_2026-03.csv", shop=left.shop)
    problems = [(line, column, spaced(text)) for line, column, text in read.problems]
    assert problems == [(5, "date", "«\xa0MIEL-500\xa0» (Miel de châtaignier 500 g) est un produit de Rucher de la "
                                    "Durolle, qui a quitté le magasin le 05/03/2026\xa0: il ne peut pas être vendu "
                                    "le 07/03/2026")]  # fmt: skip
    with translation.override("en"):
        english = till.till_read(DATA / "z_report_le_local_2026-03.csv", shop=left.shop)
    assert english.problems[0][:2] == (5, "date") and "who left the shop on" in english.problems[0][2]


def test_the_till_page_shows_the_refused_line_and_keeps_nothing(left: Any) -> None:
    client = Client()
    client.force_login(left.florent)
    count = Sale.objects.count()
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as handle:
        response = client.post(reverse("shops:sales", args=[left.shop.pk]), {"upload": "1", "file": handle})
    assert response.status_code == 400
    page = response.content.decode()
    assert "qui a quitté le magasin le 05/03/2026" in page
    assert Sale.objects.count() == count


def test_a_sale_by_hand_after_the_last_day_is_refused_and_before_it_is_kept(left: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.sale_record(shop=left.shop, product=left.honey, sold_on=dt.date(2026, 3, 6), quantity=D("1"))
    assert "sold_on" in refused.value.message_dict
    services.sale_record(shop=left.shop, product=left.honey, sold_on=dt.date(2026, 3, 5), quantity=D("-1"))
    with pytest.raises(ValidationError):
        services.product_save(shop=left.shop, seller=left.depositor, code="MIEL-1K", name="Miel 1 kg",
                              unit_price=D("15"))  # fmt: skip


def test_past_statements_stay_and_the_producer_leaves_the_current_lists(left: Any) -> None:
    statement = services.statement_of(seller=left.depositor, first=MARCH[0], last=MARCH[1])
    assert (statement.gross, statement.commission) == (D("17.00"), D("4.25"))
    march = [s.actor.name for s, _st in services.statements_of(shop=left.shop, first=MARCH[0], last=MARCH[1])]
    april = [s.actor.name for s, _st in services.statements_of(shop=left.shop, first=dt.date(2026, 4, 1),
                                                                last=dt.date(2026, 4, 30))]  # fmt: skip
    assert "Rucher de la Durolle" in march and "Rucher de la Durolle" not in april
    client = Client()
    client.force_login(left.florent)
    page = client.get(reverse("shops:catalogue", args=[left.shop.pk])).content.decode()
    current, former = page.split('id="former"')
    assert "Rucher de la Durolle" not in current.split("<h3>")[0] and "Rucher de la Durolle" in former
    assert "MIEL-500" not in page  # their product is not in the current catalogue
    statement_page = client.get(reverse("shops:statement", args=[left.shop.pk, left.depositor.pk]) + "?month=2026-03")
    assert statement_page.status_code == 200 and "17,00" in statement_page.content.decode()


def test_a_producer_whose_last_day_is_today_or_later_leaves_and_one_whose_day_is_past_left(
    le_local: Any, today_is: Any
) -> None:
    services.seller_end(seller=le_local.depositor, last_day=dt.date(2026, 3, 5))
    client = Client()
    client.force_login(le_local.florent)
    client.cookies["django_language"] = "fr"
    url = reverse("shops:seller_edit", args=[le_local.shop.pk, le_local.depositor.pk])
    for day, said in ((dt.date(2026, 3, 5), "Quitte le magasin après le 05/03/2026"),
                      (dt.date(2026, 3, 6), "A quitté le magasin après le 05/03/2026")):  # fmt: skip
        today_is(day)
        note = client.get(url).content.decode().split('id="end-note">')[1].split("</p>")[0]
        assert note.startswith(said), note


def test_an_end_before_sales_already_recorded_is_refused(left: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.seller_end(seller=left.depositor, last_day=dt.date(2026, 3, 1))
    assert "1 vente" in " ".join(refused.value.messages)
    assert Seller.objects.get(pk=left.depositor.pk).ended_on == dt.date(2026, 3, 5)


def test_the_people_of_a_farm_that_left_are_not_on_later_rotas(le_local: Any) -> None:
    services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    services.seller_end(seller=le_local.associate, last_day=dt.date(2026, 3, 1))
    problem, _occurrences = services.rota_problem(le_local.shop, dt.date(2026, 3, 2), 1)
    assert problem.people == []


@pytest.mark.parametrize("role", ROLES)
def test_only_the_shops_managers_and_coordinators_end_a_seller(role: str, le_local: Any, people: Any,
                                                              other_shop_seller: Any) -> None:  # fmt: skip
    client = Client()
    client.force_login(user_of(role, le_local, people, other_shop_seller))
    url = reverse("shops:seller_end", args=[le_local.shop.pk, le_local.depositor.pk])
    response = client.post(url, {"last_day": "2026-03-05"})
    ended = Seller.objects.get(pk=le_local.depositor.pk).ended_on
    if role in EDITORS:
        assert response.status_code == 302 and ended == dt.date(2026, 3, 5)
        client.post(url, {"again": "1"})
        assert Seller.objects.get(pk=le_local.depositor.pk).ended_on is None
    else:
        assert response.status_code == 403 and ended is None


def test_anonymous_visitors_are_asked_to_sign_in_to_end_a_seller(le_local: Any) -> None:
    url = reverse("shops:seller_end", args=[le_local.shop.pk, le_local.depositor.pk])
    response = Client().post(url, {"last_day": "2026-03-05"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert Seller.objects.get(pk=le_local.depositor.pk).ended_on is None
