"""Numbers and money as people of the reader's language write them: "22 885 €" and "2,50 € / pièce" in
French, "€22,885" and "€2.50 / piece" in English. Every amount of the pages goes through `money`."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

Number = int | float | Decimal

# A price is per one unit: the unit's name in the singular ("€ / pièce", not "€ / pièces").
UNIT_SINGULAR = {
    "kg": gettext_lazy("kg"),
    "l": gettext_lazy("litre"),
    "piece": gettext_lazy("piece"),
    "dozen": gettext_lazy("dozen"),
    "crate": gettext_lazy("crate"),
}


def number(value: Number | str | None, decimals: int = 0) -> str:
    """Grouped by thousands with the language's separators: "22 885", "22,885"."""
    # A template gives "" for a figure it lacks (a plan without a status quo): nothing to write, as floatformat.
    try:
        figure = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return number_format(round(figure, decimals), decimal_pos=decimals, force_grouping=True)


def money(value: Number | str | None, decimals: int = 2) -> str:
    amount = number(value, decimals)
    if not amount:
        return ""
    # The symbol's place is the language's: "22 885 €" in French, "€22,885" in English.
    return _("€%(amount)s") % {"amount": amount}


def unit_price(value: Number | None, unit: str, decimals: int = 2) -> str:
    if not money(value, decimals):
        return ""
    return _("%(price)s / %(unit)s") % {"price": money(value, decimals), "unit": UNIT_SINGULAR.get(unit, unit)}


def quantity(value: Number | str | None, unit: str) -> str:
    """A quantity with its unit agreeing in number: "1 pièce", "20 pièces", "1,5 kg" ("1 pièces" before).
    A fraction takes the plural form, as "1,5 litres" is said."""
    try:
        figure = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return ""
    decimals = 0 if figure == figure.to_integral_value() else 2
    written = number(figure, decimals).rstrip("0").rstrip(",.") if decimals else number(figure)
    count = int(figure) if decimals == 0 else 2
    said = {
        "kg": lambda: ngettext("%(n)s kg", "%(n)s kg", count),
        "l": lambda: ngettext("%(n)s litre", "%(n)s litres", count),
        "piece": lambda: ngettext("%(n)s piece", "%(n)s pieces", count),
        "dozen": lambda: ngettext("%(n)s dozen", "%(n)s dozens", count),
        # A crate of produce ("cagette"), not the route sheet's crate ("caisse"): the context tells them apart.
        "crate": lambda: npgettext("produce", "%(n)s crate", "%(n)s crates", count),
    }.get(unit)
    return said() % {"n": written} if said else f"{written} {unit}"
