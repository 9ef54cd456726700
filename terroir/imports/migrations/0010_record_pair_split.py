"""A pair merged automatically can be split by a coordinator: the pair says when (its status becomes
"different", which no later import overrides, so the split is remembered)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0009_merge_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordpair",
            name="split_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
