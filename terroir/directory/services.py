"""Writes to the directory: the only code that writes Actor, Place and Offer rows.

Each service validates what the model must hold, writes inside one transaction and refreshes the derived
search tables of what it touched (words and facets, actors' search keys, map cells), so that a record is
findable as soon as it is saved and no caller re-indexes anything itself. Editing by people (with its
revisions), claims, merging of imports, the admin and the demo all write through here; the bulk services
serve the loaders that write thousands of rows at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.lib.geo import valid_lat, valid_lon

from . import fields
from .index import (
    actor_search_key,
    actors_reindex,
    commune_names,
    constraints_checked_once,
    instances_insert,
    map_cells_rebuild,
    map_cells_refresh,
    places_reindex,
    plain_indexes_deferred,
    producer_terms_insert,
    producer_terms_write,
    rows_insert,
    rows_update,
    shown_at_place_refresh,
    shown_producers,
    values_insert,
)
from .models import Actor, Category, Commune, Label, Offer, Photo, Place, PlaceKind

Entry = Actor | Place
Position = tuple[float | None, float | None]
# Above this many moved places, the map's cells are recomputed at once rather than one by one.
MAP_REFRESH_LIMIT = 200
# What a place's search entry and map cell are made of: changing one of these re-indexes the place.
PLACE_INDEXED = frozenset({"name", "kind", "commune", "lat", "lon", "closed_at", "operator"})
PLACE_MAPPED = frozenset({"lat", "lon", "kind", "closed_at"})
# An actor's name and commune are words of its search key and of the places it sells at or runs.
ACTOR_INDEXED = frozenset({"name", "commune"})


def _check_position(lat: float | None, lon: float | None, *, kind: str) -> None:
    if (lat is None) != (lon is None):
        raise ValidationError({"lat": "latitude and longitude go together"})
    if lat is None or lon is None:
        if kind != PlaceKind.ONLINE:
            raise ValidationError({"lat": "a place other than online needs coordinates"})
        return
    if not valid_lat(lat):
        raise ValidationError({"lat": f"latitude {lat} is outside -90..90"})
    if not valid_lon(lon):
        raise ValidationError({"lon": f"longitude {lon} is outside -180..180"})


def _vocabulary(**values: str) -> dict[str, str]:
    """Each value through the field registry: services store what forms, the API and imports store."""
    return {name: fields.clean(name, value) for name, value in values.items()}


def _names(values: Mapping[str, Any]) -> set[str]:
    """Field names, whether given as `commune` (a Commune) or `commune_id` (its code)."""
    return {name.removesuffix("_id") for name in values}


def _fields_set(entry: Entry, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        field = entry._meta.get_field(name.removesuffix("_id"))
        if not field.concrete or field.many_to_many or name in ("id", "search_key", "shown_at_place", "created_at"):
            raise ValueError(f"{name} is not a field the services write this way")
        setattr(entry, name, value)


def _pair_check(entry: Entry) -> None:
    """A position is a pair, for a producer as for a place: half of one is on no map yet counts as known."""
    if (entry.lat is None) != (entry.lon is None):
        raise ValidationError({"lat": _("Latitude and longitude go together.")})
    if isinstance(entry, Place) and entry.lat is None and entry.kind != PlaceKind.ONLINE:
        raise ValidationError({"lat": _("A place other than online needs coordinates.")})


def _cells_refresh(positions: Sequence[Position]) -> None:
    if len(positions) > MAP_REFRESH_LIMIT:
        map_cells_rebuild()
    else:
        map_cells_refresh(positions=positions)


def _instances_update(model: type[models.Model], instances: Sequence[models.Model], names: Sequence[str]) -> None:
    """UPDATE the fields `names` of each instance, as plain rows (`rows_update`): bulk_update's CASE WHEN
    per column builds an expression per value, and cost an import more than the database's work."""
    if not instances:
        return
    columns = [column for name in names if isinstance(column := model._meta.get_field(name), models.Field)]
    rows = [
        (instance.pk, *(column.get_db_prep_save(getattr(instance, column.attname), connection) for column in columns))
        for instance in instances
    ]
    rows_update(model, tuple(column.column for column in columns), rows)


