"""The audit log of coordinators' actions (decisions, reverts, edits of entries that are not theirs)."""

from __future__ import annotations

from typing import Any

from .models import AuditEntry


def audit_record(*, by: Any, action: str, target: str = "", summary: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        by=by if by is not None and by.is_authenticated else None,
        by_label=getattr(by, "email", "") or str(by),
        action=action[:40],
        target=target[:60],
        summary=summary[:500],
    )
