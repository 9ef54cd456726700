"""Meeting days leave the needs board for terroir.meetings: removed from the state only, their tables
stay (terroir.meetings keeps using them)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('needs', '0003_meeting_days_and_messages'),
        ('meetings', '0001_meeting_days_from_needs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='participant',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='buyer',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='producer',
                ),
                migrations.RemoveField(
                    model_name='meetingwish',
                    name='other',
                ),
                migrations.RemoveField(
                    model_name='meetingwish',
                    name='participant',
                ),
                migrations.RemoveField(
                    model_name='participant',
                    name='actor',
                ),
                migrations.DeleteModel(
                    name='Event',
                ),
                migrations.DeleteModel(
                    name='Meeting',
                ),
                migrations.DeleteModel(
                    name='MeetingWish',
                ),
                migrations.DeleteModel(
                    name='Participant',
                ),
            ],
        ),
    ]
