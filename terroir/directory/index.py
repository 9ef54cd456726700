"""Derived search tables: words (SearchTerm), facets (PlaceFacet), the producers shown at places
(ProducerPlace), producers' words (ProducerTerm) and map clusters (MapCell).

They are rebuilt from the directory by the functions below, called by the services that write places
and by the bulk loaders; nothing updates them implicitly.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import operator
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.constants import OnConflict
from django.utils import timezone

from terroir.lib.text import terms

from .lookups import ANY_IDS, ids_array
from .models import (
    Actor,
    Category,
    Commune,
    Label,
    MapCell,
    Offer,
    Place,
    PlaceFacet,
    ProducerPlace,
    ProducerTerm,
    SearchTerm,
)

logger = logging.getLogger(__name__)

# Map clustering: level z has square cells of CELL_DEGREES(z) = 90 / 2**z degrees, which is 64 screen
# pixels at Leaflet zoom z. Zoom levels above MAX_CLUSTER_LEVEL always show single places.
MAX_CLUSTER_LEVEL = 12
BATCH = 2000
# From this many places on, places_reindex may rebuild the search indexes rather than update them.
REINDEX_MANY = 10_000
# Search rows carry their place's strip of latitude: "within 30 km" reads about six strips.
BAND_DEGREES = 0.1


def band_of(lat: float) -> int:
    return math.floor((lat + 90.0) / BAND_DEGREES)


def cell_degrees(level: int) -> float:
    return 90.0 / (2**level)


def cell_of(lat: float, lon: float, level: int) -> tuple[int, int]:
    size = cell_degrees(level)
    return math.floor((lat + 90.0) / size), math.floor((lon + 180.0) / size)


def _category_facets() -> dict[int, list[str]]:
    """category id -> facets for it and all its ancestors."""
    categories = list(Category.objects.values_list("id", "slug", "parent_id"))
    by_id = {cid: (slug, parent) for cid, slug, parent in categories}
    facets: dict[int, list[str]] = {}
    for cid in by_id:
        chain, current = [], cid
        while current is not None:
            slug, parent = by_id[current]
            chain.append(f"c:{slug}")
            current = parent
        facets[cid] = chain
    return facets


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@lru_cache(maxsize=65536)
def commune_words(name: str) -> list[str]:
    return terms(name)


def _table(model: type[models.Model] | Any) -> str:
    """A model's table, quoted for SQL."""
    return str(connection.ops.quote_name(model._meta.db_table))


