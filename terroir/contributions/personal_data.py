"""A person's data: everything Terroir keeps about them as one document (right of access), and its
erasure (right to erasure), across their account, their organisations and what they contributed.

Apps of upper layers keep data about people too (carpool's trips, parcels and signatures): they register
what they add to the document (`export_register`) and what they do before the account goes
(`erasure_register`: delete, or replace the person by a pseudonym where an audit trail must stay), when the
apps load, as apps register their reapers; this module never imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from terroir.accounts.models import ApiToken, Membership, Preference, RoleRequest
from terroir.accounts.permissions import forget
from terroir.accounts.services import organisations_alone_in
from terroir.directory.editing import entity_of, products_of, values_of
from terroir.directory.french import elided
from terroir.directory.models import Actor, Place
from terroir.directory.services import actor_update, place_update

from . import notify
from .models import AuditEntry, Claim, Revision, Suggestion

# An app's part of the document: its key, and what it keeps about the person (JSON-ready).
_exports: dict[str, Callable[[Any], Any]] = {}
# What an app does with the person's rows, inside the erasure's transaction, before the account is deleted.
_erasers: list[Callable[[Any], object]] = []


def export_register(key: str, export: Callable[[Any], Any]) -> None:
    _exports[key] = export


def erasure_register(eraser: Callable[[Any], object]) -> None:
    if eraser not in _erasers:
        _erasers.append(eraser)


def user_data_export(*, user: Any) -> dict[str, Any]:
    """Everything Terroir keeps about a person, as one JSON document (right of access)."""
    return _own_export(user) | {key: export(user) for key, export in _exports.items()}


def _own_export(user: Any) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=user).select_related("actor")
    return {
        "account": {
            "email": user.email,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "coordinator": bool(user.is_staff),
            # The language Terroir writes to them in (None: never chosen, the site's).
            "language": Preference.objects.filter(user=user).values_list("language", flat=True).first(),
        },
        "organisations": [
            {
                "id": m.actor_id,
                "how": m.how,
                "since": m.created_at.isoformat(),
                "entry": {k: v for k, v in values_of(m.actor).items() if k not in ("products", "photos")},
                "products": products_of(m.actor),
            }
            for m in memberships
        ],
        "claims": [
            {
                "entry": f"{entity_of(c.entry)}:{c.entry.pk}",
                "status": c.status,
                "message": c.message,
                "at": c.created_at.isoformat(),
            }
            for c in Claim.objects.filter(user=user).select_related("actor", "place")
        ],
        "suggestions": [
            {
                "entry": f"{s.entity}:{s.entity_id}",
                "kind": s.kind,
                "changes": s.changes,
                "comment": s.comment,
                "status": s.status,
                "at": s.created_at.isoformat(),
            }
            for s in Suggestion.objects.filter(Q(by=user) | Q(email__iexact=user.email))
        ],
        "revisions": [
            {"entry": f"{r.entity}:{r.entity_id}", "origin": r.origin, "changes": r.changes, "at": r.at.isoformat()}
            for r in Revision.objects.filter(by=user).order_by("at")
        ],
        "role_requests": [
            {"organisation": r.actor_id, "role": r.role, "status": r.status, "at": r.created_at.isoformat()}
            for r in RoleRequest.objects.filter(user=user)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "scope": t.scope,
                "prefix": t.prefix,
                "created": t.created_at.isoformat(),
                "revoked": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in ApiToken.objects.filter(user=user)
        ],
        "coordinator_actions": [
            {"action": a.action, "target": a.target, "summary": a.summary, "at": a.at.isoformat()}
            for a in AuditEntry.objects.filter(by=user)
        ],
    }


@transaction.atomic
def user_delete(*, user: Any, successors: Mapping[int, str] | None = None, hand_over: Iterable[int] = ()) -> None:
    """Erase a person (right to erasure). Their organisations' public entries stay in the directory;
    revisions they made stay, signed by nobody; their address leaves the suggestions they left and the
    entries of their organisations (organisation_create copies it there).

    An organisation they are the only member of is never left without a word: `successors` names, per
    organisation id, the e-mail of the account that takes over, or `hand_over` leaves it to the
    coordinators. Otherwise ValidationError({"successor_<id>": ...}) and nothing is erased."""
    successors, handed = successors or {}, set(hand_over)
    errors: dict[str, list[str]] = {}
    takers: list[tuple[Actor, Any]] = []
    for actor in organisations_alone_in(user=user):
        field = f"successor_{actor.pk}"
        address = (successors.get(actor.pk) or "").strip()
        if address:
            taker = get_user_model().objects.filter(email__iexact=address, is_active=True).exclude(pk=user.pk).first()
            if taker is None:
                message = _("No account uses %(email)s: ask them to sign up, or hand %(name)s to the coordinators.")
                errors[field] = [message % {"email": address[:254], "name": actor.name}]
            else:
                takers.append((actor, taker))
        elif actor.pk not in handed:
            errors[field] = [
                elided(
                    _("You are the only member of %(name)s: name who takes over, or hand it to the coordinators.")
                    % {"name": actor.name},
                    actor.name,
                )
            ]
    if errors:
        raise ValidationError(errors)
    space = settings.TERROIR_SITE_URL + reverse("accounts:space")
    for actor, taker in takers:
        Membership.objects.get_or_create(user=taker, actor=actor, defaults={"how": Membership.How.MEMBER})
        forget(taker)
        transaction.on_commit(partial(notify.organisation_handed, organisation=actor, to=taker.email, url=space))
    _address_erase(user=user)
    Suggestion.objects.filter(Q(by=user) | Q(email__iexact=user.email)).update(email="", by=None)
    for eraser in _erasers:
        eraser(user)
    user.delete()


def _address_erase(*, user: Any) -> None:
    """Take the person's address off their organisations' entries and places, and out of those entries'
    history (where it would otherwise stay as an old value)."""
    if not user.email:
        return
    actor_ids = list(Membership.objects.filter(user_id=user.pk).values_list("actor_id", flat=True))
    place_ids = list(Place.objects.filter(operator_id__in=actor_ids).values_list("id", flat=True))
    for actor in Actor.objects.filter(pk__in=actor_ids, email__iexact=user.email):
        actor_update(actor=actor, values={"email": ""})
    for place in Place.objects.filter(pk__in=place_ids, email__iexact=user.email):
        place_update(place=place, values={"email": ""})
    address = user.email.lower()
    history = Revision.objects.filter(
        Q(entity="actor", entity_id__in=actor_ids) | Q(entity="place", entity_id__in=place_ids),
        changes__has_key="email",
    )
    for revision in history:
        values = revision.changes["email"]
        scrubbed = ["" if isinstance(v, str) and v.lower() == address else v for v in values]
        if scrubbed != values:
            revision.changes = {**revision.changes, "email": scrubbed}
            revision.save(update_fields=["changes"])
