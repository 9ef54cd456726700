"""PostgreSQL: the words' (term, kind, place) index holds each row's position too (INCLUDE lat, lon).

A text search without a point sorts its matches by their distance to the territory's centre; when they are
few (2,000 or fewer) it sorts them all. The word's entries of this index said which rows, but the position
was read from the table: one page per row, the rows of a word being spread over the table in their places'
order ("fay de bretagne" at a million places: 2,612 rows of "bretagne" on 2,595 pages, 235 ms under EXPLAIN
ANALYZE with the pages out of PostgreSQL's cache, for a page of 20 of the 149 places found). With the
position in the entries, the page is an index-only scan of the word's entries (a hundred pages).

SQLite has no INCLUDE (it reads the position through the table's key, in process): its index is left as it
was, and not made again, since SQLite's planner prefers, between two indexes it finds as good, the one made
last (`index.plain_indexes_deferred`). The state records the INCLUDE for both; Django's warning that SQLite
ignores it (models.W040) is silenced in the settings.
"""

from typing import Any

from django.db import migrations, models

KEY = ["term", "kind", "place"]
NAME = "searchterm_term_kind"


def _swap(apps: Any, schema_editor: Any, old: models.Index, new: models.Index) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("directory", "SearchTerm")
    schema_editor.remove_index(model, old)
    schema_editor.add_index(model, new)


def position_included(apps: Any, schema_editor: Any) -> None:
    _swap(
        apps,
        schema_editor,
        models.Index(fields=KEY, name=NAME),
        models.Index(fields=KEY, include=["lat", "lon"], name=NAME),
    )


def position_left_out(apps: Any, schema_editor: Any) -> None:
    _swap(
        apps,
        schema_editor,
        models.Index(fields=KEY, include=["lat", "lon"], name=NAME),
        models.Index(fields=KEY, name=NAME),
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0025_producers_box_read_from_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(position_included, position_left_out, elidable=False)],
            state_operations=[
                migrations.RemoveIndex(model_name="searchterm", name=NAME),
                migrations.AddIndex(
                    model_name="searchterm",
                    index=models.Index(fields=KEY, include=["lat", "lon"], name=NAME),
                ),
            ],
        )
    ]
