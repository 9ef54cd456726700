"""Claim and AuditEntry moved to terroir.contributions: only the migration state changes, their tables
(accounts_claim, accounts_auditentry) stay as they are, rows included."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_membership_confirmed_by_member"),
        ("contributions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="claim",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="place",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="AuditEntry",
                ),
                migrations.DeleteModel(
                    name="Claim",
                ),
            ],
            database_operations=[],
        ),
    ]
