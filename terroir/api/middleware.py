"""CORS in front of /api/: which partner sites' pages may read the public directory.

Kept a middleware, unlike keys and limits (terroir.api.security): a preflight (OPTIONS) must be answered
before any view, for every endpoint, and django-cors-headers does it there.
"""

from __future__ import annotations

from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest

READ_METHODS = frozenset({"GET", "HEAD"})


class PublicReadCorsMiddleware(CorsMiddleware):
    """django-cors-headers, granting only reads of the public directory (CORS_URLS_REGEX): a GET or HEAD,
    or the preflight of one, without an API key. A page on a partner site may show the directory; it may
    not write through its visitor's browser, nor use a key (a key belongs on the partner's server, where
    no other site's script can read it), and cookies are never allowed (CORS_ALLOW_CREDENTIALS)."""

    def is_enabled(self, request: HttpRequest) -> bool:
        if not super().is_enabled(request) or "authorization" in request.headers:
            return False
        if request.method == "OPTIONS":
            asked = request.headers.get("access-control-request-method", "").upper()
            wanted = request.headers.get("access-control-request-headers", "").lower()
            return asked in READ_METHODS and "authorization" not in wanted
        return request.method in READ_METHODS
