"""How a person is named to other people: the name they gave (first and last name, on their space), else the
organisation they act for, never their login. An account's username is allauth's, made from the local part
of its e-mail address ("marie.dupont"): shown to others it would give away part of the address, and it is
not a name anyone chose. Without a name nor an organisation, a person is their address masked (enough to
tell two people apart, not to write to), and an account without an address its number."""

from __future__ import annotations

from collections.abc import Iterable
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
    first = getattr(user, _FIRST, _UNREAD)
    if first is _UNREAD:
        first = (
            Membership.objects.filter(user_id=user.pk)
            .order_by("created_at", "pk")
            .values_list("actor__name", flat=True)
            .first()
        )
    if first:
        return str(first)
    if user.email:
        return email_masked(user.email)
    return _("member no. %(number)s") % {"number": user.pk}


# The first organisation's name of a person without a name, once names_of read it (None: they have none).
_FIRST = "_terroir_first_organisation"
_UNREAD = object()


def names_of(users: Iterable[Any]) -> dict[int, str]:
    """name_of for many people (a group's members, a distribution's baskets) in one query at most: the
    organisations of those without a name, read at once. Each user given keeps what was read, so that
    name_of asks the database nothing more for them afterwards (a template, a form's choices)."""
    people = [user for user in users if user is not None]
    nameless = {user.pk for user in people if not name_given(user)}
    firsts: dict[int, str] = {}
    if nameless:
        found = Membership.objects.filter(user_id__in=nameless).order_by("user_id", "created_at", "pk")
        for user_id, name in found.values_list("user_id", "actor__name"):
            firsts.setdefault(user_id, name)
    for user in people:
        if user.pk in nameless:
            setattr(user, _FIRST, firsts.get(user.pk))
    return {user.pk: name_of(user) for user in people}
