"""Revisions of directory entries: owners' and coordinators' edits, accepted suggestions, imports'
changes and reverts — each one a Revision, so that any change can be shown as a diff and undone.

Two people editing the same entry: each edit names the version it started from (the entry's
`updated_at`); when the entry changed since, `EditConflict` says what changed and nothing is written.
When imports merge two entries, `entry_merge` moves the history of the one that goes along with what
points at it (terroir.directory.references), and `entry_split` brings both back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from terroir.accounts.permissions import can_edit, is_coordinator, is_member
from terroir.directory import references
from terroir.directory.editing import (
    Entry,
    User,
    entity_of,
    entry_get,
    fields_of,
    value_clean,
    values_of,
    values_write,
    version_of,
)
from terroir.directory.models import Entity, Place

from .audit import audit_record
from .models import Revision, Suggestion


def by_of(user: User | None) -> Any:
    """The person to sign a row with: nobody for an anonymous visitor."""
    return user if user is not None and user.is_authenticated else None


class EditConflict(Exception):
    """The entry changed since the editor opened it: `changed` lists the fields changed since, with
    their current values; `revisions` the changes recorded meanwhile."""

    def __init__(self, *, current: Mapping[str, Any], changed: Sequence[str], revisions: Sequence[Revision]):
        super().__init__("the entry changed since it was opened")
        self.current = dict(current)
        self.changed = list(changed)
        self.revisions = list(revisions)


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


def locked(entry: Entry) -> Entry:
    """The entry read again and locked for the rest of the transaction."""
    model = type(entry)
    return model.objects.select_for_update(of=("self",)).select_related("commune").get(pk=entry.pk)


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
    current = locked(entry)
    if version is not None and version != version_of(current):
        raise _conflict(current, since=version)
    before = values_of(current, cleaned)
    diff = {name: [before[name], value] for name, value in cleaned.items() if before[name] != value}
    if not diff:
        return None
    values_write(entry=current, values={name: new for name, (_old, new) in diff.items()})
    revision = Revision.objects.create(
        entity=entity_of(current), entity_id=current.pk, by=by_of(by), origin=origin, changes=diff,
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
    if by is None or not is_coordinator(by) or is_member(by, entry):
        return
    names = ", ".join(sorted(diff))
    audit_record(by=by, action=action, target=f"{entity_of(entry)}:{entry.pk}", summary=f"{entry.name}: {names}")


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
    current = values_of(locked(entry), back)
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


@transaction.atomic
def entry_merge(*, entry: Entry, into: Entry, keep_out: Collection[str] = ()) -> dict[str, Any]:
    """Merge `entry` into `into` (terroir.directory.references.entry_merge), its revisions and
    suggestions along: the trace lists them for `entry_split`."""
    entity = Entity.PLACE if isinstance(entry, Place) else Entity.ACTOR
    revisions = list(Revision.objects.filter(entity=entity, entity_id=entry.pk).values_list("pk", flat=True))
    suggestions = list(Suggestion.objects.filter(entity=entity, entity_id=entry.pk).values_list("pk", flat=True))
    Revision.objects.filter(pk__in=revisions).update(entity_id=into.pk)
    Suggestion.objects.filter(pk__in=suggestions).update(entity_id=into.pk)
    trace = references.entry_merge(entry=entry, into=into, keep_out=keep_out)
    return {**trace, "revisions": revisions, "suggestions": suggestions}


@transaction.atomic
def entry_split(*, trace: dict[str, Any], from_id: int) -> Entry:
    """Bring back the entry `entry_merge` took away, with the revisions and suggestions that were its own."""
    entry = references.entry_split(trace=trace, from_id=from_id)
    moved_back = {"entity": entity_of(entry), "entity_id": from_id}
    Revision.objects.filter(pk__in=trace.get("revisions", []), **moved_back).update(entity_id=entry.pk)
    Suggestion.objects.filter(pk__in=trace.get("suggestions", []), **moved_back).update(entity_id=entry.pk)
    return entry
