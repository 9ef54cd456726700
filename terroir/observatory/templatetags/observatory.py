"""Figures of the observatory in the page's language; a missing figure is a dash, never a zero."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

from terroir.directory.numbers import number

register = template.Library()


@register.filter
def share(fraction: float | None, decimals: int = 1) -> str:
    """0.265 → "26.5 %" ("26,5 %" in French); None → "—"."""
    if fraction is None:
        return "—"
    # Through the decimal written (0.2855 → 28.55 → 28.6), not its binary neighbour 28.549999….
    percent = (Decimal(repr(fraction)) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return _("%(number)s%%") % {"number": number(percent, decimals)}
