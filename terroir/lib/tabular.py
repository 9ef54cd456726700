"""Reading tabular files row by row, whatever their shape: CSV (any delimiter, UTF-8 with or without
BOM, Windows-1252/Latin-1), XLSX, ODS (LibreOffice), JSON and GeoJSON. Directory imports and the week's
delivery orders both read their files here.

Files are streamed: memory stays bounded whatever their size. What a file could cost is bounded too,
and checked before the work it would cause (`Limits`, from the settings TERROIR_SHEET_*, TERROIR_XLSX_*,
TERROIR_JSON_*): rows and cells, a workbook's parts, its unzipped size and its shared strings (openpyxl
reads those whole before the first row), the cells an ODS spreadsheet's sheets span (python-calamine
reads them whole when it opens the file), JSON nesting and the size of one record. A problem that stops
the reading of a file raises `SourceError`, saying what and where; a problem with one row is left to the
caller, which reports it with the row's line.

No Django here: the caller gives the limits (`Limits.of(settings)`) and translates the errors
(`SourceError.text(gettext, number_format)`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from terroir.lib.dfc import DfcError, enterprises_read
from terroir.lib.jsonscan import JsonRecordTooLarge, JsonTooDeep, file_chunks, json_scan
from terroir.lib.messages import formatted

FORMATS = ("csv", "xlsx", "ods", "json", "geojson", "dfc")
# The formats read as workbooks of sheets, a header row found in one of them.
WORKBOOKS = ("xlsx", "ods")
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
# A field longer than this is not a directory's value but a broken file (an unclosed quote).
MAX_FIELD_CHARS = 100_000
# A row is read whole before it is returned: this bounds what one row of a CSV file may hold.
MAX_ROW_CHARS = 10 * MAX_FIELD_CHARS
# A workbook has a dozen parts; its central directory lists them (46 bytes and a name each).
XLSX_MAX_MEMBERS = 1000
XLSX_MAX_DIRECTORY_BYTES = XLSX_MAX_MEMBERS * 1024
# Parts other than sheets (workbook, styles, relations, shared strings) are parsed whole by openpyxl.
XLSX_MAX_PART_BYTES = 20 * 1024 * 1024
XLSX_MAX_STRINGS_BYTES = 100 * 1024 * 1024


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it by this name) without translating it:
    the caller does, in the reader's language."""
    return message


def _grouped(value: int) -> str:
    """A count as English writes it (1,000,000)."""
    return f"{value:,}"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost. Each is the setting of its name in capitals after TERROIR_."""

    sheet_max_rows: int
    sheet_max_cells: int
    xlsx_max_shared_strings: int
    xlsx_max_uncompressed_mb: int
    json_max_depth: int
    json_max_record_mb: int

    @classmethod
    def of(cls, settings: Any) -> Limits:
        """The limits from an object holding the settings (django.conf.settings)."""
        return cls(**{limit.name: int(getattr(settings, f"TERROIR_{limit.name.upper()}")) for limit in fields(cls)})


class SourceError(ValueError):
    """A file that cannot be read: `template` says what (an English message, `%(name)s` filled from
    `params`), `line` (1-based) where, when known. `message` is the English text; `text(gettext,
    number_format)` the text in the reader's language, whole numbers written the way it writes them."""

    def __init__(self, template: str, params: Mapping[str, Any] | None = None, *, line: int | None = None):
        self.template = template
        self.params = dict(params or {})
        self.line = line
        self.message = self.text()
        super().__init__(f"line {line}: {self.message}" if line else self.message)

    def text(self, translate: Callable[[str], str] = str, number: Callable[[int], str] = _grouped) -> str:
        if not self.params:
            return translate(self.template)
        values = {
            name: number(value) if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in self.params.items()
        }
        return formatted(translate(self.template), values, translate)


@dataclass(frozen=True)
class RawRow:
    """One record as the file gives it: `line` is the CSV line or spreadsheet row where it starts,
    or its position (1-based) in a JSON list."""

    line: int
    values: dict[str, Any]


