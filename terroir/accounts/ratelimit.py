"""Fixed-window rate limits counted in Django's cache (TERROIR_RATE_LIMITS: "<count>/<seconds>").

allauth limits log-in, sign-up and password resets itself (ACCOUNT_RATE_LIMITS); this module limits
what is Terroir's own: suggestions, claims and the public API. The count is kept per client address
(or per API token), in a window that starts on a multiple of its length.

The API counts through it from django-ninja's throttling (terroir.api.security), the pages' forms
(suggestions, claims: no ninja operations) directly. ninja's own SimpleRateThrottle would not do for
either: it reads its rate once, and keeps a list of timestamps per caller that concurrent requests
read and write back (losing counts), where cache.add/incr here count atomically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one the last TERROIR_PROXY_COUNT proxies report."""
    proxies = settings.TERROIR_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def rate_of(scope: str) -> tuple[int, int]:
    count, _slash, seconds = settings.TERROIR_RATE_LIMITS[scope].partition("/")
    return int(count), int(seconds or 60)


def rate_hit(request: HttpRequest, *, scope: str, key: str | None = None) -> Verdict:
    """Count one hit of `scope` for this client (or `key`) and say whether it is within the limit."""
    limit, seconds = rate_of(scope)
    now = time.time()
    window = int(now // seconds)
    cache_key = f"rl:{scope}:{key or client_address(request)}:{window}"
    if cache.add(cache_key, 1, seconds + 1):
        used = 1
    else:
        try:
            used = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, seconds + 1)
            used = 1
    retry_after = max(1, int((window + 1) * seconds - now))
    return Verdict(allowed=used <= limit, limit=limit, remaining=max(0, limit - used), retry_after=retry_after)
