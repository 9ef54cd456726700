"""A re-import knows the rows it read before by their fingerprint and does not read them again, with the
very same outcome: figures, report, records and directory. (Seconds are measured by bench/import.py.)
The rows are synthetic."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.utils import translation

from terroir.directory.models import Actor, Label, Place
from terroir.imports import read
from terroir.imports.mapping import Mapping
from terroir.imports.models import ImportRun, SourceRecord
from terroir.imports.services import mapping_for, source_import

from .files import DIRECTORY, mapping_text

pytestmark = pytest.mark.django_db

MAPPING = mapping_text(
    DIRECTORY, source={"name": "annuaire-63", "label": "Annuaire du Puy-de-Dôme"}, fields={"phone": "tel"}
)
HEADER = ("code", "type", "nom", "cp", "commune", "lat", "lon", "tel")
ROWS: list[tuple[str, ...]] = [
    ("1", "Marché", "Marché Saint-Genès", "63600", "Ambert", "45.5500", "3.7400", ""),
    ("2", "Producteur", "GAEC du Moulin", "63600", "Ambert", "45.5600", "3.7500", "04 73 82 00 00"),
    # Placed at its commune's centre, with a problem said in the report at each import.
    ("3", "Marché", "Marché de Thiers", "63300", "Thiers", "", "", ""),
    # Rejected: no commune to place it.
    ("4", "Marché", "Marché de Nulle-Part", "", "Villeneuve-sur-Nulle-Part", "", "", ""),
    # Far from its commune: replaced by the commune's centre, said in the report.
    ("5", "Marché", "Marché de la Gare", "63300", "Thiers", "43.60", "1.44", ""),
    # The first row again: a repeated reference, rejected.
    ("1", "Marché", "Marché Saint-Genès", "63600", "Ambert", "45.5500", "3.7400", ""),
]


def write(path: Path, rows: Sequence[tuple[str, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(path: Path, text: str = MAPPING) -> ImportRun:
    mapping, _same = mapping_for(source="annuaire-63", text=text)
    result = source_import(path=path, mapping=mapping, mapping_text=text)
    assert result.status == ImportRun.Status.DONE, result.error
    return result


FIGURES = ("rows", "rejected", "missing", "commune_level", "review", "merged")


@pytest.fixture
def rows_read(monkeypatch):
    """The lines of the rows read through the mapping."""
    lines: list[int] = []
    records_of = Mapping.records_of

    def counted(self, row):
        lines.append(row.line)
        return records_of(self, row)

    monkeypatch.setattr(Mapping, "records_of", counted)
    return lines


def state() -> tuple[object, ...]:
    columns = ("ref", "record_type", "digest", "place_id", "actor_id", "missing")
    records = sorted(SourceRecord.objects.values_list(*columns))
    places = sorted(Place.objects.values_list("id", "name", "kind", "lat", "lon", "commune_id", "operator_id"))
    actors = sorted(Actor.objects.values_list("id", "name", "phone"))
    return records, places, actors


def test_an_unchanged_file_is_imported_again_without_reading_its_kept_rows(tmp_path, territory, rows_read):
    first = run(write(tmp_path / "a.csv", ROWS))
    before = state()
    rows_read.clear()
    again = run(write(tmp_path / "b.csv", ROWS))
    # Only the rejected rows are read again (nothing kept says what they were), and the repeat of row 1.
    assert sorted(rows_read) == [5, 7]
    assert [getattr(again, name) for name in FIGURES] == [getattr(first, name) for name in FIGURES]
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert again.report == first.report  # every problem said again, at its line, with its row
    assert "Thiers" in again.report and "Nulle-Part" in again.report
    assert state() == before
    # Given again unchanged, the records are not written again: their last run is the source's latest.
    assert set(SourceRecord.objects.values_list("last_run", flat=True)) == {first.pk}
    assert {record.last_given_by().pk for record in SourceRecord.objects.all()} == {again.pk}


def test_a_changed_row_is_read_again_and_the_others_are_not(tmp_path, territory, rows_read):
    run(write(tmp_path / "a.csv", ROWS))
    changed = list(ROWS)
    changed[1] = ("2", "Producteur", "GAEC du Moulin", "63600", "Ambert", "45.5600", "3.7500", "04 73 82 11 11")
    rows_read.clear()
    again = run(write(tmp_path / "b.csv", changed))
    assert sorted(rows_read) == [3, 5, 7]
    assert (again.updated, again.created) == (2, 0)  # the producer and its farm, both give the phone
    assert Actor.objects.get(name="GAEC du Moulin").phone.replace(" ", "").endswith("473821111")


def test_another_mapping_reads_every_row_again(tmp_path, territory, rows_read):
    run(write(tmp_path / "a.csv", ROWS))
    rows_read.clear()
    run(write(tmp_path / "b.csv", ROWS), text=mapping_text(MAPPING, source={"label": "Annuaire 63"}))
    assert sorted(rows_read) == list(range(2, 8))


def test_a_row_whose_point_the_file_now_crowds_is_read_again(tmp_path, territory, rows_read):
    run(write(tmp_path / "a.csv", ROWS))
    # Five more rows of other names on the first market's point: a default point, which reading says.
    crowding: list[tuple[str, ...]] = [
        (f"c{n}", "Marché", f"Marché {n}", "63600", "Ambert", "45.5500", "3.7400", "") for n in range(5)
    ]
    rows_read.clear()
    again = run(write(tmp_path / "b.csv", ROWS + crowding))
    assert 2 in rows_read
    assert "45.55000, 3.74000" in again.report


def test_a_record_gone_then_back_is_read_again_and_no_longer_missing(tmp_path, territory, rows_read):
    run(write(tmp_path / "a.csv", ROWS))
    gone = run(write(tmp_path / "b.csv", [row for row in ROWS if row[0] != "3"]))
    assert gone.missing == 1
    rows_read.clear()
    back = run(write(tmp_path / "c.csv", ROWS))
    assert 4 in rows_read
    assert not SourceRecord.objects.filter(missing=True).exists()
    assert back.missing == 0


def test_fingerprints_change_with_the_reference_data(tmp_path, territory):
    first = read._reference_digest()
    Label.objects.create(slug="bio-test", name_fr="Bio test", name_en="Organic test")
    assert read._reference_digest() != first


def test_problems_of_rows_known_by_fingerprint_are_read_in_each_reader_s_language(tmp_path, territory, rows_read):
    with translation.override("fr"):
        run(write(tmp_path / "a.csv", ROWS))
    rows_read.clear()
    with translation.override("en"):
        again = run(write(tmp_path / "b.csv", ROWS))  # another language: the rows are still known
    assert 2 not in rows_read and 3 not in rows_read
    with translation.override("fr"):
        french = [line[3] for line in read.report_read(again.report)]
    with translation.override("en"):
        english = [line[3] for line in read.report_read(again.report)]
    assert french != english  # the same problems, each in its reader's language
    assert len(french) == len(english) > 0
