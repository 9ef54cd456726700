"""PostgreSQL: finer statistics of the places' words again (0004 raised them; 0023's new table lost them).

0023 made the words' table again (a composite key), and a new table takes the default statistics target (100).
With it, ANALYZE keeps the 100 most common of some 25,000 words of a national directory's 15.7 million word
rows, and estimates any other word's range at one row ("chapelle…": 13,629 rows): the planner then drove
two-word searches from the wrong word (the count of "crécy la chapelle" at a million places: 254 ms, 8.5 ms
once "chapelle" is estimated). At 1000 the words of more than about 800 rows are among the most common
values. 0004's 5000 is not set again: planning a statement with a list of 25 words reads the list of the most
common values for each, 14 ms at 5000 against 1.2 ms at 1000. The facets (64 values) are all among the 100
most common already. The column is analysed here, so that a directory migrated has the statistics at once
(about 6 s at a million places); `search_tables_maintain` analyses it after each bulk load.
"""

from typing import Any

from django.db import migrations

TABLE, COLUMN, TARGET = "directory_searchterm", "term", 1000


def statistics_raise(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {COLUMN} SET STATISTICS {TARGET}")
    schema_editor.execute(f"ANALYZE {TABLE} ({COLUMN})")


def statistics_reset(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {COLUMN} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("directory", "0023_search_rows_keyed_by_place")]

    operations = [migrations.RunPython(statistics_raise, statistics_reset, elidable=False)]