def gunzip(path: Path, into: Path, *, max_mb: int, setting: str = "TERROIR_IMPORT_MAX_MB") -> Path:
    """A gzip-compressed file (`farms.geojson.gz`) decompressed into the folder `into` under its name without
    `.gz`, stopped as soon as it holds more than `max_mb` MB: a few kilobytes may unfold into gigabytes (a
    gzip bomb), which no disk and no import should receive. Raises SourceError."""
    import gzip

    target = into / (path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name + ".out")
    limit = max_mb * 1024 * 1024
    written = 0
    try:
        with gzip.open(path, "rb") as packed, target.open("wb") as out:
            while chunk := packed.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise SourceError(
                        gettext_noop(
                            "the compressed file %(name)s holds more than %(limit)s MB once decompressed; the "
                            "limit is %(limit)s MB (%(setting)s)"
                        ),
                        {"name": path.name, "limit": max_mb, "setting": setting},
                    )
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        target.unlink(missing_ok=True)
        raise SourceError(
            gettext_noop("%(name)s is not a readable gzip file (%(error)s)"), {"name": path.name, "error": str(error)}
        ) from None
    except SourceError:
        target.unlink(missing_ok=True)
        raise
    return target


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def format_of(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise SourceError(
                gettext_noop("unknown format %(format)r; known formats: %(formats)s"),
                {"format": declared, "formats": ", ".join(FORMATS)},
            )
        return declared
    suffix = path.suffix.lower().lstrip(".")
    if suffix in {"csv", "txt", "tsv"}:
        return "csv"
    if suffix in {"xlsx", "xlsm"}:
        return "xlsx"
    if suffix == "ods":
        return "ods"
    if suffix in {"json", "geojson"}:
        return suffix
    if suffix == "jsonld":
        return "dfc"
    raise SourceError(
        gettext_noop("cannot tell the format of %(name)r from its name; say format = csv, xlsx, ods, json or geojson"),
        {"name": path.name},
    )


@dataclass(frozen=True)
class HeaderAt:
    """Which row of a CSV file or sheet names the columns: `row` (1-based) when the caller knows it, else
    the first of the top HEADER_SEARCH_ROWS rows that holds every name of `columns` (official lists put
    titles and a row of column groups above it), else the first row."""

    row: int | None = None
    columns: frozenset[str] = frozenset()

    def pick(self, rows: Iterable[list[Any]]) -> tuple[list[str], int] | None:
        """The header (duplicates renamed) and its 1-based row number among `rows`, which it consumes up to
        the header; None when there are no rows."""
        first: tuple[list[Any], int] | None = None
        chosen: tuple[list[Any], int] | None = None
        for number, cells in enumerate(rows, start=1):
            if self.row is not None:
                if number == self.row:
                    chosen = (cells, number)
                    break
                continue
            if first is None:
                first = (cells, number)
            if self.found(_renamed(cells)):
                chosen = (cells, number)
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        chosen = chosen or (first if self.row is None else None)
        if chosen is None:
            return None
        return header_names(chosen[0], line=chosen[1]), chosen[1]

    def found(self, header: list[str]) -> bool:
        return self.columns <= set(header)


# Titles, notes and column groups above the header: a dozen rows at most in the files met in the field.
HEADER_SEARCH_ROWS = 20


def rows_read(
    path: Path, *, limits: Limits, format: str | None = None, encoding: str | None = None,
    delimiter: str | None = None, header: HeaderAt = HeaderAt(),
) -> Iterator[RawRow]:  # fmt: skip
    """The rows of a file, streamed."""
    if not path.exists():
        raise SourceError(gettext_noop("no file at %(path)s"), {"path": str(path)})
    if path.stat().st_size == 0:
        raise SourceError(gettext_noop("the file is empty"))
    kind = format_of(path, format)
    if kind == "csv":
        return _csv_rows(path, limits=limits, encoding=encoding, delimiter=delimiter, header_at=header)
    if kind in WORKBOOKS:
        return _xlsx_rows(path, limits, header, kind)
    if kind == "dfc":
        return _dfc_rows(path, limits)
    return _json_rows(path, limits)


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
        raise SourceError(gettext_noop("unknown encoding %(encoding)r"), {"encoding": encoding}) from None
    # cp1252 leaves five bytes undefined; they are read as Latin-1 would rather than stop the import.
    errors = "strict" if encoding.startswith("utf") else "replace"
    return path.open("r", encoding=encoding, errors=errors, newline="")


def delimiter_detect(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        raise SourceError(gettext_noop("the file has no header line"))
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
        raise SourceError(gettext_noop('cannot tell the delimiter; say delimiter = "," or ";" in the mapping'))
    return best


def _renamed(cells: list[Any]) -> list[str]:
    """The names of a row's cells, a name given twice read as "name (2)" the second time."""
    header = ["" if cell is None else str(cell).strip() for cell in cells]
    taken = set(header)
    seen: set[str] = set()
    for position, name in enumerate(header):
        if not name:
            continue
        if name in seen:
            count = 2
            while f"{name} ({count})" in taken:
                count += 1
            header[position] = f"{name} ({count})"
            taken.add(header[position])
        seen.add(name)
    return header


def header_names(names: list[Any], *, line: int = 1) -> list[str]:
    """The column names of a header row. A name given twice (the HVE list has two "Activité principale",
    one under "Activité animale", one under "Activité végétale") is read as "Activité principale (2)" the
    second time, "(3)" the third: stable names a mapping can give."""
    header = _renamed(names)
    if not any(header):
        raise SourceError(gettext_noop("the header line has no column names"), line=line)
    return header


def _csv_rows(
    path: Path, *, limits: Limits, encoding: str | None, delimiter: str | None, header_at: HeaderAt
) -> Iterator[RawRow]:
    encoding = encoding or encoding_detect(path)
    with _open_text(path, encoding) as text:
        try:
            sample = text.read(SNIFF_BYTES)
        except UnicodeDecodeError as error:
            raise SourceError(
                gettext_noop("the file is not %(encoding)s: %(reason)s at byte %(at)s"),
                {"encoding": encoding, "reason": error.reason, "at": error.start},
            ) from None
        delimiter = delimiter or delimiter_detect(sample)
        if len(delimiter) != 1:
            raise SourceError(
                gettext_noop("the delimiter must be one character, not %(delimiter)r"), {"delimiter": delimiter}
            )
        text.seek(0)
        previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
        lines = _RowLines(text)
        counter = _Counter(limits)
        try:
            reader = csv.reader(lines, delimiter=delimiter)
            try:
                picked = header_at.pick(reader)
            except csv.Error as error:
                raise SourceError(
                    gettext_noop("unreadable CSV: %(error)s"), {"error": str(error)}, line=reader.line_num
                ) from None
            if picked is None:
                raise SourceError(gettext_noop("the file has no header line"))
            header = picked[0]
            line = reader.line_num + 1
            while True:
                lines.chars = 0
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise SourceError(
                        gettext_noop("unreadable CSV: %(error)s"), {"error": str(error)}, line=line
                    ) from None
                except UnicodeDecodeError as error:
                    raise SourceError(
                        gettext_noop("the file is not %(encoding)s: %(reason)s"),
                        {"encoding": encoding, "reason": error.reason},
                        line=line,
                    ) from None  # fmt: skip
                except _RowTooLong:
                    raise SourceError(
                        gettext_noop(
                            "the row holds more than %(limit)s characters: the file is damaged (an unclosed quote?)"
                        ),
                        {"limit": MAX_ROW_CHARS},
                        line=line,
                    ) from None
                counter.add(len(cells), line)
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


class _RowTooLong(Exception):
    pass


class _RowLines:
    """The lines of a text file for csv.reader, none read whole when it is longer than a row may be (a
    file of one 200 MB line would be), and no more characters for one row than MAX_ROW_CHARS."""

    def __init__(self, text: IO[str]):
        self.text = text
        self.chars = 0  # since the row began; the caller resets it

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.chars += len(line)
        if self.chars > MAX_ROW_CHARS:
            raise _RowTooLong
        return line


class _Counter:
    """Rows and cells read so far, against TERROIR_SHEET_MAX_ROWS and TERROIR_SHEET_MAX_CELLS."""

    def __init__(self, limits: Limits) -> None:
        self.rows = self.cells = 0
        self.max_rows, self.max_cells = limits.sheet_max_rows, limits.sheet_max_cells

    def add(self, cells: int, line: int) -> None:
        self.rows += 1
        self.cells += cells
        if self.rows > self.max_rows:
            raise SourceError(
                gettext_noop("the file has more than %(limit)s rows (limit TERROIR_SHEET_MAX_ROWS): split it"),
                {"limit": self.max_rows},
                line=line,
            )
        if self.cells > self.max_cells:
            raise SourceError(
                gettext_noop("the file has more than %(limit)s cells (limit TERROIR_SHEET_MAX_CELLS): split it"),
                {"limit": self.max_cells},
                line=line,
            )


# --- XLSX -----------------------------------------------------------------------------------------


def rows_estimate(path: Path, declared: str | None = None, *, limits: Limits) -> int | None:
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
        if kind in WORKBOOKS:
            workbook = _workbook_open(path, limits, kind)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
    except (SourceError, OSError):
        return None
    return None


def _workbook_open(path: Path, limits: Limits, kind: str = "xlsx") -> Any:
    """The workbook, read-only: openpyxl's for XLSX, `_OdsWorkbook` (the same few attributes) for ODS."""
    from openpyxl import load_workbook

    if kind == "ods":
        return _ods_open(path, limits)
    xlsx_check(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _unreadable_workbook(error) from None
    try:
        if workbook.worksheets:
            _dimension_check(workbook.worksheets[0], limits)
    except BaseException:
        workbook.close()
        raise
    return workbook


def _unreadable_workbook(error: BaseException) -> SourceError:
    return SourceError(gettext_noop("not a readable XLSX workbook (%(error)s)"), {"error": str(error)})


def _dimension_check(sheet: Any, limits: Limits) -> None:
    """The rows and columns the sheet declares (openpyxl pads every row to them)."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > limits.sheet_max_rows:
        raise SourceError(
            gettext_noop("the sheet %(sheet)r declares %(rows)s rows; the limit is %(limit)s (TERROIR_SHEET_MAX_ROWS)"),
            {"sheet": sheet.title, "rows": rows, "limit": limits.sheet_max_rows},
        )
    if rows * columns > limits.sheet_max_cells:
        raise SourceError(
            gettext_noop(
                "the sheet %(sheet)r declares %(rows)s rows × %(columns)s columns; the limit is %(limit)s cells "
                "(TERROIR_SHEET_MAX_CELLS)"
            ),
            {"sheet": sheet.title, "rows": rows, "columns": columns, "limit": limits.sheet_max_cells},
        )


_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
_SST_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")


def xlsx_check(path: Path, limits: Limits) -> None:
    """SourceError when opening the workbook would cost more than the limits allow: too many parts,
    more unzipped bytes than TERROIR_XLSX_MAX_UNCOMPRESSED_MB, more shared strings than
    TERROIR_XLSX_MAX_SHARED_STRINGS (the count the file declares, then the strings themselves, counted
    as they are unzipped: the declaration may lie). Reads the zip's directory and the shared strings,
    never a sheet."""
    _zip_directory_check(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable_workbook(error) from None
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise _too_many_parts(len(members))
        limit = limits.xlsx_max_uncompressed_mb * 1024 * 1024
        total = sum(member.file_size for member in members)
        if total > limit:
            raise SourceError(
                gettext_noop(
                    "the workbook holds %(mb)s MB once unzipped; the limit is %(limit)s MB "
                    "(TERROIR_XLSX_MAX_UNCOMPRESSED_MB)"
                ),
                {"mb": _mb(total), "limit": limits.xlsx_max_uncompressed_mb},
            )
        types = _content_types(archive)
        for member in members:
            kind = types.get(member.filename, "")
            part_limit = {_SHEET_TYPE: limit, _STRINGS_TYPE: XLSX_MAX_STRINGS_BYTES}.get(kind, XLSX_MAX_PART_BYTES)
            if member.file_size > part_limit:
                raise SourceError(
                    gettext_noop(
                        "the part %(name)s of the workbook holds %(mb)s MB once unzipped; the limit is %(limit)s MB"
                    ),
                    {"name": member.filename, "mb": _mb(member.file_size), "limit": _mb(part_limit)},
                )
            if kind == _STRINGS_TYPE:
                _shared_strings_check(archive, member, limits.xlsx_max_shared_strings)


def _too_many_parts(parts: int) -> SourceError:
    return SourceError(
        gettext_noop("the workbook has %(n)s parts; a workbook has a few dozen at most (limit %(limit)s)"),
        {"n": parts, "limit": XLSX_MAX_MEMBERS},
    )


def _zip_directory_check(path: Path, unreadable: Callable[[BaseException], SourceError] | None = None) -> None:
    """The size of the zip's central directory, read from its end record before zipfile reads the
    directory itself (a ZipInfo for every entry listed, a million entries fit in 50 MB)."""
    unreadable = unreadable or _unreadable_workbook
    with path.open("rb") as raw:
        raw.seek(0, io.SEEK_END)
        size = raw.tell()
        raw.seek(max(0, size - 65_536 - 22))
        tail = raw.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise unreadable(ValueError(f"no zip directory: is it really an .{path.suffix.lower().lstrip('.')} file?"))
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    # zipfile believes a ZIP64 record before the end record over the end record itself.
    zip64 = at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07"
    if zip64 or entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        raise SourceError(gettext_noop("the workbook is a ZIP64 archive: no spreadsheet is that large"))
    if entries > XLSX_MAX_MEMBERS:
        raise _too_many_parts(entries)
    if directory_bytes > XLSX_MAX_DIRECTORY_BYTES:
        raise SourceError(
            gettext_noop("the list of the workbook's parts holds %(size)s bytes; the limit is %(limit)s"),
            {"size": directory_bytes, "limit": XLSX_MAX_DIRECTORY_BYTES},
        )


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → content type, from [Content_Types].xml (openpyxl finds the shared strings there,
    whatever their part is named)."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}
    if info.file_size > XLSX_MAX_PART_BYTES:
        return {}  # refused with the other parts' sizes
    try:
        root = ElementTree.fromstring(archive.read(info))
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable_workbook(error) from None
    types: dict[str, str] = {}
    for element in root:
        name, kind = element.get("PartName"), element.get("ContentType")
        if name and kind:
            types[name.lstrip("/")] = kind
    return types


def _shared_strings_check(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> None:
    def refuse(count: int, *, at_least: bool = False) -> SourceError:
        template = (
            gettext_noop(
                "the workbook has more than %(count)s distinct texts (shared strings); the limit is %(limit)s "
                "(TERROIR_XLSX_MAX_SHARED_STRINGS)"
            )
            if at_least
            else gettext_noop(
                "the workbook has %(count)s distinct texts (shared strings); the limit is %(limit)s "
                "(TERROIR_XLSX_MAX_SHARED_STRINGS)"
            )
        )
        return SourceError(template, {"count": count, "limit": limit})

    counted, tail = 0, b""
    try:
        with archive.open(member) as strings:
            while chunk := strings.read(1 << 20):
                if counted == 0 and not tail:
                    declared = _SST_COUNT.search(chunk[:4096])
                    if declared and int(declared.group(1)) > limit:
                        raise refuse(int(declared.group(1)))
                # A tag cut between two chunks is found in the few bytes kept from the last one.
                window = tail + chunk
                counted += len(_SST_ITEM.findall(window)) - len(_SST_ITEM.findall(tail))
                if counted > limit:
                    raise refuse(limit, at_least=True)
                tail = window[-16:]
    except SourceError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise _unreadable_workbook(error) from None


def _sheet_header(
    workbook: Any, header_at: HeaderAt, limits: Limits
) -> tuple[Iterator[tuple[Any, ...]], list[str], int]:
    """The sheet that holds the header (the first one, unless the header names columns that only a later
    sheet has: an official workbook's first sheet is often its notice), its rows after the header, the
    header and its row number."""
    chosen: tuple[Iterator[tuple[Any, ...]], list[str], int] | None = None
    for position, sheet in enumerate(workbook.worksheets):
        if position:
            _dimension_check(sheet, limits)
        rows = sheet.iter_rows(values_only=True)
        picked = header_at.pick(list(cells) for cells in rows)
        if picked is None:
            if position == 0:
                raise SourceError(gettext_noop("the first sheet is empty"))
            continue
        if position == 0:
            chosen = (rows, *picked)
        if header_at.found(picked[0]):
            return rows, *picked
        if not header_at.columns:
            break
    if chosen is None:
        raise SourceError(gettext_noop("the first sheet is empty"))
    return chosen


def sheets_top(path: Path, limits: Limits, rows: int = HEADER_SEARCH_ROWS) -> list[tuple[str, list[list[Any]]]]:
    """Each sheet's name and its first `rows` rows, as they are (for a person to say which row names the
    columns, or a guess of it)."""
    workbook = _workbook_open(path, limits, format_of(path))
    try:
        tops = []
        for position, sheet in enumerate(workbook.worksheets):
            if position:
                _dimension_check(sheet, limits)
            top = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True)):
                if number >= rows:
                    break
                top.append(list(cells))
            tops.append((str(sheet.title), top))
        return tops
    finally:
        workbook.close()


def _xlsx_rows(path: Path, limits: Limits, header_at: HeaderAt = HeaderAt(), kind: str = "xlsx") -> Iterator[RawRow]:
    workbook = _workbook_open(path, limits, kind)
    counter = _Counter(limits)
    try:
        rows, header, at = _sheet_header(workbook, header_at, limits)
        for line, cells in enumerate(rows, start=at + 1):
            counter.add(len(cells), line)
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


# --- ODS ------------------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_ODS_CELLS = {_TABLE + "table-cell", _TABLE + "covered-table-cell"}
# Whole numbers a float holds exactly, given back as int as openpyxl gives an XLSX cell's "12".
_EXACT = 2**53


@dataclass
class _OdsSheet:
    """A sheet of an ODS file with what the XLSX path reads of openpyxl's: its name, the rows and
    columns its cells span (counted by `ods_check`), its rows."""

    workbook: Any
    title: str
    max_row: int
    max_column: int

    def iter_rows(self, values_only: bool = True) -> Iterator[tuple[Any, ...]]:
        for cells in self.workbook.get_sheet_by_name(self.title).iter_rows():
            yield tuple(_ods_value(cell) for cell in cells)


@dataclass
class _OdsWorkbook:
    workbook: Any
    worksheets: list[_OdsSheet]

    def close(self) -> None:
        self.workbook.close()


def _ods_value(cell: Any) -> Any:
    """A cell as openpyxl gives an XLSX one: None when empty, a whole number as int, a date as datetime
    (python-calamine gives "", 12.0 and date)."""
    if isinstance(cell, str) and cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < _EXACT:
        return int(cell)
    if isinstance(cell, date) and not isinstance(cell, datetime):
        return datetime.combine(cell, time())
    return cell


def _unreadable_ods(error: BaseException) -> SourceError:
    return SourceError("not a readable ODS spreadsheet (%(error)s)", {"error": str(error)})


def _ods_open(path: Path, limits: Limits) -> _OdsWorkbook:
    from python_calamine import CalamineError, CalamineWorkbook

    spans = ods_check(path, limits)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as error:
        raise _unreadable_ods(error) from None
    names = list(workbook.sheet_names)
    sheets = [_OdsSheet(workbook, name, *spans.get(name, (0, 0))) for name in names]
    return _OdsWorkbook(workbook, sheets)


def ods_check(path: Path, limits: Limits) -> dict[str, tuple[int, int]]:
    """The rows and columns each sheet's cells span, by sheet name; SourceError when reading the file
    would cost more than the limits allow, before python-calamine reads it (it builds every sheet's grid
    when it opens the file): too many parts, more unzipped bytes than TERROIR_XLSX_MAX_UNCOMPRESSED_MB,
    a sheet or all of them spanning more rows or cells than TERROIR_SHEET_MAX_ROWS and _CELLS. A cell or
    a row may say it is repeated a million times (LibreOffice writes the empty rows down to the sheet's
    end so): repeated empty cells past a row's last value, and empty rows past a sheet's last, cost
    nothing and are not counted. Streams content.xml, building nothing."""
    _zip_directory_check(path, _unreadable_ods)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable_ods(error) from None
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise _too_many_parts(len(members))
        total = sum(member.file_size for member in members)
        if total > limits.xlsx_max_uncompressed_mb * 1024 * 1024:
            raise SourceError(
                gettext_noop(
                    "the workbook holds %(mb)s MB once unzipped; the limit is %(limit)s MB "
                    "(TERROIR_XLSX_MAX_UNCOMPRESSED_MB)"
                ),
                {"mb": _mb(total), "limit": limits.xlsx_max_uncompressed_mb},
            )
        try:
            content = archive.getinfo("content.xml")
        except KeyError:
            raise _unreadable_ods(KeyError("no content.xml: is it really an .ods file?")) from None
        spans = _OdsSpans(limits)
        try:
            with archive.open(content) as stream:
                while chunk := stream.read(1 << 20):
                    spans.parser.Parse(chunk, False)
                spans.parser.Parse(b"", True)
        except SourceError:
            raise
        except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
            raise _unreadable_ods(error) from None
    return spans.sheets


class _OdsSpans:
    """The expat handlers counting the rows and columns each sheet's cells span (see `ods_check`)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sheets: dict[str, tuple[int, int]] = {}
        self.cells = 0  # of the sheets done
        self.name, self.rows, self.last_row, self.width = "", 0, 0, 0
        self.row_repeat, self.column, self.row_width, self.cell_end, self.in_cell = 1, 0, 0, 0, 0
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if self.in_cell:
            self.in_cell += 1
            self.row_width = self.cell_end  # a paragraph in the cell: it holds text
        elif tag in _ODS_CELLS:
            self.in_cell = 1
            self.column += _repeats(attributes.get(_TABLE + "number-columns-repeated"))
            self.cell_end = self.column
            if attributes.get(_OFFICE + "value-type"):
                self.row_width = self.column
        elif tag == _TABLE + "table-row":
            self.row_repeat = _repeats(attributes.get(_TABLE + "number-rows-repeated"))
            self.column = self.row_width = 0
        elif tag == _TABLE + "table":
            self.name = attributes.get(_TABLE + "name", "")
            self.rows = self.last_row = self.width = 0

    def end(self, tag: str) -> None:
        if self.in_cell:
            self.in_cell -= 1
        elif tag == _TABLE + "table-row":
            self.rows += self.row_repeat
            if self.row_width:
                self.last_row, self.width = self.rows, max(self.width, self.row_width)
        elif tag == _TABLE + "table":
            # Counted, not built: the sheet is checked whole, to say its size.
            _dimension_check(_OdsSheet(None, self.name, self.last_row, self.width), self.limits)
            self.sheets[self.name] = (self.last_row, self.width)
            self.cells += self.last_row * self.width
            if self.cells > self.limits.sheet_max_cells:
                raise SourceError(
                    gettext_noop(
                        "the sheets of the workbook span more than %(limit)s cells together (TERROIR_SHEET_MAX_CELLS)"
                    ),
                    {"limit": self.limits.sheet_max_cells},
                )


def _repeats(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        raise ValueError(f"a repetition count {value!r} is not a number") from None


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
    """Where the records are, from the top level's first keys; events without their paths, which
    ijson.parse would build for every level of a deep document before it is checked."""
    import ijson

    depth = 0
    with path.open("rb") as raw:
        try:
            for event, value in ijson.basic_parse(raw):
                if depth == 0 and event == "start_array":
                    return JSON_LISTS[""]
                if depth == 1 and event == "map_key" and value in JSON_LISTS:
                    return JSON_LISTS[value]
                if depth == 0 and event != "start_map":
                    break
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        break
        except ijson.JSONError as error:
            raise SourceError(gettext_noop("malformed JSON: %(error)s"), {"error": str(error)}) from None
    raise SourceError(
        gettext_noop(
            "no list of records found: expected a list, a GeoJSON FeatureCollection, an Overpass answer "
            '("elements"), a GoGoCarto export ("data") or Agence Bio open data ("items")'
        )
    )


def _json_check(path: Path, prefix: str, limits: Limits) -> None:
    """Nesting and the size of each record, before ijson builds any (it keeps a path per open level:
    100,000 nested brackets cost it gigabytes)."""
    max_depth, max_record_mb = limits.json_max_depth, limits.json_max_record_mb
    with path.open("rb") as raw:
        try:
            json_scan(
                file_chunks(raw), max_depth=max_depth, record_depth=prefix.count(".") + 2,
                max_record_bytes=max_record_mb * 1024 * 1024,
            )  # fmt: skip
        except JsonTooDeep as error:
            raise SourceError(
                gettext_noop(
                    "the JSON is nested more than %(limit)s levels deep (limit TERROIR_JSON_MAX_DEPTH), at byte %(at)s"
                ),
                {"limit": max_depth, "at": error.offset},
            ) from None
        except JsonRecordTooLarge as error:
            raise SourceError(
                gettext_noop(
                    "the record is larger than %(limit)s MB (limit TERROIR_JSON_MAX_RECORD_MB), from byte %(offset)s"
                ),
                {"limit": max_record_mb, "offset": error.offset},
                line=error.record,
            ) from None


def _json_rows(path: Path, limits: Limits) -> Iterator[RawRow]:
    import ijson

    prefix = _json_prefix(path)
    _json_check(path, prefix, limits)
    counter = _Counter(limits)
    with path.open("rb") as raw:
        position = 0
        try:
            for item in ijson.items(raw, prefix, use_float=True):
                position += 1
                counter.add(len(item) if isinstance(item, dict) else 1, position)
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
            raise SourceError(
                gettext_noop("malformed JSON after record %(position)s: %(error)s"),
                {"position": position, "error": str(error)},
            ) from None


def header_read(
    path: Path, *, limits: Limits, format: str | None = None, encoding: str | None = None,
    delimiter: str | None = None, header: HeaderAt = HeaderAt(),
) -> list[str] | None:  # fmt: skip
    """The column names of a CSV, XLSX or ODS file (None for JSON, whose records name their own fields)."""
    kind = format_of(path, format)
    if kind == "csv":
        encoding = encoding or encoding_detect(path)
        with _open_text(path, encoding) as text:
            sample = text.read(SNIFF_BYTES)
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter or delimiter_detect(sample))
            try:
                picked = header.pick(reader)
            except csv.Error:
                picked = None
            return picked[0] if picked else header_names([])
    if kind in WORKBOOKS:
        workbook = _workbook_open(path, limits, kind)
        try:
            return _sheet_header(workbook, header, limits)[1]
        finally:
            workbook.close()
    return None


# --- Values ---------------------------------------------------------------------------------------


def number_parse(text: str) -> float | None:
    """A decimal written the French or the English way: "45,55" or "45.55"."""
    # Spreadsheets in French separate thousands with a space, a no-break or a narrow no-break space.
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


# --- DFC JSON-LD ----------------------------------------------------------------------------------


def _dfc_rows(path: Path, limits: Limits) -> Iterator[RawRow]:
    """One row per enterprise of a DFC document (terroir.lib.dfc): a graph is read whole, its nodes
    naming each other, after the nesting and size checks of any JSON."""
    import json

    _json_check(path, "item", limits)
    try:
        data = json.loads(path.read_bytes())
    except ValueError as error:
        raise SourceError(gettext_noop("malformed JSON: %(error)s"), {"error": str(error)}) from None
    try:
        enterprises = enterprises_read(data)
    except DfcError as error:
        raise SourceError(error.message.template, dict(error.message.values)) from None
    counter = _Counter(limits)
    for position, enterprise in enumerate(enterprises, start=1):
        values = asdict(enterprise)
        counter.add(len(values) + 4 * len(enterprise.products), position)
        yield RawRow(line=position, values=values)