def _search_keys(actors: Sequence[tuple[str, str | None]]) -> list[str]:
    """The search key of each actor given as (name, commune code): `index.actor_search_key` of its name and
    its commune's, the communes' names read once for all (every write of an actor's key comes here)."""
    communes = commune_names(code for _name, code in actors)
    return [actor_search_key(name, communes.get(code or "", "")) for name, code in actors]


# --- Actors ----------------------------------------------------------------------------------------


def _actor_of(
    *,
    name: str,
    commune: Commune | None,
    postcode: str,
    email: str,
    phone: str,
    website: str,
    siret: str = "",
    **values: Any,
) -> Actor:
    """An unsaved actor: its contact fields and SIRET through the field registry, its search key from the
    name it is stored with and its commune."""
    cleaned = _vocabulary(siret=siret, postcode=postcode, email=email, phone=phone, website=website)
    key = actor_search_key(name, commune.name if commune else "")
    return Actor(name=name, commune=commune, **cleaned, **values, search_key=key)


@transaction.atomic
def actor_create(
    *,
    name: str,
    is_producer: bool = False,
    is_buyer: bool = False,
    is_carrier: bool = False,
    is_organisation: bool = False,
    buyer_kind: str = "",
    commune: Commune | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    postcode: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    contact_public: bool = False,
    source: str = "terroir",
    source_ref: str = "",
    verified_at: dt.date | None = None,
) -> Actor:
    """An organisation as its caller cleaned it (one a person adds, the operator a claimed place gets).
    Nothing sells or runs anything through it yet: only its own search key is written."""
    actor = _actor_of(
        name=name.strip()[:200], commune=commune, postcode=postcode, email=email, phone=phone, website=website,
        is_producer=is_producer, is_buyer=is_buyer, is_carrier=is_carrier, is_organisation=is_organisation,
        buyer_kind=buyer_kind, lat=lat, lon=lon, address=address, contact_public=contact_public, source=source,
        source_ref=source_ref, verified_at=verified_at,
    )  # fmt: skip
    _pair_check(actor)
    actor.save()
    producer_terms_write([actor], replace=False)
    return actor


@transaction.atomic
def producer_create(
    *,
    name: str,
    commune: Commune | None = None,
    lat: float | None = None,
    lon: float | None = None,
    legal_form: str = "",
    siret: str = "",
    description: str = "",
    address: str = "",
    postcode: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    contact_public: bool = False,
    source: str = "terroir",
    source_ref: str = "",
    verified_at: dt.date | None = None,
) -> Actor:
    if lat is not None or lon is not None:
        _check_position(lat, lon, kind=PlaceKind.FARM)
    producer = _actor_of(
        name=name.strip(), commune=commune, postcode=postcode, email=email, phone=phone, website=website,
        siret=siret, is_producer=True, lat=lat, lon=lon, legal_form=legal_form, description=description,
        address=address, contact_public=contact_public, source=source, source_ref=source_ref,
        verified_at=verified_at,
    )  # fmt: skip
    producer.full_clean()
    producer.save()
    producer_terms_write([producer], replace=False)
    return producer


@transaction.atomic
def offer_set(
    *,
    producer: Actor,
    category: Category,
    months: int = 4095,
    labels: Iterable[Label] = (),
    note: str = "",
) -> Offer:
    """Create or replace what a producer offers in one category, then reindex the places selling it."""
    if not 0 < months <= 4095:
        raise ValidationError({"months": "months must name at least one month"})
    offer, _ = Offer.objects.update_or_create(
        producer=producer, category=category, defaults={"months": months, "note": note}
    )
    offer.labels.set(list(labels))
    places_reindex(place_ids=actor_place_ids(producer))
    return offer


def actor_place_ids(producer: Actor) -> list[int]:
    """The places where the actor sells or that it runs: their search entries mention it."""
    return actors_place_ids([producer.pk])


