"""Revision and Suggestion moved to terroir.contributions: only the migration state changes, their tables
(directory_revision, directory_suggestion) stay as they are, rows included."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_communes_reference"),
        ("contributions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="suggestion",
                    name="by",
                ),
                migrations.RemoveField(
                    model_name="suggestion",
                    name="decided_by",
                ),
                migrations.DeleteModel(
                    name="Revision",
                ),
                migrations.DeleteModel(
                    name="Suggestion",
                ),
            ],
            database_operations=[],
        ),
    ]
