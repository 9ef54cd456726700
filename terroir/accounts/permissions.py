"""Who may do what. Every write path (web pages, API, services) asks here.

A territory coordinator is an active staff user and may edit and moderate every entry. Anybody else may
edit an organisation they are a member of, and the places that organisation runs. The people of a carrier
(a role a coordinator grants, see services.role_request) plan its pooled rounds and see its logistics data.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from terroir.directory.models import Actor, Place

from .models import Membership


class Role(StrEnum):
    COORDINATOR = "coordinator"
    PRODUCER = "producer"
    BUYER = "buyer"
    CARRIER = "carrier"


def _signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated) and bool(getattr(user, "is_active", False))


def is_coordinator(user: Any) -> bool:
    return _signed_in(user) and bool(user.is_staff)


def actor_ids_of(user: Any) -> frozenset[int]:
    """The organisations the person acts for (cached on the user object for the request)."""
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, "_terroir_actor_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user_id=user.pk).values_list("actor_id", flat=True))
        user._terroir_actor_ids = cached
    return cached


def carrier_ids_of(user: Any) -> frozenset[int]:
    """The carriers (approved by a coordinator) the person acts for: whose logistics data they see."""
    ids = actor_ids_of(user)
    if not ids:
        return frozenset()
    cached = getattr(user, "_terroir_carrier_ids", None)
    if cached is None:
        cached = frozenset(Actor.objects.filter(pk__in=ids, is_carrier=True).values_list("pk", flat=True))
        user._terroir_carrier_ids = cached
    return cached


def forget(user: Any) -> None:
    """Drop the cached memberships after they changed."""
    for name in ("_terroir_actor_ids", "_terroir_carrier_ids"):
        if hasattr(user, name):
            delattr(user, name)


def is_member(user: Any, entry: Actor | Place) -> bool:
    ids = actor_ids_of(user)
    if isinstance(entry, Actor):
        return entry.pk in ids
    return entry.operator_id is not None and entry.operator_id in ids


def can_edit(user: Any, entry: Actor | Place) -> bool:
    return is_coordinator(user) or is_member(user, entry)


def roles_of(user: Any) -> list[Role]:
    if not _signed_in(user):
        return []
    roles = [Role.COORDINATOR] if is_coordinator(user) else []
    flags = Actor.objects.filter(id__in=actor_ids_of(user)).values_list("is_producer", "is_buyer", "is_carrier")
    held = [any(row[i] for row in flags) for i in range(3)]
    roles.extend(role for role, has in zip((Role.PRODUCER, Role.BUYER, Role.CARRIER), held, strict=True) if has)
    return roles


def _pages_for(check: Callable[[Any], bool], refusal: Any) -> Callable[[Callable[..., HttpResponse]], Any]:
    """A view decorator: anonymous visitors are sent to log in, anybody `check` refuses gets 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def can_plan_rounds(user: Any) -> bool:
    """Coordinators, and the people of a carrier (a cooperative's logistics, a carrier firm)."""
    return is_coordinator(user) or bool(carrier_ids_of(user))


# Pages for coordinators.
coordinator_required = _pages_for(is_coordinator, gettext_lazy("This page is for the territory's coordinators."))
# Pages of the pooled rounds.
planner_required = _pages_for(can_plan_rounds, gettext_lazy("This page is for coordinators and carriers."))
