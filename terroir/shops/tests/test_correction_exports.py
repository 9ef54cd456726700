"""A correcting statement has its CSV and PDF, as the statement has: the late sales one a line (when sold,
the till file they came in, when recorded), the reason, the statement it corrects and its own figures;
once sent, drawn again as sent whatever comes later. The API says whether a statement was sent and
corrected, with each correction's figures and files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from terroir.api.tests.test_shops import key_of
from terroir.lib.tests.pdf_text import pdf_strings
from terroir.shops import services
from terroir.shops.models import StatementSend

from .conftest import MARCH
from .test_statement_sent import DATA, MONTH, client_of, sent, urls  # noqa: F401  (the fixture `sent`)

pytestmark = pytest.mark.django_db


def correction_urls(le_local: Any, number: int) -> dict[str, str]:
    args = [le_local.shop.pk, le_local.depositor.pk, number]
    return {form: reverse(f"shops:correction_{form}", args=args) + MONTH for form in ("csv", "pdf")}


def z_report_received(manager: Client, le_local: Any) -> None:
    """The till's Z report of March, after the statement was sent: 3 honey lines (8.50 + 25.50 − 8.50)."""
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as upload:
        response = manager.post(reverse("shops:sales", args=[le_local.shop.pk]), {"upload": "1", "file": upload})
    assert response.status_code == 302


def test_a_correcting_statement_is_a_csv_and_a_pdf_kept_as_sent(sent: Any, people: Any,  # noqa: F811
                                                                  other_shop_seller: Any) -> None:  # fmt: skip
    manager, hugo = client_of(sent.florent), client_of(people.hugo)
    assert manager.post(urls(sent)["send"]).status_code == 302
    sent_on = timezone.localdate(StatementSend.objects.get().sent_at)
    z_report_received(manager, sent)
    first = correction_urls(sent, 1)
    page = manager.get(urls(sent)["page"]).content.decode()
    for form in ("csv", "pdf"):  # the links, in the correction's section
        assert (
            reverse(f"shops:correction_{form}", args=[sent.shop.pk, sent.depositor.pk, 1]) + "?start=2026-03-01" in page
        )
    for reader in (manager, hugo):  # the depositor downloads what the manager does
        response = reader.get(first["csv"])
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert 'filename="releve-correctif-' in response["Content-Disposition"]
        text = response.content.decode("utf-8-sig")
        assert "Relevé correctif;1" in text and f"Corrige le relevé envoyé le;{sent_on.isoformat()}" in text
        assert "Envoyé le;pas encore envoyé" in text and "z_report_le_local_2026-03.csv" in text
        assert "3 ventes de la période ont été enregistrées après l’envoi du relevé" in text
        lines = [line for line in text.splitlines() if line.startswith("Miel de châtaignier 500 g;")]
        assert [line.split(";")[1:4] for line in lines] == [
            ["2026-03-03", "1", "8.50"],
            ["2026-03-03", "3", "25.50"],
            ["2026-03-07", "-1", "-8.50"],
        ]
        # 25.50 € late; 25 % = 6.38 € (6.375 half up); 19.12 € due.
        assert "Ventes;25.50" in text and "Commission;6.38" in text and "Montant dû;19.12" in text
        pdf = reader.get(first["pdf"])
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        shown = pdf_strings(pdf.content)
        assert "Relevé correctif n°\u00a01" in shown and "Montant dû" in shown and "19,12\u00a0€" in shown
        assert any("z_report_le_local_2026-03.csv" in s for s in shown)
    # Sent in its turn, then a sale of March entered by hand: correction 1 stays as sent, byte for byte;
    # the new sale makes correction 2.
    assert manager.post(urls(sent)["send"]).status_code == 302
    as_sent = {form: manager.get(url).content for form, url in first.items()}
    assert f"Envoyé le;{sent_on.isoformat()}" in as_sent["csv"].decode("utf-8-sig")
    services.sale_record(shop=sent.shop, product=sent.honey, sold_on=dt.date(2026, 3, 20), quantity=D("1"))
    assert {form: manager.get(url).content for form, url in first.items()} == as_sent
    second = manager.get(correction_urls(sent, 2)["csv"]).content.decode("utf-8-sig")
    assert "Relevé correctif;2" in second and "Ventes;8.50" in second and "2026-03-20" in second
    assert manager.get(correction_urls(sent, 3)["csv"]).status_code == 404
    # Nobody else reads it.
    assert client_of(other_shop_seller).get(first["csv"]).status_code == 403
    assert Client().get(first["pdf"]).status_code == 302  # anonymous: sign in


