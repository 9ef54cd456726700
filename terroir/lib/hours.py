"""Opening hours in OpenStreetMap `opening_hours` syntax.

The OSM syntax is the de-facto standard (markets "Sa 07:00-13:00", farms "Mo-Fr 17:00-19:00; PH off",
every other Thursday "week 1-53/2 Th 16:00-19:00"). Parsing and evaluation are delegated to
opening-hours-py, the Python binding of the Rust reference implementation; this module only adapts
it to the platform: parsed expressions are cached, times are local to the territory, errors are
plain ValueError with the reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
# Public holidays ("PH off") are known only for a given country; without one they never happen and a
# place "closed on public holidays" would read open on Christmas Day. The platform serves French territories.
COUNTRY = "FR"


class InvalidOpeningHours(ValueError):
    """`reason`: the parser's words (English); `position`: the 1-based character where reading stopped."""

    def __init__(self, message: str, *, reason: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.position = position


@dataclass(frozen=True, slots=True)
class Interval:
    start: dt.datetime
    end: dt.datetime
    comment: str


@lru_cache(maxsize=4096)
def parse(expression: str) -> opening_hours.OpeningHours:
    try:
        return opening_hours.OpeningHours(expression, country=COUNTRY)
    except Exception as exc:  # the binding raises its own ParserError type
        first_line = str(exc).strip().splitlines()[-1].lstrip("= ").strip()
        where = re.search(r"-->\s*\d+:(\d+)", str(exc))
        raise InvalidOpeningHours(
            f"invalid opening_hours {expression!r}: {first_line}",
            reason=first_line,
            position=int(where.group(1)) if where else None,
        ) from exc


def validate(expression: str) -> str:
    """Return the expression normalised, or raise InvalidOpeningHours."""
    return str(parse(expression.strip()).normalize())


def _naive_local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    # opening_hours works on local wall-clock time, which is how shops state their hours.
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.replace(tzinfo=None, second=0, microsecond=0)


def is_open_at(expression: str, moment: dt.datetime, tz: ZoneInfo) -> bool:
    if not expression:
        return False
    try:
        return bool(parse(expression).is_open(_naive_local(moment, tz)))
    except InvalidOpeningHours:
        return False


def intervals(expression: str, start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> Iterator[Interval]:
    """Open intervals between `start` and `end`, as aware datetimes in `tz`."""
    if not expression:
        return
    oh = parse(expression)
    naive_start, naive_end = _naive_local(start, tz), _naive_local(end, tz)
    for begin, finish, state, comment in oh.intervals(naive_start, naive_end):
        if str(state).upper().endswith("OPEN"):
            yield Interval(begin.replace(tzinfo=tz), finish.replace(tzinfo=tz), comment or "")


def is_open_on(expression: str, day: dt.date, tz: ZoneInfo) -> bool:
    """Whether the place opens at some time during `day`."""
    if not expression:
        return False
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    try:
        return next(intervals(expression, start, start + dt.timedelta(days=1), tz), None) is not None
    except InvalidOpeningHours:
        return False


def week_schedule(
    expression: str, week_of: dt.date, tz: ZoneInfo
) -> list[tuple[dt.date, list[tuple[dt.time, dt.time]]]]:
    """The seven days from `week_of`'s Monday, each with its opening slots (for display)."""
    monday = week_of - dt.timedelta(days=week_of.weekday())
    days: list[tuple[dt.date, list[tuple[dt.time, dt.time]]]] = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        slots = []
        if expression:
            for interval in intervals(expression, start, start + dt.timedelta(days=1), tz):
                end = interval.end.time() if interval.end.date() == day else dt.time(23, 59)
                slots.append((interval.start.time(), end))
        days.append((day, slots))
    return days


def recurring_weekdays(expression: str, from_day: dt.date, tz: ZoneInfo, weeks: int = 4) -> list[int]:
    """Weekdays (0 = Monday) on which the expression opens at least once in the coming weeks."""
    if not expression:
        return []
    start = dt.datetime.combine(from_day, dt.time.min, tzinfo=tz)
    seen = {i.start.weekday() for i in intervals(expression, start, start + dt.timedelta(weeks=weeks), tz)}
    return sorted(seen)


def occurrences(expression: str, start: dt.datetime, days: int, tz: ZoneInfo, limit: int = 200) -> list[Interval]:
    """Opening intervals in the next `days` days (markets' calendar feed)."""
    if not expression:
        return []
    end = start + dt.timedelta(days=days)
    return list(itertools.islice(intervals(expression, start, end, tz), limit))
