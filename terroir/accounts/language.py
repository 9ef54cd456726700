"""The language a person chose (accounts.Preference) follows them when they sign in: the pages switch to
it (the language cookie Django's LocaleMiddleware reads, as the header's switcher sets it), on whatever
browser they sign in from. A person who chose nothing keeps the language they were browsing in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from .models import Preference


def language_chosen(user: Any) -> str:
    """The language the person chose, "" when they chose none (or it is no longer one of the site's)."""
    if user is None or not user.pk:
        return ""
    language = Preference.objects.filter(user_id=user.pk).values_list("language", flat=True).first() or ""
    return language if language in dict(settings.LANGUAGES) else ""


def language_cookie_set(response: HttpResponseBase, language: str) -> None:
    """The cookie as django.views.i18n.set_language writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )  # fmt: skip


def signed_in(sender: Any, *, request: HttpRequest, response: HttpResponseBase | None = None, user: Any = None,
              **kwargs: Any) -> None:  # fmt: skip
    """allauth's user_logged_in (it hands over the response, the redirect after signing in): the cookie
    for the pages that follow, and the language active now for the "signed in" message written next."""
    language = language_chosen(user)
    if not language:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if response is not None:
        language_cookie_set(response, language)
