"""Importing a source file: read through its mapping, geocode, and keep each record per source.

A run either completes or leaves the database as it was (one transaction); the same source cannot be
imported twice at once; re-importing updates records instead of duplicating them, and records gone
from the source are flagged, not deleted. Every rejected row and every problem is kept in the run's
report with its line and original row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import pickle
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.directory.background import error_stored, unexpected_stored
from terroir.directory.communes import commune_index_held
from terroir.lib import spreadsheet
from terroir.lib.messages import Message, gettext_noop
from terroir.lib.progress import Progress, ProgressReport
from terroir.lib.tabular import SourceError, rows_estimate
from terroir.lib.tasks import collector_relaxed

from .geocode import Precision, geocoder
from .mapping import Mapping, MappingError, Record, mapping_parse, record_ref
from .merging import NewRecords, record_pair_decide, records_merge, rows_update
from .models import ImportRun, SavedMapping, Source, SourceRecord
from .read import (
    STORED_COLUMNS,
    Known,
    LinesRead,
    ReportTexts,
    RowFingerprints,
    limits,
    record_reading,
    records_checked,
    report_left_out,
    report_lines,
    report_row,
    source_error_message,
)
from .sources import shipped_mappings

CHUNK = 2000
REPORT_MAX_LINES = 100_000
# Fields of a Record kept in SourceRecord.data (the rest is its line, raw row and problems).
DATA_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Record)
    if f.name not in {"line", "raw", "problems", "source", "columns", "fingerprint", "unchanged"}
)


__all__ = ["ImportBusy", "record_pair_decide", "record_ref", "records_merge", "source_import"]


class ImportBusy(RuntimeError):
    """The source is already being imported. `said` is the refusal, to be read in the reader's language
    (the worker that finds it runs in the site's)."""

    def __init__(self, said: Message) -> None:
        super().__init__(said.text())
        self.said = said


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back, carrying what the run would have done."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__("dry run")
        self.run = run


def mapping_syntax(text: str) -> str:
    """ "toml" or "yaml" for a mapping kept without its file name: TOML's first statement is a
    [section] or a key = value, YAML's a key: value."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return "toml" if line.startswith("[") or re.match(r"^[\w\"'.-]+\s*=", line) else "yaml"
    return "toml"


# How the upload form names a mapping saved from the column-mapping screen.
SAVED = "saved:"


def mapping_save(*, name: str, text: str, by: Any = None) -> SavedMapping:
    """Keep a mapping under its name (replacing the one of that name): checked by the loader first, so
    that a saved mapping is always one the command line reads. Raises MappingError."""
    mapping_parse(text, filename=f"{name}.toml")
    with transaction.atomic():
        saved, _created = SavedMapping.objects.update_or_create(
            name=name, defaults={"text": text, "saved_by": by, "saved_at": timezone.now()}
        )
    return saved


def mapping_for(*, source: str, name: str = "", text: str = "") -> tuple[Mapping, str]:
    """The mapping to read a file of `source` with, and its text: the text given, else the saved mapping
    ("saved:NAME"), the ready-made mapping or the file `name` names, else the one the source was last
    imported with, else the ready-made mapping of the source's name. Raises MappingError saying what is
    wrong and where."""
    if not text and name.startswith(SAVED):
        text = SavedMapping.objects.filter(name=name.removeprefix(SAVED)).values_list("text", flat=True).first() or ""
        if not text:
            raise MappingError(name, gettext_noop("no saved mapping of this name"))
    if not text:
        stored = Source.objects.filter(name=source).values_list("mapping", flat=True).first()
        path = shipped_mappings().get(name or source) or (Path(name) if name else None)
        if name and path is not None:
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            if not text:
                raise MappingError(name, gettext_noop("no such mapping file or ready-made mapping"))
        elif stored:
            text = stored
        elif path is not None:
            text = path.read_text(encoding="utf-8")
        else:
            ready = ", ".join(sorted(shipped_mappings()))
            none = gettext_noop("the source has no mapping yet and no ready-made mapping has its name (%(ready)s)")
            raise MappingError(source, none, {"ready": ready})
    mapping = mapping_parse(text, filename=f"mapping.{mapping_syntax(text)}")
    return dataclasses.replace(mapping, name=source), text


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_data(record: Record) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in DATA_FIELDS}
    data["categories"] = list(record.categories)
    data["labels"] = list(record.labels)
    data["supplies"] = list(record.supplies)
    data["verified_at"] = record.verified_at.isoformat() if record.verified_at else None
    if not data["order_url"]:
        # Absent rather than empty: the digests of the sources that give no order link stay those stored
        # before the field existed, so that their next import skips their unchanged records still.
        del data["order_url"]
    return data


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """The row as JSON can store it (spreadsheet dates and the like as text). A row of text alone (every
    CSV row) is that already: not encoded and decoded again."""
    if all(type(value) is str for value in values.values()) and all(type(key) is str for key in values):
        return values
    result: dict[str, Any] = json.loads(json.dumps(values, default=str))
    return result


def _json_or_null(value: Any) -> Any:
    """SourceRecord.reading as the database takes it: most records have nothing, SQL NULL."""
    return None if value is None else SourceRecord._meta.get_field("reading").get_db_prep_save(value, connection)


# json.dumps(data, sort_keys=True, default=str), its encoder made once (dumps makes one per call).
_data_encoded = json.JSONEncoder(sort_keys=True, default=str).encode


def _data_text(data: dict[str, Any]) -> str:
    """A record's data as JSON text, keys sorted: its digest is of this text, and SQLite stores it as it is."""
    return _data_encoded(data)


def _digest_of(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _text_itself(text: str) -> str:
    return text


def _json_storing() -> Callable[[str], Any]:
    """How a JSON field's value is given to the database from its text already encoded: the text itself on
    SQLite (a JSON field is text there); on PostgreSQL the driver's JSON wrapper, told to send that text
    rather than encode the value again. (Encoding each record's data once for its digest and once more
    for storage was two encodings of the same dictionary.) Chosen once for many records: the connection
    proxy looks its vendor up on every access."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb  # the PostgreSQL driver, present only where it is used

        def wrapped(text: str) -> Any:
            return Jsonb(text, dumps=_text_itself)

        return wrapped
    return _text_itself


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Report:
    def __init__(self) -> None:
        self.out = io.StringIO()
        self.writer = spreadsheet.writer(self.out, delimiter=";")
        self.writer.writerow(STORED_COLUMNS)
        self.lines = 0
        self.left_out = 0
        # The problems' texts by their data: one import's report is written in one language (the worker's).
        self.said = ReportTexts()
        # The last row reported, held (its identity is no other row's), and its text.
        self.raw: Any = None
        self.row = ""

    def add(self, record: Record) -> None:
        if not record.problems:
            return
        if record.raw is not self.raw:  # a farm follows its producer, with the very same row: encoded once
            self.raw, self.row = record.raw, report_row(record.raw)
        for line in report_lines(record, self.said, self.row):
            if self.lines >= REPORT_MAX_LINES:
                self.left_out += 1
                continue
            self.writer.writerow(line)
            self.lines += 1

    def text(self) -> str:
        if self.left_out:
            self.writer.writerow(report_left_out(self.left_out))
        return "\ufeff" + self.out.getvalue()


# An import makes millions of objects that live until its end: the garbage collector walking them again and
# again was a sixth of its processor time.
# One communes index for the whole run: rebuilt by age halfway through a long reading, it lost the answers it
# remembered and could place the rows after it with another table than those before.
@collector_relaxed()
@commune_index_held()
def source_import(
    *,
    path: Path,
    mapping: Mapping,
    mapping_text: str = "",
    geocode: bool = True,
    merge: bool = True,
    dry_run: bool = False,
    progress: ProgressReport | None = None,
    worker: str = "",
    by: Any = None,
    upload: str = "",
) -> ImportRun:
    """Import one file of a source, then merge its records into the directory. Returns the run, done
    or failed (with its error). A dry run does everything, reports it, and leaves the database as it
    was (its run is not kept either). The changes to existing entries are revisions by `by`.

    Reading and geocoding come first, outside any transaction, with their progress on the run's row
    (the pages read it); keeping the records and merging them is then one transaction."""
    by = by if by is not None and by.is_authenticated else None
    source, created = Source.objects.get_or_create(name=mapping.name, defaults={"label": mapping.label})
    if not dry_run:
        Source.objects.filter(pk=source.pk).update(label=mapping.label, mapping=mapping_text or source.mapping)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                source=source, file_name=path.name[:255], file_sha256=file_digest(path), worker=worker,
                started_by=by, upload=upload[:40], stage="read",
            )  # fmt: skip
    except IntegrityError:
        said = gettext_noop("source “%(source)s” is already being imported; try again when it ends")
        raise ImportBusy(Message(said, {"source": mapping.name})) from None
    told = _RowProgress(run.pk, then=progress)
    spool: Path | None = None
    grown: list[str] = []
    try:
        fingerprints = _fingerprints(source, mapping, mapping_text)
        spool, counts, report = _read_rows(path, mapping, geocode=geocode, progress=told, fingerprints=fingerprints)
        told(Progress("save", _("keeping the records and merging them"), counts["lines"], None))
        with transaction.atomic():
            # From here the run's row is written only at the end: on SQLite nobody else may write while
            # this transaction does, so the pages show the "save" stage until it commits.
            # The new records are written once, with their entries, by the merge (NewRecords).
            new = NewRecords(source=source.name, priority=source.priority)
            _store_rows(run, spool, counts, report, new)
            if not merge:
                new.write()
            else:
                note = f"import #{run.pk} · {source.name} · {run.file_name}"
                summary = records_merge(progress=progress, by=by, note=note, run=run, new=new)
                ImportRun.objects.filter(pk=run.pk).update(
                    entries_created=summary.entries_created, entries_updated=summary.entries_updated,
                    merged=summary.merged, review=summary.review,
                )  # fmt: skip
            if dry_run:
                run.refresh_from_db()
                raise _DryRun(run)
            grown = _tables_grown()
    except _DryRun as done:
        ImportRun.objects.filter(pk=run.pk).delete()
        if created:
            source.delete()
        done.run.pk = None
        return done.run
    except SourceError as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=error_stored(source_error_message(error)), finished_at=timezone.now()
        )
    except BaseException as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=unexpected_stored(error), finished_at=timezone.now()
        )
        raise
    finally:
        if spool is not None:
            spool.unlink(missing_ok=True)
    _tables_analysed(grown)
    run.refresh_from_db()
    return run


# PostgreSQL's autovacuum analyses a table once more than 50 rows plus a tenth of its rows have changed since
# its last analysis (autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, their defaults).
ANALYZE_ROWS = 50
ANALYZE_SHARE = 0.1


def _tables_grown() -> list[str]:
    """PostgreSQL, at the end of the import's transaction: the tables it changed by more rows than
    autovacuum lets change before it analyses a table again (ANALYZE_ROWS + ANALYZE_SHARE of the rows the
    table had when last analysed), their names quoted. Nothing elsewhere."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) FROM pg_stat_xact_user_tables s"
            " JOIN pg_class c ON c.oid = s.relid WHERE c.relpersistence = 'p'"
            " AND s.n_tup_ins + s.n_tup_upd + s.n_tup_del > %s + %s * GREATEST(c.reltuples, 0) ORDER BY 1",
            [ANALYZE_ROWS, ANALYZE_SHARE],
        )
        return [name for (name,) in cursor.fetchall()]


# The statistics target of the import's own ANALYZE (`_tables_analysed`): a sample of 300 times as many rows.
ANALYZE_TARGET = 10


def _tables_analysed(tables: list[str]) -> None:
    """After the import's commit, PostgreSQL: ANALYZE the tables it changed much (`_tables_grown`), as
    autovacuum would later, so that the statements that follow — the next import's look-ups of its
    records by reference first — are planned by the tables as they are. Until autovacuum came by, the
    planner took a records table just filled for the small one it was, and a re-import's `source_id = …
    AND ref IN (…)` look-ups read every record of the source (0.3–0.6 s each, 30 s of a 100,000-row
    re-import). Not inside a larger transaction (a test's): its rows may yet be rolled back.

    What those plans need is each table's size and how its keys spread, which a small sample tells: the
    tables are analysed with a statistics target of ANALYZE_TARGET (3,000 rows sampled instead of 30,000, and
    300,000 for the places' words, `directory.0024`), whose reading and sorting was most of the ANALYZE (a
    20,000-row import: 1.2–1.7 s → 0.17–0.22 s). Their columns are named (`_columns_analysed`), so that
    autovacuum's count of each table's changes stays as it was: autovacuum still analyses the tables whole,
    with every column's own target, on its next round, as it did before this guard; the search's plans take
    those statistics from it, a minute or so later. A column with a target of its own above the default (the
    words) is left to it alone: no statement of an import filters on it."""
    if not tables or connection.in_atomic_block:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        analysed = _columns_analysed(cursor, tables)
        cursor.execute(f"SET LOCAL default_statistics_target = {int(ANALYZE_TARGET)}")
        if analysed:
            cursor.execute(f"ANALYZE {', '.join(analysed)}")


def _columns_analysed(cursor: Any, tables: list[str]) -> list[str]:
    """`_tables_analysed`'s ANALYZE list: each table (quoted, as `_tables_grown` names it) followed by its
    columns at the default statistics target (-1, or NULL from PostgreSQL 17 on) or below it, but not 0 (no
    statistics: the records' JSON). A table none of whose columns is left is left out."""
    cursor.execute(
        "SELECT t.name, array_agg(quote_ident(a.attname) ORDER BY a.attnum) FROM unnest(%s::text[]) AS t(name)"
        " JOIN pg_attribute a ON a.attrelid = t.name::regclass WHERE a.attnum > 0 AND NOT a.attisdropped"
        " AND COALESCE(a.attstattarget, -1) <> 0"
        " AND COALESCE(a.attstattarget, -1) <= current_setting('default_statistics_target')::int GROUP BY t.name",
        [tables],
    )
    columns = dict(cursor.fetchall())
    return [f"{name} ({', '.join(columns[name])})" for name in tables if columns.get(name)]


class _RowProgress:
    """Writes where the import is on its run's row (at most twice a second), and passes it on."""

    def __init__(self, run_id: int, *, then: ProgressReport | None) -> None:
        self.run_id, self.then, self.last = run_id, then, 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5 or progress.stage != "read":
            self.last = now
            ImportRun.objects.filter(pk=self.run_id, status=ImportRun.Status.RUNNING).update(
                stage=progress.stage, done=progress.done, total=progress.total
            )
        if self.then is not None:
            self.then(progress)


def _fingerprints(source: Source, mapping: Mapping, mapping_text: str) -> Callable[[Any], RowFingerprints] | None:
    """How to know the rows the source gave before, unchanged, by fingerprint (from the geocoder the
    reading uses), when the mapping's text says what reading them depends on."""
    if not mapping_text or mapping.group:
        return None
    known: dict[str, list[Known]] = {}
    query = SourceRecord.objects.filter(source=source, missing=False).exclude(fingerprint="")
    for fingerprint, *record in query.values_list("fingerprint", "pk", "ref", "record_type", "reading"):
        known.setdefault(fingerprint, []).append(tuple(record))  # type: ignore[arg-type]
    for records in known.values():
        # A row's records in the order its reading gives them: a producer before its farm.
        records.sort(key=lambda record: (record[2] != "producer", record[0]))

    def make(client: Any) -> RowFingerprints:
        return RowFingerprints(mapping_text=mapping_text, source=mapping.name, client=client, known=known)

    return make


def _read_rows(
    path: Path,
    mapping: Mapping,
    *,
    geocode: bool,
    progress: ProgressReport,
    fingerprints: Callable[[Any], RowFingerprints] | None = None,
) -> tuple[Path, dict[str, int], _Report]:
    """Read and geocode every row; the records kept go to a spool file, chunk by chunk."""
    client = geocoder() if geocode else None
    rows_known = fingerprints(client) if fingerprints is not None else None
    total = rows_estimate(path, mapping.format, limits=limits())
    report = _Report()
    # `rows` counts records (a producer's row gives two: the producer and its farm), `lines` the file's rows.
    counts = {"rows": 0, "lines": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "commune_level": 0}
    lines = LinesRead()
    checked = records_checked(path, mapping, client=client, fingerprints=rows_known, lines=lines)
    with tempfile.NamedTemporaryFile("wb", prefix="terroir-import-", suffix=".pickle", delete=False) as spool:
        try:
            # The preview's reading and checks (records_checked): what it calls usable is kept here.
            for chunk in _chunks(checked, CHUNK):
                kept: dict[str, Record] = {}
                for record in chunk:
                    counts["rows"] += 1
                    if record.rejected:
                        counts["rejected"] += 1
                    else:
                        kept[record_ref(record)] = record
                        counts["commune_level"] += record.precision == Precision.COMMUNE
                    report.add(record)
                pickle.dump(kept, spool, protocol=pickle.HIGHEST_PROTOCOL)
                counts["lines"] = lines.count
                message = ", ".join(
                    (
                        ngettext("%(n)s row read", "%(n)s rows read", lines.count) % {"n": lines.count},
                        ngettext("%(n)s record rejected", "%(n)s records rejected", counts["rejected"])
                        % {"n": counts["rejected"]},
                    )
                )
                # The file's rows read of its rows (a progress bar full at the end, not at two thirds of a file
                # of producers and their farms).
                progress(Progress("read", message, lines.count, max(total or 0, lines.count) or None))
        except BaseException:
            Path(spool.name).unlink(missing_ok=True)
            raise
    counts["lines"] = lines.count
    return Path(spool.name), counts, report


def _store_rows(run: ImportRun, spool: Path, counts: dict[str, int], report: _Report, new: NewRecords) -> None:
    """Keep the records read (`spool`): the changed ones written, the new ones to `new` (written by the merge),
    the unchanged ones left as they are, the source's records the run does not give flagged missing."""
    given: set[int] = set()  # the records this run gives unchanged: not written (SourceRecord.last_run)
    with spool.open("rb") as chunks:
        while True:
            try:
                kept: dict[str, Record] = pickle.load(chunks)  # our own file, written just before
            except EOFError:
                break
            given.update(_store(run, kept, counts, new))
    missing = _missing_flag(run, given)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.DONE, finished_at=timezone.now(), missing=missing, report=report.text(), **counts
    )


