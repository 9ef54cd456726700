"""Who calls the API: API keys (`Authorization: Bearer <key>`)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from terroir.accounts.models import ApiToken


class TokenBearer(HttpBearer):
    """API keys are checked by terroir.api.middleware; this declares them in the OpenAPI document."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return getattr(request, "api_token", None)