def rows_insert(
    model: type[models.Model],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    frozen: bool = False,
    binary: bool = False,
    ignore_conflicts: bool = False,
) -> None:
    """Rows written without model instances (derived rows, many-to-many links, the imports' merge
    bookkeeping: new source records, record pairs, field origins; and the communes' data migration, which
    writes all of France into every new database): these tables get millions of rows in a bulk load, where
    building instances would cost more than the database work. PostgreSQL takes them by COPY (one stream,
    no statement to parse per batch: 200,000 field origins took 3.4 s of processor and 14 s as multi-row
    INSERTs, 0.1 s and 2–3 s by COPY); SQLite by one prepared INSERT of as many rows as its parameters
    allow, run for every slice of rows, then one of a row for the rest. Values are given as the driver
    takes them: a JSON or date column's as its field prepares it (`get_db_prep_save`); `columns` are the
    table's columns ("commune_id" for a foreign key).

    `ignore_conflicts`: a row that would break a unique constraint is left out, the others written (SQLite's
    INSERT OR IGNORE; on PostgreSQL, where COPY cannot skip a row, the multi-row INSERTs with ON CONFLICT DO
    NOTHING).

    Many rows a statement on SQLite: each run of a statement ends by updating the table's AUTOINCREMENT
    counter (Django's primary keys) and resetting the statement, about half of a row's cost when each
    run writes one row (1,000,000 word rows: 3.6 → 1.7 µs a row). The rows keep their order, and so
    the keys they get.

    `frozen` and `binary`, PostgreSQL: see `rows_writer`."""
    if not rows:
        return
    if connection.vendor == "postgresql" and not ignore_conflicts:
        with rows_writer(model, columns, frozen=frozen, binary=binary) as write:
            write(rows)
        return
    table = _table(model)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    # SQLite's "INSERT OR IGNORE INTO", PostgreSQL's "… ON CONFLICT DO NOTHING" (Django's own words for them).
    suffix = connection.ops.on_conflict_suffix_sql([], on_conflict, None, None) if on_conflict else ""
    with connection.cursor() as cursor:
        insert = f"{connection.ops.insert_statement(on_conflict=on_conflict)} {table} ({names}) VALUES "
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        per = max(1, (connection.features.max_query_params or 999) // len(columns))
        whole = len(rows) - len(rows) % per
        if whole:
            flat = itertools.chain.from_iterable
            slices = [tuple(flat(rows[start : start + per])) for start in range(0, whole, per)]
            cursor.executemany(f"{insert}{', '.join([one] * per)} {suffix}", slices)
        if whole < len(rows):
            cursor.executemany(f"{insert}{one} {suffix}", rows[whole:])


@contextmanager
def rows_writer(
    model: type[models.Model], columns: tuple[str, ...], *, frozen: bool = False, binary: bool = False
) -> Iterator[Callable[[Iterable[tuple[Any, ...]]], None]]:
    """`rows_insert` given its rows as they are made: yields a function that takes some rows at a time.
    On PostgreSQL each goes into one open COPY at once, so that the server writes the first rows while
    the caller makes the next (a bulk indexing's words: the client's processor and the server's then
    overlap on two cores, where a list made whole and sent after kept the server idle meanwhile); no
    other statement can run on the connection until the block ends. On SQLite the rows are kept and
    written at the end by `rows_insert`.

    `frozen`, PostgreSQL: `COPY … WITH (FREEZE)`, the rows written as every later transaction sees them
    (their pages marked all-visible), so that no reader sets their hint bits one page at a time and the
    VACUUM after a bulk load has nothing to visit. PostgreSQL allows it only into a table emptied by
    TRUNCATE (or created) in the same subtransaction (`_tables_emptied`).

    `binary`, PostgreSQL: the rows sent in COPY's binary format, each value as the column's type (read
    from the catalog) instead of text the server parses (tens of millions of integers and floats in a
    national load). Only for values of exactly the columns' types (int, float, str, None)."""
    if connection.vendor != "postgresql":
        pending: list[tuple[Any, ...]] = []
        yield pending.extend
        rows_insert(model, columns, pending)
        return
    table = _table(model)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    options = ", ".join(option for option, wanted in (("FORMAT BINARY", binary), ("FREEZE", frozen)) if wanted)
    with connection.cursor() as cursor:
        if binary:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            types = dict(cursor.fetchall())
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN" + (f" ({options})" if options else "")) as copy:
            if binary:
                copy.set_types([types[column] for column in columns])
            write_row = copy.write_row

            def write(rows: Iterable[tuple[Any, ...]]) -> None:
                for row in rows:
                    write_row(row)

            yield write


def rows_update(
    model: type[models.Model], columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]], *, unset: str = ""
) -> None:
    """`UPDATE model SET columns` for rows of (primary key, values in `columns` order), as values the
    database driver takes; `unset`, a column: only rows where it is NULL are changed. On SQLite one
    `UPDATE … FROM (VALUES …)` of as many rows as its parameters allow (100,000 updates of a wide table:
    0.47–0.50 → 0.35–0.44 s of processor against a prepared UPDATE per row). On PostgreSQL a prepared
    UPDATE per row, which psycopg pipelines: the server's cost is the new version of each row and its
    index entries, not the statements (145,000 records pointed at their entries: 10.3–11.5 s per row,
    9.2–12.8 s by COPY into a temporary table joined by one UPDATE, and slower still without its
    ANALYZE)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table, key = qn(model._meta.db_table), qn(model._meta.pk.column)
    names = [qn(column) for column in columns]
    only = f" AND t.{qn(unset)} IS NULL" if unset else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(
                f"UPDATE {table} AS t SET {assignments} WHERE t.{key} = %s{only}", [(*row[1:], row[0]) for row in rows]
            )
            return
        width = len(columns) + 1
        per = max(1, (connection.features.max_query_params or 999) // width)
        assignments = ", ".join(f"{name} = v.column{number}" for number, name in enumerate(names, 2))
        one = "(" + ", ".join(["%s"] * width) + ")"

        def statement(count: int) -> str:
            values = ", ".join([one] * count)
            return f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v WHERE t.{key} = v.column1{only}"

        whole = len(rows) - len(rows) % per
        flat = itertools.chain.from_iterable
        if whole:
            slices = [tuple(flat(rows[start : start + per])) for start in range(0, whole, per)]
            cursor.executemany(statement(per), slices)
        if whole < len(rows):
            cursor.execute(statement(len(rows) - whole), tuple(flat(rows[whole:])))


# Fields whose Python value is what the database driver takes: no conversion per value. Exact types:
# a subclass may convert (dates, decimals, JSON), so it goes through `get_db_prep_save`.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.URLField,
    models.SlugField,
    models.FloatField,
    models.BooleanField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.ForeignKey,
)


# PostgreSQL: `count` keys of a sequence given by its number (an oid: a constant of the statement, not a
# name looked up per row).
SEQUENCE_KEYS = "SELECT nextval(%s::oid::regclass) FROM generate_series(1, %s)"


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, taken as its own inserts would take them (in order: the
    keys a COPY of as many rows would give them), for rows written later in the caller's transaction."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence found once, by its number, then asked `count` times: `nextval(pg_get_serial_sequence
            # (…))` looked the sequence up in the catalogue for every key (a dependency scan, about 10 µs a
            # key: 3.4 s of the server for 300,000, 0.35 s by its number).
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)::regclass::oid", [table, column])
            (sequence,) = cursor.fetchone()
            cursor.execute(SEQUENCE_KEYS, [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite's AUTOINCREMENT never gives a deleted row's key again: start past the highest ever given.
        # The caller's transaction keeps any other writer out until the rows are in.
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}), 0),"
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        first = int(cursor.fetchone()[0]) + 1
    return list(range(first, first + count))


def _db_value(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How an instance's value of a field that needs a conversion is written: `get_db_prep_save` of
    `pre_save`, with a shorter way for dates and aware date-times (`_value_adapted`)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def prepared(obj: models.Model) -> Any:
            return field.get_db_prep_save(field.pre_save(obj, True), connection)  # pre_save sets the value

        return prepared
    adapt, attname = _value_adapted(field), field.attname

    def adapted(obj: models.Model) -> Any:
        return adapt(getattr(obj, attname))

    return adapted


def _value_adapted(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How a value of a field that needs a conversion is written: `get_db_prep_save`, with a shorter way for
    dates and aware date-times (every entry has two or three), whose conversion is the backend's adapter
    alone (the field's checks pass them through unchanged)."""

    def prepared(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if type(field) is models.DateTimeField:
        adapt_datetime = connection.ops.adapt_datetimefield_value

        def datetime_adapted(value: Any) -> Any:
            if value is None:
                return None
            # A naive date-time is warned about and made aware by the field: its own way.
            if type(value) is dt.datetime and value.utcoffset() is not None:
                return adapt_datetime(value)
            return prepared(value)

        return datetime_adapted
    if type(field) is models.DateField:
        adapt_date = connection.ops.adapt_datefield_value

        def date_adapted(value: Any) -> Any:
            return adapt_date(value) if value is None or type(value) is dt.date else prepared(value)

        return date_adapted
    return prepared


def instances_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """New model instances written as plain rows (`rows_insert`), with their primary keys set, as
    `bulk_create` would leave them. A national load writes a million places: Django's `bulk_create`
    compiles every field of every row into SQL, several times the database's own work. Like
    `bulk_create`, no signal is sent. To be called inside a transaction."""
    if not objs:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    plain = [f for f in fields if type(f) in _PLAIN_FIELDS]
    converted = [f for f in fields if type(f) not in _PLAIN_FIELDS]
    read_plain = operator.attrgetter(*(f.attname for f in plain))
    read_converted = [_db_value(f) for f in converted]
    relations = [f for f in fields if isinstance(f, models.ForeignKey)]
    ids = ids_reserve(model, len(objs))
    rows: list[tuple[Any, ...]] = []
    alias = connection.alias  # read once: the connection proxy looks it up on every access
    for pk, obj in zip(ids, objs, strict=True):
        # A related object saved after it was assigned (a producer's offer built with the producer): its key.
        for relation in relations:
            if getattr(obj, relation.attname) is None and relation.is_cached(obj):
                related = relation.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{model.__name__}.{relation.name}: the related object is not saved")
                    setattr(obj, relation.attname, related.pk)
        values = read_plain(obj)
        if len(plain) == 1:
            values = (values,)
        extra = tuple(read(obj) for read in read_converted)
        rows.append((pk, *values, *extra))
        obj.pk = pk
        state = obj._state
        state.adding, state.db = False, alias
    columns = (meta.pk.column, *(f.column for f in plain), *(f.column for f in converted))
    rows_insert(model, columns, rows)


def values_insert(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, ids: Sequence[int] | None = None
) -> list[int]:
    """New rows given as their fields' values by attribute name (`commune_id`, dates as dates: what a
    model instance would hold), every row naming the same fields, written as plain rows (`rows_insert`)
    without a model instance each: an import creates a hundred thousand entries, and building an
    instance per entry (each of its fields set to its default first) and reading it back cost more than
    the writing. The fields not given take their defaults, worked out once for the call (one date-time
    for every row of a `timezone.now` default). Returns the new primary keys, in the rows' order. Like
    `bulk_create`, no signal is sent. To be called inside a transaction.

    `ids`: the rows' keys, taken before by the caller (`ids_reserve`, in this transaction) so that it could
    write rows naming them first; taken here otherwise."""
    if ids is not None and len(ids) != len(rows):
        raise ValueError(f"{model.__name__}: {len(ids)} keys given for {len(rows)} rows")
    if not rows:
        return []
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
    given = list(rows[0])
    unknown = [name for name in given if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}")
    plain = [name for name in given if type(fields[name]) in _PLAIN_FIELDS]
    converted = [(name, _value_adapted(fields[name])) for name in given if type(fields[name]) not in _PLAIN_FIELDS]
    defaults = [f for name, f in fields.items() if name not in given]
    # An auto_now date is the moment of the write, as a save gives it; any other field its default.
    now = timezone.now()
    automatic = [getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in defaults]
    constant = tuple(
        _value_adapted(f)(now if auto else f.get_default()) for f, auto in zip(defaults, automatic, strict=True)
    )
    read_plain = operator.itemgetter(*plain) if plain else None
    if ids is None:
        ids = ids_reserve(model, len(rows))
    columns = (
        meta.pk.column, *(fields[name].column for name in plain), *(fields[name].column for name, _a in converted),
        *(f.column for f in defaults),
    )  # fmt: skip

    # Each row to the database as it is made (`rows_writer`): on PostgreSQL the server writes the first while
    # the next are made.
    def made() -> Iterator[tuple[Any, ...]]:
        for pk, row in zip(ids, rows, strict=True):
            values = read_plain(row) if read_plain is not None else ()
            if len(plain) == 1:
                values = (values,)
            yield (pk, *values, *(adapt(row[name]) for name, adapt in converted), *constant)

    with rows_writer(model, columns) as write:
        write(made())
    return list(ids)


@contextmanager
def plain_indexes_deferred(
    *tables: type[models.Model] | Any, alone: bool = False, progress: Callable[[str], None] | None = None
) -> Iterator[None]:
    """For a bulk write (a national load into empty tables, a full rebuild of the search tables, a large
    import's words): the tables' plain indexes — every non-unique one, those Django made for the keys
    included — dropped while the rows go in and built again after, each by one sort, as SQLite's and
    PostgreSQL's documentations advise for bulk loads: an index kept up to date row by row is written in
    the order of its key (the links' index on the producer: random), a page read and rewritten per row
    once it outgrows the cache. Unique indexes stay: they guard the rows being written. Statistics are
    left to `search_tables_maintain`, which the bulk loaders run once their transaction is over.

    The database's rule: on SQLite always (readers go on with the indexes of their snapshot). On
    PostgreSQL only when the caller says the tables are its `alone` until the commit (the search tables
    of a full rebuild): dropping an index there locks its table for every reader until the transaction
    ends. `progress` is told when each index is built (a national load's take minutes)."""
    sqlite = connection.vendor == "sqlite"
    if not sqlite and not alone:
        yield
        return
    names = [model._meta.db_table for model in tables]
    with connection.cursor() as cursor:
        if sqlite:
            # In the order they were made, and made again in it: SQLite's planner, between two indexes it
            # finds as good for a statement, takes the one made last (the page of a national text search
            # read `searchterm_band_kind` by its strips, and every row of the word by `searchterm_term_kind`
            # once that one was built after it: "fromagerie" at 200,000 places 0.3 → 40 ms).
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({', '.join(['%s'] * len(names))}) ORDER BY rowid",
                names,
            )
            indexes = [(name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")]
        else:
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ANY(%s::regclass[])"
                " AND NOT i.indisunique AND NOT i.indisprimary ORDER BY i.indrelid::regclass::text, c.relname",
                [[_table(model) for model in tables]],
            )
            indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if not sqlite:
            # PostgreSQL builds no index on a table with foreign-key checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            _index_builds_sized(cursor)
        for name, sql in indexes:
            cursor.execute(sql)
            if progress:
                progress(f"index {name} built")


# PostgreSQL's memory for an index build's sort, for the bulk loaders' transaction alone (`SET LOCAL`): the
# server's own settings stay the territory's.
INDEX_BUILD_MEMORY = "256MB"


def _index_builds_sized(cursor: Any) -> None:
    """PostgreSQL: the index builds that follow, in this transaction, sort with `INDEX_BUILD_MEMORY` (in
    memory rather than in temporary files): the plain indexes and the keys added back alike."""
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")


# The kinds of constraints (`pg_constraint.contype`) a bulk loader drops and adds back: unique, foreign key.
_CHECKED_ONCE = ("u", "f")


@contextmanager
def constraints_checked_once(
    *tables: type[models.Model] | Any,
    kinds: tuple[str, ...] = _CHECKED_ONCE,
    progress: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """For a bulk loader on PostgreSQL (a national load, a full rebuild of the search tables): drop the
    tables' constraints of these `kinds` (`pg_constraint.contype`: "u" unique, "f" foreign key, "p" primary
    key) and add them again once the rows are in, so that each foreign key is checked by one join instead
    of a trigger event queued per row and run at the commit (or at the next `SET CONSTRAINTS ALL
    IMMEDIATE`: millions of links in a national load), and each unique index is built by one sort instead
    of kept up to date row by row. A row that breaks one fails the constraint when it is added back, as
    its check would have failed at the commit: the transaction is rolled back either way. Dropping a
    constraint locks its table, and a foreign key the table it references too, until the transaction
    ends: for a caller that has them to itself until its commit. SQLite checks a row's keys by one index
    probe as it is written, and its unique constraints are part of the table (dropping one means copying
    the table): nothing to gain there. `progress` is told when each is added back."""
    if connection.vendor != "postgresql":
        yield
        return
    qn = connection.ops.quote_name
    names = [_table(model) for model in tables]
    with connection.cursor() as cursor:
        # No table with checks still pending can be altered (rows written before in the same transaction,
        # in these tables or the ones they reference): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            # Unique constraints and primary keys first when added back: a foreign key may need one.
            ' WHERE contype = ANY(%s::"char"[]) AND conrelid = ANY(%s::regclass[]) ORDER BY contype DESC, conname',
            [list(kinds), names],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if keys:
            _index_builds_sized(cursor)  # a primary key or unique constraint is an index built by a sort
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
            if progress:
                progress(f"constraint {name} added")


class KeysChecking:
    """The foreign keys a transaction's writes left to its commit, checked by the server in a thread of its own
    (`keys_checked_meanwhile`) while the caller goes on with work that does not use the database; `wait` before
    using it again (psycopg's connection would serialise the two anyway)."""

    def __init__(self, statements: list[str]) -> None:
        raw = connection.connection
        self._error: BaseException | None = None

        def run() -> None:
            try:
                with raw.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
            except BaseException as error:  # raised by `wait`, in the caller's thread
                self._error = error

        self._thread: threading.Thread | None = threading.Thread(target=run, name="keys-checked", daemon=True)
        self._thread.start()

    def wait(self, *, raising: bool = True) -> None:
        """Once the checks are over; a broken key raises the error the commit would have raised
        (`IntegrityError`, the constraint and the key named by PostgreSQL), unless not `raising` (the
        caller is failing already: its transaction is rolled back either way)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and raising:
            with connection.wrap_database_errors:
                raise error


def keys_checked_meanwhile(*, but_to: Sequence[type[models.Model]] = ()) -> KeysChecking | None:
    """PostgreSQL: the checks of the deferred foreign keys the transaction's writes queued so far (one lookup
    per key and row, which the commit would run while the client waits), run now by the server while the client
    works (`KeysChecking`): the same checks, the same error for a broken key, earlier. Keys to the tables
    `but_to` stay deferred (rows that name rows not written yet: an import's pairs and its records). None on
    SQLite, which counts a deferred key's breaks as the rows are written and checks only that count at the
    commit."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable"
            " AND NOT (confrelid = ANY(%s::regclass[]))"
            " AND connamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY(current_schemas(false)))"
            " ORDER BY conname",
            [[_table(model) for model in but_to]],
        )
        names = [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]
    if not names:
        return None
    named = ", ".join(names)
    return KeysChecking([f"SET CONSTRAINTS {named} IMMEDIATE", f"SET CONSTRAINTS {named} DEFERRED"])


# The constraints a bulk rebuild adds back to the derived tables once their rows are in: their primary keys
# too. Kept up to date row by row, a key's B-tree took half the server's processor of the rows' COPY at a
# million places (one probe and one insert per row, about 40 s of the server, round 17's profile); built
# after, it is one sort of rows the rebuild wrote by place, the key's first column (round 18: the million's
# reindex 275.3 -> 238.8 s of wall).
_KEYS_BUILT_AFTER = ("p", "u", "f")


@transaction.atomic
def places_reindex(
    *,
    place_ids: Sequence[int] | None = None,
    bulk: bool = False,
    progress: Callable[[str], None] | None = None,
    actors: Iterable[int] = (),
) -> int:
    """Rebuild the words, facets and shown producers of the given places (all places when None), with
    their positions: to be called whenever a place's name, kind, position, opening, operator, producers
    or their offers change. Returns the number of places.

    `actors`: actors whose `shown_at_place` is checked too, besides those shown at these places before
    and after (a loader that created them with the flag it expected them to get: one it expected shown
    may be shown nowhere).

    `bulk` (a full rebuild by a bulk loader): on PostgreSQL the derived tables are emptied by TRUNCATE and
    written frozen (`_tables_emptied`), and their primary keys (and a foreign key or unique constraint,
    they have none today) are dropped and added back once the rows are in (`constraints_checked_once`,
    `_KEYS_BUILT_AFTER`); the tables are the rebuild's alone until the transaction ends; the tables it
    reads are analysed first (`sources_analysed`: a bulk loader wrote them in this transaction). A rebuild
    of a live directory leaves it False.
    `progress` is told every 100,000 places (a national load's indexing takes minutes)."""
    derived = (SearchTerm, PlaceFacet, ProducerPlace)
    # The old rows are deleted once the plain indexes are gone: a delete updates every index of the
    # table, and on SQLite a whole-table DELETE visits each row when foreign keys are enforced (no
    # truncation). 100,000 places (5.6 M rows), SQLite: 30.9 → 6.1 s of processor for the deletes.
    if place_ids is None:
        keys = constraints_checked_once(*derived, kinds=_KEYS_BUILT_AFTER, progress=progress) if bulk else nullcontext()
        # The shown producers' indexes too (their rows are deleted whole here, not by place as below). The
        # keys are added back before the plain indexes are built: each key's sort then reads its table from
        # the first page, in the order the rows were written, by place (see `_KEYS_BUILT_AFTER`).
        with plain_indexes_deferred(*derived, alone=True, progress=progress), keys:
            if bulk:
                sources_analysed()
            emptied = bulk and _tables_emptied(*derived)
            if not emptied:
                for model in derived:
                    model.objects.all().delete()
            ids = list(Place.objects.order_by("id").values_list("id", flat=True))
            count = _places_index(ids, progress, frozen=emptied)
            if progress:
                progress("derived rows written")
        shown_at_place_refresh()
        return count
    ids = sorted(set(place_ids))
    # The producers shown at these places before and after: their `shown_at_place` may change.
    shown_before = set(shown_producers(ids))
    # Half the places or more at once (a large import): their words and facets written without the plain
    # indexes, built again from all rows after, cost less than keeping them up to date row by row (89,074
    # places of an import, same run: 16.3 → 15.0 s of processor). Only on SQLite (`plain_indexes_deferred`):
    # the other places' rows are still read meanwhile, and on PostgreSQL a dropped index locks its table.
    many = connection.vendor == "sqlite" and len(ids) >= REINDEX_MANY and 2 * len(ids) >= Place.objects.count()
    with plain_indexes_deferred(SearchTerm, PlaceFacet) if many else nullcontext():
        # By plain SQL: the ORM's delete prepares each id of its IN list in Python (an import's tens of
        # thousands of places, three tables), for rows that no other row points to and no signal follows.
        for chunk in _chunks(ids, 900):
            for model in derived:
                _rows_in(f"DELETE FROM {_table(model)} WHERE place_id IN ({{ids}})", chunk, fetch=False)
        count = _places_index(ids, progress)
    shown_at_place_refresh(shown_before.union(shown_producers(ids), actors))
    return count


def sources_analysed() -> None:
    """PostgreSQL: ANALYZE the tables a bulk indexing reads by lists of ids (`_places_index`, `_actor_facts`),
    inside the caller's transaction, whose own rows it samples. A bulk loader writes the places, their links,
    producers and offers in the transaction that indexes them: without the statistics of a table never
    analysed, the planner takes `place_id = ANY(2,000 ids)` to match every row (0.5 % a value, 2,000 values)
    and reads the links of a chunk of places by a scan of all of them (5.1 M links at a million places:
    0.46 s a chunk against 4 ms by their index, 23 s of the server per 100,000 places; round 17: the million's
    bulk indexing 415 → 263 s of wall). ANALYZE samples 30,000 rows a table (about 3 s of the server in all
    at a million); it takes no lock that keeps readers out, and the statistics stay after the commit.
    Nothing to do on SQLite, whose planner reads a list of ids through an index without statistics."""
    if connection.vendor != "postgresql":
        return
    read = (Place, Place.producers.through, Place.categories.through, Commune, Actor, Offer, Offer.labels.through)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(_table(model) for model in read))


