"""The eligibility table as issue 17 gives it: bread, fruit and vegetables, eggs (and the other dry or
robust families) may ride ambient; dairy, meat and fish only refrigerated, with the temperature recorded at
each handover. Coordinators change it afterwards (/carpool/eligibility/)."""

from typing import Any

from django.db import migrations

AMBIENT = ("bread-cereals", "vegetables", "fruit", "eggs", "honey", "drinks", "pantry", "plants-flowers")
COLD = {"dairy": "4.0", "meat": "4.0", "fish": "2.0"}


def seed(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("directory", "Category")
    Eligibility = apps.get_model("carpool", "Eligibility")
    for category in Category.objects.filter(slug__in=AMBIENT):
        Eligibility.objects.get_or_create(category=category, defaults={"condition": "none"})
    for category in Category.objects.filter(slug__in=COLD):
        Eligibility.objects.get_or_create(category=category, defaults={
            "condition": "refrigerated", "temperature_record": True, "max_celsius": COLD[category.slug],
        })  # fmt: skip


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("carpool", "Eligibility").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("carpool", "0002_append_only"), ("directory", "0016_search_row_kind")]
    operations = [migrations.RunPython(seed, unseed)]
