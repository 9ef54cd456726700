"""A subscription's money: its total and its instalments, to the cent (pure, no database).

The total is the option's price per distribution × the quantity × the deliveries; it is split evenly over
the payment dates in whole cents, the cents left over on the first instalment (so every later cheque is
the same amount, as AMAP members write them in advance).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

CENT = Decimal("0.01")


def total(*, price: Decimal, quantity: int, deliveries: int) -> Decimal:
    return (price * quantity * deliveries).quantize(CENT)


def split(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` instalments of whole cents, summing to it exactly; the remainder on the first."""
    if parts < 1:
        raise ValueError("at least one instalment")
    cents = int((amount / CENT).to_integral_exact())
    each, rest = divmod(cents, parts)
    return [Decimal(each + rest) * CENT] + [Decimal(each) * CENT] * (parts - 1)


def monthly(first: dt.date, count: int) -> list[dt.date]:
    """`count` dates a month apart from `first`, on the same day (the month's last when it is shorter)."""
    dates = []
    for step in range(count):
        month = first.month - 1 + step
        year, month = first.year + month // 12, month % 12 + 1
        dates.append(dt.date(year, month, min(first.day, calendar.monthrange(year, month)[1])))
    return dates


def instalment_dates(payment_dates: list[dt.date], subscribed_on: dt.date) -> list[dt.date]:
    """The contract's payment dates still to come when the member subscribes; none left: one, that day."""
    coming = sorted(day for day in payment_dates if day >= subscribed_on)
    return coming or [subscribed_on]
