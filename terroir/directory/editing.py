"""The values of directory entries as people edit them: which fields an entry has, each field's value as
revisions keep it, and its cleaning.

Every value goes through `value_clean` (one validator for web forms, the API, suggestions and imports)
and is kept as JSON (commune by INSEE code, dates in ISO 8601, products as a list of dicts), so that a
revision (terroir.contributions) can be shown as a diff and undone by writing its old values back with
`values_write`, which writes through the directory's services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.lib.geo import valid_lat, valid_lon

from . import fields
from .models import (
    Actor,
    Category,
    Commune,
    Entity,
    Label,
    LegalForm,
    Offer,
    Photo,
    Place,
    PlaceKind,
    Unit,
)
from .services import actor_offers_set, entry_photos_set, entry_update
from .taxonomy import REQUIREMENTS

User = AbstractBaseUser | AnonymousUser
Entry = Actor | Place

COMMON_FIELDS = (
    "name", "description", "address", "postcode", "commune", "lat", "lon", "email", "phone", "website",
    "contact_public",
)  # fmt: skip
ACTOR_FIELDS = (
    *COMMON_FIELDS, "order_url", "legal_form", "siret", "delivery_radius_km", "delivery_weekdays", "requirements",
    "buyer_kind", "products", "photos",
)  # fmt: skip
PLACE_FIELDS = (*COMMON_FIELDS, "kind", "opening_hours", "closed_at", "photos")
MAX_TEXT = {
    "name": 200, "description": 5000, "address": 255, "opening_hours": 255, "caption": 200, "website": 200,
    "phone": 30, "comment": 2000,
}  # fmt: skip
MAX_PRODUCTS = 200
# Texts that may span several lines; every other text is one line, without control characters.
MULTILINE = frozenset({"description", "comment", "note"})


def entity_of(entry: Entry) -> str:
    return Entity.PLACE if isinstance(entry, Place) else Entity.ACTOR


def entry_get(entity: str, entity_id: int) -> Entry:
    model: type[Actor] | type[Place] = Place if entity == Entity.PLACE else Actor
    return model.objects.select_related("commune").get(pk=entity_id)


def fields_of(entry: Entry) -> tuple[str, ...]:
    return PLACE_FIELDS if isinstance(entry, Place) else ACTOR_FIELDS


def version_of(entry: Entry) -> str:
    """The token an editor sends back to say which state of the entry their edit starts from."""
    return entry.updated_at.isoformat()


# --- Verification ----------------------------------------------------------------------------------


def verification_due(entry: Entry, *, today: dt.date | None = None) -> bool:
    """True when nobody confirmed the entry for TERROIR_VERIFY_MONTHS months."""
    return entry.verified_at is None or entry.verified_at < verification_cutoff(today)


def verification_cutoff(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    months = settings.TERROIR_VERIFY_MONTHS
    year, month = divmod(today.month - 1 - months, 12)
    day = min(today.day, 28)
    return dt.date(today.year + year, month + 1, day)


# --- Values ----------------------------------------------------------------------------------------


def products_of(actor: Actor) -> list[dict[str, Any]]:
    return products_of_many([actor.pk]).get(actor.pk, [])


def products_of_many(actor_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each producer's products as revisions keep them, in a few queries for many producers."""
    products: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(actor_ids), 900):
        offers = (
            Offer.objects.filter(producer_id__in=actor_ids[start : start + 900])
            .select_related("category")
            .prefetch_related("labels")
        )
        for offer in offers:
            products.setdefault(offer.producer_id, []).append(
                {
                    "category": offer.category.slug,
                    "months": offer.months,
                    "labels": sorted(label.slug for label in offer.labels.all()),
                    "note": offer.note,
                    "monthly_volume": None if offer.monthly_volume is None else float(offer.monthly_volume),
                    "unit": offer.volume_unit,
                }
            )
    return {pk: sorted(items, key=lambda item: item["category"]) for pk, items in products.items()}


def photos_of(entry: Entry) -> list[int]:
    return sorted(Photo.objects.filter(**{_owner_field(entry): entry, "removed_at": None}).values_list("id", flat=True))


def _owner_field(entry: Entry) -> str:
    return "place" if isinstance(entry, Place) else "actor"


