"""`{% who user %}` (`{% who user organisation %}`): a person of a parcel's page as its reader may know them
(`presenters.person_said`): by the name they gave, else the organisation they act for there; a recipient
without an account by their e-mail, in full for the parcel's sender and drivers only."""

from __future__ import annotations

from typing import Any

from django import template

from ..presenters import person_said

register = template.Library()


@register.simple_tag(takes_context=True)
def who(context: template.Context, user: Any, organisation: Any = None) -> str:
    reader = getattr(context.get("request"), "user", None)
    return person_said(user, parcel=context.get("parcel"), reader_id=getattr(reader, "pk", None),
                       insiders=context.get("insiders") or frozenset(), organisation=organisation)  # fmt: skip