def _tables_emptied(*tables: type[models.Model]) -> bool:
    """For a full rebuild by a bulk loader on PostgreSQL, the tables its own until the commit (their plain
    indexes dropped, `plain_indexes_deferred(alone=True)`): emptied by one TRUNCATE, so that their new rows
    can be written frozen (`rows_insert(frozen=True)`), instead of a DELETE that marks every old row and
    leaves it for VACUUM. Other sessions wait for the commit, as they already did for the dropped indexes.
    False on SQLite (the caller deletes)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_table(model) for model in tables)}")
    return True


def shown_producers(place_ids: Sequence[int]) -> Iterator[int]:
    """The actors shown at these places (their ProducerPlace rows), read by plain SQL (`_rows_in`)."""
    for chunk in _chunks(place_ids, 900):
        for (actor_id,) in _rows_in(f"SELECT actor_id FROM {_table(ProducerPlace)} WHERE place_id IN ({{ids}})", chunk):
            yield actor_id


def shown_at_place_refresh(actor_ids: Iterable[int] | None = None) -> int:
    """Set `Actor.shown_at_place` from the ProducerPlace rows, for the given actors (all when None); only
    the actors whose flag changes are written (a new version of the whole row on PostgreSQL, in every
    index of the table, since the flag is in one). Returns how many were written."""
    shown = Exists(ProducerPlace.objects.filter(actor_id=OuterRef("pk")))
    groups: Iterable[Sequence[int] | None] = [None] if actor_ids is None else _chunks(sorted(set(actor_ids)), 900)
    written = 0
    for group in groups:
        actors = Actor.objects.all() if group is None else Actor.objects.filter(id__in_ids=group)
        written += actors.filter(shown, shown_at_place=False).update(shown_at_place=True)
        written += actors.filter(~shown, shown_at_place=True).update(shown_at_place=False)
    return written


def _rows_in(sql: str, ids: Sequence[int], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """The rows of `sql`, whose one `IN ({ids})` is the condition on `ids` (integer keys; without `fetch`, a
    statement that returns none). The bulk indexing reads by lists of 900–2,000 ids: the ORM's
    `filter(id__in=…)` prepares each value in Python, and its models' default ordering sorts (places by
    name) or joins (offers by category path) for nothing — a fifth of the indexing's time at 100,000 places.

    On SQLite a placeholder per id. On PostgreSQL the ids go as one array, `= ANY(%s::bigint[])` (the form
    PostgreSQL gives an IN list itself: the same plan): psycopg splits a statement's text at each of its
    placeholders again for every statement too long for its cache, 3 ms of processor for 900 ids, where
    the array's text is written in 0.05 ms."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if sql.count("IN ({ids})") != 1:
                raise ValueError("_rows_in: the statement's condition on the ids is one `IN ({ids})`")
            cursor.execute(sql.replace("IN ({ids})", ANY_IDS), [ids_array(ids)])
        else:
            cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), list(ids))
        return cursor.fetchall() if fetch else []


