"""A revision's values as the moderation diff and the history show them, in the reader's language."""

from __future__ import annotations

from django.utils import translation

from terroir.contributions.views import value_text


def test_a_count_of_photos_agrees_with_its_noun() -> None:
    with translation.override("fr"):
        assert [value_text("photos", [{}] * n) for n in (1, 2)] == ["1 photo", "2 photos"]
    with translation.override("en"):
        assert [value_text("photos", [{}] * n) for n in (1, 2)] == ["1 photo", "2 photos"]
