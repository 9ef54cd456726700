from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import actor_ids_of, is_coordinator, roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "is_coordinator": is_coordinator(user),
        # A coordinator or a member of an organisation: may include the places for professionals in a
        # search. A callable, so that the memberships are read only by a page that asks.
        "is_professional": lambda: is_coordinator(user) or bool(actor_ids_of(user)),
        # The person's roles for the menu (templates/_nav.html reads them once).
        "my_roles": lambda: roles_of(user),
    }
