"""Opening hours for people in templates: `{{ place.opening_hours|hours_text }}`, `|hours_status`,
`{{ slot_start|hours_clock }}`, and every time of day shown to people: `{{ trip.leaves|hours_clock }}`,
`{{ round.closes_at|hours_clock:"l j F Y" }}`."""

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


@register.filter(expects_localtime=True)
def hours_clock(value: dt.time | dt.date | str | None, day_format: str = "") -> str:
    """ "9 h", "18 h 30" ("6:30 pm" in English): a time of day said like the prose of the hours, never
    "18:30". With a day format, a moment with its day: `{{ event.starts_at|hours_clock:"l j F Y" }}` ->
    "samedi 12 décembre 2026, 18 h 30"."""
    if day_format and isinstance(value, dt.date):
        return presenters.moment_text(value, day_format)
    if isinstance(value, dt.time | dt.datetime):
        return presenters.clock_text(value)
    return ""  # nothing, or not a time: empty, as Django's `time` filter
