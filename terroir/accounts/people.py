"""How a person is named to other people: the name they gave (first and last name, on their space), else the
organisation they act for, never their login. An account's username is allauth's, made from the local part
of its e-mail address ("marie.dupont"): shown to others it would give away part of the address, and it is
not a name anyone chose. Without a name nor an organisation, a person is their address masked (enough to
tell two people apart, not to write to), and an account without an address its number.

Two people shown side by side (a group's members, a distribution's sheet, a trip: `names_of`, then the
`|person` filter over the list) must not read alike: two addresses that mask alike (chloe@… and cedric@…,
both c•••@example.org) show as much more of the start of the address as tells them apart (ch•••@, ce•••@),
never more than half of it (the rest of the address, the login made from it, stays hidden), else their
member number beside; two people without a name who act for one organisation show it with their masked
addresses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from terroir.directory.models import Actor

from .models import Membership


def email_masked(address: str, shown: int = 1) -> str:
    """marie.dupont@example.org → m•••@example.org: enough to tell two people apart, not to write to;
    `shown` characters of the start of the address (never more than half of its part before the @)."""
    local, _at, domain = address.partition("@")
    start = local[: min(max(1, shown), _shown_most(address))]
    return f"{start}•••@{domain}" if domain else f"{start}•••"


def _shown_most(address: str) -> int:
    """How many characters of the start of `address` its mask may show at most: half of its local part."""
    return max(1, len(address.partition("@")[0]) // 2)


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
    if getattr(user, _APART, None):  # told apart from another in a list by names_of
        return _apart_said(user)
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
# How many characters of their address a person names_of told apart from another shows (a number beyond
# what it may show: their member number too), kept from one list to the next on a page: a person never
# reads shorter, so never alike again.
_APART = "_terroir_address_start"


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
    names = {user.pk: name_of(user) for user in people}
    # Those who read alike, told apart; a person read twice (a member, and the one an absence gives the
    # baskets to) is one person, each of their objects then named alike for the page's `|person`.
    alike: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for user in people:
        if user.pk in nameless:
            alike[names[user.pk]][user.pk].append(user)
    for same in alike.values():
        if len(same) > 1:
            for pk, objects in same.items():
                start = _start_apart(objects[0], [found[0] for other, found in same.items() if other != pk])
                for user in objects:
                    setattr(user, _APART, start)
                names[pk] = _apart_said(objects[0])
    return names


def _common_start(one: str, other: str) -> int:
    """How many characters `one` and `other` begin with alike."""
    return next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other)))


def _start_apart(user: Any, others: list[Any]) -> int:
    """How many characters of the start of `user`'s address tell it apart from those of `others`, who read
    alike (at least as many as a list before told apart)."""
    if not user.email:
        return 1
    local, _at, domain = user.email.lower().partition("@")
    common = max(
        (_common_start(local, other.email.lower().partition("@")[0])
         for other in others if other.email and other.email.lower().partition("@")[2] == domain),
        default=0,
    )  # fmt: skip
    return max(common + 1, getattr(user, _APART, None) or 1)


def _apart_said(user: Any) -> str:
    """`user`, without a name, told apart (names_of): their organisation, if that is what they read alike by,
    with their address masked, as much of its start shown as tells it apart (at most half of it), else
    also their member number."""
    start = getattr(user, _APART, None) or 1
    number = _("member no. %(number)s") % {"number": user.pk}
    if not user.email:
        said = number
    else:
        said = email_masked(user.email, start)
        if start > _shown_most(user.email):  # the start that would tell them apart is most of the address
            said = f"{said} ({number})"
    first = getattr(user, _FIRST, None)
    return f"{first} ({said})" if first else said
