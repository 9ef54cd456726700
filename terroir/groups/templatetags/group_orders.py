"""Quantities as people write them: 1.5 → "1,5" in French (not "1,500", read as a thousand and a half)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from terroir.directory import numbers
from terroir.groups.orders import quantity_text

register = template.Library()


@register.filter
def quantity(value: Decimal | int | None) -> str:
    return "" if value is None else quantity_text(Decimal(value))


@register.filter
def quantity_in(value: Decimal | int | None, unit: str) -> str:
    """{{ line.quantity|quantity_in:product.unit }} -> "3 pièces", "1 pot de 500 g": the unit, typed by the
    producer, agrees with the number when it is one people usually write (terroir.directory.numbers)."""
    return "" if value is None else numbers.quantity(Decimal(value), unit)
