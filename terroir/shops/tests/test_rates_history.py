"""Commission rates over time: a statement of a period uses the rates in force during it, so a change (the
shop's default or a seller's own) never rewrites a past period, and a statement drawn and sent comes out
the same, page, CSV and PDF, when drawn again later. Rates are written as percentages on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.shops import documents, services
from terroir.shops.models import CommissionRate, Seller

from .conftest import opened_on, spaced

pytestmark = pytest.mark.django_db
JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


@pytest.fixture
def january(le_local: Any, today_is: Any) -> Any:
    """Le Local opened in 2025; four jars of honey sold on 14 January 2026 (34.00 €), statement drawn on 2 February."""
    opened_on(le_local.shop, dt.date(2025, 9, 1))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 1, 14), quantity=D("4"))
    today_is(dt.date(2026, 2, 2))
    return le_local


def drawn(client: Client, le_local: Any, name: str) -> bytes:
    url = reverse(name, args=[le_local.shop.pk, le_local.depositor.pk]) + "?month=2026-01"
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def test_a_statement_of_january_is_unchanged_after_the_rates_change_in_march(january: Any, today_is: Any) -> None:
    le_local = january
    client = Client()
    client.force_login(le_local.florent)
    before = services.statement_of(seller=le_local.depositor, first=JANUARY[0], last=JANUARY[1])
    assert (before.gross, before.commission, before.due) == (D("34.00"), D("8.50"), D("25.50"))
    sent = {name: drawn(client, le_local, name) for name in ("shops:statement_csv", "shops:statement_pdf")}

    today_is(dt.date(2026, 3, 10))
    services.shop_commission_change(shop=le_local.shop, rate=D("0.30"))
    services.seller_update(seller=le_local.depositor, kind="depositor", commission_rate=D("0.15"))
    services.seller_update(seller=le_local.associate, kind="associate", commission_rate=D("0.05"))

    after = services.statement_of(seller=le_local.depositor, first=JANUARY[0], last=JANUARY[1])
    assert (after.rate, after.gross, after.commission, after.due) == (D("0.2500"), D("34.00"), D("8.50"), D("25.50"))
    assert services.statement_of(seller=le_local.associate, first=JANUARY[0], last=JANUARY[1]).rate == D("0")
    # The same files, byte for byte: what was sent in February can be drawn again.
    assert {name: drawn(client, le_local, name) for name in sent} == sent
    # From 10 March on, the new rate counts.
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 12), quantity=D("2"))
    march = services.statement_of(seller=le_local.depositor, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31))
    assert (march.rate, march.commission) == (D("0.1500"), D("2.55"))


def test_a_new_default_counts_from_its_day_for_depositors_on_the_default(january: Any, today_is: Any) -> None:
    le_local = january
    today_is(dt.date(2026, 1, 20))
    services.shop_commission_change(shop=le_local.shop, rate=D("0.20"))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 1, 25), quantity=D("2"))
    result = services.statement_of(seller=le_local.depositor, first=JANUARY[0], last=JANUARY[1])
    # 34.00 € at 25 % (8.50 €) before the 20th, 17.00 € at 20 % (3.40 €) after: each rate once, rounded half up.
    assert [(p.rate, p.gross, p.commission) for p in result.parts] == [
        (D("0.2500"), D("34.00"), D("8.50")), (D("0.2000"), D("17.00"), D("3.40"))
    ]  # fmt: skip
    assert (result.gross, result.commission, result.due) == (D("51.00"), D("11.90"), D("39.10"))
    with translation.override("fr"):
        assert spaced(documents.rates_text(result)) == "25\xa0% sur 34,00\xa0€, 20\xa0% sur 17,00\xa0€"
    associate = services.statement_of(seller=le_local.associate, first=JANUARY[0], last=JANUARY[1])
    assert associate.rate == D("0")


def test_a_rate_cannot_be_changed_for_days_gone_by(january: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.seller_update(seller=january.depositor, kind="depositor", commission_rate=D("0.10"),
                               applies_from=dt.date(2026, 1, 1))  # fmt: skip
    assert "applies_from" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.shop_commission_change(shop=january.shop, rate=D("0.10"), applies_from=dt.date(2026, 2, 1))
    assert Seller.objects.get(pk=january.depositor.pk).commission_rate is None


def test_a_change_set_for_a_later_date_waits_for_it(january: Any) -> None:
    services.seller_update(seller=january.depositor, kind="depositor", commission_rate=D("0.10"),
                           applies_from=dt.date(2026, 4, 1))  # fmt: skip
    rates = services.rates_of(january.shop)
    assert (rates.of(january.depositor.pk, dt.date(2026, 3, 31)), rates.of(january.depositor.pk, dt.date(2026, 4, 1))) \
        == (D("0.2500"), D("0.1000"))  # fmt: skip
    assert services.rate_history(january.depositor) == [(dt.date(2025, 9, 1), D("0.2500")), (dt.date(2026, 4, 1),
                                                                                             D("0.1000"))]  # fmt: skip


def test_the_same_rate_again_adds_no_line_to_the_history(january: Any) -> None:
    count = CommissionRate.objects.count()
    services.seller_update(seller=january.depositor, kind="depositor")
    services.shop_commission_change(shop=january.shop, rate=D("0.25"))
    assert CommissionRate.objects.count() == count


def test_the_pages_write_rates_as_percentages(january: Any) -> None:
    client = Client()
    client.force_login(january.florent)
    client.cookies["django_language"] = "fr"
    shop = january.shop.pk
    statements = spaced(client.get(reverse("shops:statements", args=[shop]) + "?month=2026-01").content.decode())
    assert "25\xa0%" in statements and "0,2500" not in statements and "0.2500" not in statements
    catalogue = spaced(client.get(reverse("shops:catalogue", args=[shop])).content.decode())
    assert "25\xa0%" in catalogue
    edit = spaced(client.get(reverse("shops:seller_edit", args=[shop, january.depositor.pk])).content.decode())
    assert "À partir du 01/09/2025\xa0: 25\xa0%" in edit


def test_the_manager_changes_the_shops_default_from_a_date_on_the_catalogue(january: Any) -> None:
    client = Client()
    client.force_login(january.florent)
    url = reverse("shops:catalogue", args=[january.shop.pk])
    response = client.post(url, {"default_percent": "22.5", "applies_from": "2026-03-01"})
    assert response.status_code == 302
    assert services.rates_of(january.shop).of(None, dt.date(2026, 3, 1)) == D("0.2250")
    past = client.post(url, {"default_percent": "10", "applies_from": "2026-01-01"})
    assert past.status_code == 400
    assert services.rates_of(january.shop).of(None, dt.date(2026, 1, 1)) == D("0.2500")


def test_the_catalogue_shows_a_planned_change_of_the_default_beside_todays_rate(january: Any) -> None:
    client = Client()
    client.force_login(january.florent)
    client.cookies["django_language"] = "fr"
    services.shop_commission_change(shop=january.shop, rate=D("0.22"), applies_from=dt.date(2026, 12, 20))
    page = spaced(client.get(reverse("shops:catalogue", args=[january.shop.pk])).content.decode())
    default = page.split('id="default-rate"')[1].split("</p>")[0]
    assert "25\xa0%\xa0; 22\xa0% à partir du 20/12/2026" in default
    # A depositor without a rate of their own pays the default: the same change is planned for them.
    row = page.split(january.depositor.actor.name)[1].split("</tr>")[0]
    assert "25\xa0%\xa0; 22\xa0% à partir du 20/12/2026" in row
    client.cookies["django_language"] = "en"
    page = client.get(reverse("shops:catalogue", args=[january.shop.pk])).content.decode()
    assert "25%; 22% from 12/20/2026" in page


def test_the_migration_starts_each_history_with_the_current_rates_at_the_shops_creation(le_local: Any) -> None:
    import importlib

    from django.apps import apps

    CommissionRate.objects.all().delete()  # as before the history existed
    Seller.objects.filter(pk=le_local.depositor.pk).update(commission_rate=D("0.1800"))
    opened_on(le_local.shop, dt.date(2025, 9, 1))
    migration = importlib.import_module("terroir.shops.migrations.0002_commission_history")
    migration.history_start(apps, None)
    rows = set(CommissionRate.objects.values_list("seller_id", "valid_from", "rate"))
    start = dt.date(2025, 9, 1)
    assert rows == {(None, start, D("0.2500")), (le_local.associate.pk, start, D("0")),
                    (le_local.depositor.pk, start, D("0.1800"))}  # fmt: skip


def test_a_rate_out_of_bounds_is_refused_with_the_bound_as_english_writes_it(le_local: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match=r"between 0 and 100%\."):
        services.seller_update(seller=le_local.depositor, kind="depositor", commission_rate=D("1.5"))
