"""The communes reference (terroir/data/communes_france.csv.gz) comes with the database: a fresh install,
`make run` and the tests have every commune of France, its names and former communes."""

from django.db import migrations


def load(apps, schema_editor):
    from terroir.directory.communes import communes_write

    communes_write(apps.get_model("directory", "Commune"), apps.get_model("directory", "CommuneName"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_commune_names")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
