"""A source file read through its mapping: records, problems, the preview and the rejection report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, ngettext

from terroir.directory.communes import commune_index_held
from terroir.directory.french import elided, is_french
from terroir.directory.models import Category, Commune, CommuneName, Label
from terroir.directory.numbers import number as grouped
from terroir.lib import spreadsheet
from terroir.lib.geo import Precision
from terroir.lib.messages import Message
from terroir.lib.tabular import (
    HeaderAt,
    Limits,
    RawRow,
    SourceError,
    encoding_detect,
    format_of,
    gunzip,
    header_read,
    is_gzip,
    number_parse,
    rows_read,
)
from terroir.lib.text import fold

from .geocode import CROWDED_MIN, AddokClient, point_key, positions_check, records_geocode
from .mapping import Mapping, Problem, Record, _text, record_ref, records_group


@contextmanager
def source_opened(path: Path) -> Iterator[Path]:
    """The file to read: `path`, or when it is gzip-compressed (`.gz`) its content decompressed into a
    temporary folder, refused beyond TERROIR_IMPORT_MAX_MB (the limit of an upload) before any reading."""
    if not is_gzip(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="terroir-gunzip-") as folder:
        yield gunzip(path, Path(folder), max_mb=settings.TERROIR_IMPORT_MAX_MB)


def limits() -> Limits:
    """What reading one source file may cost, from the settings."""
    return Limits.of(settings)


def source_error_message(error: SourceError) -> Message:
    """Why a file cannot be read, after its line when known, to be said in the reader's language: what an
    import that fails on the worker keeps (background.error_stored), read later by people of either language."""
    reason = Message(error.template, error.params)
    # The line as the file numbers it ("line 12345"), not grouped as a quantity.
    return Message(gettext_noop("line %(line)s: %(reason)s"), {"line": str(error.line), "reason": reason}) \
        if error.line else reason  # fmt: skip


def source_error_text(error: SourceError) -> str:
    """Why a file cannot be read, in the reader's language, after its line when known."""
    return source_error_message(error).text(gettext, lambda number: number_format(number, force_grouping=True))


def _read_options(path: Path, mapping: Mapping) -> dict[str, Any]:
    options: dict[str, Any] = {
        "limits": limits(), "format": mapping.format, "encoding": mapping.encoding, "delimiter": mapping.delimiter,
        "header": HeaderAt(row=mapping.header_row, columns=mapping.header_columns()),
    }  # fmt: skip
    if path.exists() and path.stat().st_size > 0:
        if format_of(path, mapping.format) == "csv" and not mapping.encoding:
            # Told once: detecting it reads the whole file.
            options["encoding"] = encoding_detect(path)
        header = header_read(path, **options)
        if header is not None:
            missing = mapping.missing_columns(set(header))
            if missing:
                template = (
                    gettext_noop(
                        "the mapping names the column %(missing)r that the file lacks; its columns are %(columns)r"
                    )
                    if len(missing) == 1
                    else gettext_noop(
                        "the mapping names the columns %(missing)r that the file lacks; its columns are %(columns)r"
                    )
                )
                raise SourceError(template, {"missing": missing, "columns": [h for h in header if h]}, line=1)
    return options


class LinesRead:
    """How many of the file's rows reading went through (a CSV's lines after its header, a sheet's rows, a
    JSON file's features), whatever records they gave: a producer's row gives two (the producer and its
    farm), a row a filter skips none, repeated rows grouped one. What a progress bar counts against the
    file's rows (`rows_estimate`), and what a run says it read."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def through(self, rows: Iterator[RawRow]) -> Iterator[RawRow]:
        for row in rows:
            self.count += 1
            yield row


def records_read(path: Path, mapping: Mapping, *, lines: LinesRead | None = None) -> Iterator[Record]:
    """Every row of the file as a record, with the problems of its own values (records_checked adds
    those found against the communes and the rest of the file). Raises SourceError when the file cannot
    be read at all, or misses a column the mapping names. `lines` counts the rows read."""
    rows = rows_read(path, **_read_options(path, mapping))
    if lines is not None:
        rows = lines.through(rows)
    records = (record for row in rows for record in mapping.records_of(row))
    # Grouping holds the file's records until its end: only mappings that ask for it pay that.
    yield from records_group(records) if mapping.group else records


def _columns(mapping: Mapping, *targets: str) -> Message | str:
    """The source columns that give these fields, as the messages name them: each quoted in the reader's
    language when the message is read (lib.messages.quoted), else the fields' own names."""
    specs = [getter.spec for target in targets for getter in mapping.fields.get(target, [])]
    return Message.quoting(specs) if specs else ", ".join(targets)


