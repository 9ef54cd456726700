# The producers shown at a place, kept on the actor (derived from ProducerPlace, maintained by
# `index.shown_at_place_refresh`), with the index the map's layer of producers without a place reads.

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def shown_at_place_fill(apps, schema_editor):
    Actor = apps.get_model("directory", "Actor")
    ProducerPlace = apps.get_model("directory", "ProducerPlace")
    Actor.objects.filter(Exists(ProducerPlace.objects.filter(actor_id=OuterRef("pk")))).update(shown_at_place=True)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0020_search_rows_keys_unchecked"),
    ]

    operations = [
        migrations.AddField(
            model_name="actor",
            name="shown_at_place",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(shown_at_place_fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="actor",
            index=models.Index(fields=["is_producer", "shown_at_place", "lat", "lon"], name="actor_producer_unshown"),
        ),
    ]
