"""A file that cannot be read is said so in the reader's language: the reading's own errors (lib/tabular,
pure Python, English templates marked for the catalogue) are translated where they are shown, on the
mapping screen, in the commands and in the other readers of tabular files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from terroir.imports.read import records_read, source_error_text
from terroir.lib.tabular import SourceError
from terroir.logistics.orders_import import orders_read

from .test_mapping_screen import coordinator  # noqa: F401 (the fixture)
from .test_read import FARMS_MAPPING, mapping  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

BROKEN = {
    "vide.csv": (b"", "le fichier est vide"),
    "cassé.json": (b'[{"Nom": "a"}, {"Nom": ', "JSON mal formé"),
    "fermes.pdf": (b"%PDF-1.4", "impossible de deviner le format de «\u00a0fermes.pdf\u00a0» d’après son nom"),
    "objet.json": (b'{"Nom": "a"}', "aucune liste d’enregistrements trouvée"),
    "faux.xlsx": (b"this is not a zip", "pas un classeur XLSX lisible"),
}


# An empty upload is refused by the form before it is read.
@pytest.mark.parametrize("name", sorted(set(BROKEN) - {"vide.csv"}))
def test_a_broken_file_is_said_so_in_french_on_the_mapping_screen(coordinator, name: str) -> None:  # noqa: F811
    content, said = BROKEN[name]
    upload = SimpleUploadedFile(name, content)
    response = coordinator.post(reverse("imports:mapping"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="fr")
    if response.status_code == 302:
        response = coordinator.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400 and said in page, page[:3000]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_is_said_so_in_french_by_the_import_commands(tmp_path: Path, mapping, name: str) -> None:  # noqa: F811
    content, said = BROKEN[name]
    (tmp_path / name).write_bytes(content)
    (tmp_path / "m.toml").write_text(FARMS_MAPPING, encoding="utf-8")
    with translation.override("fr"), pytest.raises(CommandError) as caught:
        call_command("import_preview", str(tmp_path / name), mapping=str(tmp_path / "m.toml"))
    assert said in str(caught.value)


def test_a_missing_column_is_said_in_french_after_its_line_and_in_the_singular_when_one(tmp_path, mapping) -> None:  # noqa: F811
    (tmp_path / "manque.csv").write_text("Code;Nom;Type;Latitude\n1;a;Marché;45\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        list(records_read(tmp_path / "manque.csv", mapping))
    with translation.override("fr"):
        said = source_error_text(caught.value)
    assert said.startswith("ligne 1\u202f: la correspondance nomme les colonnes ") and "que le fichier n’a pas" in said
    with translation.override("en"):
        assert source_error_text(caught.value).startswith("line 1: the mapping names the columns ")
    error = SourceError("the mapping names the column %(missing)s that the file lacks; its columns are %(columns)s",
                        {"missing": "'Longitude'", "columns": "'Code'"}, line=1)  # fmt: skip
    with translation.override("fr"):
        assert source_error_text(error) == (
            "ligne 1\u202f: la correspondance nomme la colonne 'Longitude' que le fichier n’a pas\u202f; "
            "ses colonnes sont 'Code'"
        )


def test_the_week_s_orders_and_the_canteen_command_say_a_broken_file_in_french(tmp_path: Path) -> None:
    (tmp_path / "commandes.json").write_bytes(b'[{"client": ')
    with translation.override("fr"):
        problems = orders_read(tmp_path / "commandes.json", week=datetime.date(2026, 12, 7)).problems
    assert any("JSON mal formé" in said for _line, _column, said in problems), problems
    (tmp_path / "cantines.csv").write_bytes(b"")
    with translation.override("fr"), pytest.raises(CommandError, match="le fichier est vide"):
        call_command("import_canteens", str(tmp_path / "cantines.csv"))
