"""How a person is named to other people: the name they gave (first and last name, on their space), else the
organisation they act for, never their login. An account's username is allauth's, made from the local part
of its e-mail address ("marie.dupont"): shown to others it would give away part of the address, and it is
not a name anyone chose. Without a name nor an organisation, a person is their address masked (enough to
tell two people apart, not to write to), and an account without an address its number."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from terroir.directory.models import Actor

from .models import Membership


def email_masked(address: str) -> str:
    """marie.dupont@example.org → m•••@example.org: enough to tell two people apart, not to write to."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else f"{local[:1]}•••"


def name_given(user: Any) -> str:
    """The first and last name the person gave, or ""."""
    return " ".join(" ".join((user.first_name or "", user.last_name or "")).split())


def name_of(user: Any, *, organisation: Actor | None = None) -> str:
    """`user` as others read them: the name they gave, else `organisation` (the one they act for where they
    are shown: a trip's, a parcel's), else their first organisation, else their address masked, else their
    number. One query at most (their organisations), only for a person without a name."""
    given = name_given(user)
    if given:
        return given
    if organisation is not None and organisation.name:
        return str(organisation.name)
    first = (
        Membership.objects.filter(user_id=user.pk).order_by("created_at", "pk").values_list("actor__name", flat=True)
    ).first()
    if first:
        return str(first)
    if user.email:
        return email_masked(user.email)
    return _("member no. %(number)s") % {"number": user.pk}