def _actor_facts(
    actor_ids: Iterable[int], category_facets: dict[int, list[str]]
) -> dict[int, tuple[tuple[str, ...], frozenset[str]]]:
    """actor id -> (the words it lends the places it supplies: its name's, and the facets: its categories
    with their ancestors and its labels). Its products' words are not lent: a text search finds them
    through the places' category facets (`search.place_candidates`)."""
    ids = list(actor_ids)
    words: dict[int, tuple[str, ...]] = {}
    facets: dict[int, set[str]] = defaultdict(set)
    offer_owner: dict[int, int] = {}
    actors, offers = _table(Actor), _table(Offer)
    for sub in _chunks(ids, 900):
        for actor_id, name in _rows_in(f"SELECT id, name FROM {actors} WHERE id IN ({{ids}})", sub):
            words[actor_id] = tuple(terms(name))
        for offer_id, actor_id, category_id in _rows_in(
            f"SELECT id, producer_id, category_id FROM {offers} WHERE producer_id IN ({{ids}})", sub
        ):
            offer_owner[offer_id] = actor_id
            facets[actor_id].update(category_facets.get(category_id, ()))
    offer_labels, labels = _table(Offer.labels.through), _table(Label)
    for sub in _chunks(list(offer_owner), 900):
        for offer_id, slug in _rows_in(
            f"SELECT o.offer_id, l.slug FROM {offer_labels} o JOIN {labels} l ON l.id = o.label_id"
            " WHERE o.offer_id IN ({ids})",
            sub,
        ):
            facets[offer_owner[offer_id]].add(f"l:{slug}")
    return {aid: (words.get(aid, ()), frozenset(facets.get(aid, ()))) for aid in ids}


