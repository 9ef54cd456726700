"""Opening hours as the observatory counts them: hours open per week and the weekdays a place opens,
read with the directory's own parser (terroir.lib.hours); a pure engine (no Django).

Both are read over `WEEKS` weeks from a given Monday (or any number of weeks from any day: the channels
compared read a whole year), so that "every other Thursday" counts half a
Thursday per week and a seasonal market counts only in its season. An expression that is empty or does
not parse gives None: unknown, never "closed". Results are cached per expression: a directory of
200,000 places holds a few thousand distinct expressions.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from terroir.lib import hours

WEEKS = 4


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@lru_cache(maxsize=16384)
def _read(expression: str, monday: dt.date, zone: str, weeks: int = WEEKS) -> tuple[float, frozenset[int]] | None:
    if not expression.strip():
        return None
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    seconds, weekdays = 0.0, set[int]()
    try:
        for interval in hours.intervals(expression, start, start + dt.timedelta(weeks=weeks), tz):
            seconds += (interval.end - interval.start).total_seconds()
            # An interval may run over several days ("24/7" is one interval): each day it touches counts.
            day, last = interval.start.date(), (interval.end - dt.timedelta(microseconds=1)).date()
            while day <= last and len(weekdays) < 7:
                weekdays.add(day.weekday())
                day += dt.timedelta(days=1)
    except (hours.InvalidOpeningHours, ValueError, OverflowError):
        return None
    return seconds / 3600 / weeks, frozenset(weekdays)


def weekly_hours(expression: str, monday: dt.date, zone: str, *, weeks: int = WEEKS) -> float | None:
    """Mean hours open per week over the `weeks` weeks from `monday` (local time of `zone`); None: unknown."""
    read = _read(expression, monday, zone, weeks)
    return None if read is None else read[0]


def weekdays_open(expression: str, monday: dt.date, zone: str) -> frozenset[int] | None:
    """The weekdays (0 = Monday) on which the place opens at least once in those weeks; None: unknown."""
    read = _read(expression, monday, zone)
    return None if read is None else read[1]
