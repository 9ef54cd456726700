"""Framing policy: pages may not be framed by other sites, except the embeddable widget."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class FrameOptionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "embeddable", False):
            ancestors = settings.TERROIR_WIDGET_FRAME_ANCESTORS
            response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        else:
            response.setdefault("X-Frame-Options", "DENY")
            response.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        return response
