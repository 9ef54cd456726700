"""Suggested corrections: anybody may suggest one (or report a closed place); the owner or a coordinator
accepts it (a revision) or rejects it, and the person who suggested it hears about the decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.permissions import can_edit, is_coordinator
from terroir.directory import fields
from terroir.directory.editing import (
    Entry,
    User,
    entity_of,
    entry_get,
    fields_of,
    text_value,
    value_clean,
    value_of,
    values_of,
    version_of,
)
from terroir.directory.models import Entity, Place

from . import notify
from .audit import audit_record
from .models import Revision, Suggestion
from .revisions import by_of, entry_edit, locked

# What a visitor may suggest: facts anybody can check, not the owner's consent or their pictures.
SUGGESTIBLE = {
    Entity.ACTOR: ("name", "description", "address", "postcode", "commune", "lat", "lon", "email", "phone", "website"),
    Entity.PLACE: (
        "name", "kind", "description", "address", "postcode", "commune", "lat", "lon", "opening_hours", "email",
        "phone", "website", "closed_at",
    ),
}  # fmt: skip


@dataclass
class SuggestionInput:
    changes: dict[str, Any] = field(default_factory=dict)
    kind: str = Suggestion.Kind.CORRECTION
    comment: str = ""
    email: str = ""
    # The values the person saw (the page's, read again from it; an API client's last read) and the entry's
    # version then. Without them, the entry's values when the suggestion arrives.
    against: dict[str, Any] | None = None
    version: str = ""


def _seen(entry: Entry, name: str, against: dict[str, Any] | None) -> Any:
    """The value of `name` the person corrected: as they saw it when known and valid, else as it is now."""
    if against is None or name not in against:
        return value_of(entry, name)
    try:
        return value_clean(entry, name, against[name])
    except ValidationError:
        return value_of(entry, name)


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
        # A field is suggested when the person changed what they saw and the entry is not so already. A
        # value sent back unchanged while the owner edited it meanwhile is no suggestion to undo that edit.
        seen = _seen(entry, name, proposal.against)
        if cleaned != seen and cleaned != value_of(entry, name):
            diff[name] = [seen, cleaned]
    if "lat" in diff or "lon" in diff:
        lat, lon = (diff[n][1] if n in diff else value_of(entry, n) for n in ("lat", "lon"))
        if (lat is None) != (lon is None):
            errors.setdefault("lat", []).append(_("Latitude and longitude go together."))
    comment = text_value("comment", proposal.comment) if proposal.comment else ""
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
    version = proposal.version[:40] if proposal.version else version_of(entry)
    return Suggestion.objects.create(
        entity=entity, entity_id=entry.pk, kind=proposal.kind, changes=diff, comment=comment, by=by_of(by), email=email,
        version=version,
    )  # fmt: skip


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
def suggestion_accept(
    *, suggestion: Suggestion, by: User | None, confirm: bool = False, confirmed_version: str | None = None
) -> Revision | None:
    """Write the suggested values. When the entry changed since the suggestion was made (an owner's
    newer edit), nothing is written unless `confirm`: SuggestionStale says what moved. A confirmation
    given on a page showing the entry at `confirmed_version` holds only while the entry is still so."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError({"__all__": [_("This suggestion was already decided.")]})
    entry = entry_get(suggestion.entity, suggestion.entity_id)
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not moderate this entry."))
    entry = locked(entry)
    moved = suggestion_moved(suggestion, entry)
    if moved and (not confirm or (confirmed_version is not None and confirmed_version != version_of(entry))):
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
    _decide(suggestion, Suggestion.Status.REJECTED, by=by, note=text_value("note", note)[:500])
    return suggestion


def _decide(suggestion: Suggestion, status: str, *, by: User | None, note: str) -> None:
    suggestion.status = status
    suggestion.decided_by = by_of(by)
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
    transaction.on_commit(lambda: notify.suggestion_decided(suggestion))


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
