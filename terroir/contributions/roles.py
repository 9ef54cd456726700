"""Coordinators' decisions on people's roles and keys, recorded in the audit log: a role that opens other
people's data (carrier) is granted here; a key somebody else owns is withdrawn here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.accounts.models import ApiToken, RoleRequest
from terroir.accounts.permissions import is_coordinator
from terroir.directory.services import actor_update

from . import notify
from .audit import audit_record


@transaction.atomic
def role_request_decide(*, request: RoleRequest, by: Any, accept: bool) -> RoleRequest:
    """A coordinator grants the role (the organisation has it from now on) or refuses it."""
    if not is_coordinator(by):
        raise PermissionDenied(_("Only a coordinator decides on requests."))
    request = RoleRequest.objects.select_for_update().select_related("actor", "user").get(pk=request.pk)
    if request.status != RoleRequest.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if accept and request.role == RoleRequest.Role.CARRIER:
        actor_update(actor=request.actor, values={"is_carrier": True})
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


@transaction.atomic
def api_token_withdraw(*, token: ApiToken, by: Any) -> ApiToken:
    """A coordinator revokes somebody's key (a leaked one, a partner gone)."""
    if not is_coordinator(by):
        raise PermissionDenied(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(by=by, action="token_revoke", target=f"user:{token.user_id}", summary=token.name)
    return token
