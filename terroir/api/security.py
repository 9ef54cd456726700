"""Who calls the API, how often, and what they may send — through django-ninja's auth, throttling and
parser rather than a middleware in front of /api/.

- Keys: `Authorization: Bearer <key>`, checked by accounts' `api_token_authenticate`. The public reads
  take anybody (`KeyIfAny`), but a key sent must be valid, even for reading (401 otherwise); writes and
  plans need one (`TokenBearer`, of scope write where they change something).
- Limits (TERROIR_RATE_LIMITS, counted by accounts.ratelimit): "api" per client address for anonymous
  callers, "api_token" per key; some operations add their own ("suggestion"). Over one: 429 with
  Retry-After. Answers carry X-RateLimit-Limit and X-RateLimit-Remaining (`rate_headers`).
- Bodies: larger than DATA_UPLOAD_MAX_MEMORY_SIZE, refused from their declared length (Django's
  RequestDataTooBig, 413); JSON nested deeper than TERROIR_JSON_MAX_DEPTH, before it is parsed (400).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from terroir.accounts.models import ApiToken
from terroir.accounts.ratelimit import Verdict, rate_hit
from terroir.accounts.services import api_token_authenticate
from terroir.lib.jsonscan import json_scan

from .errors import rate_limited, unauthorized


class Anonymous:
    """The caller of a public read without a key (ninja's `request.auth`, which must not be None)."""

    def __repr__(self) -> str:
        return "Anonymous()"


ANONYMOUS = Anonymous()


class InvalidKey(AuthenticationError):
    """A key was sent, but it is unknown, revoked or malformed."""


def bearer_key(request: HttpRequest) -> str | None:
    """The key sent, None without an Authorization header, "" for another scheme (a malformed key)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, key = header.partition(" ")
    if not header:
        return None
    return key.strip() if scheme.lower() == "bearer" else ""


def _token(key: str) -> ApiToken:
    token = api_token_authenticate(key)
    if token is None:
        raise InvalidKey()
    return token


class TokenBearer(HttpBearer):
    """An API key is needed; of scope write when `write`. The OpenAPI document names its security
    scheme after this class."""

    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        # HttpBearer's own reading would take "Basic …" for no key at all: here it is a malformed one.
        key = bearer_key(request)
        return None if key is None else self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = _token(token)
        if self.write and found.scope != ApiToken.Scope.WRITE:
            raise PermissionDenied("This API key is read-only.")
        return found


class KeyIfAny:
    """The public reads: anybody (ANONYMOUS), or the key sent if it is valid. Not a ninja AuthBase on
    purpose: the OpenAPI document must not say these operations need a key."""

    def __call__(self, request: HttpRequest) -> ApiToken | Anonymous:
        key = bearer_key(request)
        return ANONYMOUS if key is None else _token(key)


class RateThrottle(BaseThrottle):
    """A fixed-window limit of TERROIR_RATE_LIMITS, read at each request (settings may change).

    Without a scope, the API's own: "api_token" per key, "api" per client address without one; its
    verdict gives the X-RateLimit headers. With a scope (e.g. "suggestion"), that limit per address.
    ninja's SimpleRateThrottle is not used: it reads its rate once, keeps a list of timestamps per
    caller (read, then written back: concurrent requests lose counts) and knows no key of ours."""

    def __init__(self, scope: str | None = None, *, what: str = "requests") -> None:
        self.scope = scope
        self.what = what
        # One instance serves every request; wait() follows allow_request() in the same thread.
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        auth = getattr(request, "auth", None)
        if self.scope is not None:
            verdict = rate_hit(request, scope=self.scope)
        elif isinstance(auth, ApiToken):
            verdict = rate_hit(request, scope="api_token", key=f"token:{auth.pk}")
        else:
            verdict = rate_hit(request, scope="api")
        self._last.verdict = verdict
        if self.scope is None:
            request.rate_verdict = verdict  # type: ignore[attr-defined]
        if not verdict.allowed:
            request.rate_refused = self.what  # type: ignore[attr-defined]
        return verdict.allowed

    def wait(self) -> float | None:
        verdict: Verdict | None = getattr(self._last, "verdict", None)
        return float(verdict.retry_after) if verdict is not None else None


API_THROTTLE = RateThrottle()


def rate_headers(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An operation's answer with the caller's limit and what is left of it (ninja decorator, mode "view":
    around the whole operation, auth and throttling included)."""

    @wraps(run)
    def with_headers(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        verdict: Verdict | None = getattr(request, "rate_verdict", None)
        if verdict is not None and verdict.allowed:
            response["X-RateLimit-Limit"] = str(verdict.limit)
            response["X-RateLimit-Remaining"] = str(verdict.remaining)
        return response

    return with_headers


def docs_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and its page are no ninja operations: the same key check and limit, here."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            request.auth = KeyIfAny()(request)  # type: ignore[attr-defined]
        except InvalidKey:
            return unauthorized("The API key is unknown, revoked or malformed.")
        if not API_THROTTLE.allow_request(request):
            return rate_limited("requests", int(API_THROTTLE.wait() or 1))
        return rate_headers(view)(request, *args, **kwargs)

    return guarded


class JsonParser(Parser):
    """ninja's JSON parser, after a scan of the nesting depth: a body of 100,000 "[" would make
    json.loads recurse until Python refuses."""

    def parse_body(self, request: HttpRequest) -> Any:
        json_scan([request.body], max_depth=settings.TERROIR_JSON_MAX_DEPTH)
        return super().parse_body(request)