def test_a_statement_not_sent_has_no_correction_to_download(sent: Any) -> None:  # noqa: F811
    manager = client_of(sent.florent)
    assert manager.get(correction_urls(sent, 1)["csv"]).status_code == 404
    assert manager.get(correction_urls(sent, 1)["pdf"]).status_code == 404
    assert "corrections/" not in manager.get(urls(sent)["page"]).content.decode()


def test_the_api_says_whether_a_statement_was_sent_and_corrected(sent: Any, people: Any,  # noqa: F811
                                                                 territory: Any) -> None:  # fmt: skip
    base = f"/api/v1/shops/{sent.shop.pk}/statements"
    march = "?start=2026-03-01&end=2026-03-31"
    headers = key_of("depositor", sent, people, territory)

    def read() -> dict[str, Any]:
        body: dict[str, Any] = Client().get(f"{base}/{sent.depositor.pk}{march}", **headers).json()
        return body

    before = read()
    assert (before["sent_at"], before["corrected"], before["corrections"]) == (None, False, [])
    send = services.statement_send(seller=sent.depositor, first=MARCH[0], last=MARCH[1], by=sent.florent)
    after = read()
    assert abs(dt.datetime.fromisoformat(after["sent_at"]) - send.sent_at) < dt.timedelta(milliseconds=1)
    assert (after["corrected"], after["corrections"]) == (False, [])
    services.sale_record(shop=sent.shop, product=sent.honey, sold_on=dt.date(2026, 3, 20), quantity=D("1"))
    corrected = read()
    assert corrected["corrected"] is True and corrected["gross"] == "17.00"  # the statement as sent
    [correction] = corrected["corrections"]
    assert {k: correction[k] for k in ("number", "sent_at", "lines", "gross", "commission", "due")} == {
        "number": 1,
        "sent_at": None,
        "lines": 1,
        "gross": "8.50",
        "commission": "2.13",
        "due": "6.37",
    }
    csv = Client().get(correction["csv_url"], **headers)
    assert csv.status_code == 200 and "Montant dû;6.37" in csv.content.decode("utf-8-sig")
    pdf = Client().get(correction["pdf_url"], **headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    missing = Client().get(f"{base}/{sent.depositor.pk}/corrections/2.csv{march}", **headers)
    assert missing.status_code == 404
    services.statement_send(seller=sent.depositor, first=MARCH[0], last=MARCH[1], by=sent.florent)
    assert read()["corrections"][0]["sent_at"] is not None
    listed = Client().get(f"{base}{march}", **headers).json()
    assert [(s["corrected"], len(s["corrections"])) for s in listed] == [(True, 1)]
    outsider = key_of("seller_of_another_shop", sent, people, territory)
    assert Client().get(correction["csv_url"], **outsider).status_code == 403


def test_the_openapi_document_explains_the_sends_and_corrections(client: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    statement = schemas["ShopStatementOut"]["properties"]
    for name in ("sent_at", "corrected", "corrections"):
        assert statement[name].get("description"), name
    assert "ShopCorrectionOut" in schemas and schemas["ShopCorrectionOut"]["properties"]["sent_at"]["description"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/shops/{shop_id}/statements/{seller_id}/corrections/{number}.csv" in paths


def test_the_late_reason_names_the_file_in_the_pdf(sent: Any) -> None:  # noqa: F811
    """The PDF's reason is the page's, in the reader's language (here the tests' French)."""
    from terroir.shops import documents

    services.statement_send(seller=sent.depositor, first=MARCH[0], last=MARCH[1], by=sent.florent)
    services.sale_record(shop=sent.shop, product=sent.honey, sold_on=dt.date(2026, 3, 20), quantity=D("-1"))
    part = services.statement_parts(seller=sent.depositor, first=MARCH[0], last=MARCH[1])[1]
    shown = " ".join(pdf_strings(documents.correction_pdf(sent.depositor, part, 1, *MARCH)))
    assert "1 saisie à la main depuis." in shown and "à la main, " in shown
    assert "-8,50\u00a0€" in shown and "pas encore envoyé" in shown
