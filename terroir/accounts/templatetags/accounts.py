"""Permissions in templates: pages of lower layers (the directory's public pages) ask here whether the
person may edit, without their views importing accounts."""

from __future__ import annotations

from typing import Any

from django import template

from terroir.directory.models import Actor, Place

from ..permissions import can_edit

register = template.Library()


@register.simple_tag(takes_context=True)
def may_edit(context: Any, entry: Actor | Place) -> bool:
    request = context.get("request")
    return can_edit(getattr(request, "user", None), entry)
