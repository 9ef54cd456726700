"""A statement sent stays as sent: the shop's manager marks a depositor's March statement as sent; a till
file of March received afterwards does not change it (page, CSV, PDF, API) but makes a correcting
statement, shown to the depositor and the manager with its reason (the file, when it came), sent in its
turn. Only the shop's managers and the territory's coordinators mark a statement sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from terroir.shops import services
from terroir.shops.models import StatementSend

from .conftest import MARCH, opened_on, spaced
from .test_editing import ROLES, user_of

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
MONTH = "?month=2026-03"


@pytest.fixture
def sent(le_local: Any, today_is: Any) -> Any:
    """2 jars of honey sold on 3 March 2026 (17.00 €), and it is 2 April: the March statement can be sent."""
    opened_on(le_local.shop, dt.date(2026, 1, 5))
    today_is(dt.date(2026, 4, 2))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    return le_local


def urls(le_local: Any) -> dict[str, str]:
    shop, seller = le_local.shop.pk, le_local.depositor.pk
    return {
        "page": reverse("shops:statement", args=[shop, seller]) + MONTH,
        "csv": reverse("shops:statement_csv", args=[shop, seller]) + MONTH,
        "pdf": reverse("shops:statement_pdf", args=[shop, seller]) + MONTH,
        "send": reverse("shops:statement_send", args=[shop, seller]) + MONTH,
        "list": reverse("shops:statements", args=[shop]) + MONTH,
    }


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_till_file_received_after_the_statement_was_sent_makes_a_correcting_statement(
    sent: Any, people: Any, territory: Any
) -> None:
    manager, hugo, url = client_of(sent.florent), client_of(people.hugo), urls(sent)
    before = {name: manager.get(url[name]).content for name in ("csv", "pdf")}
    assert manager.post(url["send"]).status_code == 302
    send = StatementSend.objects.get()
    assert (send.first, send.last, send.lines, send.gross, send.commission, send.due) == (
        *MARCH, 1, D("17.00"), D("4.25"), D("12.75"))  # fmt: skip
    day = timezone.localdate(send.sent_at).strftime("%d/%m/%Y")  # the clock's day: today_is sets the shop's only
    # The till's Z report of March comes after: 3 honey lines (8.50 + 25.50 − 8.50 = 25.50 €).
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as upload:
        response = manager.post(reverse("shops:sales", args=[sent.shop.pk]), {"upload": "1", "file": upload})
    assert response.status_code == 302
    assert {name: manager.get(url[name]).content for name in ("csv", "pdf")} == before  # as sent, byte for byte
    assert services.statement_of(seller=sent.depositor, first=MARCH[0], last=MARCH[1]).gross == D("17.00")
    for reader in (manager, hugo):  # the depositor reads what the manager reads
        page = spaced(reader.get(url["page"]).content.decode())
        assert 'id="gross">17,00\u00a0€<' in page and f"Envoyé au producteur le {day}" in page
        assert "Relevé correctif, pas encore envoyé" in page and "z_report_le_local_2026-03.csv" in page
        assert f"3 ventes de la période ont été enregistrées après l’envoi du relevé le {day}" in page
        # 25.50 € late; 25 % = 6.38 € (6.375 half up); 19.12 € due.
        assert 'class="correction-gross">25,50\u00a0€<' in page and 'class="correction-due">19,12\u00a0€<' in page
    assert 'id="send-form"' in manager.get(url["page"]).content.decode()
    assert 'id="send-form"' not in hugo.get(url["page"]).content.decode()
    listing = manager.get(url["list"]).content.decode()
    assert f"{day} · 3 ventes enregistrées depuis" in listing
    # The correction is sent in its turn; then there is nothing new to send.
    assert manager.post(url["send"]).status_code == 302
    assert [s.gross for s in StatementSend.objects.all()] == [D("17.00"), D("25.50")]
    page = manager.get(url["page"]).content.decode()
    assert f"Relevé correctif, envoyé le {day}" in page and 'id="send-form"' not in page
    refused = manager.post(url["send"], follow=True).content.decode()
    assert "rien de nouveau à envoyer" in refused and StatementSend.objects.count() == 2


def test_the_api_gives_the_statement_as_sent(sent: Any, people: Any, territory: Any) -> None:
    from terroir.api.tests.test_shops import key_of

    services.statement_send(seller=sent.depositor, first=MARCH[0], last=MARCH[1], by=sent.florent)
    services.sale_record(shop=sent.shop, product=sent.honey, sold_on=dt.date(2026, 3, 20), quantity=D("1"))
    base = f"/api/v1/shops/{sent.shop.pk}/statements/{sent.depositor.pk}?start=2026-03-01&end=2026-03-31"
    body = Client().get(base, **key_of("depositor", sent, people, territory)).json()
    assert (body["gross"], body["due"]) == ("17.00", "12.75")


def test_before_it_is_sent_a_statement_takes_every_sale_of_its_period(sent: Any) -> None:
    services.sale_record(shop=sent.shop, product=sent.honey, sold_on=dt.date(2026, 3, 20), quantity=D("1"))
    parts = services.statement_parts(seller=sent.depositor, first=MARCH[0], last=MARCH[1])
    assert [(p.send, p.statement.gross) for p in parts] == [(None, D("25.50"))]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_shops_managers_and_coordinators_mark_a_statement_sent(role: str, sent: Any, people: Any,
                                                                        other_shop_seller: Any) -> None:  # fmt: skip
    client = client_of(user_of(role, sent, people, other_shop_seller))
    answer = client.post(urls(sent)["send"]).status_code
    assert (answer, StatementSend.objects.count()) == ((302, 1) if role in {"manager", "coordinator"} else (403, 0))


def test_anonymous_visitors_are_asked_to_sign_in_to_mark_a_statement_sent(sent: Any) -> None:
    response = Client().post(urls(sent)["send"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not StatementSend.objects.exists()
