"""The producers near a point with a category, read from two indexes without their tables.

At a million places (100,000 producers, 194,000 offers) a box of 30 km around Paris holds 5,700 producers
spread over 3,100 pages of the actors' wide table, and a category (cheese) 19,900 offers over 1,600 pages:
PostgreSQL read both tables' pages (a bitmap heap scan each, 22.7 ms of server processor for the statement).
The actors' box index now holds is_producer and the key, and the offers' category index the producer: two
index-only scans and a hash semi join, 6.9 ms. The offer's category key alone is no longer indexed: the new
index leads with it. SQLite reads the box index as a covering index too (its key is the row id).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0024_search_statistics_restored"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="actor", name="actor_lat_lon"),
        migrations.AlterField(
            model_name="offer",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers",
                to="directory.category",
            ),
        ),
        migrations.AddIndex(
            model_name="actor",
            index=models.Index(fields=["lat", "lon", "is_producer", "id"], name="actor_lat_lon"),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(fields=["category", "producer"], name="offer_category_producer"),
        ),
    ]
