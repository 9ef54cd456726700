"""A group's distribution rule turned into dates: pure, no database.

Weekly and every-two-weeks calendars count from the day the calendar starts (its first distribution falls
on the first chosen weekday from then on; every two weeks keeps that parity); a monthly one is "the n-th
weekday of each month" (the first Thursday) or the last one (`week_of_month = -1`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

WEEKLY, FORTNIGHTLY, MONTHLY = "weekly", "fortnightly", "monthly"
LAST = -1


@dataclass(frozen=True)
class Rule:
    frequency: str  # WEEKLY, FORTNIGHTLY or MONTHLY
    weekday: int  # 0 = Monday
    starts_on: dt.date  # the calendar begins here (and every-two-weeks counts its weeks from here)
    week_of_month: int | None = None  # MONTHLY: 1…4, or LAST


def first_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    """The n-th `weekday` of the month (n = LAST: the last one); None when the month has no fifth one."""
    days = [day for day in calendar.Calendar().itermonthdates(year, month) if day.month == month]
    matching = [day for day in days if day.weekday() == weekday]
    if n == LAST:
        return matching[-1]
    return matching[n - 1] if 1 <= n <= len(matching) else None


def dates(rule: Rule, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The rule's distribution dates from `start` to `end`, both included, never before `rule.starts_on`."""
    start = max(start, rule.starts_on)
    if end < start:
        return
    if rule.frequency in (WEEKLY, FORTNIGHTLY):
        step = 7 if rule.frequency == WEEKLY else 14
        first = first_on_or_after(rule.starts_on, rule.weekday)
        if first < start:
            skipped = -(-(start - first).days // step)  # whole steps to reach start, rounded up
            first += dt.timedelta(days=skipped * step)
        day = first
        while day <= end:
            yield day
            day += dt.timedelta(days=step)
        return
    if rule.frequency != MONTHLY or rule.week_of_month is None:
        raise ValueError(f"unknown distribution rule: {rule}")
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        nth = nth_weekday(year, month, rule.weekday, rule.week_of_month)
        if nth is not None and start <= nth <= end:
            yield nth
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