def points_crowded(path: Path, mapping: Mapping) -> frozenset[tuple[float, float]]:
    """The positions that rows of CROWDED_MIN different names or more give exactly: a first pass over
    the file, reading only the position and the name columns. (A point is known crowded only at the
    file's end, and every record of the file would have to wait for it: reading the file twice costs
    less than holding all its records.) Each row's name is kept as given, its text worked out only for
    the few points that CROWDED_MIN rows give (most rows are alone at their point)."""
    lat_getters, lon_getters = mapping.fields.get("lat", []), mapping.fields.get("lon", [])
    if not lat_getters or not lon_getters:
        return frozenset()
    name_getters = mapping.fields.get("name", [])
    adapter = mapping.adapter
    given: dict[tuple[float, float], list[Any]] = {}
    for row in rows_read(path, **_read_options(path, mapping)):
        values = adapter(row.values) if adapter else row.values
        lat = _number_given(lat_getters, values)
        if lat is None:
            continue
        lon = _number_given(lon_getters, values)
        if lon is None:
            continue
        # The first name given, else the line (whose text is itself).
        name = next((v for g in name_getters if (v := g.get(values))), None)
        given.setdefault(point_key(lat, lon), []).append(str(row.line) if name is None else name)
    return frozenset(
        point
        for point, names in given.items()
        if len(names) >= CROWDED_MIN and len({fold(_text(name)) for name in names}) >= CROWDED_MIN
    )


def _number_given(getters: list[Any], values: Any) -> float | None:
    """The number the first column of `getters` that gives a value gives (None when it is no number)."""
    for getter in getters:
        value = getter.get(values)
        if value is not None and value != "":
            return number_parse(_text(value))
    return None


def _point_given(mapping: Mapping, values: Any) -> tuple[float, float] | None:
    """The position a row gives (point_key), as the crowded points count it."""
    lat = _number_given(mapping.fields.get("lat", []), values)
    lon = _number_given(mapping.fields.get("lon", []), values)
    return None if lat is None or lon is None else point_key(lat, lon)


# What reading a row depends on besides its values and the mapping: the code that reads it. A change to
# any of these files makes every stored fingerprint stale, so that a fixed reading applies to every row.
_READING_CODE = (
    "imports/mapping.py", "imports/read.py", "imports/geocode.py", "imports/schedules.py", "imports/columns.py",
    "directory/fields.py", "directory/communes.py", "lib/tabular.py", "lib/text.py", "lib/hours.py", "lib/geo.py",
    "lib/spreadsheet.py",
)  # fmt: skip
_code_digest: str | None = None


def _reading_code_digest() -> str:
    global _code_digest
    if _code_digest is None:
        root, digest = Path(__file__).resolve().parent.parent, hashlib.sha1()
        for name in _READING_CODE:
            digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
        _code_digest = digest.hexdigest()
    return _code_digest


def _reference_digest() -> str:
    """The reference data reading looks values up in: communes and their names, categories, labels."""
    digest = hashlib.sha1()
    for query in (
        Commune.objects.order_by("code").values_list(),
        CommuneName.objects.order_by("pk").values_list(),
        Category.objects.order_by("pk").values_list("slug", "name_fr", "path"),
        Label.objects.order_by("pk").values_list("slug"),
    ):
        for row in query.iterator(chunk_size=10_000):
            digest.update(repr(row).encode())
        digest.update(b"\1")
    return digest.hexdigest()


# A record found unchanged by its row's fingerprint: (its pk, reference, record type, `reading`).
Known = tuple[int, str, str, Any]


