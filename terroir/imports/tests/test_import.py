"""Importing sources again and again: idempotent, all or nothing, one at a time, nothing lost."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from terroir.directory.background import task_error_text
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun, Source, SourceRecord
from terroir.imports.services import ImportBusy, source_import

from .files import MARKETS, mapping_text

pytestmark = pytest.mark.django_db

MAPPING = mapping_text(
    MARKETS, source={"name": "amap-63", "label": "AMAP du Puy-de-Dôme"}, fields={"address": "adresse"},
    constants={"kind": "amap"},
)  # fmt: skip


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["id", "nom", "adresse", "cp", "commune", "lat", "lon"])
        writer.writeheader()
        writer.writerows(rows)
    return path


AMAPS = [
    {"id": "1", "nom": "AMAP d'Ambert", "adresse": "", "cp": "63600", "commune": "Ambert", "lat": "45.55",
     "lon": "3.74"},
    {"id": "2", "nom": "AMAP de Thiers", "adresse": "place du Pirou", "cp": "63300", "commune": "Thiers", "lat": "",
     "lon": ""},
    {"id": "3", "nom": "", "adresse": "", "cp": "63000", "commune": "Clermont-Ferrand", "lat": "", "lon": ""},
]  # fmt: skip


@pytest.fixture
def mapping(territory):
    return mapping_parse(MAPPING)


def test_an_import_keeps_each_record_with_its_source_and_reports_the_rest(tmp_path, mapping) -> None:
    run = source_import(path=write(tmp_path / "amap.csv", AMAPS), mapping=mapping, mapping_text=MAPPING)
    assert run.status == ImportRun.Status.DONE
    assert (run.rows, run.created, run.rejected, run.commune_level) == (3, 2, 1, 1)
    thiers = SourceRecord.objects.get(source__name="amap-63", ref="2")
    assert thiers.data["precision"] == "commune" and thiers.data["commune_code"] == "63430"
    assert thiers.raw["adresse"] == "place du Pirou"
    report = list(csv.DictReader(io.StringIO(run.report.lstrip("\ufeff")), delimiter=";"))
    assert {(r["line"], r["column"], r["rejected"]) for r in report} == {("4", "nom", "yes"), ("3", "adresse", "no")}
    assert json.loads(report[0]["row"])["id"] in {"2", "3"}
    assert Source.objects.get(name="amap-63").mapping == MAPPING


def test_reimporting_updates_instead_of_duplicating_and_flags_what_disappeared(tmp_path, mapping) -> None:
    first = source_import(path=write(tmp_path / "v1.csv", AMAPS[:2]), mapping=mapping)
    again = source_import(path=write(tmp_path / "v1-again.csv", AMAPS[:2]), mapping=mapping)
    assert (again.created, again.updated, again.unchanged, again.missing) == (0, 0, 2, 0)
    assert set(SourceRecord.objects.values_list("last_run", flat=True)) == {first.pk}  # not written again
    renamed = [{**AMAPS[0], "nom": "AMAP du Livradois"}]
    newer = source_import(path=write(tmp_path / "v2.csv", renamed), mapping=mapping)
    assert (newer.created, newer.updated, newer.missing) == (0, 1, 1)
    assert SourceRecord.objects.get(ref="1").name == "AMAP du Livradois"
    gone = SourceRecord.objects.get(ref="2")
    assert gone.missing  # flagged, not deleted
    assert gone.last_given_by() == again  # the last run that gave it, not the one that found it gone
    assert SourceRecord.objects.get(ref="1").last_given_by() == newer
    back = source_import(path=write(tmp_path / "v3.csv", AMAPS[:2]), mapping=mapping)
    assert (back.updated, back.unchanged) == (1, 1)  # the name went back; Thiers is back unchanged
    assert SourceRecord.objects.filter(missing=True).count() == 0
    assert {record.last_given_by() for record in SourceRecord.objects.all()} == {back}
    again_back = source_import(path=write(tmp_path / "v4.csv", AMAPS[:1]), mapping=mapping)
    assert again_back.missing == 1 and SourceRecord.objects.get(ref="2").last_given_by() == back
    assert SourceRecord.objects.count() == 2


def test_rows_without_reference_are_found_again_by_name_and_commune(tmp_path, territory) -> None:
    mapping = mapping_parse(mapping_text(MAPPING, source={"ref": None}))
    source_import(path=write(tmp_path / "a.csv", AMAPS[:2]), mapping=mapping)
    again = source_import(path=write(tmp_path / "b.csv", AMAPS[:2]), mapping=mapping)
    assert (again.created, again.unchanged) == (0, 2)


def test_a_reference_given_twice_in_a_file_keeps_the_first_row_and_reports_the_second(tmp_path, mapping) -> None:
    run = source_import(path=write(tmp_path / "twice.csv", [AMAPS[0], {**AMAPS[0], "nom": "Autre"}]), mapping=mapping)
    assert (run.created, run.rejected) == (1, 1)
    assert "même référence «\u00a0" + "1\u00a0» qu’à la ligne 2" in run.report


def test_a_file_broken_halfway_imports_nothing(tmp_path, territory) -> None:
    mapping = mapping_parse(
        '[source]\nname = "gogo"\nref = "id"\n[fields]\nname = "name"\n[constants]\nkind = "market"'
    )
    (tmp_path / "broken.json").write_text('[{"id": 1, "name": "Marché"}, {"id": 2, "name": ', encoding="utf-8")
    with translation.override("en"):  # the worker's language
        run = source_import(path=tmp_path / "broken.json", mapping=mapping)
    assert run.status == ImportRun.Status.FAILED
    assert SourceRecord.objects.count() == 0
    # Why, in the language of whoever reads the run, not the worker's (the run keeps the message).
    with translation.override("fr"):
        assert "JSON mal formé après l’enregistrement 1" in task_error_text(run.error)
    with translation.override("en"):
        assert "malformed JSON after record 1" in task_error_text(run.error)


def test_the_same_source_cannot_be_imported_twice_at_once(tmp_path, mapping) -> None:
    source = Source.objects.create(name="amap-63", label="AMAP")
    ImportRun.objects.create(source=source, file_name="big.csv", file_sha256="0" * 64)  # still running
    with pytest.raises(ImportBusy, match="already being imported"):
        source_import(path=write(tmp_path / "amap.csv", AMAPS), mapping=mapping)
    other = mapping_parse(mapping_text(MAPPING, source={"name": "amap-43"}))
    assert source_import(path=write(tmp_path / "other.csv", AMAPS), mapping=other).status == ImportRun.Status.DONE


def test_import_source_command_uses_ready_made_mappings_and_reports(tmp_path, territory, capsys) -> None:
    overpass = {"elements": [
        {"type": "node", "id": 1, "lat": 45.55, "lon": 3.74, "tags": {"shop": "farm", "name": "Ferme"}},
        {"type": "node", "id": 2, "lat": 3.74, "lon": 45.55, "tags": {"shop": "farm", "name": "Swapped"}},
    ]}  # fmt: skip
    (tmp_path / "osm.json").write_text(json.dumps(overpass), encoding="utf-8")
    call_command("import_source", str(tmp_path / "osm.json"), source="osm", report=str(tmp_path / "r.csv"))
    out = capsys.readouterr().out
    # In the reader's language (French by default), as every message of the import.
    # Each count agrees with its noun: "1 rejetée", not "1 rejetées".
    assert "2 lignes lues\u202f: 1 nouvelle fiche, 0 mise à jour, 0 inchangée, 1 rejetée" in out
    assert "annuaire\u202f: 1 entrée créée" in out
    report = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert "semble inversée (latitude et longitude)\u202f; non gardée" in report
    with pytest.raises(CommandError, match="rien n’a été importé"):
        (tmp_path / "bad.json").write_text("{", encoding="utf-8")
        call_command("import_source", str(tmp_path / "bad.json"), source="osm")


def test_import_source_remembers_a_sources_mapping_and_previews_or_dry_runs_without_writing(
    tmp_path, territory, capsys
) -> None:
    (tmp_path / "amap.toml").write_text(MAPPING, encoding="utf-8")
    path = write(tmp_path / "amap.csv", AMAPS)
    with pytest.raises(CommandError, match="pas encore de correspondance"):
        call_command("import_source", str(path), source="amap-63")
    call_command("import_source", str(path), source="amap-63", mapping=str(tmp_path / "amap.toml"), preview=True)
    out = capsys.readouterr().out
    assert (
        "ligne 2 [ok] ref=1; name=AMAP d'Ambert" in out
        and "3 lignes lues, 3 fiches lues\u202f: 2 utilisables, 1 fiche rejetée." in out
    )
    assert not Source.objects.exists()
    call_command("import_source", str(path), source="amap-63", mapping=str(tmp_path / "amap.toml"), dry_run=True)
    assert "essai à blanc\u202f: rien n’a été gardé" in capsys.readouterr().out and not Source.objects.exists()
    call_command("import_source", str(path), source="amap-63", mapping=str(tmp_path / "amap.toml"))
    # The next file of the source is read with the mapping it was last imported with.
    call_command("import_source", str(path), source="amap-63")
    assert "0 nouvelle fiche, 0 mise à jour, 2 inchangées" in capsys.readouterr().out