def actors_place_ids(actor_ids: Sequence[int]) -> list[int]:
    ids: set[int] = set()
    for start in range(0, len(actor_ids), 900):
        chunk = actor_ids[start : start + 900]
        ids.update(Place.producers.through.objects.filter(actor_id__in_ids=chunk).values_list("place_id", flat=True))
        ids.update(Place.objects.filter(operator_id__in_ids=chunk).values_list("id", flat=True))
    return sorted(ids)


@transaction.atomic
def actor_update(*, actor: Actor, values: Mapping[str, Any]) -> Actor:
    """Change the given fields (model values: `commune` a Commune or `commune_id` its code, dates as
    dates), then refresh the actor's search key and the places that show its name."""
    names = _names(values)
    _fields_set(actor, values)
    if names & {"lat", "lon"}:
        _pair_check(actor)
    if names & ACTOR_INDEXED:
        actor.search_key = _search_keys([(actor.name, actor.commune_id)])[0]
    actor.updated_at = timezone.now()
    actor.save()
    if names & (ACTOR_INDEXED | {"is_producer"}):
        producer_terms_write([actor])
    if names & ACTOR_INDEXED:
        places_reindex(place_ids=actor_place_ids(actor))
    return actor


@transaction.atomic
def actor_offers_set(*, actor: Actor, products: Sequence[Mapping[str, Any]]) -> Actor:
    """Replace what the producer offers: one item per category slug, with `months`, `labels` (slugs),
    `note`, `monthly_volume` and `unit` (as editing.value_clean gives them)."""
    categories = dict(Category.objects.values_list("slug", "id"))
    labels = dict(Label.objects.values_list("slug", "id"))
    wanted = {categories[item["category"]]: item for item in products}
    Offer.objects.filter(producer=actor).exclude(category_id__in=wanted).delete()
    for category_id, item in wanted.items():
        volume = item.get("monthly_volume")
        offer, _created = Offer.objects.update_or_create(
            producer=actor,
            category_id=category_id,
            defaults={
                "months": item["months"], "note": item["note"], "volume_unit": item.get("unit") or "",
                "monthly_volume": None if volume is None else Decimal(str(volume)),
            },
        )  # fmt: skip
        offer.labels.set([labels[slug] for slug in item["labels"]])
    places_reindex(place_ids=actor_place_ids(actor))
    return actor


@transaction.atomic
def offer_save(*, offer: Offer, labels: Iterable[Label]) -> Offer:
    """An offer built elsewhere (the admin's inline form), with its labels."""
    if not 0 < offer.months <= 4095:
        raise ValidationError({"months": "months must name at least one month"})
    offer.save()
    offer.labels.set(list(labels))
    places_reindex(place_ids=actors_place_ids([offer.producer_id]))
    return offer


@transaction.atomic
def offer_delete(*, offer: Offer) -> None:
    producer_id = offer.producer_id
    offer.delete()
    places_reindex(place_ids=actors_place_ids([producer_id]))


# Records of the upper layers that must outlive a directory entry (a shop's sales) point at it with a
# protected key. Their app registers a guard that says, in the reader's words, why an entry cannot go and
# what to do instead; the delete services ask every guard first and refuse with those reasons, rather
# than fail on the database's ProtectedError. The directory cannot import those apps: they register.
DeletionGuard = Callable[[type[Actor] | type[Place], Sequence[int]], list[str]]
_deletion_guards: list[DeletionGuard] = []


def deletion_guard_register(guard: DeletionGuard) -> None:
    if guard not in _deletion_guards:
        _deletion_guards.append(guard)


def deletion_refusals(model: type[Actor] | type[Place], ids: Sequence[int]) -> list[str]:
    """Why the entries `ids` of `model` cannot be deleted (empty: they can)."""
    return [reason for guard in _deletion_guards for reason in guard(model, ids)]


@transaction.atomic
def actor_delete(*, actor: Actor) -> None:
    """The places it sold at or ran stay, without it."""
    actors_delete(actors=Actor.objects.filter(pk=actor.pk))


@transaction.atomic
def actors_delete(*, actors: models.QuerySet[Actor]) -> int:
    ids = list(actors.values_list("id", flat=True))
    refusals = deletion_refusals(Actor, ids)
    if refusals:
        raise ValidationError(refusals)
    places = actors_place_ids(ids)
    Actor.objects.filter(pk__in=ids).delete()
    places_reindex(place_ids=places)
    return len(ids)


