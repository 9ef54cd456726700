"""Every person already signed up writes and reads Terroir in French (the site's language, the only one
its e-mails used): their preference starts there; they change it from the language switcher or their space."""

from typing import Any

from django.db import migrations


def french_for_everyone(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("auth", "User")
    Preference = apps.get_model("accounts", "Preference")
    have = set(Preference.objects.values_list("user_id", flat=True))
    Preference.objects.bulk_create(
        [Preference(user_id=pk, language="fr") for pk in User.objects.values_list("pk", flat=True) if pk not in have],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_preference")]

    operations = [migrations.RunPython(french_for_everyone, migrations.RunPython.noop)]
