"""A group's distribution rule as dates (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from terroir.groups import rules

THURSDAY = 3


def test_a_weekly_calendar_falls_on_the_chosen_weekday_from_its_start() -> None:
    rule = rules.Rule(frequency=rules.WEEKLY, weekday=THURSDAY, starts_on=dt.date(2026, 3, 30))  # a Monday
    assert list(rules.dates(rule, dt.date(2026, 3, 1), dt.date(2026, 4, 20))) == [
        dt.date(2026, 4, 2), dt.date(2026, 4, 9), dt.date(2026, 4, 16),
    ]  # fmt: skip


def test_every_two_weeks_keeps_the_parity_of_its_first_distribution_whatever_the_range() -> None:
    rule = rules.Rule(frequency=rules.FORTNIGHTLY, weekday=THURSDAY, starts_on=dt.date(2026, 4, 2))
    assert list(rules.dates(rule, dt.date(2026, 4, 10), dt.date(2026, 5, 31))) == [
        dt.date(2026, 4, 16), dt.date(2026, 4, 30), dt.date(2026, 5, 14), dt.date(2026, 5, 28),
    ]  # fmt: skip


def test_a_monthly_calendar_takes_the_first_thursday_of_each_month() -> None:
    rule = rules.Rule(frequency=rules.MONTHLY, weekday=THURSDAY, starts_on=dt.date(2026, 1, 1), week_of_month=1)
    assert list(rules.dates(rule, dt.date(2026, 1, 1), dt.date(2026, 4, 30))) == [
        dt.date(2026, 1, 1), dt.date(2026, 2, 5), dt.date(2026, 3, 5), dt.date(2026, 4, 2),
    ]  # fmt: skip


def test_a_monthly_calendar_may_take_the_last_friday_across_a_new_year() -> None:
    rule = rules.Rule(frequency=rules.MONTHLY, weekday=4, starts_on=dt.date(2026, 1, 1), week_of_month=rules.LAST)
    assert list(rules.dates(rule, dt.date(2026, 11, 1), dt.date(2027, 1, 31))) == [
        dt.date(2026, 11, 27), dt.date(2026, 12, 25), dt.date(2027, 1, 29),
    ]  # fmt: skip


def test_nothing_comes_before_the_calendar_starts_nor_from_an_empty_range() -> None:
    rule = rules.Rule(frequency=rules.WEEKLY, weekday=THURSDAY, starts_on=dt.date(2026, 6, 1))
    assert list(rules.dates(rule, dt.date(2026, 5, 1), dt.date(2026, 5, 31))) == []
    assert list(rules.dates(rule, dt.date(2026, 7, 1), dt.date(2026, 6, 1))) == []


def test_a_monthly_rule_without_its_week_is_refused() -> None:
    with pytest.raises(ValueError):
        list(rules.dates(rules.Rule(frequency=rules.MONTHLY, weekday=0, starts_on=dt.date(2026, 1, 1)),
                         dt.date(2026, 1, 1), dt.date(2026, 2, 1)))  # fmt: skip