def commune_names(codes: Iterable[str | None]) -> dict[str, str]:
    """INSEE code -> name of the communes of these codes (none for an empty or unknown code), read by their key
    in lists of 900 (SQLite's bound on a statement's values): the actors' search keys and the places' words."""
    wanted = sorted({code for code in codes if code})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        names.update(Commune.objects.filter(code__in=wanted[start : start + 900]).values_list("code", "name"))
    return names


# The words' columns; the facets' are the same with "facet" first.
_DERIVED_COLUMNS = ("term", "place_id", "kind", "band", "lat", "lon")


def _places_index(ids: Sequence[int], progress: Callable[[str], None] | None = None, *, frozen: bool = False) -> int:
    """Write the words, facets and shown producers of places that have none (`frozen`: into tables
    `_tables_emptied` emptied, see `rows_insert`)."""
    category_facets = _category_facets()
    # What each producer lends its places, read once for all the chunks: a market lists dozens of
    # producers, and a national load shows each producer at many places across its chunks.
    known: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}
    # The communes' names likewise, read by their keys as the chunks first name them: a join read the
    # communes for every chunk (PostgreSQL hashed all 34,920 of them each time, 10–24 ms of the server a
    # chunk, 5 % of it in a national load; round 18).
    communes: dict[str, str] = {}
    places = _table(Place)
    producers, sold = _table(Place.producers.through), _table(Place.categories.through)
    for number, chunk in enumerate(_chunks(ids, BATCH), 1):
        rows = _rows_in(
            f"SELECT id, name, commune_id, operator_id, kind, lat, lon FROM {places}"
            # A closed place keeps its page but is no longer found.
            " WHERE closed_at IS NULL AND id IN ({ids}) ORDER BY id",
            chunk,
        )
        communes.update(commune_names({row[2] for row in rows} - communes.keys()))
        links: dict[int, set[int]] = defaultdict(set)
        for place_id, actor_id in _rows_in(
            f"SELECT place_id, actor_id FROM {producers} WHERE place_id IN ({{ids}})", chunk
        ):
            links[place_id].add(actor_id)
        for place_id, _name, _commune, operator_id, *_rest in rows:
            if operator_id:
                links[place_id].add(operator_id)
        missing = {a for group in links.values() for a in group} - known.keys()
        known.update(_actor_facts(missing, category_facets))
        # What a source says is sold at a place itself (an AMAP's baskets, a vending machine's eggs).
        place_categories: dict[int, set[int]] = defaultdict(set)
        for place_id, category_id in _rows_in(
            f"SELECT place_id, category_id FROM {sold} WHERE place_id IN ({{ids}})", chunk
        ):
            place_categories[place_id].add(category_id)

        facet_rows: list[tuple[Any, ...]] = []
        shown_rows = [(actor_id, place_id) for place_id, *_columns in rows for actor_id in links[place_id]]
        # The words go to the database as each place's are made (`rows_writer`: on PostgreSQL the server
        # writes them meanwhile), its facets after them.
        with rows_writer(SearchTerm, _DERIVED_COLUMNS, frozen=frozen, binary=True) as words_write:
            for place_id, name, commune_id, _operator_id, kind, lat, lon in rows:
                band = band_of(lat) if lat is not None and lon is not None else None
                if band is None:
                    lat = lon = None
                words: dict[str, None] = dict.fromkeys(terms(name))
                words.update(dict.fromkeys(commune_words(communes.get(commune_id, ""))))
                facets: set[str] = {f"k:{kind}"}
                for category_id in place_categories[place_id]:
                    facets.update(category_facets.get(category_id, ()))
                for actor_id in links[place_id]:
                    actor_words, actor_facets = known[actor_id]
                    words.update(dict.fromkeys(actor_words))
                    facets |= actor_facets
                # A row per word or facet, the place's columns repeated: the tuples made by zip, not by Python
                # code per row (35 rows a place, tens of millions in a national load).
                place = tuple(map(itertools.repeat, (place_id, kind, band, lat, lon)))
                words_write(zip(words, *place, strict=False))
                facet_rows.extend(zip(facets, *place, strict=False))
        rows_insert(PlaceFacet, ("facet", *_DERIVED_COLUMNS[1:]), facet_rows, frozen=frozen, binary=True)
        rows_insert(ProducerPlace, ("actor_id", "place_id"), shown_rows, frozen=frozen, binary=True)
        if progress and (number * BATCH) % 100_000 == 0:
            progress(f"{number * BATCH} places indexed")
    return len(ids)