@transaction.atomic
def actors_bulk_create(*, actors: Sequence[Actor], batch_size: int = 1000) -> Sequence[Actor]:
    """Many new actors at once (a loader's): with their search keys, nothing else to index yet. Written
    as plain rows (`instances_insert`, as places are): an import creates tens of thousands of producers.

    `shown_at_place` is written as each actor holds it: False unless the loader links the actor to an open
    place in the same transaction and says so, so that the flag is not written a second time (on
    PostgreSQL a new version of every row, in every index of the table). Whatever a loader says, the
    flag follows the ProducerPlace rows once it indexes the places (`places_index`, given the actors it
    said are shown), as for every other write."""
    for actor, key in zip(actors, _search_keys([(a.name, a.commune_id) for a in actors]), strict=True):
        actor.search_key = key
    # Plain rows, as places: Django's bulk_create compiles every field of every row into SQL.
    instances_insert(Actor, actors)
    producer_terms_write(actors, replace=False)
    return actors


@transaction.atomic
def actors_values_create(*, values: Sequence[dict[str, Any]], ids: Sequence[int] | None = None) -> list[int]:
    """Many new actors given as plain values rather than model instances (`index.values_insert`: every row
    naming the same fields by attribute name, `commune_id` a code, dates as dates; the others at their
    defaults): an import's new producers, whose instances cost it more than their writing. As
    `actors_bulk_create` otherwise: each row gets its `search_key`, the producers their words, and
    `shown_at_place` is written as each row gives it (False when not given). Returns their ids, in order:
    `ids` when the caller took them before (`index.ids_reserve`)."""
    for row, key in zip(values, _search_keys([(row["name"], row.get("commune_id")) for row in values]), strict=True):
        row["search_key"] = key
    ids = values_insert(Actor, values, ids=ids)
    producer_terms_insert(
        (pk, row["name"], row["search_key"]) for pk, row in zip(ids, values, strict=True) if row.get("is_producer")
    )
    return ids


@transaction.atomic
def actors_bulk_update(*, actors: Sequence[Actor], fields: Sequence[str], index: bool = True) -> Sequence[Actor]:
    """Write `fields` of many actors at once, then their search keys and the places that show them.
    Without `index`, those places are left to the caller's `places_index` (an import indexes every place
    it touched once, after its links)."""
    _instances_update(Actor, actors, [f for f in fields if f != "search_key"])
    ids = [a.pk for a in actors]
    if (ACTOR_INDEXED | {"is_producer"}) & _names(dict.fromkeys(fields)):
        actors_reindex(actor_ids=ids)
    if index:
        places_reindex(place_ids=actors_place_ids(ids))
    return actors


@transaction.atomic
def offers_bulk_replace(
    *, cleared: Sequence[int], offers: Sequence[tuple[Offer, Sequence[int]]], batch_size: int = 1000, index: bool = True
) -> int:
    """Remove every offer of the producers `cleared`, then add `offers` (each with its label ids), and
    re-index the places of every producer concerned (without `index`: left to the caller's
    `places_index`). Returns the number of offers added."""
    rows = [offer for offer, _labels in offers]

    def written() -> list[int]:
        instances_insert(Offer, rows)
        return [offer.pk for offer in rows]

    return _offers_replace(
        cleared, written, [offer.producer_id for offer in rows], [labels for _o, labels in offers], index=index
    )


@transaction.atomic
def offers_values_replace(
    *, cleared: Sequence[int], offers: Sequence[tuple[int, int, Sequence[int]]], index: bool = True
) -> int:
    """`offers_bulk_replace` with the offers given as plain values, (producer id, category id, label ids),
    each taking the model's defaults for the rest (all year, no note, no volume): an import's producers
    offer tens of thousands of categories, whose model instances cost it more than their writing."""
    values = [{"producer_id": producer, "category_id": category} for producer, category, _labels in offers]
    return _offers_replace(
        cleared,
        lambda: values_insert(Offer, values),
        [producer for producer, _c, _l in offers],
        [labels for _p, _c, labels in offers],
        index=index,
    )


