"""The rows derived from a directory entry — where its values come from (field origins), its search words,
facets and shown producers — go with the entry, whatever takes it away: deleting a place or a producer,
an import merging two entries into one, deleting records. Their keys are not checked by the database
(`db_constraint=False`: an import writes millions of them, and PostgreSQL checked each key of each row at
the commit), so the one write path is what guarantees it: Django's cascade, which the delete services and
`entry_merge` use. Run on SQLite and PostgreSQL. The rows are synthetic."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from terroir.directory.models import Actor, Place, PlaceFacet, ProducerPlace, ProducerTerm, SearchTerm
from terroir.directory.references import entry_merge
from terroir.directory.services import actors_delete, places_delete
from terroir.imports.models import FieldOrigin, ImportRun, SourceRecord
from terroir.imports.services import mapping_for, source_import

from .files import DIRECTORY, mapping_text

pytestmark = pytest.mark.django_db

HEADER = ("code", "type", "nom", "siret", "cp", "commune", "lat", "lon", "tel", "produits")
ANNUAIRE = [
    ("1", "Producteur", "GAEC du Moulin", "73282932000074", "63600", "Ambert", "45.5600", "3.7500", "04 73 82 00 00",
     "fromage"),
    ("2", "Producteur", "Rucher des Bois Noirs", "", "63300", "Thiers", "45.8600", "3.5500", "", "miel"),
    ("3", "Marché", "Marché Saint-Genès", "", "63600", "Ambert", "45.5500", "3.7400", "", "fromage,miel"),
]  # fmt: skip
# The same producer as another directory writes it: its entry merges with the first one's.
CHAMBRE = [
    ("c1", "Producteur", "Moulin (GAEC)", "73282932000074", "63600", "Ambert", "45.5601", "3.7501", "04 73 82 00 00",
     "fromage,miel"),
]  # fmt: skip


def load(tmp_path: Path, name: str, rows: Sequence[tuple[str, ...]]) -> ImportRun:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    text = mapping_text(
        DIRECTORY, source={"name": name, "label": name, "split": ","},
        fields={"siret": "siret", "phone": "tel", "categories": "produits"},
        categories={"fromage": "cow-cheese", "miel": "honey"},
    )  # fmt: skip
    mapping, _same = mapping_for(source=name, text=text)
    run = source_import(path=path, mapping=mapping, mapping_text=text)
    assert run.status == ImportRun.Status.DONE, run.error
    return run


def plain_keys() -> list[models.ForeignKey]:
    """Every foreign key of the platform that the database does not check."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and not field.db_constraint  # type: ignore[attr-defined]
    ]


def orphans() -> dict[str, int]:
    """Rows whose plain key names a row that does not exist, by key."""
    found: dict[str, int] = {}
    for key in plain_keys():
        target = key.related_model
        assert not isinstance(target, str)
        count = (
            key.model._base_manager.exclude(**{f"{key.attname}__isnull": True})
            .exclude(**{f"{key.attname}__in": target._base_manager.values("pk")})
            .count()
        )
        if count:
            found[f"{key.model._meta.label}.{key.name}"] = count
    return found


def test_the_keys_left_unchecked_are_those_of_rows_derived_from_an_entry() -> None:
    derived = {FieldOrigin, SearchTerm, PlaceFacet, ProducerPlace, ProducerTerm}
    keys = plain_keys()
    assert keys, "no key is left to the write path: this module has nothing to check"
    for key in keys:
        # Rows that go with their entry (or lose their record), by Django's own cascade.
        assert key.model in derived, key
        assert key.remote_field.on_delete in (models.CASCADE, models.SET_NULL), key


def test_deleting_places_producers_or_records_or_merging_entries_leaves_no_orphan_derived_rows(
    tmp_path, territory
) -> None:
    load(tmp_path, "annuaire", ANNUAIRE)
    market = Place.objects.get(name="Marché Saint-Genès")
    bees = Actor.objects.get(name="Rucher des Bois Noirs")
    hive = Place.objects.get(operator=bees)
    # Every derived table has rows of these entries, to be taken away with them.
    for model, key, entry in (
        (FieldOrigin, "place", market),
        (SearchTerm, "place", market),
        (PlaceFacet, "place", market),
        (FieldOrigin, "actor", bees),
        (ProducerPlace, "actor", bees),
        (ProducerPlace, "place", hive),
        (ProducerTerm, "actor", bees),
    ):
        assert model._base_manager.filter(**{key: entry}).exists(), (model, key)
    assert orphans() == {}

    places_delete(places=Place.objects.filter(pk=market.pk))
    assert not FieldOrigin.objects.filter(place_id=market.pk).exists()
    assert orphans() == {}

    actors_delete(actors=Actor.objects.filter(pk=bees.pk))
    assert not ProducerPlace.objects.filter(actor_id=bees.pk).exists()
    assert orphans() == {}

    # The chamber's producer is the GAEC again: the import merges the two entries into one.
    mill = Actor.objects.get(name="GAEC du Moulin")
    load(tmp_path, "chambre", CHAMBRE)
    assert SourceRecord.objects.get(source__name="chambre", ref="c1").actor_id == mill.pk
    assert orphans() == {}

    # Two entries made one as an import's merge does it: the entry that goes takes its derived rows along.
    farm = Place.objects.get(operator=mill)
    assert FieldOrigin.objects.filter(place=hive).exists() and SearchTerm.objects.filter(place=hive).exists()
    entry_merge(entry=hive, into=farm, keep_out=(SourceRecord._meta.label, FieldOrigin._meta.label))
    assert not Place.objects.filter(pk=hive.pk).exists()
    assert orphans() == {}

    # A source's records deleted (as the admin deletes them; a source with runs is protected by them): the
    # origins they gave lose their record, not their entry.
    origins = list(FieldOrigin.objects.filter(record__source__name="chambre").values_list("pk", flat=True))
    assert origins
    SourceRecord.objects.filter(source__name="chambre").delete()
    assert set(FieldOrigin.objects.filter(pk__in=origins).values_list("record_id", flat=True)) == {None}
    assert orphans() == {}
