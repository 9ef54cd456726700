from __future__ import annotations

from typing import Any, cast

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from terroir.directory import extensions, numbers
from terroir.directory.fields import phone_display

register = template.Library()


@register.filter
def km(value: float | None) -> str:
    """Distance for people: "850 m", "12,3 km" (localised decimal separator)."""
    if value is None:
        return ""
    if value < 1:
        return f"{round(value * 1000 / 10) * 10:.0f} m"
    return f"{number_format(round(value, 1), 1)} km"


@register.filter
def percent(fraction: float | None) -> str:
    """A share for people: 0.5 -> "50 %" (a dash when unknown, never a zero)."""
    if fraction is None:
        return "—"
    return _("%(number)s%%") % {"number": numbers.number(fraction * 100, 0)}


@register.filter
def rate(fraction: numbers.Number | None) -> str:
    """A stored rate for people: {{ statement.rate|rate }} -> "25 %", "12,5 %"."""
    return numbers.rate(fraction)


@register.filter
def money(value: numbers.Number | None, decimals: int = 2) -> str:
    """An amount in euros for the reader's language: {{ total|money:0 }} -> "22 885 €"."""
    return numbers.money(value, decimals)


@register.filter
def number(value: numbers.Number | None, decimals: int = 0) -> str:
    """A figure grouped by thousands: {{ km|number }} -> "1 250"."""
    return numbers.number(value, decimals)


@register.filter
def price_per(value: numbers.Number | None, unit: str) -> str:
    """{{ need.price|price_per:need.unit }} -> "2,50 € / pièce"."""
    return numbers.unit_price(value, unit)


@register.filter
def quantity(value: numbers.Number | None, unit: str) -> str:
    """{{ need.quantity|quantity:need.unit }} -> "1 pièce", "20 pièces"."""
    return numbers.quantity(value, unit)


@register.filter
def phone(value: str | None) -> str:
    """A stored phone (E.164) as people read it: "04 73 12 34 56"; a foreign one in the international format."""
    return phone_display(value or "")


@register.filter
def indent(depth: int) -> SafeString:
    """Non-breaking spaces showing a category's depth inside a <select>."""
    return mark_safe("&nbsp;&nbsp;&nbsp;" * int(depth))


@register.simple_tag
def kind_badge(kind: str, label: str) -> SafeString:
    return format_html('<span class="kind kind-{}">{}</span>', kind, label)


@register.simple_tag
def page_sections(page: str, entry: Any = None) -> SafeString:
    """What upper apps add to a directory page (directory/extensions.py; the coming events):
    `{% page_sections "producer" producer %}`, `{% page_sections "place" place %}`, `{% page_sections "search" %}`."""
    return extensions.sections_render(cast(extensions.Page, page), entry)
