"""In front of /api/: who is calling (an API token, or nobody) and how often.

A request with `Authorization: Bearer <key>` must carry a valid, unrevoked key (401 otherwise) and is
counted per key; anonymous requests are counted per client address. Over the limit: 429 with
Retry-After, in the API's error shape. A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused from
its declared length (413), a JSON body nested deeper than TERROIR_JSON_MAX_DEPTH before it is parsed (400).
"""

from __future__ import annotations

from collections.abc import Callable

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from terroir.accounts.ratelimit import rate_hit
from terroir.accounts.services import api_token_authenticate
from terroir.lib.jsonscan import JsonTooDeep, json_scan

PREFIX = "/api/"


def bearer_key(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, key = header.partition(" ")
    if not header:
        return None
    return key.strip() if scheme.lower() == "bearer" else ""


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        request.api_token = None  # type: ignore[attr-defined]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
            return _error(413, "body_too_large", f"The request body is larger than the {limit} KiB accepted.")
        if length and (request.content_type or "").endswith("json"):
            try:
                json_scan([request.body], max_depth=settings.TERROIR_JSON_MAX_DEPTH)
            except JsonTooDeep as exc:
                return _error(
                    400, "body_too_deep",
                    f"The JSON body is nested deeper than {exc.depth} levels (at byte {exc.offset}; "
                    "TERROIR_JSON_MAX_DEPTH).",
                )  # fmt: skip
        key = bearer_key(request)
        if key is not None:
            token = api_token_authenticate(key)
            if token is None:
                response = _error(401, "unauthorized", "The API key is unknown, revoked or malformed.")
                response["WWW-Authenticate"] = 'Bearer realm="terroir"'
                return response
            request.api_token = token  # type: ignore[attr-defined]
            verdict = rate_hit(request, scope="api_token", key=f"token:{token.pk}")
        else:
            verdict = rate_hit(request, scope="api")
        if not verdict.allowed:
            limited = _error(429, "rate_limited", f"Too many requests: retry in {verdict.retry_after} s.")
            limited["Retry-After"] = str(verdict.retry_after)
            return limited
        answer = self.get_response(request)
        answer["X-RateLimit-Limit"] = str(verdict.limit)
        answer["X-RateLimit-Remaining"] = str(verdict.remaining)
        return answer


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


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
