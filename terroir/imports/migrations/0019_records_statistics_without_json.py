# PostgreSQL's ANALYZE (the one an import runs after its commit on the tables it changed much, and autovacuum's)
# samples 30,000 rows of a table and works out, for every column, its most common values and a histogram: for
# the records' JSON (`data` about 620 bytes a row, `raw` 440) and their digests, values compared and sorted
# for statistics no statement uses (no query filters on them but by a key of the JSON, which PostgreSQL
# estimates without them). Measured apart (docs/performance.md, import throughput, round 14): the records
# table's ANALYZE 0.99–1.15 s of the server's processor with them, 0.16–0.20 s without.
# A statistics target of 0 leaves a column out of ANALYZE; SQLite has no such statistics.

from django.db import migrations

COLUMNS = {
    "imports_sourcerecord": ("data", "raw", "reading", "digest", "merged_digest"),
    "imports_recordpair": ("reasons",),
}


def statistics_target(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, columns in COLUMNS.items():
            altered = ", ".join(f"ALTER COLUMN {quote(column)} SET STATISTICS {target}" for column in columns)
            schema_editor.execute(f"ALTER TABLE {quote(table)} {altered}")

    return run


class Migration(migrations.Migration):
    dependencies = [("imports", "0018_source_record_fewer_indexes")]

    operations = [migrations.RunPython(statistics_target(0), statistics_target(-1))]
