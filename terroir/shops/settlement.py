"""What a shop owes each producer for a period: sales, commission, amount due. Pure (no Django).

The rule, the same on the page, the CSV and the PDF:
1. Each till line keeps the amount the till charged, in cents (a refund is a negative line).
2. A statement adds the lines of one producer over the period: the sales (gross), per product too.
3. The commission is computed ONCE per statement, on the gross: gross × rate, rounded to the cent half
   up (`Decimal.quantize(Decimal("0.01"), ROUND_HALF_UP)`: 0.125 → 0.13, −0.125 → −0.13, away from
   zero at the half). Never per line: rounding each line would make the commission depend on how the
   till split the sales (three 0.10 € lines at 25 % are 0.03 € each, 0.09 € in all, against 0.08 € for
   0.30 € at once).
4. The amount due is gross − commission, exact: the two add up to the sales to the cent.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable
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


def commission_of(gross: Decimal, rate: Decimal) -> Decimal:
    """The commission on a statement's sales, to the cent, half up (rule 3)."""
    return (gross * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def statement(seller: Hashable, rate: Decimal, lines: Iterable[Line]) -> Statement:
    """One producer's statement from their lines of the period (lines of others are ignored)."""
    result = Statement(seller=seller, rate=rate)
    quantity: dict[str, Decimal] = defaultdict(Decimal)
    amount: dict[str, Decimal] = defaultdict(Decimal)
    refunds: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.seller != seller:
            continue
        result.lines += 1
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
    result.commission = commission_of(result.gross, rate)
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
