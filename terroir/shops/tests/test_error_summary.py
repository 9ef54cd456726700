"""A form of a shop's page refused: each error shows next to its field, and a summary at the top of the page
(before the tables a long page starts with) says what to correct, each line a link to its field — the
product form at the bottom of the catalogue, the sale form of the sales page, the rota's forms, an edit
page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(le_local: Any) -> Client:
    client = Client()
    client.force_login(le_local.florent)
    return client


def summary_and_field(page: str, field_id: str) -> tuple[int, int, int]:
    """Where the summary, its link to the field, and the field's own error (which the field names as its
    description) are in the page."""
    summary = page.index('id="error-summary"')
    link = page.index(f'href="#{field_id}"')
    error = page.index(f'id="{field_id}_error"')
    field = page.index(f'id="{field_id}"')
    assert error < field and f'aria-describedby="{field_id}_error"' in page
    return summary, link, error


@pytest.mark.parametrize(("page", "post", "field_id"), [
    ("catalogue", {"seller": "depositor", "code": "MIEL-1", "name": "Miel", "unit_price": "-1", "unit": "piece"},
     "product-unit_price"),
    ("catalogue", {"default_percent": "120", "applies_from": "2026-03-01"}, "default-default_percent"),
    ("sales", {"product": "", "sold_on": "2026-03-03", "quantity": "1"}, "sale-product"),
    ("rota_home", {"weekday": "1", "starts": "15:00", "ends": "19:00", "needed": "0"}, "slot-needed"),
], ids=["product", "default_rate", "sale", "slot"])  # fmt: skip
def test_a_refused_form_is_summed_up_at_the_top_with_a_link_to_the_field(le_local: Any, manager: Client, page: str,
                                                                         post: dict[str, str],
                                                                         field_id: str) -> None:  # fmt: skip
    post = {name: le_local.depositor.pk if value == "depositor" else value for name, value in post.items()}
    response = manager.post(reverse(f"shops:{page}", args=[le_local.shop.pk]), post)
    body = response.content.decode()
    assert response.status_code == 400
    summary, link, error = summary_and_field(body, field_id)
    assert summary < link < body.index("<h2") < error
    assert re.search(r"Rien n’a été enregistré\u202f: 1 réponse à corriger", body)


def test_an_edit_page_sums_up_its_errors_too(le_local: Any, manager: Client) -> None:
    url = reverse("shops:product_edit", args=[le_local.shop.pk, le_local.honey.pk])
    body = manager.post(url, {"seller": le_local.depositor.pk, "code": "", "name": "Miel", "unit_price": "8.50",
                              "unit": "piece"}).content.decode()  # fmt: skip
    summary, link, error = summary_and_field(body, "id_code")
    assert summary < link < error and "Code caisse" in body[link : body.index("</a>", link)]


def test_a_page_without_errors_has_no_summary(le_local: Any, manager: Client) -> None:
    assert 'id="error-summary"' not in manager.get(reverse("shops:catalogue", args=[le_local.shop.pk])).content.decode()
