"""PostgreSQL: finer statistics on the searched columns.

Words follow a long-tailed distribution: with the default statistics, the planner estimates one row
for most word ranges ("jean…" has thousands) and drives multi-word searches from the wrong word.
"""

from django.db import migrations

STATISTICS = (("directory_searchterm", "term", 5000), ("directory_placefacet", "facet", 1000))


def statistics_raise(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, target in STATISTICS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target}")


def statistics_reset(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _target in STATISTICS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_search_positions")]

    operations = [migrations.RunPython(statistics_raise, statistics_reset)]
