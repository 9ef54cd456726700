"""What a partner pays of a solidarity grocery's order, and the totals a funder reads. Pure (no Django).

The rule, the same on every page, CSV and PDF:
1. A line's amount is quantity × agreed unit price, rounded to the cent half up (0.005 → 0.01).
2. The partner's share of ONE UNIT, exact (not rounded): the programme's percentage of the unit price, or
   its amount per unit; no more than the cap per unit when the programme has one, and never more than the
   unit price itself (a partner never pays more than the goods).
3. A line's partner share is quantity × that unit share, rounded to the cent half up, once per line; the
   grocery's share is the line's amount less the partner's, exact, so the two add up to the amount to the
   cent. Rounding once per line (not per unit) keeps 3 × 1.115 € at 50 % to 1.67 € and not 3 × 0.56 €.
4. An order's figures are the sums of its lines; a period's, the sums of its orders'. Nothing is rounded
   after rule 3, so every total agrees with the lines it adds to the cent.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PERCENT = "percent"
PER_UNIT = "per_unit"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rule:
    """A programme's share rule: `rate` a fraction of the price (0.5 is 50 %) or `amount` € per unit, and
    an optional `cap` in € per unit."""

    kind: str
    rate: Decimal | None = None
    amount: Decimal | None = None
    cap: Decimal | None = None

    def unit_share(self, price: Decimal) -> Decimal:
        """Rule 2: the partner's share of one unit, exact."""
        if self.kind == PERCENT:
            share = price * (self.rate or ZERO)
        elif self.kind == PER_UNIT:
            share = self.amount or ZERO
        else:
            raise ValueError(f"unknown share rule {self.kind!r}")
        if self.cap is not None:
            share = min(share, self.cap)
        return max(min(share, price), ZERO)


@dataclass(frozen=True)
class LineFigures:
    amount: Decimal
    partner: Decimal
    grocery: Decimal


def line_figures(rule: Rule, price: Decimal, quantity: Decimal) -> LineFigures:
    """Rules 1 and 3 for one line."""
    amount = cents(quantity * price)
    partner = min(cents(quantity * rule.unit_share(price)), amount)
    return LineFigures(amount=amount, partner=partner, grocery=amount - partner)


@dataclass(frozen=True)
class Line:
    """One delivered (or ordered) line, as the totals read it."""

    order: Hashable
    grocery: Hashable
    producer: Hashable
    unit: str
    quantity: Decimal
    amount: Decimal
    partner: Decimal
    grocery_share: Decimal


@dataclass
class Total:
    key: Hashable
    orders: set[Hashable] = field(default_factory=set)
    quantities: dict[str, Decimal] = field(default_factory=dict)  # per unit: kg, l, piece
    amount: Decimal = ZERO
    partner: Decimal = ZERO
    grocery_share: Decimal = ZERO

    def add(self, line: Line) -> None:
        self.orders.add(line.order)
        self.quantities[line.unit] = self.quantities.get(line.unit, Decimal(0)) + line.quantity
        self.amount += line.amount
        self.partner += line.partner
        self.grocery_share += line.grocery_share

    @property
    def order_count(self) -> int:
        return len(self.orders)


def totals_by(lines: Iterable[Line], key: str) -> list[Total]:
    """Rule 4: the lines summed per grocery (`key="grocery"`) or per producer, largest amount first."""
    found: dict[Hashable, Total] = {}
    for line in lines:
        value = getattr(line, key)
        found.setdefault(value, Total(key=value)).add(line)
    return sorted(found.values(), key=lambda total: (-total.amount, str(total.key)))


def grand_total(lines: Iterable[Line]) -> Total:
    total = Total(key=None)
    for line in lines:
        total.add(line)
    return total
