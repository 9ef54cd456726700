"""ODS spreadsheets (LibreOffice) read through python-calamine: rows as the XLSX path gives them, the
header found below title rows and in the sheet that holds it, and the limits of XLSX kept — a broken file,
a zip bomb or a sheet of cells repeated millions of times refused before python-calamine reads it. The
spreadsheets are written here, synthetic, by terroir.lib.tests.workbooks.ods_write."""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import pytest

from terroir.lib.tabular import (
    HeaderAt,
    SourceError,
    format_of,
    header_read,
    rows_estimate,
    rows_read,
    sheets_top,
)
from terroir.lib.tests.bounded import run_bounded
from terroir.lib.tests.test_tabular import LIMITS, READ, error_of, rows_counted
from terroir.lib.tests.workbooks import ods_write

ROWS: list[list[object]] = [
    ["Nom", "Commune", "Surface", "Cheptel", "Certifiée le", "Visite"],
    ["Ferme des Prés", "Ambert", 12.5, 40, date(2024, 3, 5), datetime(2024, 3, 5, 10, 30)],
    [None, None, None, None, None, None],
    ["Gaec du Bourg", None, 3, 0, None, None],
]
# LibreOffice's end of a sheet: empty rows repeated down to its millionth row, empty cells to its 1,024th.
LIBREOFFICE_TAIL = (
    '<table:table-row table:number-rows-repeated="1048572">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
)


def test_an_ods_file_is_read_as_its_xlsx_twin_is(tmp_path) -> None:
    from openpyxl import Workbook

    ods = ods_write(tmp_path / "fermes.ods", {"Fermes": ROWS}, tail=LIBREOFFICE_TAIL)
    workbook = Workbook()
    for row in ROWS:
        workbook.active.append(row)
    workbook.save(tmp_path / "fermes.xlsx")
    read = [(row.line, row.values) for row in rows_read(ods, limits=LIMITS)]
    assert read == [(row.line, row.values) for row in rows_read(tmp_path / "fermes.xlsx", limits=LIMITS)]
    assert read == [
        (2, {"Nom": "Ferme des Prés", "Commune": "Ambert", "Surface": 12.5, "Cheptel": 40,
             "Certifiée le": datetime(2024, 3, 5), "Visite": datetime(2024, 3, 5, 10, 30)}),
        (4, {"Nom": "Gaec du Bourg", "Commune": "", "Surface": 3, "Cheptel": 0, "Certifiée le": "", "Visite": ""}),
    ]  # fmt: skip
    assert format_of(ods) == "ods"
    assert rows_estimate(ods, limits=LIMITS) == 3


def test_an_ods_header_is_found_below_title_rows_in_the_sheet_that_holds_it(tmp_path) -> None:
    path = ods_write(
        tmp_path / "liste.ods",
        {
            "Notice": [["Liste des exploitations certifiées"], ["Source : ministère"]],
            "Liste": [["Annuaire 2022"], [], ["Nom", "Activité", "Activité"], ["Ferme", "Ovins", "Viticulture"]],
        },
        tail=LIBREOFFICE_TAIL,
    )
    header = HeaderAt(columns=frozenset({"Nom", "Activité (2)"}))
    [row] = rows_read(path, limits=LIMITS, header=header)
    assert (row.line, row.values) == (4, {"Nom": "Ferme", "Activité": "Ovins", "Activité (2)": "Viticulture"})
    assert header_read(path, limits=LIMITS, header=header) == ["Nom", "Activité", "Activité (2)"]
    assert [(name, len(top)) for name, top in sheets_top(path, LIMITS)] == [("Notice", 2), ("Liste", 4)]
    # Without the columns to look for, the first sheet's first row is the header, as for XLSX.
    assert header_read(path, limits=LIMITS) == ["Liste des exploitations certifiées"]


@pytest.mark.parametrize(
    "write",
    [
        lambda path: path.write_bytes(b"PK\x03\x04 not really a zip"),
        lambda path: zipfile.ZipFile(path, "w").writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        lambda path: zipfile.ZipFile(path, "w").writestr("content.xml", "<office:document-content>"),
    ],
    ids=["not a zip", "no content", "broken content"],
)
def test_a_broken_ods_file_is_refused_with_a_clear_message(tmp_path, write) -> None:
    path = tmp_path / "casse.ods"
    write(path)
    with pytest.raises(SourceError) as caught:
        list(rows_read(path, limits=LIMITS))
    assert caught.value.message.startswith("not a readable ODS spreadsheet (")


def test_an_ods_file_that_unzips_beyond_the_limit_is_refused(tmp_path) -> None:
    path = ods_write(tmp_path / "zip.ods", {"Fermes": [["Nom"], *([["Ferme " * 20]] * 20_000)]})
    error = error_of(path, xlsx_max_uncompressed_mb=1)
    assert "MB once unzipped" in error.message and "TERROIR_XLSX_MAX_UNCOMPRESSED_MB" in error.message


@pytest.mark.parametrize(
    ("repeated", "says"),
    [
        ('table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1"/>',
         "“Fermes” declares 1,000,003 rows; the limit is 200,000"),
        ('table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="1000">'
         "<text:p>x</text:p></table:table-cell>", "100,003 rows × 1,000 columns; the limit is 5,000,000 cells"),
    ],
    ids=["rows", "cells"],
)  # fmt: skip
def test_cells_repeated_millions_of_times_are_refused_before_python_calamine_reads_them(
    tmp_path, repeated: str, says: str
) -> None:
    last = "<table:table-row><table:table-cell><text:p>fin</text:p></table:table-cell></table:table-row>"
    path = ods_write(
        tmp_path / "bomb.ods",
        {"Fermes": [["Nom"], ["Ferme"]]},
        tail=f"<table:table-row {repeated}</table:table-row>{last}",
    )
    assert path.stat().st_size < 2_000
    answer = run_bounded(READ, str(path), timeout_s=60, django=False)
    assert answer["error"] == "SourceError", answer
    assert says in answer["message"], answer


def test_sheets_within_the_limits_each_but_not_together_are_refused(tmp_path) -> None:
    sheets = {f"Feuille {n}": [["Nom", "Commune"], *([["Ferme", "Ambert"]] * 9)] for n in range(3)}
    error = error_of(ods_write(tmp_path / "trois.ods", sheets), sheet_max_cells=50)
    assert "span more than 50 cells together" in error.message


def test_ods_rows_beyond_the_limit_are_refused_before_they_are_read(tmp_path) -> None:
    path = ods_write(tmp_path / "rows.ods", {"Fermes": [["Nom"], *([["Ferme"]] * 30)]})
    assert rows_counted(str(path)) == 30
    error = error_of(path, sheet_max_rows=10)
    assert "declares 31 rows; the limit is 10" in error.message
