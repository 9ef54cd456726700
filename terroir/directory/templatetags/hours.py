"""Opening hours for people in templates: `{{ place.opening_hours|hours_text }}`, `|hours_status`."""

from __future__ import annotations

from django import template

from terroir.directory import presenters

register = template.Library()


@register.filter
def hours_text(expression: str | None) -> str:
    """"mar.–sam. 9 h–12 h 30 et 15 h–19 h" (the expression itself when prose could mislead)."""
    return presenters.hours_text(expression or "")


@register.filter
def hours_status(expression: str | None) -> str:
    """"ouvert maintenant · ferme à 19 h" / "fermé · ouvre mardi à 9 h"."""
    return presenters.hours_status(expression or "")
