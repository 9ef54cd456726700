"""Permissions in templates: pages of lower layers (the directory's public pages) ask here whether the
person may edit, without their views importing accounts; and how a person is named to the others
(`|person`, never their login)."""

from __future__ import annotations

from typing import Any

from django import template

from terroir.directory.models import Actor, Place

from ..people import name_of
from ..permissions import can_edit

register = template.Library()


@register.simple_tag(takes_context=True)
def may_edit(context: Any, entry: Actor | Place) -> bool:
    request = context.get("request")
    return can_edit(getattr(request, "user", None), entry)


@register.filter
def person(user: Any) -> str:
    """{{ member.user|person }}: a person as the others read them (accounts.people.name_of): the name they
    gave, else their organisation, never their login. A list's page reads them first with names_of."""
    return name_of(user) if user is not None else ""
