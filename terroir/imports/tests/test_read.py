"""Reading sources through mappings: every file shape, every bad input, the preview and the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from terroir.imports.mapping import MappingError, Record, mapping_load, mapping_parse, path_get
from terroir.imports.read import preview, records_checked, records_read, report_write
from terroir.imports.sources import shipped_mappings
from terroir.lib.tabular import SourceError, encoding_detect

pytestmark = pytest.mark.django_db

FARMS_MAPPING = """
[source]
name = "chambre-63"
label = "Chambre d'agriculture du Puy-de-Dôme"
record = "place"
ref = "Code"

[fields]
name = "Nom"
kind = "Type"
address = "{Numéro} {Rue}"
postcode = "CP"
commune = "Commune"
lat = "Latitude"
lon = "Longitude"
phone = ["Téléphone", "Portable"]
siret = "SIRET"
categories = "Produits"
opening_hours = "Horaires"

[kinds]
"Vente à la ferme" = "farm"
"Marché" = "market"

[categories]
"Fromages" = "cheese"
"Légumes" = "vegetables"
"Miel" = "honey"
"""
HEADER = ["Code", "Nom", "Type", "Numéro", "Rue", "CP", "Commune", "Latitude", "Longitude", "Téléphone", "Portable",
          "SIRET", "Produits", "Horaires"]  # fmt: skip
ROWS = [
    ["F1", "Ferme des Monts du Forez", "Vente à la ferme", "12", "route de Job", "63600", "Ambert", "45,5601", "3,7702",
     "04 73 82 00 00", "", "732 829 320 00074", "Fromages; Miel", "Sa 09:00-12:00"],
    ["F2", "Marché de Thiers", "Marché", "", "place du Pirou", "63300", "Thiers", "45.856", "3.547", "",
     "06.12.34.56.78", "", "Légumes", "Th 07:00-13:00"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def mapping(territory):  # the taxonomy and labels are in the database
    return mapping_parse(FARMS_MAPPING)


def test_a_french_spreadsheet_csv_in_windows_1252_with_semicolons_is_read(tmp_path, mapping) -> None:
    path = write_csv(tmp_path / "fermes.csv", ROWS, encoding="cp1252")
    assert encoding_detect(path) == "cp1252"
    first, second = records_read(path, mapping)
    assert (first.name, first.kind, first.ref, first.line) == ("Ferme des Monts du Forez", "farm", "F1", 2)
    assert first.address == "12 route de Job"
    assert (first.lat, first.lon) == (45.5601, 3.7702)  # decimal commas
    assert first.phone == "+33473820000"
    assert first.siret == "73282932000074"
    assert first.categories == ("cheese", "honey")
    assert first.opening_hours == "Sa 09:00-12:00"
    assert second.phone == "+33612345678"  # the second column, as the first is empty
    assert first.problems == second.problems == []


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-8", "\t"), ("latin-1", "|")])
def test_utf8_with_or_without_bom_and_any_usual_delimiter(tmp_path, mapping, encoding: str, delimiter: str) -> None:
    path = write_csv(tmp_path / "fermes.csv", ROWS, delimiter=delimiter, encoding=encoding)
    names = [r.name for r in records_read(path, mapping)]
    assert names == ["Ferme des Monts du Forez", "Marché de Thiers"]


def test_xlsx_workbooks_are_read_from_their_first_sheet(tmp_path, mapping) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*ROWS[0][:7], 45.5601, 3.7702, *ROWS[0][9:]])
    sheet.append([None] * len(HEADER))  # an empty row is skipped
    sheet.append(ROWS[1])
    workbook.save(tmp_path / "fermes.xlsx")
    records = list(records_read(tmp_path / "fermes.xlsx", mapping))
    assert [(r.name, r.line, r.lat) for r in records] == [
        ("Ferme des Monts du Forez", 2, 45.5601), ("Marché de Thiers", 4, 45.856),
    ]  # fmt: skip


def test_geojson_features_give_their_properties_and_position(tmp_path, territory) -> None:
    mapping = mapping_load(shipped_mappings()["terroir-geojson"])
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [3.7417, 45.5497]},
         "properties": {"name": "Marché d'Ambert", "kind": "market", "postcode": "63600", "commune": "Ambert"}},
        {"type": "Feature", "id": 8, "geometry": None,
         "properties": {"name": "Panier fermier", "kind": "online"}},
    ]}  # fmt: skip
    (tmp_path / "export.geojson").write_text(json.dumps(collection), encoding="utf-8")
    market, online = records_read(tmp_path / "export.geojson", mapping)
    assert (market.ref, market.kind, market.lat, market.lon) == ("7", "market", 45.5497, 3.7417)
    assert (online.kind, online.lat, online.problems) == ("online", None, [])


def test_overpass_answers_are_read_with_the_shipped_openstreetmap_mapping(tmp_path, territory) -> None:
    overpass = {"version": 0.6, "elements": [
        {"type": "node", "id": 101, "lat": 45.55, "lon": 3.74,
         "tags": {"shop": "farm", "name": "Ferme du Grand Chemin", "organic": "only",
                  "opening_hours": "Fr 16:00-19:00", "phone": "+33 4 73 82 11 11"}},
        {"type": "way", "id": 202, "center": {"lat": 45.78, "lon": 3.08},
         "tags": {"amenity": "marketplace", "name": "Marché Saint-Joseph"}},
        {"type": "node", "id": 303, "lat": 45.60, "lon": 3.70, "tags": {"vending": "milk"}},
    ]}  # fmt: skip
    (tmp_path / "overpass.json").write_text(json.dumps(overpass), encoding="utf-8")
    farm, market, machine = records_read(tmp_path / "overpass.json", mapping_load(shipped_mappings()["osm"]))
    assert (farm.ref, farm.kind, farm.labels, farm.opening_hours) == ("node/101", "farm", ("ab",), "Fr 16:00-19:00")
    assert farm.phone == "+33473821111"
    assert (market.ref, market.kind, market.lat, market.lon) == ("way/202", "market", 45.78, 3.08)
    # No name: named from what it sells and, without a commune tag, the commune its position falls in.
    assert (machine.kind, machine.categories, machine.rejected) == ("vending", ("milk",), False)
    assert (machine.name, machine.name_generated) == ("Distributeur de lait — Bertignat", True)


def test_gogocarto_exports_mix_kinds_and_products_in_their_categories(tmp_path, territory) -> None:
    export = {"licence": "ODbL", "ontology": "gogofull", "data": [
        {"id": "a1", "name": "Les Paniers du Livradois", "geo": {"latitude": 45.55, "longitude": 3.74},
         "categories": ["AMAP", "Légumes", "Œufs"], "address": {"postalCode": "63600", "addressLocality": "Ambert"},
         "openHours": {"Tu": "18h00 - 19h30"}, "telephone": "0473820000"},
    ]}  # fmt: skip
    (tmp_path / "gogo.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    (amap,) = records_read(tmp_path / "gogo.json", mapping_load(shipped_mappings()["gogocarto"]))
    assert (amap.kind, amap.categories, amap.opening_hours) == ("amap", ("vegetables", "eggs"), "Tu 18:00-19:30")
    assert amap.problems == []


def test_agence_bio_operators_are_producers_with_the_organic_label(tmp_path, territory) -> None:
    answer = {"nbTotal": 1, "items": [
        {"id": 4242, "raisonSociale": "EARL DU PRE VERT", "denominationcourante": "Le Pré Vert",
         "siret": "73282932000074", "telephone": "0473000000",
         "adressesOperateurs": [{"lieu": "Le Bourg", "codePostal": "63600", "ville": "Ambert", "lat": 45.54,
                                 "long": 3.73, "codeCommune": "63003"}],
         "productions": [{"nom": "Légumes"}, {"nom": "Oeufs"}]},
    ]}  # fmt: skip
    (tmp_path / "bio.json").write_text(json.dumps(answer), encoding="utf-8")
    (farm,) = records_read(tmp_path / "bio.json", mapping_load(shipped_mappings()["agence-bio"]))
    assert (farm.record_type, farm.name, farm.labels, farm.commune_code) == (
        "producer",
        "Le Pré Vert",
        ("ab",),
        "63003",
    )
    assert farm.categories == ("vegetables", "eggs")


def test_our_own_csv_export_reads_back_the_same_places(client, territory, tmp_path) -> None:
    from terroir.directory.models import Place

    mapping = mapping_load(shipped_mappings()["terroir-csv"])
    path = tmp_path / "places.csv"
    # Every place, the canteen too (professional=1).
    path.write_bytes(client.get("/api/v1/places.csv?professional=1").content)
    records = list(records_read(path, mapping))
    assert sorted(r.name for r in records) == sorted(Place.objects.values_list("name", flat=True))
    assert {(r.kind, r.lat) for r in records} == set(Place.objects.values_list("kind", "lat"))
    assert all(not r.problems for r in records), [r.problems for r in records]


# --- Bad input ------------------------------------------------------------------------------------


def test_bad_files_get_an_error_that_says_what_and_where(tmp_path, mapping) -> None:
    def error_of(name: str, content: bytes) -> str:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(SourceError) as caught:
            list(records_read(tmp_path / name, mapping))
        return str(caught.value)

    assert "empty" in error_of("empty.csv", b"")
    missing = error_of("missing.csv", "Code;Nom;Type\n1;a;Marché\n".encode())
    assert "line 1" in missing and "“Latitude”" in missing and "its columns are “Code”, “Nom”, “Type”" in missing
    assert "malformed JSON" in error_of("broken.json", b'[{"Nom": "a"}, {"Nom": ')
    assert "no list of records" in error_of("object.json", b'{"Nom": "a"}')
    assert "cannot tell the format" in error_of("farms.pdf", b"%PDF-1.4")
    assert "not a readable XLSX" in error_of("fake.xlsx", b"this is not a zip")
    header = ";".join(HEADER).encode()
    unclosed = error_of("quote.csv", header + b'\n1;"unclosed' + b"x" * 200_000 + b"\n")
    assert "line 2" in unclosed and "unreadable CSV" in unclosed


def test_bad_values_are_reported_per_row_and_field_and_bad_positions_fixed_or_replaced(tmp_path, mapping) -> None:
    rows = [
        ["B1", "Swapped", "Marché", "", "", "63600", "Ambert", "3.74", "45.55", "", "", "", "", ""],
        ["B2", "Impossible", "Marché", "", "", "63600", "Ambert", "123", "3.7", "", "", "", "", ""],
        ["B3", "New York", "Marché", "", "", "63600", "Ambert", "40.71", "-74.0", "", "", "", "", ""],
        ["B4", "Typos", "Drive", "", "", "636", "Ambert", "abc", "3.7", "12", "", "123", "Caviar", "whenever"],
        ["B5", "", "Marché", "", "", "1000", "Bourg", "46.2", "5.22", "", "", "", "", ""],
    ]
    records = {r.ref: r for r in records_checked(write_csv(tmp_path / "bad.csv", rows), mapping)}
    with translation.override("en"):  # problems are said in the language of whoever reads them
        messages = {ref: {p.field: p.message for p in r.problems} for ref, r in records.items()}
    # Checked against the row's commune (Ambert): the swap lands there and is fixed; New York is replaced.
    assert "latitude and longitude swapped; fixed" in messages["B1"]["lat"] and records["B1"].lat == 45.55
    assert "impossible" in messages["B2"]["lat"] and records["B2"].precision == "commune"
    assert "outside France" in messages["B3"]["lat"] and "replaced by the centre of Ambert" in messages["B3"]["lat"]
    assert set(messages["B4"]) == {"kind", "postcode", "lat", "phone", "siret", "categories", "opening_hours"}
    assert "unknown place kind “Drive”" in messages["B4"]["kind"] and records["B4"].rejected
    assert "unknown category “Caviar”" in messages["B4"]["categories"]
    assert not records["B2"].rejected  # a place without a position is kept, placed from its address or commune
    assert records["B5"].rejected and records["B5"].postcode == "01000"  # the lost leading zero is restored


def test_the_report_keeps_every_problem_with_its_line_and_the_original_row(tmp_path, mapping) -> None:
    rows = [ROWS[0], ["B4", "Typos", "Drive", "", "", "", "Ambert", "45.5", "3.7", "12", "", "", "", ""]]
    path = write_csv(tmp_path / "mixed.csv", rows)
    lines = report_write(records_read(path, mapping), tmp_path / "report.csv")
    with (tmp_path / "report.csv").open(encoding="utf-8-sig") as report:
        written = list(csv.DictReader(report, delimiter=";"))
    assert lines == len(written) == 2
    # The report names the file's columns, not the directory's fields.
    assert {(w["line"], w["rejected"], w["column"]) for w in written} == {
        ("3", "yes", "Type"),
        ("3", "yes", "Téléphone"),
    }
    assert json.loads(written[0]["row"])["Nom"] == "Typos"


def test_the_preview_shows_the_first_records_and_counts_every_problem(tmp_path, mapping) -> None:
    bad = ["B", "", "Drive", "", "", "", "", "", "", "", "", "", "", ""]
    # Thirty references: the preview runs the import's checks, and a repeated reference is rejected there.
    path = write_csv(tmp_path / "many.csv", [[f"F{n}", *ROWS[0][1:]] for n in range(30)] + [bad] * 5)
    result = preview(path, mapping, rows=3)
    assert (len(result.records), result.rows, result.rejected) == (3, 35, 5)
    assert result.problem_counts == {"Nom": 5, "Type": 5}
    assert result.error is None


def test_mapping_mistakes_are_named_before_any_file_is_read(territory) -> None:
    cases = {
        'name = "x"': "section(s) inconnue(s)\u202f: «\u00a0name\u00a0»",
        '[fields]\nname = "N"': "[source] name",
        '[source]\nname = "a"\n[fields]\nname = "N"\ncolour = "C"': "[fields] colour",
        '[source]\nname = "a"\n[fields]\nname = "N"\n[kinds]\nDrive = "drive"': "[kinds] Drive",
        '[source]\nname = "a"\n[fields]\nname = "N"\n[categories]\nCaviar = "caviar"': "[categories] Caviar",
        '[source]\nname = "a"\nrecord = "tractor"\n[fields]\nname = "N"': "[source] record",
        '[source]\nname = "a"\nadapter = "nope"\n[fields]\nname = "N"': "[source] adapter",
        "[source\nname=": "TOML non valide",
    }
    for text, where in cases.items():
        with pytest.raises(MappingError) as caught:
            mapping_parse(text)
        assert where in str(caught.value), text


def test_yaml_mappings_work_like_toml_ones(territory) -> None:
    mapping = mapping_parse(
        "source:\n  name: amap-63\nfields:\n  name: Nom\nconstants:\n  kind: amap\n", filename="m.yaml"
    )
    assert (mapping.name, mapping.constants) == ("amap-63", {"kind": "amap"})
    with pytest.raises(MappingError, match="YAML non valide"):
        mapping_parse("source: [", filename="m.yml")


def test_every_shipped_mapping_is_valid(territory) -> None:
    assert set(shipped_mappings()) >= {"osm", "gogocarto", "agence-bio", "terroir-csv", "terroir-geojson"}
    for path in shipped_mappings().values():
        mapping_load(path)


def test_json_paths_reach_into_objects_and_lists() -> None:
    values = {"a": {"b": [{"c": 1}, {"c": 2}]}, "x.y": "column with a dot"}
    assert path_get(values, "a.b[1].c") == 2
    assert path_get(values, "a.b[*].c") == [1, 2]
    assert path_get(values, "a.b[5].c") is None
    assert path_get(values, "x.y") == "column with a dot"


def test_import_preview_command_prints_records_problems_and_writes_the_report(tmp_path, mapping, capsys) -> None:
    (tmp_path / "m.toml").write_text(FARMS_MAPPING, encoding="utf-8")
    bad = ["B", "Sans type", "", "", "", "", "", "", "", "", "", "", "", ""]
    path = write_csv(tmp_path / "fermes.csv", [ROWS[0], bad])
    call_command("import_preview", str(path), mapping=str(tmp_path / "m.toml"), report=str(tmp_path / "r.csv"))
    out = capsys.readouterr().out
    assert "ligne 2 [ok] ref=F1; name=Ferme des Monts du Forez; kind=farm" in out
    assert "2 lignes lues, 2 fiches lues\u202f: 1 utilisable, 1 fiche rejetée." in out
    assert "ligne 3\u202f: REJETÉE Type\u202f: pas de type de lieu" in out  # the column of the file, not the field
    assert (tmp_path / "r.csv").exists()
    with pytest.raises(CommandError, match="empty"):
        (tmp_path / "empty.csv").write_bytes(b"")
        call_command("import_preview", str(tmp_path / "empty.csv"), mapping=str(tmp_path / "m.toml"))


def test_records_keep_their_original_row(tmp_path, mapping) -> None:
    (record,) = records_read(write_csv(tmp_path / "one.csv", ROWS[:1]), mapping)
    assert isinstance(record, Record) and record.raw["Téléphone"] == "04 73 82 00 00"


def test_cells_without_a_column_name_are_kept_in_the_original_row(tmp_path, mapping) -> None:
    path = tmp_path / "extra.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([*HEADER, ""])
        writer.writerow([*ROWS[0], "note", "more"])
    (record,) = records_read(path, mapping)
    assert record.raw["#15"] == "note" and record.raw["#16"] == "more"
    assert record.name == "Ferme des Monts du Forez"


def test_a_gzip_compressed_file_is_read_from_the_command_line(tmp_path, territory, capsys) -> None:
    import gzip

    sample = Path(__file__).resolve().parent / "samples" / "osm_farmshops_excerpt.geojson"
    packed = tmp_path / "farmshops.geojson.gz"
    packed.write_bytes(gzip.compress(sample.read_bytes()))
    osm = str(shipped_mappings()["osm"])
    call_command("import_preview", str(packed), mapping=osm)
    assert "8 lignes lues" in capsys.readouterr().out
    call_command("import_source", str(packed), source="osm", mapping="osm", preview=True)
    assert "8 lignes lues" in capsys.readouterr().out
    (tmp_path / "broken.json.gz").write_bytes(b"not gzip")
    with pytest.raises(CommandError, match=r"broken\.json\.gz"):
        call_command("import_preview", str(tmp_path / "broken.json.gz"), mapping=osm)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_reports_problems_are_said_as_each_alone_with_the_catalogue_read_once_per_template(
    monkeypatch, language
) -> None:
    from terroir.imports import read
    from terroir.lib.messages import Message

    centre = "placed at the centre of %(commune)s only: check its position"
    communes = ["Ambert", "Le Puy-en-Velay", "Issoire", "Les Martres-de-Veyre", "Orcival", "Ambert"]
    records = []
    for line, commune in enumerate(communes, 2):
        record = Record(line=line, source="s", raw={"Commune": commune})
        record.problem("address", Message(centre, {"commune": commune}), column="Commune")
        record.problem("categories", Message("unknown category %(word)r (add it to [categories] in the mapping)",
                                             {"word": f"truc {line % 2}"}))  # fmt: skip
        records.append(record)
    with translation.override(language):
        alone = [problem.message for record in records for problem in record.problems]
        asked: list[str] = []
        gettext = read.gettext

        def counted(message: str) -> str:
            asked.append(message)
            return gettext(message)

        monkeypatch.setattr(read, "gettext", counted)
        said = read.ReportTexts()
        lines = [line for record in records for line in read.report_lines(record, said)]
    assert [line[3] for line in lines] == alone
    if language == "fr":
        assert alone[0].startswith("placé au centre de la commune Ambert seulement")
    # Two templates, and the quotation marks the word's template asks for: each read from the catalogue once.
    assert sorted(asked) == sorted({centre, "unknown category %(word)r (add it to [categories] in the mapping)",
                                    "“%(value)s”"})  # fmt: skip
