"""PostgreSQL plans each statement by what it last learnt of the tables (their rows and values), which
autovacuum refreshes some time after they change: an import that changed a table much analyses it right
after its commit, so that the next import's look-ups are planned by the table as it is (issue 14: a
re-import waited 30 s on look-ups planned for the records table before the first import filled it).
PostgreSQL only: SQLite plans without such statistics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from terroir.imports import services
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun, SourceRecord
from terroir.imports.services import source_import

from .files import MARKETS, csv_written

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"),
]

MAPPING = MARKETS
ROWS = [
    {"id": "1", "nom": "Marché Saint-Genès", "cp": "63600", "commune": "Ambert", "lat": "45.5500", "lon": "3.7400"},
    {"id": "2", "nom": "Marché de Thiers", "cp": "63300", "commune": "Thiers", "lat": "45.857", "lon": "3.547"},
]
RECORDS = SourceRecord._meta.db_table
# A table no import writes.
UNTOUCHED = "imports_savedmapping"


def write(path: Path) -> Path:
    return csv_written(path, ROWS)


def analysed() -> dict[str, dt.datetime | None]:
    """When each table was last analysed by hand (not by autovacuum), as the server says now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, last_analyze FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def test_an_import_analyses_the_tables_it_changed_much_after_its_commit(
    tmp_path, communes_for_live_server, monkeypatch
) -> None:
    # Two rows are "much" for tables that had none, once the fixed part of autovacuum's rule is left out.
    monkeypatch.setattr(services, "ANALYZE_ROWS", 0)
    before = analysed()
    dry = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING), dry_run=True)
    assert dry.pk is None and not SourceRecord.objects.exists()
    assert analysed() == before, "a dry run, rolled back, analyses nothing"

    run = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING))
    assert run.status == ImportRun.Status.DONE and SourceRecord.objects.count() == 2
    after = analysed()
    changed = {table for table, at in after.items() if at != before.get(table)}
    assert {RECORDS, "directory_place", "imports_fieldorigin", "directory_searchterm"} <= changed
    assert UNTOUCHED not in changed
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [RECORDS])
        assert cursor.fetchone()[0] == 2, "the planner now counts the records the import wrote"
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [RECORDS])
        described = {name for (name,) in cursor.fetchall()}
    # What the next import's look-ups filter on is described; the JSON and digests, which no statement filters
    # on, are left out (migration imports.0019: most of the records' ANALYZE).
    assert {"source_id", "ref", "record_type", "missing", "place_id", "actor_id"} <= described
    assert not described & {"data", "raw", "reading", "digest", "merged_digest"}


def test_an_import_that_changed_little_leaves_the_statistics_to_autovacuum(tmp_path, communes_for_live_server) -> None:
    written = (RECORDS, "directory_place", "imports_fieldorigin", "directory_searchterm")
    before = analysed()
    run = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING))
    assert run.status == ImportRun.Status.DONE
    after = analysed()
    assert [after[table] for table in written] == [before[table] for table in written], (
        "two rows are fewer than the 50 autovacuum lets change first"
    )


def test_an_import_analyses_with_a_small_sample_and_leaves_the_whole_analysis_to_autovacuum(
    tmp_path, communes_for_live_server, monkeypatch
) -> None:
    """The import's ANALYZE tells the next import's plans the tables' sizes and how their keys spread, from a small
    sample (statistics target ANALYZE_TARGET: 3,000 rows, not 30,000, nor the places' words' 300,000), its columns
    named so that autovacuum's count of the tables' changes stays: autovacuum analyses them whole on its next
    round, with every column's own target (the search's statistics)."""
    monkeypatch.setattr(services, "ANALYZE_ROWS", 0)
    monkeypatch.setattr(services, "ANALYZE_TARGET", 2)
    before = analysed()
    run = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING))
    assert run.status == ImportRun.Status.DONE
    after = analysed()
    tables = (RECORDS, "directory_searchterm", "imports_fieldorigin")
    assert all(after[table] != before.get(table) for table in tables), "analysed after the import"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)", [list(tables)]
        )
        left = dict(cursor.fetchall())
        cursor.execute("SELECT count(DISTINCT value) FROM imports_fieldorigin")
        (values,) = cursor.fetchone()
        cursor.execute(
            "SELECT cardinality(histogram_bounds::text::text[]) FROM pg_stats"
            " WHERE tablename = 'imports_fieldorigin' AND attname = 'value'"
        )
        (bounds,) = cursor.fetchone()
    assert all(left[table] > 0 for table in tables), "left for autovacuum to analyse whole"
    # Target 2: a histogram of at most 3 bounds, of the origins' ten values or so.
    assert values > 3 and bounds <= 3
