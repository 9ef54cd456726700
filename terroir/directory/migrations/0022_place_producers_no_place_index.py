from typing import Any

from django.db import migrations

# The places' producer links (Django's table for `Place.producers`) keep a unique (place_id, actor_id) index,
# which serves every lookup by place; Django also made an index on place_id alone, a second entry per link to
# write (5.1 M links in a national directory) for nothing. Dropped here: the field stays as Django declares
# it (the admin edits the producers through it, which a declared link model would forbid), so a migration
# that ever altered `Place.producers` and rebuilt the table would make the index again.
TABLE = "directory_place_producers"
INDEX = "directory_place_producers_place_id_2d7a997e"  # Django's name for it, the same on every database


def drop(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, about in constraints.items():
        if about["index"] and not about["unique"] and not about["primary_key"] and about["columns"] == ["place_id"]:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create(apps: Any, schema_editor: Any) -> None:
    qn = schema_editor.quote_name
    schema_editor.execute(f"CREATE INDEX {qn(INDEX)} ON {qn(TABLE)} ({qn('place_id')})")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0021_actor_shown_at_place"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
