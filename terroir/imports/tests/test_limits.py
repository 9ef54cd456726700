"""Small hostile files that once exhausted the server are refused before the work they would cause, saying
which limit and the value found: deep JSON, huge JSON records, shared-string and zip bombs, workbooks
declaring millions of rows, CSV rows and cells beyond the limits. Each is read under a memory ceiling
(terroir.lib.tests.bounded): a regression fails here instead of taking CI down."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from terroir.imports.readers import SourceError, rows_read
from terroir.lib.tests.bounded import memory_ceiling, run_bounded

from .test_merging import mapping
from .test_views import coordinator  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
READ = "terroir.imports.tests.test_limits:rows_counted"


def rows_counted(path: str) -> int:
    """Every row of the file (in the child process of run_bounded)."""
    return sum(1 for _ in rows_read(Path(path)))


def error_of(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught, memory_ceiling(), translation.override("en"):
        rows_counted(str(path))
    return caught.value


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 200_000,
        b'{"meta": ' + b"[" * 200_000 + b"]" * 200_000 + b', "features": []}',
        b'[{"name": "' + b"[" * 1000 + b'"}, ' + b"{" * 200_000,
    ],
    ids=["a list", "an ignored key before the records", "after a record with brackets in its text"],
)
def test_it_refuses_json_nested_200000_levels_deep_without_building_anything(tmp_path, content: bytes) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(content)
    answer = run_bounded(READ, str(path))
    assert answer["error"] == "SourceError", answer
    assert "more than 64 levels deep" in answer["message"] and "TERROIR_JSON_MAX_DEPTH" in answer["message"]


def test_json_nested_within_the_limit_is_read(tmp_path) -> None:
    path = tmp_path / "geo.json"
    path.write_text('[{"name": "Ferme [du] \\"Bourg\\"", "geometry": [[[[3.7, 45.5]]]]}]', encoding="utf-8")
    assert rows_counted(str(path)) == 1


def test_it_refuses_a_json_record_larger_than_the_limit_naming_the_record(tmp_path, settings) -> None:
    settings.TERROIR_JSON_MAX_RECORD_MB = 1
    path = tmp_path / "big.geojson"
    big = '{"type": "Feature", "properties": {"keys": [' + ",".join(["0"] * 600_000) + "]}}"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}, ' + big + "]}", encoding="utf-8")
    error = error_of(path)
    assert error.line == 2 and "larger than 1 MB" in error.message and "TERROIR_JSON_MAX_RECORD_MB" in error.message


def test_json_records_beyond_the_row_limit_are_refused(tmp_path, settings) -> None:
    settings.TERROIR_SHEET_MAX_ROWS = 10
    path = tmp_path / "many.json"
    path.write_text("[" + ",".join('{"name": "x"}' for _ in range(11)) + "]", encoding="utf-8")
    error = error_of(path)
    assert error.line == 11 and "more than 10 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message


# --- XLSX -----------------------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/{strings}"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Fermes" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
 Target="{strings}"/></Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>
{rows}</sheetData></worksheet>"""


