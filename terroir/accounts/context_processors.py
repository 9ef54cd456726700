from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import is_coordinator


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_coordinator": is_coordinator(user)}
