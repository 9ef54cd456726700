"""French elision before the names a translation fills in: "Historique d’Albert", never "Historique de
Albert" (templatetags/french_i18n.py for the templates, french.elided for Python code)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.directory.french import elided
from terroir.directory.services import actor_update

TEMPLATE = engines["django"].from_string(
    "{% load i18n %}{% blocktranslate with name=n %}History of {{ name }}{% endblocktranslate %}|"
    "{% blocktranslate asvar said with name=n %}Products of {{ name }}{% endblocktranslate %}{{ said }}"
)


def test_blocktranslate_elides_de_before_a_name_in_french_only_and_keeps_the_escaping() -> None:
    with translation.override("fr"):
        assert TEMPLATE.render({"n": "Albert & <Fils>"}) == (
            "Historique d’Albert &amp; &lt;Fils&gt;|Produits d’Albert &amp; &lt;Fils&gt;")
        assert TEMPLATE.render({"n": "Le Panier"}) == "Historique du Panier|Produits du Panier"
        assert TEMPLATE.render({"n": "Thiers"}) == "Historique de Thiers|Produits de Thiers"
        assert elided("Produits de Albert", "Albert") == "Produits d’Albert"
    with translation.override("en"):
        assert TEMPLATE.render({"n": "Albert"}) == "History of Albert|Products of Albert"
        assert elided("de Albert", "Albert") == "de Albert"


@pytest.mark.django_db
def test_the_history_of_a_producer_whose_name_starts_with_a_vowel_reads_d_in_french(territory: Any,
                                                                                   people: Any) -> None:
    actor_update(actor=territory.cheese_farm, values={"name": "EARL de l’Estive"})
    client = Client(headers={"accept-language": "fr"})
    client.force_login(people.camille)
    page = client.get(reverse("directory:history", args=["actor", territory.cheese_farm.pk])).content.decode()
    assert "Historique d’EARL de l’Estive" in page and "de EARL" not in page
