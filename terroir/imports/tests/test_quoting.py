"""A value someone wrote — a word of their file, a column's name, a slug of their mapping — is quoted in the
import's messages as the reader's language quotes: « legumes » in French, “legumes” in English, never as
Python writes it ('legumes'). One helper does it (lib.messages.quoted, `%(name)r` in a template), for the
mapping's refusals, the file's reading, the rows' problems in the preview and on the run's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from terroir.imports.mapping import MappingError, mapping_parse
from terroir.lib.messages import Message, quoted

from .test_views import coordinator  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
MAPPING = """
[source]
name = "fermes"
[fields]
name = "Nom"
kind = "Type"
categories = "Produits"
commune = "Ville"
postcode = "CP"
[constants]
kind = "farm"
[categories]
"Fromage" = "cow-cheese"
"""
CSV = "Nom;Type;Produits;Ville;CP\nFerme des Monts;;Legumes;Ambert;63600\n"


def upload(client: Any, tmp_path: Path, mapping: str, rows: str, language: str) -> str:
    form = {
        "source": "fermes",
        "file": SimpleUploadedFile("fermes.csv", rows.encode(), content_type="text/csv"),
        "mapping_file": SimpleUploadedFile("m.toml", mapping.encode()),
    }
    response = client.post(reverse("imports:home"), form, HTTP_ACCEPT_LANGUAGE=language)
    if response.status_code == 302:
        response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)
    return response.content.decode()


def test_a_value_is_quoted_as_the_reader_s_language_quotes() -> None:
    with translation.override("fr"):
        assert quoted("legumes", translation.gettext) == f"«{NBSP}legumes{NBSP}»"
        assert quoted(["Nom", "Ville"], translation.gettext) == f"«{NBSP}Nom{NBSP}», «{NBSP}Ville{NBSP}»"
    assert quoted("legumes") == "“legumes”"
    said = Message("unknown category %(word)r (add it to [categories] in the mapping)", {"word": "Legumes"})
    assert Message.of(said.json()).text() == "unknown category “Legumes” (add it to [categories] in the mapping)"
    with translation.override("fr"):
        assert said.text(translation.gettext).startswith(f"catégorie inconnue\u202f: «{NBSP}Legumes{NBSP}» (")


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", f"[categories] Fromage\u202f: catégorie inconnue\u202f: «{NBSP}fromage-de-vache{NBSP}»"),
        ("en", "[categories] Fromage: unknown category “fromage-de-vache”"),
    ],
)
def test_the_mapping_s_refusal_quotes_the_slug_it_refuses_in_the_reader_s_language(
    coordinator,  # noqa: F811
    settings,
    tmp_path,
    territory,
    language: str,
    said: str,
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    page = upload(coordinator, tmp_path, MAPPING.replace('"cow-cheese"', '"fromage-de-vache"'), CSV, language)
    assert said in page and "&#x27;fromage-de-vache" not in page


@pytest.mark.parametrize(
    ("language", "row", "reading"),
    [
        ("fr", f"catégorie inconnue\u202f: «{NBSP}Legumes{NBSP}»",
         f"la correspondance nomme la colonne «{NBSP}CP{NBSP}» que le fichier n’a pas\u202f; ses colonnes sont "
         f"«{NBSP}Nom{NBSP}», «{NBSP}Type{NBSP}», «{NBSP}Produits{NBSP}», «{NBSP}Ville{NBSP}»"),
        ("en", "unknown category “Legumes”",
         "the mapping names the column “CP” that the file lacks; its columns are “Nom”, “Type”, “Produits”, “Ville”"),
    ],
)  # fmt: skip
def test_the_preview_quotes_the_file_s_words_and_columns_in_the_reader_s_language(
    coordinator,  # noqa: F811
    settings,
    tmp_path,
    territory,
    language: str,
    row: str,
    reading: str,
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    page = upload(coordinator, tmp_path, MAPPING, CSV, language)
    assert row in page and "&#x27;Legumes" not in page
    without_postcode = "\n".join(line.rsplit(";", 1)[0] for line in CSV.splitlines()) + "\n"
    page = upload(coordinator, tmp_path, MAPPING, without_postcode, language)
    assert reading in page and "&#x27;CP" not in page


def test_a_mapping_error_is_said_in_the_language_active_when_it_is_read(territory) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_parse('[source]\nname = "a"\nrecord = "tractor"\n[fields]\nname = "N"')
    with translation.override("en"):
        assert str(caught.value) == "[source] record: “tractor” is not one of place, producer, producer+place"
    with translation.override("fr"):
        assert caught.value.message.startswith(f"«{NBSP}tractor{NBSP}» n’est pas l’une des valeurs possibles")
