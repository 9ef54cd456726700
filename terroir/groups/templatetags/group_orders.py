"""Quantities as people write them: 1.5 → "1,5" in French (not "1,500", read as a thousand and a half)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from terroir.groups.orders import quantity_text

register = template.Library()


@register.filter
def quantity(value: Decimal | int | None) -> str:
    return "" if value is None else quantity_text(Decimal(value))