def _missing_flag(run: ImportRun, given: set[int]) -> int:
    """Flag missing the records of the run's source that it did not give: neither written by it (created,
    changed, found again) nor `given` unchanged. Their last run is the one before: they were not missing."""
    kept = SourceRecord.objects.filter(source=run.source, missing=False).exclude(last_run=run)
    gone = sorted(set(kept.values_list("pk", flat=True)) - given)
    before = (
        ImportRun.objects.filter(source=run.source, status=ImportRun.Status.DONE, pk__lt=run.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    flags: dict[str, Any] = {"missing": True} if before is None else {"missing": True, "last_run": before}
    for start in range(0, len(gone), 900):
        SourceRecord.objects.filter(pk__in_ids=gone[start : start + 900]).update(**flags)
    return len(gone)


def _raw_same(stored: str | None, raw: dict[str, Any], encoder: Any) -> bool:
    """Whether the row as stored (its JSON text) is `raw`: SQLite gives back the very text written, so
    most rows compare as text; PostgreSQL's jsonb writes it its own way, and is read as JSON."""
    if stored is None:
        return False
    return stored == json.dumps(raw, cls=encoder) or json.loads(stored) == raw


def _store(run: ImportRun, kept: dict[str, Record], counts: dict[str, int], new: NewRecords) -> list[int]:
    """Keep the records of a chunk, the new ones in `new`; returns those the run gives unchanged (not written)."""
    # The stored data is known by its digest and is not read back; the row as written is read as text,
    # and the records are read as values: a model instance and a JSON decoding per record were most of
    # an unchanged re-import's "records kept".
    raw_field = SourceRecord._meta.get_field("raw")
    existing = {
        ref: (pk, digest, raw_text, missing, fingerprint, reading)
        for pk, ref, digest, raw_text, missing, fingerprint, reading in SourceRecord.objects.filter(
            source=run.source, ref__in=[ref for ref, record in kept.items() if record.unchanged is None]
        )
        .annotate(raw_text=Cast("raw", models.TextField()))
        .values_list("pk", "ref", "digest", "raw_text", "missing", "fingerprint", "reading")
    }
    now = timezone.now()
    written_at = SourceRecord._meta.get_field("updated_at").get_db_prep_save(now, connection)
    as_json = SourceRecord._meta.get_field("data").get_db_prep_save
    json_stored = _json_storing()
    to_update, same = [], []
    fingerprinted: list[tuple[int, str, Any]] = []
    changing: dict[int, tuple[Record, dict[str, Any], str, dict[str, Any]]] = {}
    # A producer's row gives its farm too, with the very same row: encoded once for both.
    raws_stored: dict[int, Any] = {}
    last_raw: Any = None
    raw: dict[str, Any] = {}
    for ref, record in kept.items():
        if record.unchanged is not None:
            # Its row is known by fingerprint: the very record kept before, not read again.
            counts["unchanged"] += 1
            same.append(record.unchanged)
            continue
        reading = record_reading(record) if record.fingerprint else None
        data = record_data(record)
        data_text = _data_text(data)
        digest = _digest_of(data_text)
        found = existing.get(ref)
        if record.raw is not last_raw:  # a farm follows its producer, with the very same row
            last_raw, raw = record.raw, _jsonable(record.raw)
        if found is not None and found[1] == digest and not found[3] and _raw_same(found[2], raw, raw_field.encoder):
            # Unchanged, row as written included (the common case of a re-import): not written at all.
            counts["unchanged"] += 1
            same.append(found[0])
            if (found[4], found[5]) != (record.fingerprint, reading):
                fingerprinted.append((found[0], record.fingerprint, _json_or_null(reading)))
            continue
        if found is not None:
            changing[found[0]] = (record, data, digest, raw)
            continue
        # Plain rows: a model instance per record, its JSON fields compiled by the ORM, cost more than the insert.
        raw_stored = raws_stored.get(id(record.raw))
        if raw_stored is None:
            raw_stored = raws_stored[id(record.raw)] = as_json(raw, connection)
        again = ref in new.records  # a reference given twice (the reading rejects the repeat: a guard)
        changed = new.add(
            ref, record.record_type, record.name[:200], digest, data_text, now,
            (
                run.source_id, ref, record.record_type, record.name[:200], json_stored(data_text),
                raw_stored, digest, run.pk, run.pk, False, written_at, record.fingerprint, _json_or_null(reading),
            ),
        )  # fmt: skip
        counts["updated" if again and changed else "unchanged" if again else "created"] += 1
    for stored in SourceRecord.objects.filter(pk__in_ids=list(changing)).defer("data"):
        record, data, digest, raw = changing[stored.pk]
        changed = stored.digest != digest
        counts["updated" if changed else "unchanged"] += 1
        if changed:
            stored.updated_at = now
        stored.data, stored.digest, stored.name = data, digest, record.name[:200]
        stored.raw = raw
        stored.record_type, stored.last_run, stored.missing = record.record_type, run, False
        stored.fingerprint, stored.reading = record.fingerprint, record_reading(record) if record.fingerprint else None
        to_update.append(stored)
    rows_update(SourceRecord, ("fingerprint", "reading"), fingerprinted)
    SourceRecord.objects.bulk_update(
        to_update,
        ["data", "digest", "name", "raw", "record_type", "last_run", "missing", "updated_at", "fingerprint", "reading"],
        batch_size=500,
    )
    return same