class RowFingerprints:
    """The rows a source gave at its earlier imports, by fingerprint: a digest of the row's values with
    everything reading it depends on (the mapping's text, the reading code, the reference data, the
    geocoder; not the language: problems are kept as templates, said in each reader's language). A row
    whose fingerprint is known gives the very records it gave then, which are kept: it is not read
    further (on a re-import of an unchanged file, reading each row through the mapping and the communes
    was two thirds of the time)."""

    def __init__(
        self, *, mapping_text: str, source: str, client: AddokClient | None, known: dict[str, list[Known]]
    ) -> None:
        self.geocoded = client is not None
        basis = (
            mapping_text, source, _reading_code_digest(), _reference_digest(),
            f"{settings.TERROIR_GEOCODER_URL}|{settings.TERROIR_GEOCODER_MIN_SCORE}" if self.geocoded else "",
        )  # fmt: skip
        self.prefix = hashlib.sha1("\0".join(basis).encode()).hexdigest().encode()
        self.known = known

    # json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":")), its encoder made once.
    _encoded = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode

    def of(self, values: Any) -> str:
        text = RowFingerprints._encoded(values)
        return hashlib.sha1(self.prefix + text.encode("utf-8", "surrogatepass")).hexdigest()

    def keeps(self, records: list[Record]) -> bool:
        """Whether a row's records, as checked, may be known by fingerprint next time: all kept, none placed
        by a geocoder at commune level only (a later run may place it better)."""
        return not any(
            record.rejected or (self.geocoded and record.precision == Precision.COMMUNE) for record in records
        )


def record_reading(record: Record) -> dict[str, Any] | None:
    """What reading said of a kept record, for SourceRecord.reading: its problems, whether it was placed
    at commune level (None when neither)."""
    if not record.problems and record.precision != Precision.COMMUNE:
        return None
    return {
        "problems": [[p.field, p.column, p.said.data()] for p in record.problems],
        "commune": record.precision == Precision.COMMUNE,
    }


def _unchanged(line: int, source: str, values: dict[str, Any], known: Known) -> Record:
    """The record a known row gives, as far as the import needs it: its reference and type, the row, and
    what reading found in it (its problems, now at this line)."""
    pk, ref, record_type, reading = known
    record = Record(line=line, source=source, ref=ref, record_type=record_type, raw=values, unchanged=pk)
    if reading:
        record.problems = [
            Problem(line, name, Message.of(said), False, column) for name, column, said in reading["problems"]
        ]
        record.precision = Precision.COMMUNE if reading.get("commune") else ""
    return record


CHECK_CHUNK = 2000


def records_checked(
    path: Path,
    mapping: Mapping,
    *,
    client: AddokClient | None = None,
    fingerprints: RowFingerprints | None = None,
    lines: LinesRead | None = None,
) -> Iterator[Record]:
    """Every record as the import keeps or rejects it: its own values (records_read), its position
    checked against its commune and the rest of the file, placed (the geocoder when given, else the
    communes table), a reference repeated from an earlier line rejected. The preview and the import both
    read through this, so what the preview calls usable is what the import keeps. `lines` counts the
    file's rows read (the first pass for crowded points is not counted)."""
    crowded = points_crowded(path, mapping)
    columns = _columns(mapping, "lat", "lon")
    seen: dict[str, int] = {}
    chunk: list[Record] = []

    def checked(records: list[Record]) -> list[Record]:
        read = [record for record in records if record.unchanged is None]
        positions_check(read, columns=columns, crowded=crowded)
        records_geocode(read, client=client)
        for record in records:
            ref = record_ref(record)
            if record.rejected:
                continue
            if ref in seen:
                record.problem("ref", Message(gettext_noop("column %(columns)s: same reference %(ref)r as line "
                                                           "%(line)s: this row is not kept"),
                                              {"columns": _columns(mapping, "ref", "name"), "ref": ref,
                                               "line": seen[ref]}), fatal=True)  # fmt: skip
            else:
                seen[ref] = record.line
        if fingerprints is not None:
            rows: dict[int, list[Record]] = {}
            for record in read:
                if record.fingerprint:
                    rows.setdefault(record.line, []).append(record)
            for row_records in rows.values():
                if not fingerprints.keeps(row_records):
                    for record in row_records:
                        record.fingerprint = ""
        return records

    if fingerprints is None or mapping.group:
        fingerprints = None
        for record in records_read(path, mapping, lines=lines):
            chunk.append(record)
            if len(chunk) >= CHECK_CHUNK:
                yield from checked(chunk)
                chunk = []
    else:
        # Row by row, so that a row's records stay in one chunk and the rows known are not read.
        refs_read: set[str] = set()
        rows = rows_read(path, **_read_options(path, mapping))
        for row in lines.through(rows) if lines is not None else rows:
            fingerprint = fingerprints.of(row.values)
            known = fingerprints.known.get(fingerprint)
            values = mapping.adapter(row.values) if known and mapping.adapter else row.values
            if known and all(k[1] not in refs_read for k in known) and _point_given(mapping, values) not in crowded:
                # Only while no earlier row gave one of its references (it would be a repeat now) and its
                # point is not one the file now crowds (reading would say so).
                records = [_unchanged(row.line, mapping.name, row.values, k) for k in known]
            else:
                records = mapping.records_of(row)
                for record in records:
                    record.fingerprint = fingerprint
            refs_read.update(record_ref(record) for record in records)
            chunk.extend(records)
            if len(chunk) >= CHECK_CHUNK:
                yield from checked(chunk)
                chunk = []
    if chunk:
        yield from checked(chunk)


