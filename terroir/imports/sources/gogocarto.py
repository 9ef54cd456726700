"""GoGoCarto / Transiscope exports ("Près de chez nous" and the other maps built on GoGoCarto).

Their opening hours are one entry per day ({"Mo": "09:00-12:00 & 14:00-18:00"}): written here in the
OpenStreetMap syntax the directory stores ("Mo 09:00-12:00,14:00-18:00").
"""

from __future__ import annotations

import re
from typing import Any

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_RANGE = re.compile(r"(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})")


def opening_hours_osm(days: Any) -> str:
    if not isinstance(days, dict):
        return ""
    rules = []
    for day in DAYS:
        text = days.get(day)
        if not isinstance(text, str):
            continue
        ranges = [f"{int(a):02d}:{b}-{int(c):02d}:{d}" for a, b, c, d in _RANGE.findall(text)]
        if ranges:
            rules.append(f"{day} {','.join(ranges)}")
    return "; ".join(rules)


def prepare(values: dict[str, Any]) -> dict[str, Any]:
    prepared = dict(values)
    prepared["openHoursOsm"] = opening_hours_osm(values.get("openHours"))
    return prepared
