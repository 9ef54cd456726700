"""The planner's figures are written as the reader's language writes them: thousands grouped, the euro
sign in its place, decimals with the language's separator."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from .test_planner import WEEK, make_week

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.mark.parametrize(("language", "vehicle", "value"), [
    ("fr", f"0,95{NBSP}€/km, 18,00{NBSP}€/h, 55,00{NBSP}€/jour", f"22{NBSP}885,00{NBSP}€"),
    ("en", "€0.95/km, €18.00/h, €55.00/day", "€22,885.00"),
])  # fmt: skip
def test_the_planner_writes_money_for_the_reader_s_language(
    client: Client, people: Any, territory: Any, language: str, vehicle: str, value: str
) -> None:
    week = make_week(territory)
    order = week["orders"][0]
    order.value = 22885
    order.save(update_fields=["value"])
    client.force_login(people.camille)
    page = client.get(f"/logistics/?week={WEEK.isoformat()}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert vehicle in page and value in page