def _offers_replace(
    cleared: Sequence[int],
    written: Callable[[], Sequence[int]],
    producers: Sequence[int],
    labels: Sequence[Sequence[int]],
    *,
    index: bool,
) -> int:
    """What both offer writers do around their own writing (`written`, returning the new offers' ids in
    order): the offers of `cleared` deleted first, each new offer's labels (`labels`, in the same order)
    after, then the places of every producer concerned re-indexed (unless `index` is False)."""
    for start in range(0, len(cleared), 900):
        Offer.objects.filter(producer_id__in_ids=cleared[start : start + 900]).delete()
    ids = written()
    rows_insert(
        Offer.labels.through,
        ("offer_id", "label_id"),
        [(pk, label) for pk, given in zip(ids, labels, strict=True) for label in dict.fromkeys(given)],
    )
    if index:
        places_reindex(place_ids=actors_place_ids(sorted({*cleared, *producers})))
    return len(ids)


@transaction.atomic
def place_create(
    *,
    name: str,
    kind: str,
    lat: float | None,
    lon: float | None,
    commune: Commune | None = None,
    address: str = "",
    postcode: str = "",
    opening_hours: str = "",
    operator: Actor | None = None,
    producers: Sequence[Actor] = (),
    description: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    contact_public: bool = False,
    source: str = "terroir",
    source_ref: str = "",
    verified_at: dt.date | None = None,
) -> Place:
    if kind not in PlaceKind.values:
        raise ValidationError({"kind": f"unknown place kind {kind!r}"})
    _check_position(lat, lon, kind=kind)
    values = _vocabulary(postcode=postcode, opening_hours=opening_hours, email=email, phone=phone, website=website)
    place = Place(
        name=name.strip(),
        kind=kind,
        lat=lat,
        lon=lon,
        commune=commune,
        address=address,
        operator=operator,
        description=description,
        **values,
        contact_public=contact_public,
        source=source,
        source_ref=source_ref,
        verified_at=verified_at,
    )
    place.full_clean()
    place.save()
    if producers:
        place.producers.set(producers)
    places_reindex(place_ids=[place.pk])
    map_cells_refresh(positions=[(lat, lon)])
    return place


@transaction.atomic
def place_update(*, place: Place, values: Mapping[str, Any]) -> Place:
    """Change the given fields (model values), then refresh the place's search entry and, when it moved,
    opened, closed or changed kind, the map cells it left and entered."""
    names = _names(values)
    stored = Place.objects.filter(pk=place.pk).values("lat", "lon", "closed_at").first()
    _fields_set(place, values)
    if names & {"lat", "lon", "kind"}:
        _pair_check(place)
    place.updated_at = timezone.now()
    place.save()
    if names & PLACE_INDEXED:
        places_reindex(place_ids=[place.pk])
    shown = stored is not None and stored["closed_at"] is None
    if names & PLACE_MAPPED and (shown or place.closed_at is None):
        old = (stored["lat"], stored["lon"]) if stored else (None, None)
        map_cells_refresh(positions=[old, (place.lat, place.lon)])
    return place


@transaction.atomic
def place_save(*, place: Place) -> Place:
    """A place built elsewhere (the admin's form), new or changed in any of its fields."""
    if place.pk is None or not Place.objects.filter(pk=place.pk).exists():
        if place.kind not in PlaceKind.values:
            raise ValidationError({"kind": f"unknown place kind {place.kind!r}"})
        _check_position(place.lat, place.lon, kind=place.kind)
        place.save()
        places_reindex(place_ids=[place.pk])
        map_cells_refresh(positions=[(place.lat, place.lon)])
        return place
    fields = [f.attname for f in Place._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]
    return place_update(place=place, values={name: getattr(place, name) for name in fields})


