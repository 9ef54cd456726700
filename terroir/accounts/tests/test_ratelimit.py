"""The fixed-window counts of terroir.accounts.ratelimit, on the tests' standing clock (terroir/conftest.py)."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from terroir.accounts.ratelimit import rate_hit


def test_a_count_starts_again_in_the_next_window_and_says_when_that_is(settings: Any, rate_limit_clock: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "2/60"}
    request = RequestFactory().get("/api/v1/kinds", REMOTE_ADDR="192.0.2.7")
    rate_limit_clock.now = 1_800_001_800.0 + 59.25  # 0.75 s before the window's edge
    first, second, third = (rate_hit(request, scope="api") for _ in range(3))
    assert [first.allowed, second.allowed, third.allowed] == [True, True, False]
    assert [first.remaining, second.remaining, third.remaining] == [1, 0, 0]
    assert third.retry_after == 1  # never 0: a client told to wait 0 s comes straight back
    rate_limit_clock.now += 1.0
    after = rate_hit(request, scope="api")
    assert after.allowed and after.remaining == 1 and after.retry_after == 59


def test_each_scope_and_each_key_counts_apart(settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "1/60", "claim": "1/3600"}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.8")
    assert rate_hit(request, scope="api").allowed and not rate_hit(request, scope="api").allowed
    assert rate_hit(request, scope="claim").allowed
    assert rate_hit(request, scope="api", key="token:1").allowed
    assert not rate_hit(request, scope="api", key="token:1").allowed
