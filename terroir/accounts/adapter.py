"""allauth's account adapter: its own e-mails (confirming an address, resetting a password) are written in
the language the recipient chose (accounts.Preference), like every e-mail Terroir sends
(accounts.notify.by_language); without a choice, in the language of the page that asked for them. A new
account starts with the language it signed up in as its choice (services.language_set)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from . import services
from .language import language_chosen
from .notify import languages_chosen


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The person the message is about (the context's user) else whoever owns the address: a reset asked
        # for from someone else's French browser still reaches an English-preferring person in English.
        language = language_chosen(context.get("user")) or languages_chosen([email]).get(email.lower(), "")
        if not language:
            super().send_mail(template_prefix, email, context)
            return
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """The new account, with the language of the sign-up page as its language (its e-mails, the pages
        after signing in anywhere) until the person chooses another on their space."""
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            language = (translation.get_language() or "")[:2]
            services.language_set(user=user, language=language if language in dict(settings.LANGUAGES)
                                  else settings.LANGUAGE_CODE)  # fmt: skip
        return user