@transaction.atomic
def actor_save(*, actor: Actor) -> Actor:
    """An actor built elsewhere (the admin's form), new or changed in any of its fields."""
    fields = [f.attname for f in Actor._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]
    fields = [name for name in fields if name not in ("search_key", "shown_at_place")]  # derived: the index's
    if actor.pk is None or not Actor.objects.filter(pk=actor.pk).exists():
        _pair_check(actor)
        actor.search_key = _search_keys([(actor.name, actor.commune_id)])[0]
        actor.save()
        producer_terms_write([actor], replace=False)
        return actor
    return actor_update(actor=actor, values={name: getattr(actor, name) for name in fields})


@transaction.atomic
def place_delete(*, place: Place) -> None:
    places_delete(places=Place.objects.filter(pk=place.pk))


@transaction.atomic
def places_delete(*, places: models.QuerySet[Place]) -> int:
    """Their search entries go with them (cascade); the map cells they were in are recomputed."""
    refusals = deletion_refusals(Place, list(places.values_list("id", flat=True)))
    if refusals:
        raise ValidationError(refusals)
    shown = list(places.filter(closed_at=None).values_list("lat", "lon"))
    producers = set(shown_producers(list(places.values_list("id", flat=True))))
    count = places.count()
    places.delete()
    _cells_refresh(shown)
    # Their producers shown there may now be shown nowhere (their ProducerPlace rows went with them).
    shown_at_place_refresh(producers)
    return count


@transaction.atomic
def places_bulk_create(
    *,
    places: Sequence[Place],
    producers: Sequence[Sequence[int]] = (),
    rebuild: bool = False,
    index: bool = True,
    batch_size: int = 1000,
    bulk: bool = False,
) -> Sequence[Place]:
    """Many new places at once, `producers[i]` the ids of the actors selling at `places[i]`. `rebuild`:
    rebuild every search table instead (a whole territory loaded at once: faster than place by place).
    Without `index`, their search entries and map cells are left to the caller's `places_index`. `bulk`
    (a bulk loader filling a directory: the synthetic and demo directories, which rebuild the search tables
    after, `places_reindex(bulk=True)`): the plain indexes of places and their producer links are built
    once after the rows (`index.plain_indexes_deferred`), and on PostgreSQL their foreign keys are checked
    once after them too, by one join each (`index.constraints_checked_once`), instead of a check queued per
    row and run later (a national load: a million places, five million links). On PostgreSQL the two
    tables are then the loader's alone until its commit (readers of places wait for it), as the search
    tables are during their rebuild."""
    links = Place.producers.through
    keys = constraints_checked_once(Place, links, kinds=("f",)) if bulk else nullcontext()
    with keys, plain_indexes_deferred(Place, links, alone=True) if bulk else nullcontext():
        instances_insert(Place, places)
        # Plain rows: a national load has millions of links, whose model instances cost more than their writing.
        rows_insert(
            links,
            ("place_id", "actor_id"),
            [
                (place.pk, actor)
                for place, ids in zip(places, producers or [()] * len(places), strict=True)
                for actor in dict.fromkeys(ids)
            ],
        )
    if rebuild:
        places_reindex(bulk=True)
        map_cells_rebuild()
        return places
    if index:
        places_index(
            place_ids=[p.pk for p in places], positions=[(p.lat, p.lon) for p in places if p.closed_at is None]
        )
    return places


@transaction.atomic
def places_values_create(
    *, values: Sequence[dict[str, Any]], index: bool = True, ids: Sequence[int] | None = None
) -> list[int]:
    """Many new places given as plain values rather than model instances (`index.values_insert`, as
    `actors_values_create`): an import's new places. Their search entries and map cells follow, or without
    `index` are left to the caller's `places_index`. Returns their ids, in order (`ids`, when taken before)."""
    ids = values_insert(Place, values, ids=ids)
    if index:
        shown = [(row.get("lat"), row.get("lon")) for row in values if row.get("closed_at") is None]
        places_index(place_ids=ids, positions=shown)
    return ids


@transaction.atomic
def places_bulk_update(
    *, places: Sequence[Place], fields: Sequence[str], old_positions: Sequence[Position] = (), index: bool = True
) -> Sequence[Place]:
    """Write `fields` of many places at once, then their search entries and the map cells they left
    (`old_positions`) and entered. Without `index`, those are left to the caller's `places_index`."""
    _instances_update(Place, places, list(fields))
    if index:
        places_index(place_ids=[p.pk for p in places], positions=[*old_positions, *((p.lat, p.lon) for p in places)])
    return places


