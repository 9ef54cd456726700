# A shift keeps the hours of its opening as the rota was computed.

from django.db import migrations, models


def hours_copy(apps, schema_editor):
    """The shifts of rotas computed before take their opening's hours of now: the hours they were given
    are not known any more, and were those unless the opening changed since."""
    Shift = apps.get_model("shops", "Shift")
    OpeningSlot = apps.get_model("shops", "OpeningSlot")
    for slot in OpeningSlot.objects.all():
        Shift.objects.filter(slot=slot).update(starts=slot.starts, ends=slot.ends)


class Migration(migrations.Migration):

    dependencies = [
        ("shops", "0002_commission_history"),
    ]

    operations = [
        migrations.AddField(model_name="shift", name="starts", field=models.TimeField(null=True, verbose_name="from")),
        migrations.AddField(model_name="shift", name="ends", field=models.TimeField(null=True, verbose_name="to")),
        migrations.RunPython(hours_copy, migrations.RunPython.noop),
    ]
    # The columns become required in 0004: on PostgreSQL an ALTER TABLE after the rows' UPDATE in one
    # transaction may meet pending trigger events.
