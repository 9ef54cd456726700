import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """The words of every producer, from its search key, as `index.producer_terms_write` writes them."""
    Actor = apps.get_model("directory", "Actor")
    ProducerTerm = apps.get_model("directory", "ProducerTerm")
    rows = []
    for pk, name, key in Actor.objects.filter(is_producer=True).values_list("id", "name", "search_key").iterator():
        rows.extend(ProducerTerm(term=term, actor_id=pk, name=name) for term in dict.fromkeys(key.split()))
    ProducerTerm.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0014_producer_place'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProducerTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=40)),
                ('name', models.CharField(max_length=200)),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.actor')),
            ],
            options={
                'indexes': [models.Index(fields=['term', 'name', 'actor'], name='producerterm_term_name')],
                'constraints': [models.UniqueConstraint(fields=('actor', 'term'), name='producerterm_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
