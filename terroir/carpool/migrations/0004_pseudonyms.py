"""Erased people are replaced by pseudonyms in the chain of responsibility (Pseudonym). The append-only
tables still refuse any change, but for one: a person's column (who gave, took, signed, held) may be set
to a pseudonym's account — on SQLite by triggers on the other columns and on the person columns with a
WHEN, on PostgreSQL by the trigger function, which compares the old and new rows as JSON and lets through
only person columns (its arguments) set to a pseudonym. Deletes stay refused."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PERSONS = {"handover": ("giver", "taker"), "acceptance": ("by",), "incident": ("by", "holder")}
# `%%`: the statement goes through the driver's parameter formatting, where `%` is a placeholder.
FUNCTION = """
CREATE OR REPLACE FUNCTION carpool_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    FOR changed IN SELECT n.key, n.value FROM jsonb_each(to_jsonb(NEW)) AS n
        WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key LOOP
      IF NOT (changed.key = ANY (TG_ARGV)) OR NOT EXISTS (
          SELECT 1 FROM carpool_pseudonym WHERE user_id = (changed.value #>> '{}')::bigint) THEN
        RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME;
      END IF;
    END LOOP;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME;
END $$
"""


def _columns(apps: Any, name: str) -> tuple[str, list[str], list[str]]:
    model = apps.get_model("carpool", name)
    persons = [model._meta.get_field(field).column for field in PERSONS[name]]
    others = [f.column for f in model._meta.concrete_fields if f.column not in persons]
    return model._meta.db_table, persons, others


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(FUNCTION)
    for name in PERSONS:
        table, persons, others = _columns(apps, name)
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OF {', '.join(others)} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
            moved = " OR ".join(
                f"(NEW.{c} IS NOT OLD.{c} AND NEW.{c} NOT IN (SELECT user_id FROM carpool_pseudonym))" for c in persons
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_pseudonym_only BEFORE UPDATE OF {', '.join(persons)} ON {table} "
                f"WHEN {moved} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        elif vendor == "postgresql":
            arguments = ", ".join(f"'{c}'" for c in persons)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION carpool_append_only({arguments})"
            )


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for name in PERSONS:
        table, _persons, _others = _columns(apps, name)
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_pseudonym_only")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    if vendor == "postgresql":
        # 0002's function: every update refused (the triggers' arguments are then ignored).
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION carpool_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('carpool', '0003_eligibility_seed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Pseudonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                              to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
