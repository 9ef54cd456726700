"""Charts in pages: `terroir.lib.charts` with numbers written for the page's language.

The SVG escapes every text it carries (labels come from the data), so it is marked safe here and only
here. A view hands plain data: groups as dicts `{"label", "values", "unit"}` and translated series names.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from terroir.directory.numbers import number
from terroir.lib import charts

register = template.Library()

TARGET, CEILING = 0.10, 0.20  # transport as a share of the goods' value: the goal and the limit


def percent(fraction: float) -> str:
    return _("%(number)s%%") % {"number": number(fraction * 100)}


@register.simple_tag
def chart_bars(
    groups: Iterable[Mapping[str, Any]],
    *series: str,
    chart_id: str,
    title: str,
    decimals: int = 0,
    per_group: bool = False,
    colour_per_group: bool = False,
) -> SafeString:
    svg = charts.bars(
        chart_id=chart_id,
        title=title,
        groups=[charts.Group(str(g["label"]), list(g["values"]), str(g.get("unit", ""))) for g in groups],
        series=[str(s) for s in series],
        fmt=lambda value: number(value, decimals),
        scale_per_group=per_group,
        colour_per_group=colour_per_group,
        phrase=lambda label, values: _("%(label)s: %(values)s") % {"label": label, "values": values},
        separator=pgettext("between the groups of a chart's description", "; "),
    )
    return mark_safe(svg)  # every text escaped by terroir.lib.charts


@register.simple_tag
def chart_gauge(share: float, *, chart_id: str, title: str) -> SafeString:
    desc = _("%(share)s of the value of the goods carried; target %(target)s, ceiling %(ceiling)s.") % {
        "share": percent(share), "target": percent(TARGET), "ceiling": percent(CEILING),
    }  # fmt: skip
    svg = charts.gauge(
        chart_id=chart_id, title=title, share=share, target=TARGET, ceiling=CEILING, fmt=percent, desc=desc
    )
    return mark_safe(svg)  # every text escaped by terroir.lib.charts
