"""The database itself refuses to change a handover, an acceptance or an incident (the chain of
responsibility is append-only and auditable), on SQLite and PostgreSQL alike. Deletes are refused by the
models and by PROTECT foreign keys; a row-level DELETE trigger is added on PostgreSQL only, where the test
database is emptied with TRUNCATE (SQLite's flush deletes rows one table at a time)."""

from typing import Any

from django.db import migrations

TABLES = ("carpool_handover", "carpool_acceptance", "carpool_incident")


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        elif vendor == "postgresql":
            # `%%`: the statement goes through the driver's parameter formatting, where `%` is a placeholder.
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION carpool_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION carpool_append_only()"
            )


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS carpool_append_only()")


class Migration(migrations.Migration):
    dependencies = [("carpool", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
