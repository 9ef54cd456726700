"""The shared tabular readers (CSV, XLSX, JSON): files of any usual shape are read row by row, and small
hostile files that once exhausted the server are refused before the work they would cause, saying which
limit and the value found: deep JSON, huge JSON records, shared-string and zip bombs, workbooks declaring
millions of rows, CSV rows and cells beyond the limits. Each is read under a memory ceiling
(terroir.lib.tests.bounded): a regression fails here instead of taking CI down."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from terroir.lib.tabular import HeaderAt, Limits, SourceError, header_read, number_parse, rows_read
from terroir.lib.tests.bounded import memory_ceiling, run_bounded
from terroir.lib.tests.pure import ROOT, django_modules_loaded_by
from terroir.lib.tests.workbooks import xlsx_write

# The settings' defaults (terroir/settings.py).
LIMITS = Limits(
    sheet_max_rows=200_000, sheet_max_cells=5_000_000, xlsx_max_shared_strings=300_000, xlsx_max_uncompressed_mb=200,
    json_max_depth=64, json_max_record_mb=10,
)  # fmt: skip
READ = "terroir.lib.tests.test_tabular:rows_counted"


def rows_counted(path: str, **limits: Any) -> int:
    """Every row of the file (also in the child process of run_bounded)."""
    return sum(1 for _ in rows_read(Path(path), limits=replace(LIMITS, **limits)))


def error_of(path: Path, **limits: Any) -> SourceError:
    with pytest.raises(SourceError) as caught, memory_ceiling():
        rows_counted(str(path), **limits)
    return caught.value


def test_the_tabular_readers_import_no_django() -> None:
    assert django_modules_loaded_by("terroir.lib.tabular") == []


def test_limits_are_read_from_the_settings_of_their_names() -> None:
    class Settings:
        TERROIR_SHEET_MAX_ROWS, TERROIR_SHEET_MAX_CELLS = 10, 20
        TERROIR_XLSX_MAX_SHARED_STRINGS, TERROIR_XLSX_MAX_UNCOMPRESSED_MB = 30, 40
        TERROIR_JSON_MAX_DEPTH, TERROIR_JSON_MAX_RECORD_MB = 50, 60

    assert Limits.of(Settings) == Limits(10, 20, 30, 40, 50, 60)


def test_an_error_says_its_message_in_english_and_in_the_callers_words() -> None:
    error = SourceError("the file has more than %(limit)s rows", {"limit": 200_000}, line=3)
    assert error.message == "the file has more than 200,000 rows" and str(error) == "line 3: " + error.message
    french = {"the file has more than %(limit)s rows": "le fichier a plus de %(limit)s lignes"}
    assert error.text(french.__getitem__, lambda n: f"{n:,}".replace(",", " ")) == "le fichier a plus de 200 000 lignes"


def test_numbers_are_read_the_french_or_the_english_way() -> None:
    assert number_parse("45,55") == number_parse("45.55") == 45.55
    assert number_parse("1\u202f250,5") == number_parse("1 250.5") == 1250.5
    assert number_parse("abc") is None


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
    answer = run_bounded(READ, str(path), django=False)
    assert answer["error"] == "SourceError", answer
    assert "more than 64 levels deep" in answer["message"] and "TERROIR_JSON_MAX_DEPTH" in answer["message"]


def test_json_nested_within_the_limit_is_read(tmp_path) -> None:
    path = tmp_path / "geo.json"
    path.write_text('[{"name": "Ferme [du] \\"Bourg\\"", "geometry": [[[[3.7, 45.5]]]]}]', encoding="utf-8")
    assert rows_counted(str(path)) == 1


def test_it_refuses_a_json_record_larger_than_the_limit_naming_the_record(tmp_path) -> None:
    path = tmp_path / "big.geojson"
    big = '{"type": "Feature", "properties": {"keys": [' + ",".join(["0"] * 600_000) + "]}}"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}, ' + big + "]}", encoding="utf-8")
    error = error_of(path, json_max_record_mb=1)
    assert error.line == 2 and "larger than 1 MB" in error.message and "TERROIR_JSON_MAX_RECORD_MB" in error.message


def test_json_records_beyond_the_row_limit_are_refused(tmp_path) -> None:
    path = tmp_path / "many.json"
    path.write_text("[" + ",".join('{"name": "x"}' for _ in range(11)) + "]", encoding="utf-8")
    error = error_of(path, sheet_max_rows=10)
    assert error.line == 11 and "more than 10 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message


# --- XLSX -----------------------------------------------------------------------------------------


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
    answer = run_bounded(READ, str(path), timeout_s=60, django=False)
    assert answer["error"] == "SourceError", answer
    assert says in answer["message"] and "TERROIR_XLSX_MAX_SHARED_STRINGS" in answer["message"]


def test_it_refuses_a_workbook_that_unzips_beyond_the_limit(tmp_path) -> None:
    path = xlsx_write(tmp_path / "zip.xlsx", rows=40_000)
    error = error_of(path, xlsx_max_uncompressed_mb=1)
    assert "MB once unzipped" in error.message and "TERROIR_XLSX_MAX_UNCOMPRESSED_MB" in error.message


def test_it_refuses_a_workbook_of_thousands_of_parts_from_its_directory(tmp_path) -> None:
    error = error_of(xlsx_write(tmp_path / "parts.xlsx", extra_members=2000))
    assert "2,006 parts" in error.message


def test_it_refuses_a_sheet_declaring_more_rows_or_cells_than_the_limits(tmp_path) -> None:
    error = error_of(xlsx_write(tmp_path / "dim.xlsx", dimension="A1:B1048576"), sheet_max_rows=1000)
    assert "“Fermes” declares 1,048,576 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message
    wide = xlsx_write(tmp_path / "wide.xlsx", dimension="A1:XFD10")
    error = error_of(wide, sheet_max_rows=1000, sheet_max_cells=1000)
    assert "10 rows × 16,384 columns" in error.message and "TERROIR_SHEET_MAX_CELLS" in error.message


def test_sheet_rows_beyond_the_limit_are_refused_while_reading_when_no_dimension_says_so(tmp_path) -> None:
    error = error_of(xlsx_write(tmp_path / "rows.xlsx", rows=30), sheet_max_rows=10)
    assert error.line == 12 and "more than 10 rows" in error.message


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_rows_and_cells_beyond_the_limits_are_refused_with_the_line(tmp_path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("nom;kg\n" + "".join(f"Ferme {n};{n}\n" for n in range(20)), encoding="utf-8")
    error = error_of(path, sheet_max_rows=10)
    assert error.line == 12 and "more than 10 rows" in error.message and "TERROIR_SHEET_MAX_ROWS" in error.message
    error = error_of(path, sheet_max_rows=1000, sheet_max_cells=25)
    assert error.line == 14 and "more than 25 cells" in error.message and "TERROIR_SHEET_MAX_CELLS" in error.message


def test_a_csv_row_of_millions_of_cells_is_refused_before_it_is_read_whole(tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(b"nom;kg\n" + b";" * 5_000_000 + b"\n")
    error = error_of(path)
    assert error.line == 2 and "more than 1,000,000 characters" in error.message


# --- Streaming ------------------------------------------------------------------------------------


# Reads each file named on its command line and prints how many rows it read and the process's peak
# resident memory after it, in kB: Linux's VmHWM, which starts again at exec (ru_maxrss would carry the
# peak of the test process that started it).
_PEAKS = """
import json, sys
from pathlib import Path
from terroir.lib.tests.test_tabular import rows_counted
status = lambda: Path("/proc/self/status").read_text().splitlines()
peak = lambda: next(int(line.split()[1]) for line in status() if line.startswith("VmHWM:"))
print(json.dumps([peak()] + [[rows_counted(path), peak()] for path in sys.argv[1:]]))
"""


def test_big_files_are_streamed_in_bounded_memory(tmp_path) -> None:
    """A file ten times bigger takes no more memory to read: a fresh interpreter reads a tenth of the
    file, then the whole of it, and its peak memory grows by less than a third of the difference in
    size (a reader that kept the rows, or the text, would grow by more than the file). Measured without
    tracemalloc, which made the reading 15 times slower."""
    row = "F{n};Ferme numéro {n} des Monts du Forez;Vente à la ferme;12;route de Job;63600;Ambert;45,55;3,74\n"
    for rows in (17_000, 170_000):
        with (tmp_path / f"{rows}.csv").open("w", encoding="utf-8") as out:
            out.write("Code;Nom;Type;Numéro;Rue;CP;Commune;Latitude;Longitude\n")
            out.writelines(row.format(n=n) for n in range(rows))
        with (tmp_path / f"{rows}.json").open("w", encoding="utf-8") as out:
            out.write("[" + ",".join(json.dumps({"id": n, "name": f"Ferme {n}", "tags": {"shop": "farm"}})
                                     for n in range(rows)) + "]")  # fmt: skip
    for kind in ("csv", "json"):
        tenth, whole = tmp_path / f"17000.{kind}", tmp_path / f"170000.{kind}"
        assert whole.stat().st_size > 10_000_000
        done = subprocess.run([sys.executable, "-c", _PEAKS, str(tenth), str(whole)], capture_output=True, text=True,
                              cwd=ROOT, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        start, (tenth_rows, tenth_kb), (whole_rows, whole_kb) = json.loads(done.stdout)
        assert (tenth_rows, whole_rows) == (17_000, 170_000)
        growth, more = (whole_kb - tenth_kb) * 1024, whole.stat().st_size - tenth.stat().st_size
        # A constant: the 1 MiB chunks of the encoding check, the parser's buffers; not the file.
        assert (tenth_kb - start) * 1024 < 6_000_000, f"{kind}: {(tenth_kb - start) * 1024} bytes for {tenth.name}"
        assert growth < more / 3, f"{kind}: {growth} bytes more for {more} bytes more of {whole.name}"


def test_a_column_name_given_twice_gets_a_stable_second_name(tmp_path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("Code;Nom;Nom;Nom (2);Nom\n1;a;b;c;d\n", encoding="utf-8")
    [row] = rows_read(path, limits=LIMITS)
    assert row.values == {"Code": "1", "Nom": "a", "Nom (3)": "b", "Nom (2)": "c", "Nom (4)": "d"}


def test_the_header_is_found_below_title_rows_or_at_the_row_given(tmp_path) -> None:
    path = tmp_path / "titles.csv"
    path.write_text("Annuaire 2022,,\n,,\nGroupe,,Autres\nNom,Commune,Vente\nFerme,Ambert,OUI\n", encoding="utf-8")
    found = HeaderAt(columns=frozenset({"Nom", "Commune"}))
    assert [(r.line, r.values) for r in rows_read(path, limits=LIMITS, header=found)] == [
        (5, {"Nom": "Ferme", "Commune": "Ambert", "Vente": "OUI"})
    ]
    assert header_read(path, limits=LIMITS, header=found) == ["Nom", "Commune", "Vente"]
    assert [r.line for r in rows_read(path, limits=LIMITS, header=HeaderAt(row=4))] == [5]
    # Without the columns to look for, the first row is the header, as before.
    assert header_read(path, limits=LIMITS) == ["Annuaire 2022", "", ""]


def test_a_workbook_header_is_looked_for_in_the_sheet_that_holds_it(tmp_path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Notice"])
    sheet = workbook.create_sheet("Liste")
    for cells in (["Titre"], [], ["Nom", "Activité", "Activité"], ["Ferme", "Ovins", "Viticulture"]):
        sheet.append(cells)
    workbook.save(tmp_path / "list.xlsx")
    header = HeaderAt(columns=frozenset({"Nom", "Activité (2)"}))
    [row] = rows_read(tmp_path / "list.xlsx", limits=LIMITS, header=header)
    assert (row.line, row.values) == (4, {"Nom": "Ferme", "Activité": "Ovins", "Activité (2)": "Viticulture"})


def test_a_gzip_file_is_decompressed_only_up_to_the_limit(tmp_path) -> None:
    import gzip

    from terroir.lib.tabular import gunzip

    (tmp_path / "small.csv.gz").write_bytes(gzip.compress(b"Nom\nFerme\n"))
    plain = gunzip(tmp_path / "small.csv.gz", tmp_path, max_mb=1)
    assert (plain.name, plain.read_bytes()) == ("small.csv", b"Nom\nFerme\n")
    (tmp_path / "bomb.csv.gz").write_bytes(gzip.compress(b"0" * (2 * 1024 * 1024 + 1)))
    with pytest.raises(SourceError, match="more than 2 MB once decompressed"):
        gunzip(tmp_path / "bomb.csv.gz", tmp_path, max_mb=2)
    assert not (tmp_path / "bomb.csv").exists()