@dataclass
class Preview:
    """The first records as they will be read, and every problem of the whole file."""

    mapping: Mapping
    records: list[Record] = field(default_factory=list)
    rows: int = 0  # records (a producer's row gives two: the producer and its farm)
    lines: int = 0  # the file's rows read (LinesRead)
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None  # why the file cannot be read, in the reader's language


def preview_summary(result: Preview) -> str:
    """What the preview read, said as the run's page says it: the file's rows read, the records read (a
    producer's row gives two), those usable and those rejected — in the reader's language, with its plurals
    and its way of writing numbers ("1 200 lignes lues, 1 350 fiches lues : 1 349 utilisables, 1 fiche
    rejetée.")."""
    usable = result.rows - result.rejected
    return gettext("%(lines)s, %(records)s: %(usable)s, %(rejected)s.") % {
        "lines": ngettext("%(n)s row read", "%(n)s rows read", result.lines) % {"n": grouped(result.lines)},
        "records": ngettext("%(n)s record read", "%(n)s records read", result.rows) % {"n": grouped(result.rows)},
        "usable": ngettext("%(n)s usable", "%(n)s usable", usable) % {"n": grouped(usable)},
        "rejected": ngettext("%(n)s record rejected", "%(n)s records rejected", result.rejected)
        % {"n": grouped(result.rejected)},
    }


@commune_index_held()  # one communes index for the whole file, as the import reads it
def preview(
    path: Path, mapping: Mapping, *, rows: int = 20, problems: int = 1000, client: AddokClient | None = None
) -> Preview:
    """Reads the whole file (streamed) through the import's checks (records_checked) and writes nothing
    but the geocoder's answers to its cache. Without a geocoder, rows are placed from the communes table:
    an import that has one may place more rows, never fewer."""
    result = Preview(mapping=mapping)
    lines = LinesRead()
    try:
        for record in records_checked(path, mapping, client=client, lines=lines):
            result.rows += 1
            result.rejected += record.rejected
            if len(result.records) < rows:
                result.records.append(record)
            for problem in record.problems:
                result.problem_counts[problem.where] += 1
                if len(result.problems) < problems:
                    result.problems.append(problem)
    except SourceError as error:
        result.error = source_error_text(error)
    result.lines = lines.count
    return result


REPORT_COLUMNS = ("line", "rejected", "column", "problem", "row")
# A run keeps two more columns: the problem as its template and values (JSON, lib.messages), so that each
# reader reads the report in their own language, not in the worker's (report_read); and the directory's field
# a problem is about when it names no column of the file (a position from the commune only), so that the run's
# page tells a file's column from a field of the directory.
STORED_COLUMNS = (*REPORT_COLUMNS, "said", "field")


