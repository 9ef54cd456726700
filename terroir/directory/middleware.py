"""Framing and content policy: pages may not be framed by other sites, except the embeddable widget;
every page carries the Content-Security-Policy of settings.CONTENT_SECURITY_POLICY."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase


class FrameOptionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, "embeddable", False):
            response.setdefault("X-Frame-Options", "DENY")
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, with the widget's frame-ancestors widened to the sites allowed to embed it
    (read at each response, so that a territory's setting needs no code)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if getattr(response, "embeddable", False):
            ancestors = settings.TERROIR_WIDGET_FRAME_ANCESTORS.split()
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ancestors}
        return parts
