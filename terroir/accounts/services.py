"""Writes about people: organisations they create, entries they claim, roles they ask for, API tokens,
their personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.directory import fields
from terroir.directory.editing import entity_of, products_of, values_of
from terroir.directory.index import actor_search_key, places_reindex
from terroir.directory.models import BUYER_KINDS, Actor, Commune, Place, PlaceKind, Revision, Suggestion

from . import notify
from .audit import audit_record
from .models import ApiToken, AuditEntry, Claim, Membership, RoleRequest
from .permissions import Role, forget, is_coordinator, is_member

CLAIM_SALT = "terroir.claim"
CLAIM_MAX_AGE = dt.timedelta(days=7)
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
    actor = Actor.objects.create(
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
        search_key=actor_search_key(name, commune.name if commune else ""),
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


@transaction.atomic
def role_request_decide(*, request: RoleRequest, by: Any, accept: bool) -> RoleRequest:
    """A coordinator grants the role (the organisation has it from now on) or refuses it."""
    if not is_coordinator(by):
        raise PermissionDenied(_("Only a coordinator decides on requests."))
    request = RoleRequest.objects.select_for_update().select_related("actor", "user").get(pk=request.pk)
    if request.status != RoleRequest.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if accept and request.role == RoleRequest.Role.CARRIER:
        Actor.objects.filter(pk=request.actor_id).update(is_carrier=True, updated_at=timezone.now())
    request.status = RoleRequest.Status.APPROVED if accept else RoleRequest.Status.REJECTED
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        by=by,
        action="role_grant" if accept else "role_refuse",
        target=f"actor:{request.actor_id}",
        summary=f"{request.role}: {request.actor.name} ({request.user.email})",
    )
    transaction.on_commit(lambda: notify.role_request_decided(request))
    return request


def role_requests_pending() -> list[RoleRequest]:
    return list(
        RoleRequest.objects.filter(status=RoleRequest.Status.PENDING)
        .select_related("user", "actor", "actor__commune")
        .order_by("created_at")
    )


# --- Claims ----------------------------------------------------------------------------------------


def organisation_of(entry: Actor | Place) -> Actor | None:
    """The organisation a claim would make the claimant a member of (rights are per organisation)."""
    return entry if isinstance(entry, Actor) else entry.operator


def _address_on_file(entry: Actor | Place) -> str:
    """Where the confirmation link goes; empty when somebody must decide instead.

    Accepting a claim makes the claimant a member of the whole organisation behind the entry. When that
    organisation has members, they decide (or a coordinator): a mailbox on file proves nothing against
    people already in charge. A carrier without members is decided by a coordinator: its people see the
    addresses and phones of every party of its rounds, a role that is granted, not taken. Otherwise the
    organisation's own address confirms (for a place, never the place's own mailbox)."""
    organisation = organisation_of(entry)
    if organisation is not None and (_managers_of(entry) or organisation.is_carrier):
        return ""
    if isinstance(entry, Place) and organisation is not None:
        return organisation.email
    return entry.email


def _managers_of(entry: Actor | Place) -> list[Any]:
    """The people who decide on a claim: the members of the organisation behind the entry."""
    organisation = organisation_of(entry)
    if organisation is None or organisation.pk is None:
        return []
    return [m.user for m in Membership.objects.filter(actor_id=organisation.pk).select_related("user")]


def claim_may_decide(*, user: Any, claim: Claim) -> bool:
    """Coordinators decide on every claim; the members of an organisation on claims of it and its places."""
    if is_coordinator(user):
        return True
    organisation = organisation_of(claim.entry)
    return organisation is not None and is_member(user, organisation)


def claim_token(claim: Claim) -> str:
    return signing.TimestampSigner(salt=CLAIM_SALT).sign(str(claim.pk))


@transaction.atomic
def claim_request(*, user: Any, entry: Actor | Place, message: str, link: Callable[[str], str]) -> Claim:
    """Ask to manage an entry. When it has an e-mail on file, a confirmation link goes there (`link`
    turns a token into an absolute URL); coordinators can always decide."""
    if is_member(user, entry):
        raise ValidationError({"__all__": [_("You already manage this entry.")]})
    target = {"actor": entry} if isinstance(entry, Actor) else {"place": entry}
    existing = Claim.objects.filter(user=user, status=Claim.Status.PENDING, **target).first()
    if existing is not None:
        return existing
    claim = Claim.objects.create(user=user, message=message.strip()[:2000], sent_to=_address_on_file(entry), **target)
    if claim.sent_to:
        url = link(claim_token(claim))
        transaction.on_commit(lambda: notify.claim_confirmation(claim, url=url))
    elif managers := [m.email for m in _managers_of(entry) if m.is_active]:
        space = settings.TERROIR_SITE_URL + reverse("accounts:space")
        transaction.on_commit(lambda: notify.claim_for_managers(claim, to=managers, url=space))
    return claim


@transaction.atomic
def claim_confirm(*, token: str, user: Any) -> Claim:
    """The claimant opened the link sent to the entry's address: they manage it from now on."""
    try:
        claim_id = signing.TimestampSigner(salt=CLAIM_SALT).unsign(token, max_age=CLAIM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("This link has expired: ask again from the entry's page.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    claim = Claim.objects.select_for_update().filter(pk=int(claim_id)).first()
    if claim is None or claim.status != Claim.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if claim.user_id != user.pk:
        raise PermissionDenied(_("Sign in with the account that made the request to confirm it."))
    _claim_accept(claim, how=Membership.How.EMAIL)
    claim.status, claim.decided_at = Claim.Status.CONFIRMED, timezone.now()
    claim.save(update_fields=["status", "decided_at"])
    forget(user)
    return claim


@transaction.atomic
def claim_decide(*, claim: Claim, by: Any, accept: bool) -> Claim:
    """A coordinator, or a member of the organisation that runs the claimed place, decides."""
    if not claim_may_decide(user=by, claim=claim):
        raise PermissionDenied(_("Only a coordinator or the organisation's members decide on this request."))
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != Claim.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    coordinator = is_coordinator(by)
    if accept:
        _claim_accept(claim, how=Membership.How.COORDINATOR if coordinator else Membership.How.MEMBER)
    claim.status = Claim.Status.CONFIRMED if accept else Claim.Status.REJECTED
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    if coordinator:
        audit_record(
            by=by,
            action="claim_confirm" if accept else "claim_reject",
            target=f"{entity_of(claim.entry)}:{claim.entry.pk}",
            summary=f"{claim.user.email} → {claim.entry.name}",
        )
    transaction.on_commit(lambda: notify.claim_decided(claim))
    return claim


def _claim_accept(claim: Claim, *, how: str) -> None:
    if claim.actor is not None:
        Membership.objects.get_or_create(user=claim.user, actor=claim.actor, defaults={"how": how})
        return
    assert claim.place_id is not None
    place = Place.objects.select_for_update().get(pk=claim.place_id)
    operator = place.operator
    if operator is None:
        # The place had nobody behind it in the directory: the claimant's organisation is created from it.
        operator = Actor.objects.create(
            name=place.name,
            is_producer=place.kind in (PlaceKind.FARM, PlaceKind.PRODUCERS_SHOP),
            is_buyer=place.kind in BUYER_KINDS,
            buyer_kind=place.kind if place.kind in BUYER_KINDS else "",
            is_organisation=place.kind in (PlaceKind.MARKET, PlaceKind.AMAP, PlaceKind.RELAY),
            commune=place.commune,
            lat=place.lat,
            lon=place.lon,
            address=place.address,
            postcode=place.postcode,
            email=place.email,
            phone=place.phone,
            website=place.website,
            contact_public=place.contact_public,
            search_key=actor_search_key(place.name, place.commune.name if place.commune else ""),
        )
        place.operator = operator
        place.save(update_fields=["operator"])
        places_reindex(place_ids=[place.pk])
    Membership.objects.get_or_create(user=claim.user, actor=operator, defaults={"how": how})


def claims_pending(*, operators: Iterable[int] | None = None) -> list[Claim]:
    """Every pending claim (for coordinators), or those of these organisations and the places they run."""
    rows = Claim.objects.filter(status=Claim.Status.PENDING)
    if operators is not None:
        rows = rows.filter(Q(place__operator_id__in=list(operators)) | Q(actor_id__in=list(operators)))
    return list(
        rows.select_related("user", "actor", "place", "actor__commune", "place__commune").order_by("created_at")
    )


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
    if token.user_id != by.pk and not is_coordinator(by):
        raise PermissionDenied(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        if token.user_id != by.pk:
            audit_record(by=by, action="token_revoke", target=f"user:{token.user_id}", summary=token.name)
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


def user_data_export(*, user: Any) -> dict[str, Any]:
    """Everything Terroir keeps about a person, as one JSON document (right of access)."""
    memberships = Membership.objects.filter(user=user).select_related("actor")
    return {
        "account": {
            "email": user.email,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "coordinator": bool(user.is_staff),
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
                _("You are the only member of %(name)s: name who takes over, or hand it to the coordinators.")
                % {"name": actor.name}
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
    user.delete()


def _address_erase(*, user: Any) -> None:
    """Take the person's address off their organisations' entries and places, and out of those entries'
    history (where it would otherwise stay as an old value)."""
    if not user.email:
        return
    actor_ids = list(Membership.objects.filter(user_id=user.pk).values_list("actor_id", flat=True))
    place_ids = list(Place.objects.filter(operator_id__in=actor_ids).values_list("id", flat=True))
    now = timezone.now()
    Actor.objects.filter(pk__in=actor_ids, email__iexact=user.email).update(email="", updated_at=now)
    Place.objects.filter(pk__in=place_ids, email__iexact=user.email).update(email="", updated_at=now)
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


# --- Reminders -------------------------------------------------------------------------------------


def verification_reminders_send(*, today: dt.date | None = None, dry_run: bool = False) -> int:
    """E-mail each person whose organisation or places were not confirmed for TERROIR_VERIFY_MONTHS,
    at most once every TERROIR_REMIND_EVERY_DAYS. Returns the number of people written to."""
    from django.urls import reverse

    from terroir.directory.editing import verification_cutoff

    today = today or timezone.localdate()
    cutoff = verification_cutoff(today)
    quiet_since = timezone.now() - dt.timedelta(days=settings.TERROIR_REMIND_EVERY_DAYS)
    overdue = Q(verified_at__isnull=True) | Q(verified_at__lt=cutoff)
    memberships = (
        Membership.objects.filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=quiet_since))
        .select_related("user", "actor")
        .order_by("user_id")
    )
    by_user: dict[int, tuple[Any, list[Membership], list[tuple[str, str]]]] = {}
    for membership in memberships:
        actor = membership.actor
        due: list[tuple[str, str]] = []
        if Actor.objects.filter(overdue, pk=actor.pk).exists():
            due.append((actor.name, reverse("directory:entry_edit", args=["actor", actor.pk])))
        for place in Place.objects.filter(overdue, operator=actor, closed_at=None).order_by("name"):
            due.append((place.name, reverse("directory:entry_edit", args=["place", place.pk])))
        if not due or not membership.user.is_active:
            continue
        user, rows, entries = by_user.setdefault(membership.user_id, (membership.user, [], []))
        rows.append(membership)
        entries.extend((name, settings.TERROIR_SITE_URL + path) for name, path in due)
    if dry_run:
        return len(by_user)
    for user, rows, entries in by_user.values():
        notify.verification_reminder(to=[user.email], entries=entries, months=settings.TERROIR_VERIFY_MONTHS)
        Membership.objects.filter(pk__in=[m.pk for m in rows]).update(reminded_at=timezone.now())
    return len(by_user)
