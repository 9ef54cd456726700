"""Claims: somebody asks to manage an existing directory entry. A link to the address on file confirms it,
or the organisation's members (or a coordinator) decide; accepting makes the claimant a member."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.models import Membership
from terroir.accounts.permissions import forget, is_coordinator, is_member
from terroir.directory.editing import entity_of
from terroir.directory.models import BUYER_KINDS, Actor, Place, PlaceKind
from terroir.directory.services import actor_create, place_update

from . import notify
from .audit import audit_record
from .models import Claim

CLAIM_SALT = "terroir.claim"
CLAIM_MAX_AGE = dt.timedelta(days=7)


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
        operator = actor_create(
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
        )
        place_update(place=place, values={"operator": operator})
    Membership.objects.get_or_create(user=claim.user, actor=operator, defaults={"how": how})


def claims_pending(*, operators: Iterable[int] | None = None) -> list[Claim]:
    """Every pending claim (for coordinators), or those of these organisations and the places they run."""
    rows = Claim.objects.filter(status=Claim.Status.PENDING)
    if operators is not None:
        rows = rows.filter(Q(place__operator_id__in=list(operators)) | Q(actor_id__in=list(operators)))
    return list(
        rows.select_related("user", "actor", "place", "actor__commune", "place__commune").order_by("created_at")
    )
