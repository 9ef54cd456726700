"""Numbers and money as people of the reader's language write them: "22 885 €" and "2,50 € / pièce" in
French, "€22,885" and "€2.50 / piece" in English. Every amount of the pages goes through `money`."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
