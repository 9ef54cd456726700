"""Writes about people: organisations they create, roles they ask for, API tokens. Claims, decisions on
roles, personal data export and erasure need what people contributed: terroir.contributions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.directory import fields
from terroir.directory.models import BUYER_KINDS, Actor, Commune
from terroir.directory.services import actor_create

from .models import ApiToken, Membership, Preference, RoleRequest
from .permissions import Role, forget, is_member

TOKEN_PREFIX = "trr_"


@transaction.atomic
def organisation_create(*, user: Any, name: str, role: str, commune: Commune | None, buyer_kind: str = "") -> Actor:
    """A person adds their organisation to the directory and becomes its first member. A carrier is not one
    until a coordinator approves: the organisation is created without the role and its request waits."""
    name = fields.clean("name", name)  # the directory's rule for a name: one line, 200 characters at most
    if role not in (Role.PRODUCER, Role.BUYER, Role.CARRIER):
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.BUYER and buyer_kind not in BUYER_KINDS:
        raise ValidationError({"buyer_kind": _("Say what kind of buyer you are.")})
    actor = actor_create(
        name=name,
        is_producer=role == Role.PRODUCER,
        is_buyer=role == Role.BUYER,
        buyer_kind=buyer_kind if role == Role.BUYER else "",
        commune=commune,
        lat=commune.lat if commune else None,
        lon=commune.lon if commune else None,
        postcode=fields.postcode_of_commune(commune.postcodes if commune else ""),
        email=user.email,
        verified_at=timezone.localdate(),
    )
    Membership.objects.create(user=user, actor=actor, how=Membership.How.CREATED)
    forget(user)
    if role == Role.CARRIER:
        role_request(user=user, actor=actor, role=role)
    return actor


# --- Roles that need trust -------------------------------------------------------------------------


def _has_role(actor: Actor, role: str) -> bool:
    return role == RoleRequest.Role.CARRIER and actor.is_carrier


@transaction.atomic
def role_request(*, user: Any, actor: Actor, role: str, message: str = "") -> RoleRequest:
    """A member asks that their organisation be given a role that opens other people's data."""
    if role not in RoleRequest.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not is_member(user, actor):
        raise PermissionDenied(_("Only a member of the organisation may ask for its roles."))
    if _has_role(actor, role):
        raise ValidationError({"role": _("Your organisation has this role already.")})
    existing = RoleRequest.objects.filter(actor=actor, role=role, status=RoleRequest.Status.PENDING).first()
    if existing is not None:
        return existing
    return RoleRequest.objects.create(user=user, actor=actor, role=role, message=message.strip()[:2000])


# --- API tokens ------------------------------------------------------------------------------------


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: Any, name: str, scope: str) -> tuple[ApiToken, str]:
    """Returns the token and its key, shown once: only its digest is kept."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Unknown scope.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], scope=scope, prefix=key[:12], digest=_digest(key))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    """The owner revokes their key (a coordinator does it through terroir.contributions.roles, audited)."""
    if token.user_id != by.pk:
        raise PermissionDenied(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token of this key, or None. Constant-time comparison of the digests."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=key[:12]).first()
    if token is None or not secrets.compare_digest(token.digest, _digest(key)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- Personal data ---------------------------------------------------------------------------------


def organisations_alone_in(*, user: Any) -> list[Actor]:
    """The organisations this person is the only member of: nobody would manage them after them."""
    theirs = Membership.objects.filter(user_id=user.pk).values("actor_id")
    alone = (
        Membership.objects.filter(actor_id__in=theirs)
        .values("actor_id")
        .annotate(members=Count("id"))
        .filter(members=1)
        .values("actor_id")
    )
    return list(Actor.objects.filter(pk__in=alone).order_by("name"))


@transaction.atomic
def name_set(*, user: Any, first_name: str, last_name: str) -> None:
    """The name the person gives the other people of Terroir (accounts.people.name_of): one line each, at
    most 150 characters (the account's columns); both empty, they are named by their organisation."""
    first = fields.text_clean("first_name", first_name, limit=150)
    last = fields.text_clean("last_name", last_name, limit=150)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])


def language_set(*, user: Any, language: str) -> Preference:
    """The language `user` wants Terroir to write to them in (one of the site's languages)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the site's languages."))
    preference, _created = Preference.objects.update_or_create(user=user, defaults={"language": language})
    return preference