@transaction.atomic
def map_cells_rebuild() -> int:
    """Recompute every map cluster cell from the places, in the database: the finest level's cells by one
    grouped INSERT … SELECT of the places, then each coarser level's from the level below it (a cell at
    level z is four cells of level z + 1: its row and column are theirs halved, exactly, since a level's
    cell size is the next one's doubled and a division by two is exact in floating point). One read and
    sort of every place instead of one per level (a million places, 13 levels each); the sums of
    positions are then added in another order, equal to the places' own sums but for the last bits.
    Returns the number of cells."""
    MapCell.objects.all().delete()
    qn = connection.ops.quote_name
    place, cell = _table(Place), _table(MapCell)
    # floor() as math.floor in `cell_of`; SQLite may lack it, and there the values are never negative
    # (latitude + 90, longitude + 180), so truncating to an integer is the floor, as is the integer
    # division of a row or column by two on both databases.
    floor = "FLOOR({})" if connection.vendor == "postgresql" else "CAST({} AS INTEGER)"
    row = floor.format("(lat + 90.0) / %s")
    col = floor.format("(lon + 180.0) / %s")
    columns = ", ".join(qn(c) for c in ("level", "row", "col", "kind", "count", "lat_sum", "lon_sum"))
    size = cell_degrees(MAX_CLUSTER_LEVEL)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {cell} ({columns}) SELECT %s, {row}, {col}, kind, COUNT(*), SUM(lat), SUM(lon)"
            f" FROM {place} WHERE closed_at IS NULL AND lat IS NOT NULL AND lon IS NOT NULL GROUP BY 2, 3, 4",
            [MAX_CLUSTER_LEVEL, size, size],
        )
        for level in range(MAX_CLUSTER_LEVEL - 1, -1, -1):
            cursor.execute(
                f"INSERT INTO {cell} ({columns}) SELECT %s, {qn('row')} / 2, {qn('col')} / 2, kind, SUM({qn('count')}),"
                f" SUM(lat_sum), SUM(lon_sum) FROM {cell} WHERE level = %s GROUP BY 2, 3, 4",
                [level, level + 1],
            )
    return MapCell.objects.count()


