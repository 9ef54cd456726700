"""French elision before the names a translation fills in: "Historique d’Albert", never "Historique de
Albert" (directory/french.py: the templates' blocktranslate tag and elided() for Python code); and the
French written in code, outside the catalogue, with the catalogue's typography."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.directory.demo import HOURS
from terroir.directory.french import elided
from terroir.directory.services import actor_update
from terroir.imports.read import _said
from terroir.lib.hours_prose import prose, prose_lines, status, today
from terroir.lib.messages import Message
from terroir.lib.tests.test_hours_prose import PARIS, SAID
from terroir.lib.text import french_of, french_of_the, french_the

TEMPLATE = engines["django"].from_string(
    "{% load i18n %}{% blocktranslate with name=n %}History of {{ name }}{% endblocktranslate %}|"
    "{% blocktranslate asvar said with name=n %}Products of {{ name }}{% endblocktranslate %}{{ said }}"
)


def test_blocktranslate_elides_de_before_a_name_in_french_only_and_keeps_the_escaping() -> None:
    with translation.override("fr"):
        assert TEMPLATE.render({"n": "Albert & <Fils>"}) == (
            "Historique d’Albert &amp; &lt;Fils&gt;|Produits d’Albert &amp; &lt;Fils&gt;"
        )
        assert TEMPLATE.render({"n": "Le Panier"}) == "Historique du Panier|Produits du Panier"
        assert TEMPLATE.render({"n": "Thiers"}) == "Historique de Thiers|Produits de Thiers"
        assert elided("Produits de Albert", "Albert") == "Produits d’Albert"
    with translation.override("en"):
        assert TEMPLATE.render({"n": "Albert"}) == "History of Albert|Products of Albert"
        assert elided("de Albert", "Albert") == "de Albert"


@pytest.mark.django_db
def test_the_history_of_a_producer_whose_name_starts_with_a_vowel_reads_d_in_french(
    territory: Any, people: Any
) -> None:
    actor_update(actor=territory.cheese_farm, values={"name": "EARL de l’Estive"})
    client = Client(headers={"accept-language": "fr"})
    client.force_login(people.camille)
    page = client.get(reverse("directory:history", args=["actor", territory.cheese_farm.pk])).content.decode()
    assert "Historique d’EARL de l’Estive" in page and "de EARL" not in page


def test_the_french_words_written_in_code_use_the_typographic_apostrophe_and_narrow_spaces_before_signs() -> None:
    """What hours_prose and lib.text write in French outside the catalogue follows the catalogue's
    typography: "aujourd’hui", "d’avril", never a straight apostrophe nor a plain space before ; : ? !"""
    expressions = [row[0] for row in SAID] + [e for choices in HOURS.values() for e in choices if e]
    expressions += ["Apr-Oct Sa 08:00-13:00", "Aug-Oct Tu 08:00-12:00", "Oct-Apr Fr 16:00-19:00"]
    moments = [dt.datetime(2026, month, day, hour, tzinfo=PARIS) for month in (1, 7, 12) for day in (5, 6, 9)
               for hour in (8, 13, 20)]  # fmt: skip
    said = [prose(e, "fr") for e in expressions] + [line for e in expressions for line in prose_lines(e, "fr") or []]
    said += [f(e, moment, PARIS, "fr") for e in expressions for moment in moments for f in (status, today)]
    said += [french_of(word) for word in ("avril", "octobre", "huile", "Ambert", "Le Vernet")]
    said += [f(word) for word in ("Estive", "Moulin", "Monts") for f in (french_of_the, french_the)]
    assert any("aujourd" in text for text in said) and any("d’avril" in text for text in said)
    assert [text for text in said if "'" in text or re.search(r" [:;?!]", text)] == []


def test_an_imports_problem_read_in_french_elides_before_the_names_it_was_kept_with() -> None:
    kept = Message("%(reason)s; replaced by the centre of %(commune)s",
                   {"reason": "no position", "commune": "Ambert"}).json()  # fmt: skip
    with translation.override("fr"):
        assert _said(kept, "").endswith("le centre d’Ambert")
    with translation.override("en"):
        assert _said(kept, "").endswith("the centre of Ambert")


@pytest.mark.parametrize(("commune", "name"), [
    ("Orléans", "Marché d'Orléans"),  # a vowel
    ("Hyères", "Marché d'Hyères"),  # a mute h
    ("Hautefort", "Marché de Hautefort"),  # an aspirated h
    ("Le Puy-en-Velay", "Marché du Puy-en-Velay"),  # the commune's own article
    ("Thiers", "Marché de Thiers"),
])  # fmt: skip
def test_the_import_benchmarks_markets_are_named_as_french_lists_name_them(commune: str, name: str) -> None:
    """bench/import.py invents "Marché de <commune>": "de" elided as the platform writes it (lib.text),
    never "Marché de Orléans"."""
    bench_import = importlib.import_module("bench.import")
    assert f"Marché {bench_import.market_of(commune)}" == name
