"""Positions checked on import, and a preview that runs the import's checks: a position far from the
row's commune, swapped, outside France, or shared by many rows is reported with its line, its source
columns and what became of it; the rows the preview calls usable are the rows the import keeps.

The rows are synthetic, written for these tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import translation

from terroir.directory import communes
from terroir.directory.models import Commune, Place
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun, SourceRecord
from terroir.imports.read import preview, record_ref, records_checked
from terroir.imports.services import source_import
from terroir.lib.geo import Precision

pytestmark = pytest.mark.django_db

MAPPING = """
[source]
name = "marches-test"
ref = "Identifiant"

[fields]
name = "Nom"
postcode = "Code postal"
commune = "Ville"
lat = "Latitude"
lon = "Longitude"

[constants]
kind = "market"
"""
HEADER = ["Identifiant", "Nom", "Code postal", "Ville", "Latitude", "Longitude"]
CROWDED = ["45.77800", "3.08700"]  # one point given to five markets of Clermont-Ferrand
ROWS = [
    ["1", "Marché d'Ambert", "63600", "Ambert", "45.5497", "3.7417"],  # line 2: right
    ["2", "Marché loin", "63600", "Ambert", "45.7797", "3.0863"],  # line 3: in Clermont, 50 km away
    ["3", "Marché inversé", "63300", "Thiers", "3.5478", "45.8564"],  # line 4: swapped, lands in Thiers
    ["4", "Marché à New York", "63600", "Ambert", "40.71", "-74.0"],  # line 5: outside France
    *[[str(n), f"Marché {n}", "63000", "Clermont-Ferrand", *CROWDED] for n in range(5, 10)],  # lines 6-10
    ["10", "Inversé sans commune", "", "", "3.74", "45.55"],  # line 11: swapped, no commune: not kept
    ["1", "Marché d'Ambert encore", "63600", "Ambert", "45.5497", "3.7417"],  # line 12: same reference
    ["11", "Marché perdu", "99999", "Atlantis", "", ""],  # line 13: no commune to place it
    ["12", "Marché de Nozay", "", "Nozay", "", ""],  # line 14: three communes have that name
    ["13", "Marché de Cébazat", "63118", "Cebazat", "", ""],  # line 15: placed at its commune
]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def source(tmp_path: Path, territory) -> Path:
    return write(tmp_path / "marches.csv", ROWS)


def test_doubtful_positions_are_reported_with_line_columns_and_what_became_of_them(source: Path) -> None:
    with translation.override("fr"):
        records = {r.line: r for r in records_checked(source, mapping_parse(MAPPING))}
    said = {line: " | ".join(p.message for p in r.problems if p.field == "lat") for line, r in records.items()}
    ambert, thiers, clermont = (Commune.objects.get(code=c) for c in ("63003", "63430", "63113"))

    assert not records[2].problems and (records[2].lat, records[2].precision) == (45.5497, Precision.GIVEN)
    assert (
        "colonnes «\u00a0Latitude\u00a0», «\u00a0Longitude\u00a0»" in said[3]
        and "au-delà de la taille de la commune" in said[3]
    )
    assert "remplacée par le centre d’Ambert" in said[3]
    assert (records[3].lat, records[3].lon, records[3].precision) == (ambert.lat, ambert.lon, Precision.COMMUNE)
    assert "inversées\u202f; corrigée" in said[4] and "à Thiers" in said[4]
    assert (records[4].lat, records[4].lon, records[4].precision) == (45.8564, 3.5478, Precision.GIVEN)
    assert thiers.lat is not None and abs((records[4].lat or 0) - thiers.lat) < 0.1
    assert "hors de France alors que la commune de la ligne, Ambert, est française" in said[5]
    assert "remplacée par le centre d’Ambert" in said[5] and records[5].lat == ambert.lat
    for line in range(6, 11):
        assert "partagée par au moins 5 lignes du fichier" in said[line]
        assert "remplacée par le centre de Clermont-Ferrand" in said[line] and records[line].lat == clermont.lat
    assert "semble inversée" in said[11] and "non gardée" in said[11] and records[11].rejected
    assert records[12].rejected and "qu’à la ligne 2" in records[12].problems[-1].message
    assert records[13].rejected and records[14].rejected and "3 communes" in records[14].problems[-1].message
    assert not records[15].rejected and records[15].commune_code == "63063"
    assert all(p.line == line for line, r in records.items() for p in r.problems)


def test_the_rows_the_preview_calls_usable_are_exactly_those_the_import_keeps(source: Path) -> None:
    mapping = mapping_parse(MAPPING)
    shown = preview(source, mapping, rows=100)
    usable = {record_ref(r) for r in shown.records if not r.rejected}
    assert shown.rows == len(ROWS) and shown.rows - shown.rejected == len(usable) == 10
    run = source_import(path=source, mapping=mapping, geocode=False)
    assert run.status == ImportRun.Status.DONE and run.rejected == shown.rejected
    assert set(SourceRecord.objects.filter(source__name="marches-test").values_list("ref", flat=True)) == usable
    # The import's report says the same as the preview: line, source columns and reason, in French.
    report = list(csv.DictReader(io.StringIO(run.report.lstrip("\ufeff")), delimiter=";"))
    swapped = next(r for r in report if r["line"] == "4" and "inversées" in r["problem"])
    repeated = next(r for r in report if r["line"] == "12" and "même référence" in r["problem"])
    assert swapped["rejected"] == "no" and swapped["problem"].startswith(
        "colonnes «\u00a0Latitude\u00a0», «\u00a0Longitude\u00a0»\u202f: la position 3.54780, 45.85640 a la "
        "latitude et la longitude inversées"
    )
    assert repeated["rejected"] == "yes" and repeated["problem"].startswith(
        "colonne «\u00a0Identifiant\u00a0», «\u00a0Nom\u00a0»\u202f: même référence «\u00a01\u00a0» qu’à la ligne 2"
    )


def test_a_commune_centre_never_replaces_a_precise_position_already_in_the_directory(tmp_path: Path, territory) -> None:
    mapping = mapping_parse(MAPPING)
    first = [["20", "Marché du Pirou", "63300", "Thiers", "45.8570", "3.5460"]]
    assert source_import(path=write(tmp_path / "first.csv", first), mapping=mapping).status == ImportRun.Status.DONE
    place = Place.objects.get(name="Marché du Pirou")
    assert (place.lat, place.lon) == (45.8570, 3.5460)
    # The next file lost the position: the row is placed at the centre of Thiers, the entry keeps its own.
    again = [["20", "Marché du Pirou", "63300", "Thiers", "", ""]]
    assert source_import(path=write(tmp_path / "again.csv", again), mapping=mapping).status == ImportRun.Status.DONE
    place.refresh_from_db()
    assert (place.lat, place.lon) == (45.8570, 3.5460)


def test_an_import_and_a_preview_read_the_whole_file_with_one_communes_index(source: Path, monkeypatch) -> None:
    """A long import outlives the index's age (INDEX_TTL_S, for the site's processes): rebuilt halfway, it
    lost the answers it remembered and the communes' sizes, and placed the later rows with another table.
    Here every index is older than its age at once: the run builds one and keeps it to its end."""
    built: list[communes.CommuneIndex] = []

    class Counted(communes.CommuneIndex):
        def __init__(self) -> None:
            super().__init__()
            built.append(self)

    monkeypatch.setattr(communes, "CommuneIndex", Counted)
    monkeypatch.setattr(communes, "INDEX_TTL_S", -1.0)
    monkeypatch.setattr(communes, "_index", None)
    mapping = mapping_parse(MAPPING)
    shown = preview(source, mapping, rows=100)
    assert len(built) == 1 and shown.rows == len(ROWS)
    run = source_import(path=source, mapping=mapping, geocode=False)
    assert run.status == ImportRun.Status.DONE and run.rejected == shown.rejected
    assert len(built) == 2
    # Outside a run the index is rebuilt by age as before.
    communes.commune_index()
    assert len(built) == 3