@transaction.atomic
def map_cells_refresh(*, positions: Iterable[tuple[float | None, float | None]]) -> None:
    """Recompute the cells holding the given positions (old and new ones of edited places). Each cell is
    counted once however many positions fall in it, and the cells are replaced in one DELETE and one
    INSERT instead of a delete and an insert per cell and level (13 levels a position)."""
    cells = dict.fromkeys(
        (level, *cell_of(lat, lon, level))
        for lat, lon in positions
        if lat is not None and lon is not None
        for level in range(MAX_CLUSTER_LEVEL + 1)
    )
    fresh: list[MapCell] = []
    for level, row, col in cells:
        size = cell_degrees(level)
        south, west = row * size - 90.0, col * size - 180.0
        inside = Place.objects.filter(
            lat__gte=south, lat__lt=south + size, lon__gte=west, lon__lt=west + size, closed_at=None
        ).values_list("lat", "lon", "kind")
        by_kind: dict[str, list[float]] = {}
        for plat, plon, kind in inside:
            # The half-open box above and floor() can disagree on a border by rounding: trust floor().
            if plat is None or plon is None or cell_of(plat, plon, level) != (row, col):
                continue
            acc = by_kind.setdefault(kind, [0, 0.0, 0.0])
            acc[0] += 1
            acc[1] += plat
            acc[2] += plon
        fresh.extend(
            MapCell(level=level, row=row, col=col, kind=k, count=int(a[0]), lat_sum=a[1], lon_sum=a[2])
            for k, a in by_kind.items()
        )
    # In slices: a long OR is as deep an expression as it has terms (SQLite stops at 1,000).
    keys = list(cells)
    for start in range(0, len(keys), 200):
        stale = models.Q()
        for level, row, col in keys[start : start + 200]:
            stale |= models.Q(level=level, row=row, col=col)
        MapCell.objects.filter(stale).delete()
    MapCell.objects.bulk_create(fresh, batch_size=BATCH)


@transaction.atomic
def actors_reindex(*, actor_ids: Sequence[int] | None = None) -> int:
    """Recompute the folded search key (name and commune) of actors, all of them when None, and the
    words producers are found by."""
    qs = Actor.objects.select_related("commune").only("id", "name", "is_producer", "commune__name")
    if actor_ids is None:
        ProducerTerm.objects.all().delete()
    else:
        qs = qs.filter(id__in=list(actor_ids))
    batch: list[Actor] = []
    count = 0
    for actor in qs.iterator(chunk_size=BATCH):
        actor.search_key = actor_search_key(actor.name, actor.commune.name if actor.commune else "")
        batch.append(actor)
        if len(batch) >= BATCH:
            Actor.objects.bulk_update(batch, ["search_key"])
            producer_terms_write(batch, replace=actor_ids is not None)
            count += len(batch)
            batch = []
    Actor.objects.bulk_update(batch, ["search_key"])
    producer_terms_write(batch, replace=actor_ids is not None)
    return count + len(batch)


def producer_terms_write(actors: Sequence[Actor], *, replace: bool = True) -> None:
    """Write the words of the given actors that are producers, from their search keys; `replace`: remove
    the words they had first (to be called whenever an actor's name, commune or producer flag change)."""
    if replace:
        for chunk in _chunks([actor.pk for actor in actors]):
            ProducerTerm.objects.filter(actor_id__in=chunk).delete()
    producer_terms_insert((actor.pk, actor.name, actor.search_key) for actor in actors if actor.is_producer)


