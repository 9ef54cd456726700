"""Which weeks an agreement delivers in: a pure function of its frequency, first delivery, end and
months (no Django, checked by .importlinter's engines contract)."""

from __future__ import annotations

import calendar
import datetime as dt

ONCE, WEEKLY, FORTNIGHTLY, MONTHLY = "once", "weekly", "fortnightly", "monthly"
ALL_MONTHS = 4095  # bit 0 = January


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _same_day_next_months(starts: dt.date, last: dt.date) -> list[dt.date]:
    """The first delivery's day of the month in each month from it (the 31st is a short month's last)."""
    found: list[dt.date] = []
    year, month = starts.year, starts.month
    while True:
        day = min(starts.day, calendar.monthrange(year, month)[1])
        date = dt.date(year, month, day)
        if monday(date) > last:
            return found
        found.append(date)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def weeks(
    *,
    frequency: str,
    starts: dt.date,
    ends: dt.date | None,
    months: int,
    first: dt.date,
    last: dt.date,
    weekdays: int = 0b1111111,
) -> list[dt.date]:
    """The Mondays of the weeks between `first` and `last` (included) with a delivery: every week, every
    other week or once a month from the first delivery's week, or that week alone; never after `ends`,
    and only in the agreement's months (a week counts in the month of its Monday). The first delivery's
    week counts only when one of the delivery days (`weekdays`, bit 0 = Monday) is still to come in it."""
    start, last = monday(starts), monday(last)
    if not weekdays >> starts.weekday():  # none of the days is left in the first delivery's week: the next
        start += dt.timedelta(weeks=1)
    if ends is not None:
        last = min(last, max(monday(ends), start))
    if frequency == ONCE:
        candidates = [start]
    elif frequency == MONTHLY:
        candidates = [monday(d) for d in _same_day_next_months(starts, last)]
        candidates[:1] = [max(week, start) for week in candidates[:1]]
    else:
        step = 2 if frequency == FORTNIGHTLY else 1
        count = max(0, (last - start).days // 7 + 1)
        candidates = [start + dt.timedelta(weeks=i) for i in range(0, count, step)]
    return [week for week in candidates if monday(first) <= week <= last and months & (1 << (week.month - 1))]


def weeks_in_segments(
    *,
    segments: list[tuple[dt.date, str, int]],
    ends: dt.date | None,
    months: int,
    first: dt.date,
    last: dt.date,
) -> list[tuple[dt.date, int]]:
    """The delivery weeks of an agreement whose schedule changed: `segments` are (from, frequency, delivery
    days), the first from the first delivery, each next one from the Monday of the week its change takes
    effect; each week follows the segment it falls in, counted from that segment's start. (week, days)."""
    found: list[tuple[dt.date, int]] = []
    for k, (starts, frequency, weekdays) in enumerate(segments):
        until = segments[k + 1][0] - dt.timedelta(days=1) if k + 1 < len(segments) else None
        if until is not None and monday(until) < monday(starts):
            continue  # replaced before it began
        stop = until if ends is None else (ends if until is None else min(ends, until))
        if stop is not None and stop < starts:
            continue
        chosen = weeks(frequency=frequency, starts=starts, ends=stop, months=months, first=first,
                       last=last if until is None else min(last, monday(until)), weekdays=weekdays)  # fmt: skip
        found += [(week, weekdays) for week in chosen]
    return found
