"""A subscription's total and instalments, to the cent, on cases computed by hand (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terroir.groups import payments


@pytest.mark.parametrize(
    ("amount", "parts", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),  # 1 cent left over: on the first cheque
        ("129.87", 4, ["32.49", "32.46", "32.46", "32.46"]),  # 12,987 cents = 4 × 3,246 + 3
        ("214.20", 3, ["71.40", "71.40", "71.40"]),
        ("0.05", 3, ["0.03", "0.01", "0.01"]),
        ("112.95", 1, ["112.95"]),
    ],
)
def test_the_total_is_split_in_whole_cents_the_remainder_on_the_first_instalment(
    amount: str, parts: int, expected: list[str]
) -> None:
    split = payments.split(Decimal(amount), parts)
    assert split == [Decimal(e) for e in expected]
    assert sum(split) == Decimal(amount)


def test_the_total_is_the_price_times_the_quantity_times_the_deliveries() -> None:
    assert payments.total(price=Decimal("12.55"), quantity=1, deliveries=9) == Decimal("112.95")
    assert payments.total(price=Decimal("9.99"), quantity=1, deliveries=13) == Decimal("129.87")
    assert payments.total(price=Decimal("15.30"), quantity=2, deliveries=7) == Decimal("214.20")


def test_monthly_payment_dates_keep_the_day_or_take_the_last_of_a_shorter_month() -> None:
    assert payments.monthly(dt.date(2026, 1, 31), 4) == [
        dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30),
    ]  # fmt: skip
    assert payments.monthly(dt.date(2026, 11, 5), 3) == [
        dt.date(2026, 11, 5),
        dt.date(2026, 12, 5),
        dt.date(2027, 1, 5),
    ]


def test_a_late_subscriber_pays_on_the_payment_dates_still_to_come_or_at_once_when_none_is_left() -> None:
    dates = [dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)]
    assert payments.instalment_dates(dates, dt.date(2026, 3, 20)) == dates
    assert payments.instalment_dates(dates, dt.date(2026, 4, 20)) == dates[1:]
    assert payments.instalment_dates(dates, dt.date(2026, 6, 2)) == [dt.date(2026, 6, 2)]


def test_no_instalment_at_all_is_refused() -> None:
    with pytest.raises(ValueError):
        payments.split(Decimal("10"), 0)
