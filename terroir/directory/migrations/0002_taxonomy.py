from django.db import migrations


def sync_taxonomy(apps, schema_editor):
    from terroir.directory.taxonomy import sync

    sync(apps.get_model("directory", "Category"), apps.get_model("directory", "Label"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(sync_taxonomy, migrations.RunPython.noop)]