class ReportTexts(dict[str, str]):
    """The texts of a report's problems by their data (`Message.json`), for a report written in one language
    (the one active when this is made): a file's problems repeat (a column's unknown word), and translating
    and eliding each again was most of the report's cost. A problem said for the first time is translated
    through the catalogue's texts looked up once per template, the language and whether it is French looked
    up once (Django's `gettext` finds the active language anew at every call: most of a new problem's cost,
    and a 100,000-row file has tens of thousands, "placed at the centre of <its commune>" among them)."""

    def __init__(self) -> None:
        super().__init__()
        self.french = is_french()
        self.translations: dict[str, str] = {}

    def translate(self, template: str) -> str:
        translated = self.translations.get(template)
        if translated is None:
            translated = self.translations[template] = gettext(template)
        return translated

    def of(self, problem: Problem, data: str) -> str:
        """The problem's text (`Problem.message`), `data` its message's data."""
        text = self.get(data)
        if text is None:
            text = self[data] = problem.message_in(self.translate, self.french)
        return text


def report_lines(record: Record, said: ReportTexts | None = None, row: str | None = None) -> Iterator[tuple[Any, ...]]:
    """The stored report's lines for one record: one per problem, naming the source's column, with the
    original row as JSON, whether the row was kept out, and the problem's message as data. `said` keeps
    the messages' texts for a report written in one language (`ReportTexts`). `row`: the row's text when the
    caller has it (`report_row`)."""
    if not record.problems:
        return  # most records: their row is not encoded for nothing
    rejected = "yes" if record.rejected else "no"
    if row is None:
        row = report_row(record.raw)
    for problem in record.problems:
        data = problem.said.json()
        known = problem.message if said is None else said.of(problem, data)
        yield (problem.line, rejected, problem.where, known, row, data, problem.field_alone)


# json.dumps(…, ensure_ascii=False, default=str), its encoder made once (dumps makes one per call).
_row_encoded = json.JSONEncoder(ensure_ascii=False, default=str).encode


def report_row(raw: dict[str, Any]) -> str:
    """A record's row as the report keeps it (JSON)."""
    return _row_encoded(raw)


def report_left_out(count: int) -> tuple[Any, ...]:
    """The stored report's last line when it was cut: how many problems it does not list."""
    text = ngettext("%(n)s more problem not listed", "%(n)s more problems not listed", count) % {"n": count}
    return ("", "", "", text, "", json.dumps({"left_out": count}))


def report_write(records: Iterator[Record] | list[Record], path: Path) -> int:
    """Every problem of the records, in semicolon-separated UTF-8 with a BOM, as French spreadsheets
    open it. Returns the number of lines."""
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = spreadsheet.writer(out, delimiter=";")
        writer.writerow(REPORT_COLUMNS)
        for record in records:
            for line in report_lines(record):
                writer.writerow(line[: len(REPORT_COLUMNS)])
                written += 1
    return written


def _said(data: str, stored: str) -> str:
    """A stored problem in the active language: from its data when the run kept it, else as it was stored."""
    if not data:
        return stored  # a report stored before the runs kept their problems as data
    try:
        value = json.loads(data)
    except ValueError:
        return stored
    if isinstance(value, dict) and isinstance(value.get("left_out"), int):
        count = value["left_out"]
        return ngettext("%(n)s more problem not listed", "%(n)s more problems not listed", count) % {"n": count}
    message = Message.of(value)
    return elided(message.text(gettext), *message.texts())


def report_read(stored: str, *, limit: int | None = None, field: bool = False) -> Iterator[list[str]]:
    """The lines of a run's stored report (header left out), the columns of REPORT_COLUMNS, each problem in
    the reader's language. Reads the reports of every version: with or without their data column. With
    `field`, one more cell: the directory's field a problem names instead of a column ("" for a column of
    the file); none on the lines of a report stored before the runs kept it, which cannot tell them apart."""
    reader = csv.reader(io.StringIO(stored.lstrip("\ufeff")), delimiter=";")
    next(reader, None)
    for number, line in enumerate(reader):
        if limit is not None and number >= limit:
            return
        cells = [*line, *[""] * (len(STORED_COLUMNS) - len(line))]
        cells[3] = _said(cells[5], cells[3])
        yield [*cells[: len(REPORT_COLUMNS)], *line[6:7]] if field else cells[: len(REPORT_COLUMNS)]


def report_text(stored: str) -> str:
    """A run's stored report as the file people download: REPORT_COLUMNS, problems in the reader's language,
    semicolon-separated UTF-8 with a BOM."""
    out = io.StringIO()
    writer = spreadsheet.writer(out, delimiter=";")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(report_read(stored))
    return "\ufeff" + out.getvalue()