@transaction.atomic
def places_index(*, place_ids: Iterable[int], positions: Sequence[Position] = (), actors: Iterable[int] = ()) -> None:
    """The search entries of these places and the map cells holding these positions, made again: for a
    caller that wrote many places in several steps (an import: the entries, then their links) and indexes
    them once, after the last. `actors`: actors the caller created shown at a place (`actors_bulk_create`,
    `actors_values_create`), whose flag is checked even if no place of these shows them."""
    places_reindex(place_ids=sorted(set(place_ids)), actors=actors)
    _cells_refresh(positions)


@transaction.atomic
def entry_update(*, entry: Entry, values: Mapping[str, Any]) -> Entry:
    if isinstance(entry, Place):
        return place_update(place=entry, values=values)
    return actor_update(actor=entry, values=values)


@transaction.atomic
def entry_photos_set(*, entry: Entry, photo_ids: Iterable[int]) -> Entry:
    """Show these photos of the entry and hide its others (a hidden photo's file stays: undo brings it back)."""
    ids = list(photo_ids)
    photos = Photo.objects.filter(**{"place" if isinstance(entry, Place) else "actor": entry})
    photos.exclude(id__in=ids).filter(removed_at=None).update(removed_at=timezone.now())
    photos.filter(id__in=ids).update(removed_at=None)
    return entry


@transaction.atomic
def place_move(*, place: Place, lat: float | None, lon: float | None) -> Place:
    _check_position(lat, lon, kind=place.kind)
    old = (place.lat, place.lon)
    place.lat, place.lon = lat, lon
    place.updated_at = timezone.now()
    place.save(update_fields=["lat", "lon", "updated_at"])
    places_reindex(place_ids=[place.pk])
    map_cells_refresh(positions=[old, (lat, lon)])
    return place


@transaction.atomic
def places_links_add(
    *,
    operators: Mapping[int, int] | None = None,
    producers: Iterable[tuple[int, int]] = (),
    categories: Iterable[tuple[int, int]] = (),
    index: bool = True,
) -> list[int]:
    """Links a source gives, added to those the places have: `operators` place id -> actor id (only for
    places without an operator), `producers` (place id, actor id) selling there, `categories` (place id,
    category id) sold there. Nothing is removed: a link made on the platform stays. Returns the places
    whose links changed, reindexed (without `index`: left to the caller's `places_index`)."""
    changed: set[int] = set()
    operators = operators or {}
    without: set[int] = set()
    asked = list(operators)
    for start in range(0, len(asked), 900):
        chunk = asked[start : start + 900]
        without.update(Place.objects.filter(pk__in_ids=chunk, operator=None).values_list("pk", flat=True))
    if without:
        # One statement for every place (an import links thousands of farms to their producers).
        rows_update(
            Place,
            ("operator_id",),
            [(place_id, operators[place_id]) for place_id in sorted(without)],
            unset="operator_id",
        )
        changed.update(without)
    throughs: list[tuple[type[models.Model], str, set[tuple[int, int]]]] = [
        (Place.producers.through, "actor_id", set(producers)),
        (Place.categories.through, "category_id", set(categories)),
    ]
    for through, column, pairs in throughs:
        places = sorted({place for place, _other in pairs})
        has: set[tuple[int, int]] = set()
        for start in range(0, len(places), 900):
            chunk = places[start : start + 900]
            has.update(through._default_manager.filter(place_id__in_ids=chunk).values_list("place_id", column))
        new = sorted(pairs - has)
        # Plain rows: an import links tens of thousands of places, whose link instances cost more than the writing.
        rows_insert(through, ("place_id", column), new)
        changed.update(place for place, _other in new)
    if changed and index:
        places_reindex(place_ids=sorted(changed))
    return sorted(changed)


@transaction.atomic
def place_producers_set(*, place: Place, producers: Sequence[Actor]) -> Place:
    place.producers.set(producers)
    places_reindex(place_ids=[place.pk])
    return place
