"""The sign-up form (allauth's, with equal work for new and known addresses)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest


class SignupForm(AllauthSignupForm):
    """A new address costs a password hash (the account is created); a known address, with
    ACCOUNT_PREVENT_ENUMERATION, only costs an e-mail. Without the hash below the second answer came about
    ten times faster, which told whether an address had an account despite the identical pages."""

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        if self.account_already_exists:
            # The same work as `set_password` on a new account; the hash is thrown away.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
