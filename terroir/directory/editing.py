"""Editing directory entries by people: owners' edits, accepted suggestions, reverts — each one a Revision.

Every value goes through `value_clean` (one validator for web forms, the API and suggestions) and is
kept in revisions as JSON (commune by INSEE code, dates in ISO 8601, products as a list of dicts), so
that a revision can be shown as a diff and undone by writing its old values back.

Two people editing the same entry: each edit names the version it started from (the entry's
`updated_at`); when the entry changed since, `EditConflict` says what changed and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.lib.geo import valid_lat, valid_lon

from . import fields
from .index import actor_search_key, actors_reindex, map_cells_refresh, places_reindex
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
    Revision,
    Suggestion,
    Unit,
)
from .taxonomy import REQUIREMENTS

User = AbstractBaseUser | AnonymousUser
Entry = Actor | Place

COMMON_FIELDS = (
    "name", "description", "address", "postcode", "commune", "lat", "lon", "email", "phone", "website",
    "contact_public",
)  # fmt: skip
ACTOR_FIELDS = (
    *COMMON_FIELDS, "legal_form", "siret", "delivery_radius_km", "delivery_weekdays", "requirements", "buyer_kind",
    "products", "photos",
)  # fmt: skip
PLACE_FIELDS = (*COMMON_FIELDS, "kind", "opening_hours", "closed_at", "photos")
# What a visitor may suggest: facts anybody can check, not the owner's consent or their pictures.
SUGGESTIBLE = {
    Entity.ACTOR: ("name", "description", "address", "postcode", "commune", "lat", "lon", "email", "phone", "website"),
    Entity.PLACE: (
        "name", "kind", "description", "address", "postcode", "commune", "lat", "lon", "opening_hours", "email",
        "phone", "website", "closed_at",
    ),
}  # fmt: skip
MAX_TEXT = {
    "name": 200, "description": 5000, "address": 255, "opening_hours": 255, "caption": 200, "website": 200,
    "phone": 30, "comment": 2000,
}  # fmt: skip
MAX_PRODUCTS = 200
# Texts that may span several lines; every other text is one line, without control characters.
MULTILINE = frozenset({"description", "comment", "note"})


class EditConflict(Exception):
    """The entry changed since the editor opened it: `changed` lists the fields changed since, with
    their current values; `revisions` the changes recorded meanwhile."""

    def __init__(self, *, current: Mapping[str, Any], changed: Sequence[str], revisions: Sequence[Revision]):
        super().__init__("the entry changed since it was opened")
        self.current = dict(current)
        self.changed = list(changed)
        self.revisions = list(revisions)


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


def owned_fields(entity: str, entity_ids: Sequence[int]) -> dict[int, set[str]]:
    """The fields of each entry that somebody changed on the platform (an owner's or a coordinator's
    edit, an accepted suggestion, the API, an undo): imports no longer write them."""
    owned: dict[int, set[str]] = {}
    for start in range(0, len(entity_ids), 900):
        revisions = (
            Revision.objects.filter(entity=entity, entity_id__in=entity_ids[start : start + 900])
            .exclude(origin=Revision.Origin.IMPORT)
            .values_list("entity_id", "changes")
        )
        for entity_id, changes in revisions:
            owned.setdefault(entity_id, set()).update(changes)
    return owned


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


def _text(name: str, value: Any, *, required: bool = False) -> str:
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
        return _text(name, value, required=True)
    if name in ("description", "address"):
        return _text(name, value)
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
        note = _text("note", item.get("note", ""))
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


# --- Permissions -----------------------------------------------------------------------------------


def can_edit(user: User | None, entry: Entry) -> bool:
    from terroir.accounts.permissions import can_edit as allowed

    return allowed(user, entry)


def _by(user: User | None) -> Any:
    return user if user is not None and user.is_authenticated else None


# --- Writing ---------------------------------------------------------------------------------------


def _locked(entry: Entry) -> Entry:
    model = type(entry)
    return model.objects.select_for_update(of=("self",)).select_related("commune").get(pk=entry.pk)


def _apply(entry: Entry, values: Mapping[str, Any], *, by: User | None) -> None:
    """Write cleaned values to the entry and refresh what depends on them."""
    old_position = (entry.lat, entry.lon)
    old_visible = isinstance(entry, Place) and entry.closed_at is None
    plain = {k: v for k, v in values.items() if k not in ("products", "photos")}
    for name, value in plain.items():
        if name == "commune":
            entry.commune_id = value
        elif name == "closed_at":
            setattr(entry, name, dt.date.fromisoformat(value) if value else None)
        else:
            setattr(entry, name, value)
    # A position is a pair, for a producer as for a place: half of one is on no map yet counts as known.
    moved = "lat" in values or "lon" in values or (isinstance(entry, Place) and "kind" in values)
    if moved and (entry.lat is None) != (entry.lon is None):
        raise ValidationError({"lat": _("Latitude and longitude go together.")})
    if isinstance(entry, Place) and moved and entry.lat is None and entry.kind != PlaceKind.ONLINE:
        raise ValidationError({"lat": _("A place other than online needs coordinates.")})
    entry.updated_at = timezone.now()
    if isinstance(entry, Actor) and ("name" in values or "commune" in values):
        commune = Commune.objects.filter(code=entry.commune_id).first() if entry.commune_id else None
        entry.search_key = actor_search_key(entry.name, commune.name if commune else "")
    entry.save()
    if "photos" in values:
        photos = Photo.objects.filter(**{_owner_field(entry): entry})
        photos.exclude(id__in=values["photos"]).filter(removed_at=None).update(removed_at=timezone.now())
        photos.filter(id__in=values["photos"]).update(removed_at=None)
    if isinstance(entry, Actor):
        if "products" in values:
            _products_write(entry, values["products"])
        from .services import actor_place_ids

        if {"name", "commune", "products"} & set(values):
            places_reindex(place_ids=actor_place_ids(entry))
            actors_reindex(actor_ids=[entry.pk])
        return
    if {"name", "kind", "commune", "lat", "lon", "closed_at"} & set(values):
        places_reindex(place_ids=[entry.pk])
    visible = entry.closed_at is None
    if {"lat", "lon", "kind", "closed_at"} & set(values) and (old_visible or visible):
        map_cells_refresh(positions=[old_position, (entry.lat, entry.lon)])


def _products_write(actor: Actor, products: list[dict[str, Any]]) -> None:
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


@transaction.atomic
def entry_edit(
    *,
    entry: Entry,
    changes: Mapping[str, Any],
    by: User | None,
    version: str | None,
    origin: str = Revision.Origin.EDIT,
    suggestion: Suggestion | None = None,
    reverts: Revision | None = None,
    check_permission: bool = True,
) -> Revision | None:
    """Change the entry's fields; returns the revision, or None when nothing actually changed.

    `version` is what `version_of` gave the editor; None skips the check (moderation and reverts, which
    compare values themselves)."""
    if check_permission and not can_edit(by, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = [name for name in changes if name not in fields_of(entry)]
    shown = values_of(entry, [name for name in changes if name not in unknown])
    for name, value in changes.items():
        if name not in unknown and value == shown[name]:
            # Sent back as it was shown: not validated again, so that a value imported before today's
            # rules (an odd phone number) does not stop an owner from changing their opening hours.
            continue
        try:
            cleaned[name] = value_clean(entry, name, value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [(name, exc.messages)]:
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    current = _locked(entry)
    if version is not None and version != version_of(current):
        raise _conflict(current, since=version)
    before = values_of(current, cleaned)
    diff = {name: [before[name], value] for name, value in cleaned.items() if before[name] != value}
    if not diff:
        return None
    _apply(current, {name: new for name, (_old, new) in diff.items()}, by=by)
    revision = Revision.objects.create(
        entity=entity_of(current), entity_id=current.pk, by=_by(by), origin=origin, changes=diff,
        reverts=reverts, suggestion=suggestion,
    )  # fmt: skip
    entry.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    _audit_if_coordinator(by, current, "entry_edit" if origin != Revision.Origin.REVERT else "revision_revert", diff)
    return revision


def _conflict(current: Entry, *, since: str) -> EditConflict:
    try:
        moment = dt.datetime.fromisoformat(since)
    except ValueError:
        moment = None
    revisions = list(
        Revision.objects.filter(
            entity=entity_of(current), entity_id=current.pk, **({"at__gt": moment} if moment else {})
        )
        .select_related("by")
        .order_by("at")
    )
    changed = sorted({name for revision in revisions for name in revision.changes})
    return EditConflict(current=values_of(current), changed=changed, revisions=revisions)


def _audit_if_coordinator(by: User | None, entry: Entry, action: str, diff: Mapping[str, Any]) -> None:
    from terroir.accounts.audit import audit_record
    from terroir.accounts.permissions import is_coordinator, is_member

    if by is None or not is_coordinator(by) or is_member(by, entry):
        return
    names = ", ".join(sorted(diff))
    audit_record(by=by, action=action, target=f"{entity_of(entry)}:{entry.pk}", summary=f"{entry.name}: {names}")


@transaction.atomic
def entry_verify(*, entry: Entry, by: User | None) -> Entry:
    """The owner (or a coordinator) confirms the entry is still true today."""
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    current = _locked(entry)
    today = timezone.localdate()
    old = current.verified_at.isoformat() if current.verified_at else None
    current.verified_at = today
    current.updated_at = timezone.now()
    current.save(update_fields=["verified_at", "updated_at"])
    Revision.objects.create(
        entity=entity_of(current), entity_id=current.pk, by=_by(by), origin=Revision.Origin.VERIFY,
        changes={"verified_at": [old, today.isoformat()]},
    )  # fmt: skip
    entry.verified_at, entry.updated_at = current.verified_at, current.updated_at
    return current


def verification_due(entry: Entry, *, today: dt.date | None = None) -> bool:
    """True when nobody confirmed the entry for TERROIR_VERIFY_MONTHS months."""
    return entry.verified_at is None or entry.verified_at < verification_cutoff(today)


def verification_cutoff(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    months = settings.TERROIR_VERIFY_MONTHS
    year, month = divmod(today.month - 1 - months, 12)
    day = min(today.day, 28)
    return dt.date(today.year + year, month + 1, day)


class RevertRefused(Exception):
    def __init__(self, message: str, fields: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.fields = list(fields)


@transaction.atomic
def revision_revert(*, revision: Revision, by: User | None) -> Revision | None:
    """Write back the old values of a revision, as a new revision. Refused when a field it changed was
    changed again later (undo the later change first), or when it only confirmed the entry."""
    entry = entry_get(revision.entity, revision.entity_id)
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    back = {name: old for name, (old, _new) in revision.changes.items() if name in fields_of(entry)}
    if not back:
        raise RevertRefused(_("This change cannot be undone."))
    current = values_of(_locked(entry), back)
    moved = [name for name in back if current[name] != revision.changes[name][1]]
    if moved:
        raise RevertRefused(
            _("These fields were changed again since: %(fields)s. Undo the later change first.")
            % {"fields": ", ".join(moved)},
            moved,
        )
    return entry_edit(entry=entry, changes=back, by=by, version=None, origin=Revision.Origin.REVERT, reverts=revision)


def revisions_of(entry: Entry) -> list[Revision]:
    return list(
        Revision.objects.filter(entity=entity_of(entry), entity_id=entry.pk).select_related("by").order_by("-at", "-id")
    )


# --- Suggestions -----------------------------------------------------------------------------------


@dataclass
class SuggestionInput:
    changes: dict[str, Any] = field(default_factory=dict)
    kind: str = Suggestion.Kind.CORRECTION
    comment: str = ""
    email: str = ""


@transaction.atomic
def suggestion_submit(*, entry: Entry, proposal: SuggestionInput, by: User | None) -> Suggestion:
    """Record a visitor's correction (only the fields whose value differs) for moderation."""
    entity = entity_of(entry)
    allowed = SUGGESTIBLE[Entity(entity)]
    if proposal.kind not in Suggestion.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of suggestion.")})
    changes = dict(proposal.changes)
    if proposal.kind == Suggestion.Kind.CLOSED:
        if not isinstance(entry, Place):
            raise ValidationError({"kind": _("Only a place can be reported as closed.")})
        changes = {"closed_at": changes.get("closed_at") or timezone.localdate().isoformat()}
    errors: dict[str, list[str]] = {}
    diff: dict[str, list[Any]] = {}
    for name, value in changes.items():
        if name not in allowed:
            errors.setdefault(name, []).append(_("This field cannot be suggested."))
            continue
        try:
            cleaned = value_clean(entry, name, value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        current = value_of(entry, name)
        if cleaned != current:
            diff[name] = [current, cleaned]
    if "lat" in diff or "lon" in diff:
        lat, lon = (diff[n][1] if n in diff else value_of(entry, n) for n in ("lat", "lon"))
        if (lat is None) != (lon is None):
            errors.setdefault("lat", []).append(_("Latitude and longitude go together."))
    comment = _text("comment", proposal.comment) if proposal.comment else ""
    if len(comment) > 2000:
        errors.setdefault("comment", []).append(_("At most %(limit)s characters.") % {"limit": 2000})
    email = ""
    try:
        email = fields.email_clean(proposal.email)
    except ValidationError as exc:
        errors.setdefault("email", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if not diff and not comment:
        raise ValidationError({"__all__": [_("Nothing differs from the entry: change a field or leave a comment.")]})
    return Suggestion.objects.create(
        entity=entity, entity_id=entry.pk, kind=proposal.kind, changes=diff, comment=comment, by=_by(by), email=email
    )


def can_moderate(user: User | None, suggestion: Suggestion) -> bool:
    return can_edit(user, entry_get(suggestion.entity, suggestion.entity_id))


class SuggestionStale(Exception):
    """The entry changed since the suggestion was made: `rows` gives, for each field that moved, the
    value when suggested, the value now and the value suggested. Accepting needs `confirm`."""

    def __init__(self, rows: Sequence[tuple[str, Any, Any, Any]]):
        super().__init__("the entry changed since the suggestion was made")
        self.rows = list(rows)


def suggestion_moved(suggestion: Suggestion, entry: Entry) -> list[tuple[str, Any, Any, Any]]:
    """(field, value when suggested, value now, suggested value) for each field changed since."""
    names = [name for name in suggestion.changes if name in fields_of(entry)]
    now = values_of(entry, names)
    return [
        (name, suggestion.changes[name][0], now[name], suggestion.changes[name][1])
        for name in names
        if now[name] != suggestion.changes[name][0]
    ]


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by: User | None, confirm: bool = False) -> Revision | None:
    """Write the suggested values. When the entry changed since the suggestion was made (an owner's
    newer edit), nothing is written unless `confirm`: SuggestionStale says what moved."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError({"__all__": [_("This suggestion was already decided.")]})
    entry = entry_get(suggestion.entity, suggestion.entity_id)
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not moderate this entry."))
    moved = suggestion_moved(suggestion, _locked(entry))
    if moved and not confirm:
        raise SuggestionStale(moved)
    revision = entry_edit(
        entry=entry,
        changes={name: new for name, (_old, new) in suggestion.changes.items()},
        by=by,
        version=None,
        origin=Revision.Origin.SUGGESTION,
        suggestion=suggestion,
    )
    _decide(suggestion, Suggestion.Status.ACCEPTED, by=by, note="")
    return revision


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, by: User | None, note: str = "") -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError({"__all__": [_("This suggestion was already decided.")]})
    entry = entry_get(suggestion.entity, suggestion.entity_id)
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not moderate this entry."))
    _decide(suggestion, Suggestion.Status.REJECTED, by=by, note=_text("note", note)[:500])
    return suggestion


def _decide(suggestion: Suggestion, status: str, *, by: User | None, note: str) -> None:
    from terroir.accounts.audit import audit_record
    from terroir.accounts.notify import suggestion_decided
    from terroir.accounts.permissions import is_coordinator

    suggestion.status = status
    suggestion.decided_by = _by(by)
    suggestion.decided_at = timezone.now()
    suggestion.decision_note = note
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if by is not None and is_coordinator(by):
        audit_record(
            by=by,
            action=f"suggestion_{status}",
            target=f"{suggestion.entity}:{suggestion.entity_id}",
            summary=f"suggestion {suggestion.pk}: " + (", ".join(sorted(suggestion.changes)) or suggestion.kind),
        )
    transaction.on_commit(lambda: suggestion_decided(suggestion))


def suggestions_pending(*, entries: Iterable[Entry] | None = None) -> list[Suggestion]:
    """The moderation queue: every pending suggestion, or those about the given entries."""
    rows = Suggestion.objects.filter(status=Suggestion.Status.PENDING).select_related("by").order_by("created_at")
    if entries is None:
        return list(rows)
    wanted = {(entity_of(e), e.pk) for e in entries}
    if not wanted:
        return []
    places = [pk for entity, pk in wanted if entity == Entity.PLACE]
    actors = [pk for entity, pk in wanted if entity == Entity.ACTOR]
    return list(
        rows.filter(entity=Entity.PLACE, entity_id__in=places) | rows.filter(entity=Entity.ACTOR, entity_id__in=actors)
    )
