"""GoGoCarto / Transiscope exports ("Près de chez nous" and the other maps built on GoGoCarto).

Their opening hours are one entry per day ({"Mo": "09:00-12:00 & 14:00-18:00"}): written here in the
OpenStreetMap syntax the directory stores ("Mo 09:00-12:00,14:00-18:00"). The hours told in prose
(`openHoursMoreInfos`, "Distribution chaque jeudi de 18h à 19h") are kept as a note in the description.
Public exports replace e-mail addresses with "hidden": that is no address.
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
    more = values.get("openHoursMoreInfos")
    prepared["openHoursNote"] = f"Horaires : {more.strip()}" if isinstance(more, str) and more.strip() else ""
    if isinstance(values.get("email"), str) and "@" not in values["email"]:
        prepared["email"] = ""
    return prepared
