"""Which weeks an agreement delivers in (the pure schedule)."""

from __future__ import annotations

import datetime as dt

from terroir.supply.schedule import weeks

MON = dt.date(2026, 12, 7)


def test_a_weekly_agreement_delivers_every_week_from_its_first_delivery_up_to_the_horizon() -> None:
    found = weeks(frequency="weekly", starts=dt.date(2026, 12, 9), ends=None, months=4095, first=MON,
                  last=MON + dt.timedelta(weeks=3))  # fmt: skip
    assert found == [MON + dt.timedelta(weeks=i) for i in range(4)]


def test_a_fortnightly_agreement_keeps_its_rhythm_from_its_first_week_not_from_today() -> None:
    found = weeks(frequency="fortnightly", starts=MON - dt.timedelta(weeks=1), ends=None, months=4095, first=MON,
                  last=MON + dt.timedelta(weeks=5))  # fmt: skip
    assert found == [MON + dt.timedelta(weeks=1), MON + dt.timedelta(weeks=3), MON + dt.timedelta(weeks=5)]


def test_a_one_off_agreement_delivers_once_and_a_past_one_not_at_all() -> None:
    assert weeks(frequency="once", starts=MON, ends=MON, months=4095, first=MON, last=MON + dt.timedelta(weeks=3)) == [
        MON
    ]
    assert weeks(frequency="once", starts=MON, ends=MON, months=4095, first=MON + dt.timedelta(weeks=1),
                 last=MON + dt.timedelta(weeks=3)) == []  # fmt: skip


def test_a_monthly_agreement_delivers_on_its_day_of_the_month_and_the_31st_in_a_short_month() -> None:
    found = weeks(frequency="monthly", starts=dt.date(2027, 1, 31), ends=None, months=4095,
                  first=dt.date(2027, 1, 25), last=dt.date(2027, 4, 30))  # fmt: skip
    assert found == [dt.date(2027, 1, 25), dt.date(2027, 2, 22), dt.date(2027, 3, 29), dt.date(2027, 4, 26)]


def test_weeks_outside_the_agreement_s_months_have_no_delivery() -> None:
    december_only = 1 << 11
    found = weeks(frequency="weekly", starts=MON, ends=None, months=december_only, first=MON,
                  last=dt.date(2027, 1, 18))  # fmt: skip
    assert found == [MON, dt.date(2026, 12, 14), dt.date(2026, 12, 21), dt.date(2026, 12, 28)]


def test_the_first_delivery_s_week_counts_only_when_one_of_the_delivery_days_is_still_to_come() -> None:
    tuesday, thursday = 0b0000010, 0b0001000
    wednesday = MON + dt.timedelta(days=2)
    later = MON + dt.timedelta(weeks=1)
    assert weeks(frequency="weekly", starts=wednesday, ends=None, months=4095, first=MON, last=later,
                 weekdays=thursday) == [MON, later]  # fmt: skip
    assert weeks(frequency="weekly", starts=wednesday, ends=None, months=4095, first=MON, last=later,
                 weekdays=tuesday) == [later]  # fmt: skip
    assert weeks(frequency="once", starts=wednesday, ends=wednesday, months=4095, first=MON, last=later,
                 weekdays=tuesday) == [later]  # fmt: skip
