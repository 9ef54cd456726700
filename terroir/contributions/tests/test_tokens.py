"""A coordinator withdraws somebody's API key (a leaked one, a partner gone), in the audit log; its owner
revokes it themselves, and nobody else can."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from terroir.accounts.services import api_token_create, api_token_revoke
from terroir.contributions.models import AuditEntry
from terroir.contributions.roles import api_token_withdraw

pytestmark = pytest.mark.django_db


def test_a_coordinator_withdraws_somebody_s_key_and_the_audit_log_says_so(people: Any) -> None:
    token, _key = api_token_create(user=people.claire, name="widget", scope="read")
    api_token_withdraw(token=token, by=people.camille)
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="token_revoke")
    assert (entry.by, entry.target) == (people.camille, f"user:{people.claire.pk}")


def test_only_the_owner_revokes_a_key_as_their_own(people: Any) -> None:
    token, _key = api_token_create(user=people.claire, name="widget", scope="read")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, by=people.hugo)
    with pytest.raises(PermissionDenied):
        api_token_withdraw(token=token, by=people.hugo)
    api_token_revoke(token=token, by=people.claire)
    token.refresh_from_db()
    assert token.revoked_at is not None and not AuditEntry.objects.exists()
