"""Writes to the directory. Each service validates, writes inside one transaction and refreshes the
derived search tables of what it touched, so that a record is findable as soon as it is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from terroir.lib.geo import valid_lat, valid_lon

from . import fields
from .index import actor_search_key, map_cells_refresh, places_reindex
from .models import Actor, Category, Commune, Label, Offer, Place, PlaceKind


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
    values = _vocabulary(siret=siret, postcode=postcode, email=email, phone=phone, website=website)
    producer = Actor(
        name=name.strip(),
        is_producer=True,
        commune=commune,
        lat=lat,
        lon=lon,
        legal_form=legal_form,
        description=description,
        address=address,
        **values,
        contact_public=contact_public,
        source=source,
        source_ref=source_ref,
        verified_at=verified_at,
        search_key=actor_search_key(name, commune.name if commune else ""),
    )
    producer.full_clean()
    producer.save()
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
    ids = set(producer.places.values_list("id", flat=True))
    ids.update(producer.operated_places.values_list("id", flat=True))
    return sorted(ids)


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
def place_producers_set(*, place: Place, producers: Sequence[Actor]) -> Place:
    place.producers.set(producers)
    places_reindex(place_ids=[place.pk])
    return place
