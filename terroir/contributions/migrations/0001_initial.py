"""The models of contributions came from directory (Revision, Suggestion) and accounts (Claim, AuditEntry):
they are created in the migration state only, on the tables they already have (Meta.db_table)."""

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = {"revision": "directory", "suggestion": "directory", "claim": "accounts", "auditentry": "accounts"}


def content_types_move(apps: Any, schema_editor: Any) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, old in MOVED.items():
        if not content_type.objects.filter(app_label="contributions", model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label="contributions")


def content_types_back(apps: Any, schema_editor: Any) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, old in MOVED.items():
        if not content_type.objects.filter(app_label=old, model=model).exists():
            content_type.objects.filter(app_label="contributions", model=model).update(app_label=old)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('directory', '0009_communes_reference'),
        ('accounts', '0003_membership_confirmed_by_member'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Permissions given on the moved models and the admin's history of them follow them.
        migrations.RunPython(content_types_move, content_types_back),
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='AuditEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('by_label', models.CharField(max_length=254)),
                    ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('action', models.CharField(db_index=True, max_length=40)),
                    ('target', models.CharField(blank=True, max_length=60)),
                    ('summary', models.CharField(max_length=500)),
                    ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'audit entry',
                    'verbose_name_plural': 'audit log',
                    'db_table': 'accounts_auditentry',
                    'ordering': ['-at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='Suggestion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('entity', models.CharField(choices=[('place', 'place'), ('actor', 'organisation')], max_length=20)),
                    ('entity_id', models.BigIntegerField()),
                    ('kind', models.CharField(choices=[('correction', 'correction'), ('closed', 'closed place')], default='correction', max_length=20)),
                    ('origin', models.CharField(choices=[('person', 'a person'), ('import', 'an imported source')], default='person', max_length=20)),
                    ('changes', models.JSONField(default=dict)),
                    ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                    ('email', models.EmailField(blank=True, max_length=254, verbose_name='your e-mail (optional)')),
                    ('status', models.CharField(choices=[('pending', 'waiting'), ('accepted', 'accepted'), ('rejected', 'rejected')], db_index=True, default='pending', max_length=20)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('decided_at', models.DateTimeField(blank=True, null=True)),
                    ('decision_note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                    ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='suggestions', to=settings.AUTH_USER_MODEL)),
                    ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'suggestion',
                    'verbose_name_plural': 'suggestions',
                    'db_table': 'directory_suggestion',
                    'ordering': ['-created_at'],
                },
            ),
            migrations.CreateModel(
                name='Revision',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('entity', models.CharField(choices=[('place', 'place'), ('actor', 'organisation')], max_length=20)),
                    ('entity_id', models.BigIntegerField()),
                    ('at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('origin', models.CharField(choices=[('edit', 'edit'), ('suggestion', 'accepted suggestion'), ('revert', 'revert'), ('verify', 'confirmed as still true'), ('api', 'API'), ('import', 'import')], max_length=20)),
                    ('changes', models.JSONField()),
                    ('note', models.CharField(blank=True, max_length=200)),
                    ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('reverts', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reverted_by', to='contributions.revision')),
                    ('suggestion', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='revisions', to='contributions.suggestion')),
                ],
                options={
                    'verbose_name': 'revision',
                    'verbose_name_plural': 'revisions',
                    'db_table': 'directory_revision',
                    'ordering': ['-at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='Claim',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('message', models.TextField(blank=True, max_length=2000, verbose_name='message to the coordinators')),
                    ('status', models.CharField(choices=[('pending', 'waiting'), ('confirmed', 'confirmed'), ('rejected', 'rejected')], default='pending', max_length=20)),
                    ('sent_to', models.EmailField(blank=True, max_length=254)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('decided_at', models.DateTimeField(blank=True, null=True)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='directory.actor')),
                    ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('place', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='directory.place')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'claim',
                    'verbose_name_plural': 'claims',
                    'db_table': 'accounts_claim',
                    'ordering': ['-created_at'],
                    'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('actor__isnull', False), ('place__isnull', True)), models.Q(('actor__isnull', True), ('place__isnull', False)), _connector='OR'), name='claim_one_entry')],
                },
            ),
            migrations.AddIndex(
                model_name='suggestion',
                index=models.Index(fields=['entity', 'entity_id', 'status'], name='suggestion_entity'),
            ),
            migrations.AddIndex(
                model_name='revision',
                index=models.Index(fields=['entity', 'entity_id', 'at'], name='revision_entity'),
            ),
            ],
            database_operations=[],
        ),
    ]
