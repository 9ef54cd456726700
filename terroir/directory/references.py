"""Merging one directory entry into another without losing what people attached to it, and splitting
them again.

When two entries turn out to describe one producer or place (imports merge them), whatever points at
the entry that goes — memberships, claims, photos, offers, needs and answers, delivery orders, meeting
participants… — moves to the entry kept, and `entry_split` brings exactly those
rows back. The pointing relations are read from the models' metadata instead of being listed: the
directory may not import the upper layers' models, and an app added later is covered without
registering anything. Revisions and suggestions name their entry without a foreign key: their app
(terroir.contributions.revisions.entry_merge) moves them and calls this one.

A row that cannot move because the kept entry already has its twin (the same person a member of both,
the same category offered by both) is folded: kept as serialized data in the trace, with whatever its
deletion takes along, and recreated by the split.

Both are services of the directory's write path: they refresh the search entries and map cells of the
entries concerned, like every other service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, router, transaction
from django.db.models.deletion import Collector

from .index import actors_reindex, map_cells_refresh, places_reindex
from .models import Actor, Place
from .services import actors_place_ids

Entry = Actor | Place

# Tables derived from the entry itself, rebuilt by the index: they go with the entry.
DERIVED = frozenset(
    {"directory.SearchTerm", "directory.PlaceFacet", "directory.ProducerPlace", "directory.ProducerTerm"}
)


def _relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every foreign key that points at `model`, including those without a reverse accessor
    (related_name="+") and the rows of many-to-many tables."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if isinstance(f, models.ForeignObjectRel) and not isinstance(f, models.ManyToManyRel)
    ]


def _unique_sets(model: type[models.Model], name: str) -> list[tuple[str, ...]]:
    """The unique field sets of `model` that include the field `name`."""
    sets: list[tuple[str, ...]] = [tuple(t) for t in model._meta.unique_together if name in t]
    sets += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and name in c.fields and c.condition is None
    ]
    field = model._meta.get_field(name)
    if isinstance(field, models.Field) and field.unique:
        sets.append((name,))
    return sets


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.attname


def _taken(row: models.Model, name: str, fields: tuple[str, ...], into: Entry) -> bool:
    others = {name_: getattr(row, _attname(type(row), name_)) for name_ in fields}
    others[name] = into.pk
    return type(row)._base_manager.filter(**others).exclude(pk=row.pk).exists()


def _collected(row: models.Model) -> list[models.Model]:
    """The row and everything its deletion takes along."""
    collector = Collector(using=router.db_for_write(type(row)))
    collector.collect([row])
    found: list[models.Model] = [instance for instances in collector.data.values() for instance in instances]
    for queryset in collector.fast_deletes:
        found.extend(queryset)
    return found


def _serialized(instances: list[models.Model]) -> str:
    """Concrete fields only: many-to-many rows are serialized as rows of their own table, once."""
    parts: list[dict[str, Any]] = []
    for instance in instances:
        names = [f.name for f in instance._meta.local_fields]
        parts.extend(serializers.serialize("python", [instance], fields=names))
    return json.dumps(parts, cls=DjangoJSONEncoder)


# A row that cannot move is folded (deleted, kept in the trace); an upper app whose rows must not be folded
# that way (a shop's accounts: Shop.place is one-to-one) registers a guard that says, in the reader's words,
# why two entries cannot be merged. The merge asks them first and refuses with their reasons.
MergeGuard = Callable[[Entry, Entry], list[str]]
_merge_guards: list[MergeGuard] = []


def merge_guard_register(guard: MergeGuard) -> None:
    if guard not in _merge_guards:
        _merge_guards.append(guard)


def merge_refusals(entry: Entry, into: Entry) -> list[str]:
    """Why `entry` cannot be merged into `into` (empty: it can)."""
    return [reason for guard in _merge_guards for reason in guard(entry, into)]


@transaction.atomic
def entry_merge(*, entry: Entry, into: Entry, keep_out: Collection[str] = ()) -> dict[str, Any]:
    """Move what points at `entry` to `into`, then delete `entry`. Returns the trace `entry_split`
    needs (JSON): the entry as it was, the rows moved, the rows folded. `keep_out` names models
    ("app.Model") the caller re-points itself."""
    assert type(entry) is type(into) and entry.pk != into.pk
    refusals = merge_refusals(entry, into)
    if refusals:
        raise ValidationError(refusals)
    moved: list[list[Any]] = []
    for relation in _relations(type(entry)):
        model = relation.related_model
        assert not isinstance(model, str)
        label = model._meta.label
        if label in DERIVED or label in keep_out:
            continue
        name, attname = relation.field.name, relation.field.attname
        unique = _unique_sets(model, name)
        movable = []
        for row in model._base_manager.filter(**{attname: entry.pk}).order_by("pk"):
            if any(_taken(row, name, fields, into) for fields in unique):
                moved.append(["folded", _serialized(_collected(row))])
                row.delete()
            else:
                movable.append(row.pk)
        if movable:
            model._base_manager.filter(pk__in=movable).update(**{attname: into.pk})
            moved.append([label, name, movable])
    snapshot = _serialized([entry])
    position = (entry.lat, entry.lon) if isinstance(entry, Place) and entry.closed_at is None else None
    entry.delete()
    _reindex(into)
    if position is not None:
        map_cells_refresh(positions=[position])
    return {"entry": snapshot, "moved": moved}


def _targets_exist(instance: models.Model) -> bool:
    for model_field in instance._meta.concrete_fields:
        if not isinstance(model_field, models.ForeignKey):
            continue
        value = getattr(instance, model_field.attname)
        remote = model_field.remote_field.model
        if value is not None and not remote._base_manager.filter(pk=value).exists():
            return False
    return True


@transaction.atomic
def entry_split(*, trace: dict[str, Any], from_id: int) -> Entry:
    """Bring back the entry `entry_merge` took away, and the rows it moved to the entry `from_id` that
    are still there. A folded row whose place was taken since, or whose other end is gone, stays out."""
    restored = next(serializers.deserialize("json", trace["entry"]))
    restored.save()
    entry = type(restored.object)._base_manager.get(pk=restored.object.pk)
    assert isinstance(entry, Actor | Place)
    folded: list[serializers.base.DeserializedObject] = []
    for item in trace["moved"]:
        if item[0] == "folded":
            folded.extend(serializers.deserialize("json", item[1]))
            continue
        label, name, pks = item
        model = apps.get_model(label)
        attname = _attname(model, name)
        model._base_manager.filter(pk__in=pks, **{attname: from_id}).update(**{attname: entry.pk})
    # A folded row comes back once what it points at is back (an answer before its messages).
    while folded:
        ready = [row for row in folded if _targets_exist(row.object)]
        if not ready:
            break
        for row in ready:
            folded.remove(row)
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
    _reindex(entry)
    into = type(entry)._base_manager.filter(pk=from_id).first()
    if into is not None:
        _reindex(into)
    if isinstance(entry, Place) and entry.closed_at is None:
        map_cells_refresh(positions=[(entry.lat, entry.lon)])
    return entry


def _reindex(entry: Entry) -> None:
    """The search entries that show the entry, now that rows moved to or from it."""
    if isinstance(entry, Place):
        places_reindex(place_ids=[entry.pk])
    else:
        actors_reindex(actor_ids=[entry.pk])
        places_reindex(place_ids=actors_place_ids([entry.pk]))
