"""Opening hours for people in templates: `{{ place.opening_hours|hours_text }}`, `|hours_status`,
`{{ slot_start|hours_clock }}`."""

from __future__ import annotations

import datetime as dt

from django import template

from terroir.directory import presenters

register = template.Library()


@register.filter
def hours_text(expression: str | None) -> str:
    """ "mar.–sam. 9 h–12 h 30 et 15 h–19 h" (the expression itself when prose could mislead)."""
    return presenters.hours_text(expression or "")


@register.filter
def hours_status(expression: str | None) -> str:
    """ "ouvert maintenant · ferme à 19 h" / "fermé · ouvre mardi à 9 h"."""
    return presenters.hours_status(expression or "")


@register.filter
def hours_clock(value: dt.time | None) -> str:
    """ "9 h", "12 h 30": a time of the week's table, said like the prose above it."""
    return presenters.clock_text(value) if value is not None else ""