def producer_terms_insert(producers: Iterable[tuple[int, str, str]]) -> None:
    """The words of producers that have none yet, given as (id, name, search key)."""
    rows = [(term, pk, name) for pk, name, key in producers for term in dict.fromkeys(key.split())]
    rows_insert(ProducerTerm, ("term", "actor_id", "name"), rows)


def actor_search_key(name: str, commune_name: str) -> str:
    """Folded words between spaces, so that " word" finds word starts with a plain LIKE."""
    return " " + " ".join(terms(f"{name} {commune_name}")) + " "


def search_tables_maintain(snapshots_wait_s: float = 60.0) -> None:
    """After a bulk load, outside any transaction: on PostgreSQL, VACUUM ANALYZE the search tables, and the
    tables the producers' searches read by their indexes alone (the offers by category and producer, their
    labels, the places' producers, the producers), so that their index-only scans read no table pages (the
    visibility map) and the planner knows their sizes, rather than waiting for autovacuum. A fresh national
    build left half the offers' pages not all-visible after autovacuum's pass: the producers near a point
    with a category took 49–67 ms at p95 there, 18.5 ms once vacuumed (docs/performance.md, session 21).
    A VACUUM marks nothing while the load's commit is not known flushed to the WAL (an asynchronous commit: two
    fresh national builds' VACUUMs left the offers, the producers' words, the places or the map cells with no
    page all-visible, the same VACUUMs a minute later marked them all): the tables are analysed first with
    synchronous commits, which flush it (docs/performance.md, round 18 and session 22). Nor does it mark pages
    while a session of this database holds a snapshot taken before the load committed: the VACUUMs wait first,
    until `snapshots_wait_s` at most, for such snapshots to end (as `CREATE INDEX CONCURRENTLY` waits for older
    ones), a table left mostly not all-visible is vacuumed once more after them, and what could not be marked is
    logged.
    Nothing to do on SQLite."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    deadline = time.monotonic() + snapshots_wait_s
    _older_snapshots_awaited(deadline)
    tables = (
        SearchTerm,
        PlaceFacet,
        ProducerPlace,
        ProducerTerm,
        MapCell,
        Place,
        Offer,
        Offer.labels.through,
        Place.producers.through,
        Actor,
    )
    names = ", ".join(_table(model) for model in tables)
    with connection.cursor() as cursor:
        # The tables analysed first, committing synchronously, then vacuumed. A VACUUM marks a page all-visible
        # only once it may mark its rows' commit as known ("hint bits"), which it may not while that commit is not
        # known flushed to the WAL: after a bulk load committed asynchronously (`synchronous_commit` off, as the
        # benchmark's server and many a loading setup have it), each table's VACUUM (ANALYZE) in turn ran right
        # after the previous ANALYZE's own asynchronous commit, which moves the flush point the commit log asks
        # of the load's transaction (kept per group of 32 transactions). Fresh national builds so left the
        # producers' words, the offers, the places or the map cells with no page all-visible with no session
        # holding an older snapshot (session 22), their index-only reads sent to the table (the producers'
        # words: 3,399 table pages for "ferme"), and reset the count that would have brought autovacuum back.
        # ANALYZE's synchronous commits flush the WAL, the load's commit with it; VACUUM takes no transaction
        # id of its own.
        cursor.execute("SELECT current_setting('synchronous_commit')")
        (setting,) = cursor.fetchone()
        cursor.execute("SET synchronous_commit = on")
        try:
            cursor.execute(f"ANALYZE {names}")
            for model in tables:
                table = _table(model)
                cursor.execute(f"VACUUM {table}")
                if _pages_not_visible(cursor, table):
                    # A session may have taken its snapshot while the load was running and held it meanwhile:
                    # once more, after such sessions.
                    _older_snapshots_awaited(deadline)
                    cursor.execute(f"VACUUM {table}")
                    left = _pages_not_visible(cursor, table)
                    if left:  # the sessions holding older snapshots, if any, logged by the wait above
                        logger.warning(
                            "VACUUM after a bulk load: %s keeps %d of its pages not all-visible after two VACUUMs",
                            table,
                            left,
                        )
        finally:
            cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [setting])


def _pages_not_visible(cursor: Any, table: str) -> int:
    """The pages of `table` a VACUUM just left not all-visible, if more than 1 % of them (those a concurrent
    writer may touch are not worth a second pass)."""
    cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [table])
    pages, visible = cursor.fetchone()
    return pages - visible if pages - visible > pages // 100 else 0


def _older_snapshots_awaited(deadline: float) -> None:
    """Wait, until `deadline` (of `time.monotonic`) at most, until no other session of this database holds a
    snapshot or a transaction older than now (one that may not see what this session committed), so that a
    VACUUM run next can mark the pages written all-visible (measured: a session of the database holding a
    snapshot, none of 885 pages marked; of another database of the server, no effect). Autovacuum's plain
    VACUUMs do not hold the horizon back (their ANALYZE does). Logs the sessions still holding it when the time
    is up: the VACUUM then runs anyway."""
    oldest = """
        SELECT pid, backend_type, xact_start, left(query, 80) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (age(backend_xmin) > age(%(now)s::xid) OR age(backend_xid) > age(%(now)s::xid))
          AND NOT (backend_type = 'autovacuum worker' AND query NOT ILIKE '%%analyze%%')
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::xid::text")
        (now,) = cursor.fetchone()
        while True:
            cursor.execute(oldest, {"now": now})
            holding = cursor.fetchall()
            if not holding or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
    if holding:
        logger.warning(
            "VACUUM after a bulk load: %d session(s) of this database still hold a snapshot older than the "
            "load; pages they may not see stay not all-visible until the next VACUUM: %s",
            len(holding),
            "; ".join(f"pid {pid} ({kind}, since {start}): {query}" for pid, kind, start, query in holding),
        )
