import django.db.models.deletion
from django.db import migrations, models

# The rows of every open place, as `index.places_reindex` writes them: its producers and its operator.
FILL = """
INSERT INTO directory_producerplace (actor_id, place_id)
SELECT link.actor_id, link.place_id FROM directory_place_producers AS link
JOIN directory_place AS place ON place.id = link.place_id WHERE place.closed_at IS NULL
UNION
SELECT place.operator_id, place.id FROM directory_place AS place
WHERE place.closed_at IS NULL AND place.operator_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0013_actor_lat_lon'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProducerPlace',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.actor')),
                ('place', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.place')),
            ],
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
