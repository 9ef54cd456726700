"""Why a producer fits a need is said in the reader's language, whoever published the need."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from terroir.needs import services
from terroir.needs.models import Match

from .test_board import cheese_need

pytestmark = pytest.mark.django_db


def test_match_reasons_published_in_french_read_in_english_on_the_buyer_s_page(
    client: Client, territory: Any, people: Any
) -> None:
    need = cheese_need(territory, people)
    with translation.override("fr"):
        services.need_publish(need=need, by=people.sophie)
    client.force_login(people.sophie)
    english = client.get(need.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    french = client.get(need.get_absolute_url(), headers={"accept-language": "fr"}).content.decode()
    assert "GTIN barcodes" in english and "codes-barres GTIN" not in english
    assert "codes-barres GTIN" in french


def test_a_match_stored_in_words_before_the_codes_is_shown_as_it_was(territory: Any, people: Any) -> None:
    need = cheese_need(territory, people)
    match = Match(need=need, producer=territory.cheese_farm, score=0.8, road_km=70,
                  reasons=["72 km", "aop"], missing=["codes-barres GTIN"])  # fmt: skip
    assert services.match_words(match) == (["72 km", "aop"], ["codes-barres GTIN"])
