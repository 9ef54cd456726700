"""Who coordinates a territory: its own coordinators (Territory.coordinators) and the site's coordinators
(staff). They write its objectives, ask for its snapshots and see its coordination page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from terroir.accounts.permissions import is_coordinator
from terroir.directory.french import elided

from .models import Territory


def can_coordinate(user: Any, territory: Territory) -> bool:
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    return is_coordinator(user) or territory.coordinators.filter(pk=user.pk).exists()


def coordination_check(user: Any, territory: Territory) -> None:
    """Raise PermissionDenied unless the person coordinates the territory."""
    if not can_coordinate(user, territory):
        raise PermissionDenied(
            elided(_("Only the coordinators of %(name)s may do this.") % {"name": territory.name}, territory.name)
        )