def xlsx_write(
    path: Path, *, strings: int = 2, declared: int | None = None, rows: int = 2, dimension: str = "",
    strings_part: str = "sharedStrings.xml", extra_members: int = 0,
) -> Path:  # fmt: skip
    """A workbook written part by part (as a bomb would be): `strings` shared strings, the sst element
    declaring `declared` of them, and `rows` rows of two cells (a name, a number)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", CONTENT_TYPES.format(strings=strings_part))
        out.writestr("_rels/.rels", RELS)
        out.writestr("xl/workbook.xml", WORKBOOK)
        out.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(strings=strings_part))
        header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        body = "".join(
            f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c><c r="B{n}"><v>{n}</v></c></row>' for n in range(2, rows + 1)
        )
        dimension_element = f'<dimension ref="{dimension}"/>' if dimension else ""
        out.writestr("xl/worksheets/sheet1.xml", SHEET.format(dimension=dimension_element, rows=header + body))
        count = strings if declared is None else declared
        with out.open(f"xl/{strings_part}", "w") as sst:
            sst.write(f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" '
                      f'uniqueCount="{count}"><si><t>nom</t></si><si><t>kg</t></si>'.encode())  # fmt: skip
            item = b"<si><t>a</t></si>"
            for start in range(2, strings, 100_000):
                sst.write(item * min(100_000, strings - start))
            sst.write(b"</sst>")
        for number in range(extra_members):
            out.writestr(f"xl/media/image{number}.png", b"")
    return path


def test_a_plain_workbook_is_read(tmp_path) -> None:
    assert rows_counted(str(xlsx_write(tmp_path / "ok.xlsx", rows=5))) == 4


@pytest.mark.parametrize(
    ("declared", "says"),
    [(None, "1,000,000 distinct texts"), (2, "more than 300,000 distinct texts")],
    ids=["declared", "declared falsely"],
)
def test_it_refuses_a_shared_string_bomb_before_openpyxl_reads_the_strings(
    tmp_path, declared: int | None, says: str
) -> None:
    path = xlsx_write(tmp_path / "bomb.xlsx", strings=1_000_000, declared=declared, strings_part="s.xml")
    assert path.stat().st_size < 100_000
    answer = run_bounded(READ, str(path), timeout_s=60)
    assert answer["error"] == "SourceError", answer
    assert says in answer["message"] and "TERROIR_XLSX_MAX_SHARED_STRINGS" in answer["message"]


def test_it_refuses_a_workbook_that_unzips_beyond_the_limit(tmp_path, settings) -> None:
    settings.TERROIR_XLSX_MAX_UNCOMPRESSED_MB = 1
    path = xlsx_write(tmp_path / "zip.xlsx", rows=40_000)
    error = error_of(path)
    assert "MB once unzipped" in error.message and "TERROIR_XLSX_MAX_UNCOMPRESSED_MB" in error.message


def test_it_refuses_a_workbook_of_thousands_of_parts_from_its_directory(tmp_path) -> None:
    error = error_of(xlsx_write(tmp_path / "parts.xlsx", extra_members=2000))
    assert "2,006 parts" in error.message


def test_it_refuses_a_sheet_declaring_more_rows_or_cells_than_the_limits(tmp_path, settings) -> None:
    settings.TERROIR_SHEET_MAX_ROWS = 1000
    error = error_of(xlsx_write(tmp_path / "dim.xlsx", dimension="A1:B1048576"))
    assert "'Fermes' declares 1,048,576 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message
    settings.TERROIR_SHEET_MAX_CELLS = 1000
    error = error_of(xlsx_write(tmp_path / "wide.xlsx", dimension="A1:XFD10"))
    assert "10 rows × 16,384 columns" in error.message and "TERROIR_SHEET_MAX_CELLS" in error.message


def test_sheet_rows_beyond_the_limit_are_refused_while_reading_when_no_dimension_says_so(tmp_path, settings) -> None:
    settings.TERROIR_SHEET_MAX_ROWS = 10
    error = error_of(xlsx_write(tmp_path / "rows.xlsx", rows=30))
    assert error.line == 12 and "more than 10 rows" in error.message


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_rows_and_cells_beyond_the_limits_are_refused_with_the_line(tmp_path, settings) -> None:
    settings.TERROIR_SHEET_MAX_ROWS = 10
    path = tmp_path / "rows.csv"
    path.write_text("nom;kg\n" + "".join(f"Ferme {n};{n}\n" for n in range(20)), encoding="utf-8")
    error = error_of(path)
    assert error.line == 12 and "more than 10 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message
    settings.TERROIR_SHEET_MAX_ROWS, settings.TERROIR_SHEET_MAX_CELLS = 1000, 25
    error = error_of(path)
    assert error.line == 14 and "more than 25 cells" in error.message and "TERROIR_SHEET_MAX_CELLS" in error.message


def test_a_csv_row_of_millions_of_cells_is_refused_before_it_is_read_whole(tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(b"nom;kg\n" + b";" * 5_000_000 + b"\n")
    error = error_of(path)
    assert error.line == 2 and "more than 1,000,000 characters" in error.message


# --- Pages ----------------------------------------------------------------------------------------


def test_the_import_preview_shows_the_limit_a_deep_json_file_exceeds(coordinator: Any, territory: Any) -> None:  # noqa: F811
    with memory_ceiling():
        response = coordinator.post(
            reverse("imports:home"),
            {"source": "bio", "file": SimpleUploadedFile("bio.json", b"[" * 200_000),
             "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
        )  # fmt: skip
        page = coordinator.get(response["Location"]).content.decode()
    assert "TERROIR_JSON_MAX_DEPTH" in page and "64" in page
