"""What a shop owes each producer for a period: sales, commission, amount due. Pure (no Django).

The rule, the same on the page, the CSV and the PDF:
1. Each till line keeps the amount the till charged, in cents (a refund is a negative line).
2. A statement adds the lines of one producer over the period: the sales (gross), per product too.
3. The commission is computed ONCE per statement, on the gross: gross × rate, rounded to the cent half
   up (`Decimal.quantize(Decimal("0.01"), ROUND_HALF_UP)`: 0.125 → 0.13, −0.125 → −0.13, away from
   zero at the half). Never per line: rounding each line would make the commission depend on how the
   till split the sales (three 0.10 € lines at 25 % are 0.03 € each, 0.09 € in all, against 0.08 € for
   0.30 € at once). Each line bears the rate in force on its day (`Rates`): when the rate changed within
   the period, the commission is computed once per rate, on that rate's sales, and the parts are shown.
4. The amount due is gross − commission, exact: the two add up to the sales to the cent.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One till line: what product, how many, for how much (the till's amount, refunds negative)."""

    seller: Hashable
    product: str
    sold_on: datetime.date
    quantity: Decimal
    amount: Decimal
    rate: Decimal | None = None  # the rate in force on its day; None: the statement's


@dataclass(frozen=True)
class Rates:
    """A shop's commission rates over time: its default's history and each seller's own (a seller's entry
    without a rate follows the default). An entry applies from its date until the next one; a day before
    the first entry takes the first (history starts at the shop's creation, sales may be older)."""

    default: Sequence[tuple[datetime.date, Decimal]]  # sorted by date
    own: Mapping[Hashable, Sequence[tuple[datetime.date, Decimal | None]]]  # sorted by date

    @staticmethod
    def _at(entries: Sequence[tuple[datetime.date, object]], day: datetime.date) -> object:
        index = bisect.bisect_right([start for start, _rate in entries], day) - 1
        return entries[max(index, 0)][1]

    def of(self, seller: Hashable, day: datetime.date) -> Decimal:
        entries = self.own.get(seller)
        own = self._at(entries, day) if entries else None
        if isinstance(own, Decimal):
            return own if own else Decimal("0")  # no commission is written 0, as it always was, not 0.0000
        found = self._at(self.default, day) if self.default else None
        return found if isinstance(found, Decimal) else Decimal("0")


@dataclass(frozen=True)
class RatePart:
    """The sales of a statement at one rate, and their commission."""

    rate: Decimal
    gross: Decimal
    commission: Decimal


@dataclass(frozen=True)
class ProductTotal:
    product: str
    quantity: Decimal
    amount: Decimal
    refunds: Decimal  # the negative lines' sum (≤ 0), already inside `amount`


@dataclass
class Statement:
    seller: Hashable
    rate: Decimal
    products: list[ProductTotal] = field(default_factory=list)
    gross: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")
    commission: Decimal = Decimal("0.00")
    due: Decimal = Decimal("0.00")
    lines: int = 0
    parts: list[RatePart] = field(default_factory=list)  # one per rate, in the order the days met them


def commission_of(gross: Decimal, rate: Decimal) -> Decimal:
    """The commission on a statement's sales, to the cent, half up (rule 3)."""
    return (gross * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def statement(seller: Hashable, rate: Decimal, lines: Iterable[Line]) -> Statement:
    """One producer's statement from their lines of the period (lines of others are ignored). `rate` is
    the rate of the lines that bear none (and the one shown when the period has no sale)."""
    result = Statement(seller=seller, rate=rate)
    quantity: dict[str, Decimal] = defaultdict(Decimal)
    amount: dict[str, Decimal] = defaultdict(Decimal)
    refunds: dict[str, Decimal] = defaultdict(Decimal)
    by_rate: dict[Decimal, tuple[datetime.date, Decimal]] = {}  # rate → (first day met, sales)
    for line in lines:
        if line.seller != seller:
            continue
        result.lines += 1
        line_rate = rate if line.rate is None else line.rate
        first, sales = by_rate.get(line_rate, (line.sold_on, Decimal("0")))
        by_rate[line_rate] = (min(first, line.sold_on), sales + line.amount)
        quantity[line.product] += line.quantity
        amount[line.product] += line.amount
        if line.amount < 0:
            refunds[line.product] += line.amount
    result.products = [
        ProductTotal(name, quantity[name], amount[name].quantize(CENT), refunds[name].quantize(CENT))
        for name in sorted(amount)
    ]
    result.gross = sum((p.amount for p in result.products), Decimal("0.00")).quantize(CENT)
    result.refunds = sum((p.refunds for p in result.products), Decimal("0.00")).quantize(CENT)
    order = sorted(by_rate.items(), key=lambda item: item[1][0])
    result.parts = [
        RatePart(r, sales.quantize(CENT), commission_of(sales.quantize(CENT), r)) for r, (_day, sales) in order
    ]
    if len(result.parts) == 1:
        result.rate = result.parts[0].rate
    result.commission = sum((p.commission for p in result.parts), Decimal("0.00")) if result.parts else Decimal("0.00")
    result.due = result.gross - result.commission
    return result


@dataclass(frozen=True)
class Totals:
    turnover: Decimal
    commission: Decimal
    due: Decimal


def totals(statements: Iterable[Statement]) -> Totals:
    """The shop's figures for the period: the sum of its statements (so they agree to the cent)."""
    rows = list(statements)
    zero = Decimal("0.00")
    return Totals(
        turnover=sum((s.gross for s in rows), zero),
        commission=sum((s.commission for s in rows), zero),
        due=sum((s.due for s in rows), zero),
    )
