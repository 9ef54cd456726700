"""The shipped communes reference (version 2): official names with their article, département codes."""

from __future__ import annotations

import pytest

from terroir.directory.communes import commune_find, communes_load
from terroir.directory.models import Commune


@pytest.mark.django_db
def test_communes_keep_their_article_and_their_department_code() -> None:
    communes_load(departments={"72", "17", "2A"})
    assert Commune.objects.get(code="72181").name == "Le Mans"
    assert Commune.objects.get(code="17300").name == "La Rochelle"
    assert Commune.objects.get(code="17300").department == "17"
    assert Commune.objects.get(code="2A004").department == "2A"  # Ajaccio
    found = commune_find("La Rochelle")
    assert found is not None and found.code == "17300"
