"""Meeting days move from the needs board to their own app: the models only, in the migrations' state.

The tables stay where they are (`needs_event`, `needs_participant`, `needs_meetingwish`, `needs_meeting`,
kept by Meta.db_table), so an existing database keeps its rows and nothing is copied. The content types
follow the models, so that permissions and admin history stay attached to them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("event", "participant", "meetingwish", "meeting")


def content_types_move(apps, schema_editor, *, source="needs", target="meetings"):
    """Relabel the moved models' content types. A row already made for the target (by a `migrate` back
    and forth: post_migrate creates the installed models' types) gives way to the one with the history."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        ContentType.objects.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def content_types_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="meetings", target="needs")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('directory', '0009_communes_reference'),
        ('needs', '0003_meeting_days_and_messages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Event',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('date', models.DateField(verbose_name='date')),
                        ('start_time', models.TimeField(verbose_name='first round at')),
                        ('slot_minutes', models.PositiveSmallIntegerField(default=15, verbose_name='minutes per meeting')),
                        ('slots', models.PositiveSmallIntegerField(verbose_name='rounds')),
                        ('tables', models.PositiveSmallIntegerField(verbose_name='tables')),
                        ('location', models.CharField(blank=True, max_length=255, verbose_name='where')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('scheduled_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'meeting day',
                        'db_table': 'needs_event',
                        'ordering': ['-date'],
                    },
                ),
                migrations.CreateModel(
                    name='Participant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('invited_email', models.EmailField(blank=True, max_length=254)),
                        ('side', models.CharField(choices=[('producer', 'producer'), ('buyer', 'buyer')], max_length=10)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.actor')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='meetings.event')),
                    ],
                    options={
                        'db_table': 'needs_participant',
                        'ordering': ['side', 'actor__name', 'invited_email'],
                    },
                ),
                migrations.CreateModel(
                    name='MeetingWish',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('other', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='meetings.participant')),
                        ('participant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='wishes', to='meetings.participant')),
                    ],
                    options={
                        'db_table': 'needs_meetingwish',
                    },
                ),
                migrations.CreateModel(
                    name='Meeting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slot', models.PositiveSmallIntegerField()),
                        ('table', models.PositiveSmallIntegerField()),
                        ('mutual', models.BooleanField(default=False)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meetings', to='meetings.event')),
                        ('buyer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='meetings.participant')),
                        ('producer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='meetings.participant')),
                    ],
                    options={
                        'db_table': 'needs_meeting',
                        'ordering': ['slot', 'table'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='event',
                    constraint=models.CheckConstraint(condition=models.Q(('slot_minutes__gte', 1), ('slots__gte', 1), ('tables__gte', 1)), name='event_sizes'),
                ),
                migrations.AddConstraint(
                    model_name='participant',
                    constraint=models.UniqueConstraint(fields=('event', 'actor'), name='participant_unique'),
                ),
                migrations.AddConstraint(
                    model_name='participant',
                    constraint=models.CheckConstraint(condition=models.Q(('actor__isnull', False), models.Q(('invited_email', ''), _negated=True), _connector='OR'), name='participant_known_or_invited'),
                ),
                migrations.AddConstraint(
                    model_name='meetingwish',
                    constraint=models.UniqueConstraint(fields=('participant', 'other'), name='meeting_wish_unique'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.UniqueConstraint(fields=('event', 'slot', 'table'), name='meeting_table_once'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.UniqueConstraint(fields=('event', 'slot', 'producer'), name='meeting_producer_once'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.UniqueConstraint(fields=('event', 'slot', 'buyer'), name='meeting_buyer_once'),
                ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
