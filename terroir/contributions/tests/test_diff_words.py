"""A revision's values as the moderation diff and the history show them, in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F
from django.utils import translation

from terroir.contributions.views import value_text
from terroir.directory.models import Category, Label


def test_a_count_of_photos_agrees_with_its_noun() -> None:
    with translation.override("fr"):
        assert [value_text("photos", [{}] * n) for n in (1, 2)] == ["1 photo", "2 photos"]
    with translation.override("en"):
        assert [value_text("photos", [{}] * n) for n in (1, 2)] == ["1 photo", "2 photos"]


def test_opening_hours_read_as_the_public_pages_say_them_with_the_code_only_where_asked() -> None:
    with translation.override("fr"):
        assert value_text("opening_hours", "Tu-Sa 09:00-12:30") == "mar.–sam. 9 h–12 h 30"
        assert value_text("opening_hours", "Fr 16:00-20:00", with_code=True) == "vendredi 16 h–20 h (Fr 16:00-20:00)"
        # An expression prose cannot say plainly is shown once, as it is.
        assert value_text("opening_hours", "sunrise-sunset", with_code=True) == "sunrise-sunset"
    with translation.override("en"):
        assert value_text("opening_hours", "Fr 16:00-20:00") == "Friday 4 pm–8 pm"


@pytest.mark.django_db
def test_products_are_named_in_the_reader_s_language(territory: Any) -> None:
    category = Category.objects.exclude(name_fr=F("name_en")).first()
    label = Label.objects.exclude(name_fr=F("name_en")).first()
    assert category is not None and label is not None
    value = [{"category": category.slug, "labels": [label.slug]}]
    with translation.override("en"):
        assert value_text("products", value) == f"{category.name_en} ({label.name_en})"
    with translation.override("fr"):
        assert value_text("products", value) == f"{category.name_fr} ({label.name_fr})"