def value_of(entry: Entry, name: str) -> Any:
    if name == "commune":
        return entry.commune_id
    if name == "products":
        assert isinstance(entry, Actor)
        return products_of(entry)
    if name == "photos":
        return photos_of(entry)
    value = getattr(entry, name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def values_of(entry: Entry, names: Iterable[str] | None = None) -> dict[str, Any]:
    return {name: value_of(entry, name) for name in (names or fields_of(entry))}


def text_value(name: str, value: Any, *, required: bool = False) -> str:
    return fields.text_clean(name, value, limit=MAX_TEXT.get(name, 254), multiline=name in MULTILINE, required=required)


def _number(name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({name: _("Expected a number.")})
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise ValidationError({name: _("Expected a number.")}) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError({name: _("Expected a number.")})
    return number


def value_clean(entry: Entry, name: str, value: Any) -> Any:
    """The value as stored in revisions, or ValidationError({name: message}) saying what is wrong."""
    if name not in fields_of(entry):
        raise ValidationError({name: _("This field cannot be changed here.")})
    if name in ("name",):
        return text_value(name, value, required=True)
    if name in ("description", "address"):
        return text_value(name, value)
    if name in fields.CLEANERS:
        # Postcode, e-mail, website, phone (E.164), SIRET, opening hours: the registry's one rule.
        return fields.clean(name, value)
    if name == "commune":
        if value in (None, ""):
            return None
        code = str(value).strip().upper()
        if not Commune.objects.filter(code=code).exists():
            raise ValidationError({name: _("Unknown commune code %(code)s.") % {"code": code[:10]}})
        return code
    if name == "lat":
        lat = _number(name, value)
        if lat is not None and not valid_lat(lat):
            raise ValidationError({name: _("Latitude %(value)s is outside -90..90.") % {"value": lat}})
        return lat
    if name == "lon":
        lon = _number(name, value)
        if lon is not None and not valid_lon(lon):
            raise ValidationError({name: _("Longitude %(value)s is outside -180..180.") % {"value": lon}})
        return lon
    if name == "contact_public":
        if not isinstance(value, bool):
            raise ValidationError({name: _("Expected true or false.")})
        return value
    if name == "kind":
        if value not in PlaceKind.values:
            raise ValidationError({name: _("Unknown kind of place %(value)s.") % {"value": str(value)[:40]}})
        return value
    if name == "buyer_kind":
        if value in (None, ""):
            return ""
        if value not in PlaceKind.values:
            raise ValidationError({name: _("Unknown kind of buyer %(value)s.") % {"value": str(value)[:40]}})
        return value
    if name == "legal_form":
        if value in (None, ""):
            return ""
        if value not in LegalForm.values:
            raise ValidationError({name: _("Unknown legal form %(value)s.") % {"value": str(value)[:40]}})
        return value
    if name == "delivery_radius_km":
        number = _number(name, value)
        if number is None:
            return None
        if not (0 <= number <= 1000) or number != int(number):
            raise ValidationError({name: _("A whole number of kilometres between 0 and 1000.")})
        return int(number)
    if name == "closed_at":
        if value in (None, ""):
            return None
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError({name: _("Expected a date (YYYY-MM-DD).")}) from None
        if day > timezone.localdate():
            raise ValidationError({name: _("A place cannot be closed in the future.")})
        return day.isoformat()
    if name == "delivery_weekdays":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 127:
            raise ValidationError({name: _("Expected days of the week.")})
        return value
    if name == "requirements":
        if not isinstance(value, list) or any(v not in REQUIREMENTS for v in value):
            raise ValidationError({name: _("Unknown requirement.")})
        return sorted(set(value))
    if name == "products":
        return _products_clean(value)
    if name == "photos":
        return _photos_clean(entry, value)
    raise ValidationError({name: _("This field cannot be changed here.")})  # pragma: no cover


def _products_clean(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_PRODUCTS:
        raise ValidationError({"products": _("Expected a list of products.")})
    categories = set(Category.objects.values_list("slug", flat=True))
    labels = set(Label.objects.values_list("slug", flat=True))
    cleaned: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(value, start=1):
        where = _("product %(n)s") % {"n": index}
        if not isinstance(item, dict):
            raise ValidationError({"products": f"{where}: " + _("expected an object.")})
        slug = item.get("category")
        if slug not in categories:
            raise ValidationError({"products": f"{where}: " + _("unknown category %(v)s.") % {"v": str(slug)[:40]}})
        months = item.get("months", 4095)
        if not isinstance(months, int) or isinstance(months, bool) or not 0 < months <= 4095:
            raise ValidationError({"products": f"{where}: " + _("months must name at least one month.")})
        item_labels = item.get("labels", [])
        if not isinstance(item_labels, list) or any(label not in labels for label in item_labels):
            raise ValidationError({"products": f"{where}: " + _("unknown label.")})
        note = text_value("note", item.get("note", ""))
        if slug in cleaned:
            raise ValidationError({"products": f"{where}: " + _("category %(v)s given twice.") % {"v": slug}})
        volume = item.get("monthly_volume")
        unit = item.get("unit") or ""
        if volume is not None:
            if isinstance(volume, bool) or not isinstance(volume, int | float) or not 0 < volume < 1e8:
                raise ValidationError({"products": f"{where}: " + _("the volume per month must be more than zero.")})
            if unit not in Unit.values:
                raise ValidationError({"products": f"{where}: " + _("say the unit of the volume.")})
            volume = round(float(volume), 2)
        else:
            unit = ""
        cleaned[slug] = {
            "category": slug, "months": months, "labels": sorted(set(item_labels)), "note": note,
            "monthly_volume": volume, "unit": unit,
        }  # fmt: skip
    return [cleaned[slug] for slug in sorted(cleaned)]


def _photos_clean(entry: Entry, value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValidationError({"photos": _("Expected a list of photo numbers.")})
    known = set(Photo.objects.filter(**{_owner_field(entry): entry}).values_list("id", flat=True))
    if not set(value) <= known:
        raise ValidationError({"photos": _("Unknown photo.")})
    return sorted(set(value))


# --- Writing ---------------------------------------------------------------------------------------


def values_write(*, entry: Entry, values: Mapping[str, Any]) -> None:
    """Write cleaned values (as revisions keep them) to the entry through the directory's services."""
    plain: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("products", "photos"):
            continue
        if name == "commune":
            plain["commune_id"] = value
        elif name == "closed_at":
            plain[name] = dt.date.fromisoformat(value) if value else None
        else:
            plain[name] = value
    entry_update(entry=entry, values=plain)
    if "photos" in values:
        entry_photos_set(entry=entry, photo_ids=values["photos"])
    if "products" in values:
        assert isinstance(entry, Actor)
        actor_offers_set(actor=entry, products=values["products"])
