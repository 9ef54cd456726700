"""Reading source files row by row, whatever their shape: CSV (any delimiter, UTF-8 with or without
BOM, Windows-1252/Latin-1), XLSX, JSON and GeoJSON.

Files are streamed: memory stays bounded whatever their size. A problem that stops the reading of a
file raises `SourceError`, saying what and where; a problem with one row is left to the mapping, which
reports it with the row's line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMATS = ("csv", "xlsx", "json", "geojson")
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
# A field longer than this is not a directory's value but a broken file (an unclosed quote).
MAX_FIELD_CHARS = 100_000


class SourceError(ValueError):
    """A file that cannot be read: `message` says what, `line` (1-based) where, when known."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class RawRow:
    """One record as the file gives it: `line` is the CSV line or spreadsheet row where it starts,
    or its position (1-based) in a JSON list."""

    line: int
    values: dict[str, Any]


def format_of(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise SourceError(f"unknown format {declared!r}; known formats: {', '.join(FORMATS)}")
        return declared
    suffix = path.suffix.lower().lstrip(".")
    if suffix in {"csv", "txt", "tsv"}:
        return "csv"
    if suffix in {"xlsx", "xlsm"}:
        return "xlsx"
    if suffix in {"json", "geojson"}:
        return suffix
    raise SourceError(f"cannot tell the format of {path.name!r} from its name; say format = csv, xlsx, json or geojson")


def rows_read(
    path: Path, *, format: str | None = None, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[RawRow]:
    """The rows of a file, streamed."""
    if not path.exists():
        raise SourceError(f"no file at {path}")
    if path.stat().st_size == 0:
        raise SourceError("the file is empty")
    kind = format_of(path, format)
    if kind == "csv":
        return _csv_rows(path, encoding=encoding, delimiter=delimiter)
    if kind == "xlsx":
        return _xlsx_rows(path)
    return _json_rows(path)


# --- CSV ------------------------------------------------------------------------------------------


def encoding_detect(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252, the
    encoding of French spreadsheets saved as CSV (a superset of Latin-1's printable characters)."""
    with path.open("rb") as raw:
        head = raw.read(4)
        if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
            return "utf-16"
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _open_text(path: Path, encoding: str) -> IO[str]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    # cp1252 leaves five bytes undefined; they are read as Latin-1 would rather than stop the import.
    errors = "strict" if encoding.startswith("utf") else "replace"
    return path.open("r", encoding=encoding, errors=errors, newline="")


def delimiter_detect(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        raise SourceError("the file has no header line")
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    # One column only, or an irregular sample: the delimiter found most often in the header.
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        if len(lines) == 1 or all(not any(d in line for d in DELIMITERS) for line in lines):
            return ","  # a single column
        raise SourceError('cannot tell the delimiter; say delimiter = "," or ";" in the mapping')
    return best


def _header(names: list[str]) -> list[str]:
    header = [name.strip() for name in names]
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            raise SourceError(
                f"column {name!r} appears twice in the header (columns {seen[name]} and {position})", line=1
            )
        seen[name] = position
    if not seen:
        raise SourceError("the header line has no column names", line=1)
    return header


def _csv_rows(path: Path, *, encoding: str | None, delimiter: str | None) -> Iterator[RawRow]:
    encoding = encoding or encoding_detect(path)
    with _open_text(path, encoding) as text:
        try:
            sample = text.read(SNIFF_BYTES)
        except UnicodeDecodeError as error:
            raise SourceError(f"the file is not {encoding}: {error.reason} at byte {error.start}") from None
        delimiter = delimiter or delimiter_detect(sample)
        if len(delimiter) != 1:
            raise SourceError(f"the delimiter must be one character, not {delimiter!r}")
        text.seek(0)
        previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            reader = csv.reader(text, delimiter=delimiter)
            try:
                header = _header(next(reader))
            except StopIteration:
                raise SourceError("the file has no header line") from None
            line = reader.line_num + 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise SourceError(f"unreadable CSV: {error}", line=line) from None
                except UnicodeDecodeError as error:
                    raise SourceError(f"the file is not {encoding}: {error.reason}", line=line) from None
                if any(cell.strip() for cell in cells):
                    # Cells without a column name are kept too, under their position ("#7").
                    values: dict[str, Any] = {
                        (header[i] if i < len(header) and header[i] else f"#{i + 1}"): cell
                        for i, cell in enumerate(cells)
                    }
                    yield RawRow(line=line, values=values)
                line = reader.line_num + 1
        finally:
            csv.field_size_limit(previous_limit)


# --- XLSX -----------------------------------------------------------------------------------------


def rows_estimate(path: Path, declared: str | None = None) -> int | None:
    """About how many rows the file has, for a progress bar: CSV lines (a cell may hold a line break),
    a sheet's last row; None for JSON, whose records are only known by reading them."""
    try:
        kind = format_of(path, declared)
        if kind == "csv":
            lines = 0
            with path.open("rb") as raw:
                while chunk := raw.read(1 << 20):
                    lines += chunk.count(b"\n")
            return max(lines - 1, 0)
        if kind == "xlsx":
            workbook = _workbook_open(path)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
    except (SourceError, OSError):
        return None
    return None


def _workbook_open(path: Path) -> Any:
    import zipfile

    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SourceError(f"not a readable XLSX workbook ({error})") from None


def _xlsx_rows(path: Path) -> Iterator[RawRow]:
    workbook = _workbook_open(path)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise SourceError("the first sheet is empty")
        header = _header(["" if cell is None else str(cell) for cell in first])
        for line, cells in enumerate(rows, start=2):
            if all(cell is None or str(cell).strip() == "" for cell in cells):
                continue
            values = {
                (header[i] if i < len(header) and header[i] else f"#{i + 1}"): ("" if cell is None else cell)
                for i, cell in enumerate(cells)
                if cell is not None or (i < len(header) and header[i])
            }
            yield RawRow(line=line, values=values)
    finally:
        workbook.close()


# --- JSON and GeoJSON -----------------------------------------------------------------------------

# Where the list of records is in the JSON shapes met in the field.
JSON_LISTS = {
    "": "item",  # a plain list of objects
    "features": "features.item",  # GeoJSON FeatureCollection
    "elements": "elements.item",  # OpenStreetMap Overpass
    "data": "data.item",  # GoGoCarto exports
    "items": "items.item",  # Agence Bio open data
}


def _json_prefix(path: Path) -> str:
    import ijson

    with path.open("rb") as raw:
        try:
            for prefix, event, value in ijson.parse(raw):
                if prefix == "" and event == "start_array":
                    return JSON_LISTS[""]
                if prefix == "" and event == "map_key" and value in JSON_LISTS:
                    return JSON_LISTS[value]
                if prefix == "" and event not in {"start_map", "map_key"}:
                    break
        except ijson.JSONError as error:
            raise SourceError(f"malformed JSON: {error}") from None
    raise SourceError(
        "no list of records found: expected a list, a GeoJSON FeatureCollection, an Overpass answer "
        '("elements"), a GoGoCarto export ("data") or Agence Bio open data ("items")'
    )


def _json_rows(path: Path) -> Iterator[RawRow]:
    import ijson

    prefix = _json_prefix(path)
    with path.open("rb") as raw:
        position = 0
        try:
            for item in ijson.items(raw, prefix, use_float=True):
                position += 1
                if not isinstance(item, dict):
                    yield RawRow(line=position, values={"#value": item})
                    continue
                if item.get("type") == "Feature":
                    values = dict(item.get("properties") or {})
                    values["geometry"] = item.get("geometry")
                    if "id" in item and "id" not in values:
                        values["id"] = item["id"]
                    yield RawRow(line=position, values=values)
                else:
                    yield RawRow(line=position, values=item)
        except ijson.JSONError as error:
            raise SourceError(f"malformed JSON after record {position}: {error}") from None


def header_read(
    path: Path, *, format: str | None = None, encoding: str | None = None, delimiter: str | None = None
) -> list[str] | None:
    """The column names of a CSV or XLSX file (None for JSON, whose records name their own fields)."""
    kind = format_of(path, format)
    if kind == "csv":
        encoding = encoding or encoding_detect(path)
        with _open_text(path, encoding) as text:
            sample = text.read(SNIFF_BYTES)
            first = next(csv.reader(io.StringIO(sample), delimiter=delimiter or delimiter_detect(sample)), [])
            return _header(first)
    if kind == "xlsx":
        workbook = _workbook_open(path)
        try:
            cells: tuple[Any, ...] = next(workbook.worksheets[0].iter_rows(values_only=True), ())
            return _header(["" if cell is None else str(cell) for cell in cells])
        finally:
            workbook.close()
    return None
