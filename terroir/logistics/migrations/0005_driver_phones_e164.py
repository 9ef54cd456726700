"""The drivers' phones stored E.164, like every phone of the platform (directory.0010 says why); a value that
is not a phone number is kept as it was."""

from __future__ import annotations

import importlib
from typing import Any

from django.db import migrations

# The directory's migration holds the rule; a module whose name starts with a digit is imported by name.
_directory = importlib.import_module("terroir.directory.migrations.0011_phones_e164")


def forward(apps: Any, schema_editor: Any) -> None:
    vehicle = apps.get_model("logistics", "Vehicle")
    _directory.report("logistics.Vehicle", _directory.phones_normalise(vehicle, "driver_phone"))


class Migration(migrations.Migration):
    dependencies = [("logistics", "0004_run_worker"), ("directory", "0011_phones_e164")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
