"""Numbers and money as people of the reader's language write them: "22 885 €" and "2,50 € / pièce" in
French, "€22,885" and "€2.50 / piece" in English. Every amount of the pages goes through `money`."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

Number = int | float | Decimal
NBSP = "\u00a0"

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


def figure(value: Decimal) -> str:
    """A quantity's figure: whole ("1 500") or with the decimals it has, at most two ("1,5", "0,25")."""
    decimals = 0 if value == value.to_integral_value() else 2
    return number(value, decimals).rstrip("0").rstrip(",.") if decimals else number(value)


def money(value: Number | str | None, decimals: int = 2) -> str:
    amount = number(value, decimals)
    if not amount:
        return ""
    # The symbol's place is the language's: "22 885 €" in French, "€22,885" in English; the sign of a
    # negative amount comes first in both ("-0,50 €", "-€0.50", never "€-0.50").
    sign, amount = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    sign = sign if any(c in "123456789" for c in amount) else ""  # -0.001 is "0,00 €", not "-0,00 €"
    return sign + _("€%(amount)s") % {"amount": amount}


def unit_price(value: Number | None, unit: str, decimals: int = 2) -> str:
    if not money(value, decimals):
        return ""
    return _("%(price)s / %(unit)s") % {"price": money(value, decimals), "unit": UNIT_SINGULAR.get(unit, unit)}


def quantity(value: Number | str | None, unit: str) -> str:
    """A quantity with its unit agreeing in number: "1 pièce", "20 pièces", "1,5 kg" ("1 pièces" before).
    A fraction takes the plural form, as "1,5 litres" is said."""
    try:
        value_of = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return ""
    written = figure(value_of)
    count = int(value_of) if value_of == value_of.to_integral_value() else 2
    said = {
        "kg": lambda: ngettext("%(n)s kg", "%(n)s kg", count),
        "l": lambda: ngettext("%(n)s litre", "%(n)s litres", count),
        "piece": lambda: ngettext("%(n)s piece", "%(n)s pieces", count),
        "dozen": lambda: ngettext("%(n)s dozen", "%(n)s dozens", count),
        # A crate of produce ("cagette"), not the route sheet's crate ("caisse"): the context tells them apart.
        "crate": lambda: npgettext("produce", "%(n)s crate", "%(n)s crates", count),
    }.get(UNIT_WORDS.get(unit.strip().lower(), unit))
    # The figure and its unit never part at the end of a line: a no-break space between them, as money and
    # rate write before "€" and "%" ("1 500 kg", "20 pièces").
    if said:
        return (said() % {"n": written}).replace(f"{written} ", f"{written}{NBSP}", 1)
    return f"{written}{NBSP}{_unit_plural(unit) if _plural(count) else unit}"


# A unit typed as free text (a group's one-off order: "pièce", "kg", "pot de 500 g") that names one of the
# known units is said with that unit's words, in the reader's language ("2 pièces", "3 dozens").
UNIT_WORDS = {
    word: key
    for key, words in {
        "kg": ("kg", "kilo", "kilos", "kilogramme", "kilogrammes", "kilogram", "kilograms"),
        "l": ("l", "litre", "litres", "liter", "liters"),
        "piece": ("piece", "pieces", "pièce", "pièces", "pc", "pcs", "unité", "unités", "unit", "units"),
        "dozen": ("dozen", "dozens", "douzaine", "douzaines"),
        "crate": ("crate", "crates", "cagette", "cagettes"),
    }.items()
    for word in words
}

# Other units people type, in French, with their plural: the first word of "pot de 500 g" agrees with the
# number ("3 pots de 500 g"); a unit not listed is written as typed.
FREE_UNIT_PLURALS = {
    "pot": "pots", "bocal": "bocaux", "botte": "bottes", "bouteille": "bouteilles", "sachet": "sachets",
    "barquette": "barquettes", "boîte": "boîtes", "colis": "colis", "panier": "paniers", "part": "parts",
    "tranche": "tranches", "pièce": "pièces", "filet": "filets", "plateau": "plateaux", "caisse": "caisses",
    "plant": "plants", "tête": "têtes", "meule": "meules", "litre": "litres", "douzaine": "douzaines",
    "cagette": "cagettes", "flacon": "flacons", "brique": "briques", "carton": "cartons", "lot": "lots",
    "jar": "jars", "bottle": "bottles", "bag": "bags", "bunch": "bunches", "box": "boxes", "tray": "trays",
}  # fmt: skip


# Units counted in whole numbers: a piece, a dozen, a crate of the platform's vocabulary (directory.models.Unit),
# and the containers people type as a unit ("pot de 500 g", "bouteille", "botte"), which are handed over whole.
# Weights and volumes (kg, litre) and a unit nobody listed ("g", "portion au poids") take fractions.
COUNTED_UNITS = frozenset({"piece", "dozen", "crate"})
COUNTED_WORDS = frozenset(word for pair in FREE_UNIT_PLURALS.items() for word in pair) - {"litre", "litres"}


def counted_whole(unit: str) -> bool:
    """Whether a quantity of this unit is a whole number: "pièce", "douzaine", "pot de 500 g" yes, "kg" no."""
    word = unit.strip().lower()
    head = word.partition(" ")[0]
    known = UNIT_WORDS.get(word) or UNIT_WORDS.get(head)
    if known is not None:
        return known in COUNTED_UNITS
    return head in COUNTED_WORDS


def _plural(count: int) -> bool:
    # The reader's language's rule ("0 pièce" in French, "0 pieces" in English), read from the catalogue.
    return ngettext("%(n)s piece", "%(n)s pieces", count) != ngettext("%(n)s piece", "%(n)s pieces", 1)


def _unit_plural(unit: str) -> str:
    head, _, rest = unit.strip().partition(" ")
    plural = FREE_UNIT_PLURALS.get(head.lower())
    if plural is None:
        return unit
    plural = plural.capitalize() if head[:1].isupper() else plural
    return f"{plural} {rest}" if rest else plural


def rate(fraction: Number | str | None) -> str:
    """A rate as people write it: 0.25 -> "25%" in English, "25 %" in French (no-break space), 0.125 ->
    "12,5 %" — never the stored fraction ("0,2500")."""
    try:
        value = (Decimal(str(fraction)) * 100).normalize()
    except (ArithmeticError, ValueError, TypeError):
        return ""
    decimals = min(max(0, -int(value.as_tuple().exponent)), 2)
    return _("%(number)s%%") % {"number": number(value, decimals)}
