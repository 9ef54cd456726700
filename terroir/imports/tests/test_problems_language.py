"""An import's problems are kept as templates and values: each reader reads them in their own language,
whatever the language of the worker that read the file."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from terroir.imports.mapping import Problem
from terroir.imports.models import ImportRun, Source
from terroir.imports.read import report_lines, report_read
from terroir.imports.services import source_import
from terroir.lib.messages import Message

from .test_read import ROWS, mapping, write_csv  # noqa: F401 (the fixture)
from .test_views import coordinator  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

# One row rejected (a kind the mapping does not know), one with a bad phone (kept), one placed at the
# centre of its commune although the commune given is elsewhere.
BAD = [
    ["T1", "Ferme du Test", "Drive", "", "", "63600", "Ambert", "45.5", "3.7", "", "", "", "", ""],
    ["T2", "Marché du Test", "Marché", "", "", "63600", "Ambert", "45.78", "3.08", "12", "", "", "", ""],
]


def _run(tmp_path: Any, mapping: Any) -> ImportRun:  # noqa: F811
    with translation.override("fr"):  # the worker runs in the site's language
        return source_import(path=write_csv(tmp_path / "test.csv", [ROWS[0], *BAD]), mapping=mapping, geocode=False)


def _downloaded(client: Any, run: ImportRun, language: str) -> list[dict[str, str]]:
    response = client.get(reverse("imports:run-report", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_same_run_is_read_in_french_by_a_french_reader_and_in_english_by_an_english_one(
    coordinator,  # noqa: F811
    tmp_path,
    mapping,  # noqa: F811
) -> None:
    run = _run(tmp_path, mapping)
    assert run.rejected == 1
    french = coordinator.get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = coordinator.get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "type de lieu inconnu" in french and "unknown place kind" not in french
    # A value of the file is quoted as each language quotes, never as Python writes it ('Drive').
    assert "unknown place kind “Drive”" in english and "type de lieu inconnu" not in english
    assert "type de lieu inconnu\u202f: «\u00a0Drive\u00a0»" in french and "&#x27;Drive" not in french + english
    assert "is not a valid phone number" in english and "numéro de téléphone" in french
    # Composed messages are translated part by part.
    assert "replaced by the centre of Ambert" in english and "remplacée par le centre d’Ambert" in french

    for language, said in (
        ("fr", "type de lieu inconnu\u202f: «\u00a0Drive\u00a0»"),
        ("en", "unknown place kind “Drive”"),
    ):
        lines = _downloaded(coordinator, run, language)
        assert list(lines[0]) == ["line", "rejected", "column", "problem", "row"]
        assert any(line["problem"].startswith(said) and line["rejected"] == "yes" for line in lines)


def test_a_report_stored_before_problems_were_kept_as_data_reads_as_it_was_stored(coordinator) -> None:  # noqa: F811
    source = Source.objects.create(name="old", label="Old")
    stored = '\ufeffline;rejected;column;problem;row\n3;yes;Type;"type inconnu ; gardé";"{""a"": 1}"\n'
    run = ImportRun.objects.create(source=source, file_name="old.csv", status=ImportRun.Status.DONE, report=stored)
    assert list(report_read(stored)) == [["3", "yes", "Type", "type inconnu ; gardé", '{"a": 1}']]
    english = coordinator.get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "type inconnu ; gardé" in english
    assert _downloaded(coordinator, run, "en")[0]["problem"] == "type inconnu ; gardé"


def test_a_cut_report_says_how_many_problems_it_leaves_out_in_the_reader_s_language() -> None:
    stored = '\ufeffline;rejected;column;problem;row;said\n;;;3 problèmes de plus non listés;;"{""left_out"": 3}"\n'
    with translation.override("en"):
        assert list(report_read(stored)) == [["", "", "", "3 more problems not listed", ""]]


def test_a_message_goes_through_json_and_back_with_its_nested_parts() -> None:
    said = Message("%(reason)s; replaced by the centre of %(commune)s", {
        "reason": Message("position %(position)s is outside France", {"position": "1, 2"}), "commune": "Ambert",
    })  # fmt: skip
    assert Message.of(said.json()) == said
    assert str(said) == "position 1, 2 is outside France; replaced by the centre of Ambert"
    assert Message.of("plain 100 % text").text() == "plain 100 % text"


def test_the_run_page_tells_a_column_of_the_file_from_a_field_of_the_directory(
    coordinator,  # noqa: F811
    tmp_path,
    mapping,  # noqa: F811
) -> None:
    run = _run(tmp_path, mapping)
    # A problem about a field no column of the file gave (a position found from the commune only).
    said = Message("%(reason)s; replaced by the centre of %(commune)s", {"reason": "no position", "commune": "Ambert"})
    record = SimpleNamespace(problems=[Problem(5, "lat", said)], rejected=False, raw={"Nom": "Ferme"})
    added = io.StringIO()
    csv.writer(added, delimiter=";").writerow(next(report_lines(record)))  # type: ignore[arg-type]
    run.report += added.getvalue()
    run.save()
    page = coordinator.get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    problems = page[page.index('<table class="data problems">') :]
    assert "<th>Où</th>" in problems and "<th>Colonne</th>" not in problems
    assert "<td>colonne «\u00a0Type\u00a0»</td>" in problems  # the file's own header
    assert "<td>champ «\u00a0Latitude\u00a0» de l’annuaire</td>" in problems  # no column of the file
    # The downloaded file keeps its one column, as a spreadsheet reads it.
    assert {line["column"] for line in _downloaded(coordinator, run, "fr")} == {"Type", "Téléphone", "Latitude", "lat"}


def test_a_problem_names_the_directory_field_only_when_no_column_gave_the_value() -> None:
    said = Message("no position")
    assert Problem(5, "lat", said).field_alone == "lat"  # a position from the commune only
    assert Problem(5, "lat", said, column="Latitude").field_alone == ""  # the file's own column says it
    assert Problem(5, "lat", said, column="Latitude").where == "Latitude"
