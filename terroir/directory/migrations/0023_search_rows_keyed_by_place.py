from typing import Any

from django.db import migrations, models
from django.db.migrations.operations.base import Operation

# The words (SearchTerm) and facets (PlaceFacet) of the places are keyed by (place, term) and (place, facet),
# which their unique constraints already were, and the producers shown at places (ProducerPlace) by (place,
# actor), which its index on the place served, instead of a row id of their own. On SQLite the tables are
# made `WITHOUT ROWID`: the table is the key's B-tree, so a row is written once where a row id table and a
# unique index wrote it twice, and the other indexes hold the key rather than a row id (a national load writes
# tens of millions of these rows). Django cannot turn a primary key into a composite one in place (nor does
# it make a table WITHOUT ROWID): each table is made again and its rows copied, in the key's order. Django's
# SQLite schema editor remakes a table without `WITHOUT ROWID` when a later migration alters a field of
# these models; `test_services.py` checks the tables are still made so.


def table_made(schema_editor: Any, model: type[models.Model]) -> None:
    """Create `model`'s table: on SQLite without row id when its key is composite (the table is the key)."""
    if schema_editor.connection.vendor == "sqlite" and isinstance(model._meta.pk, models.CompositePrimaryKey):
        sql, params = schema_editor.table_sql(model)
        schema_editor.execute(f"{sql} WITHOUT ROWID", params or None)
        # Built at the end of the migration, after the rows are in: one sort each, in the models' order.
        schema_editor.deferred_sql.extend(schema_editor._model_indexes_sql(model))
    else:
        schema_editor.create_model(model)


class TableMadeAgain(Operation):
    """The state changes `operations` make to one model, done in the database by making its table again
    and copying its rows (the columns both models have) into it, in the order of `key` (columns)."""

    reversible = True

    def __init__(self, model_name: str, key: tuple[str, ...], operations: list[Operation]) -> None:
        self.model_name = model_name
        self.key = key
        self.operations = operations

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name, self.key, self.operations], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        for operation in self.operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        old, new = (state.apps.get_model(app_label, self.model_name) for state in (from_state, to_state))
        self._copied(schema_editor, old, new)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def _copied(self, schema_editor: Any, old: type[models.Model], new: type[models.Model]) -> None:
        qn = schema_editor.quote_name
        table = qn(new._meta.db_table)
        kept_columns = {f.column for f in old._meta.local_concrete_fields}
        columns = ", ".join(qn(f.column) for f in new._meta.local_concrete_fields if f.column in kept_columns)
        kept = qn(f"{new._meta.db_table}__kept")
        schema_editor.execute(f"CREATE TABLE {kept} AS SELECT {columns} FROM {table}")
        schema_editor.delete_model(old)
        table_made(schema_editor, new)
        order = ", ".join(qn(column) for column in self.key)
        schema_editor.execute(f"INSERT INTO {table} ({columns}) SELECT DISTINCT {columns} FROM {kept} ORDER BY {order}")
        schema_editor.execute(f"DROP TABLE {kept}")

    def describe(self) -> str:
        return f"Make the table of {self.model_name} again"


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0022_place_producers_no_place_index"),
    ]

    operations = [
        TableMadeAgain(
            "searchterm",
            ("place_id", "term"),
            [
                migrations.RemoveConstraint(model_name="searchterm", name="searchterm_unique"),
                migrations.RemoveField(model_name="searchterm", name="id"),
                migrations.AddField(
                    model_name="searchterm",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "place", "term", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
        TableMadeAgain(
            "placefacet",
            ("place_id", "facet"),
            [
                migrations.RemoveConstraint(model_name="placefacet", name="placefacet_unique"),
                migrations.RemoveField(model_name="placefacet", name="id"),
                migrations.AddField(
                    model_name="placefacet",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "place", "facet", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
        TableMadeAgain(
            "producerplace",
            ("place_id", "actor_id"),
            [
                migrations.RemoveIndex(model_name="producerplace", name="producerplace_place"),
                migrations.RemoveField(model_name="producerplace", name="id"),
                migrations.AddField(
                    model_name="producerplace",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "place", "actor", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
    ]
