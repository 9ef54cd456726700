"""Statements on hand-computed cases: the commission once per statement, rounded half up to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from terroir.shops.settlement import Line, commission_of, statement, totals

DAY = dt.date(2026, 3, 3)


def line(amount: str, product: str = "Miel 500 g", quantity: str = "1", seller: int = 1) -> Line:
    return Line(seller, product, DAY, D(quantity), D(amount))


def test_a_month_of_honey_at_25_percent_leaves_three_quarters_to_the_depositor() -> None:
    # 12 jars at 8.50 € = 102.00 €; 25 % = 25.50 €; due 76.50 €.
    result = statement(1, D("0.25"), [line("8.50") for _ in range(12)])
    assert (result.gross, result.commission, result.due) == (D("102.00"), D("25.50"), D("76.50"))
    assert result.products[0].quantity == 12


def test_the_commission_is_rounded_half_up_once_on_the_statement_not_per_line() -> None:
    # Three lines of 0.10 €: per line 0.025 → 0.03 each, 0.09 in all; on the statement 0.30 × 25 % = 0.075 → 0.08.
    result = statement(1, D("0.25"), [line("0.10"), line("0.10"), line("0.10")])
    assert result.commission == D("0.08")
    assert result.due == D("0.22")


def test_a_half_cent_rounds_up_and_a_little_less_rounds_down() -> None:
    assert commission_of(D("0.50"), D("0.25")) == D("0.13")  # 0.125 → 0.13
    assert commission_of(D("0.49"), D("0.25")) == D("0.12")  # 0.1225 → 0.12
    assert commission_of(D("10.02"), D("0.125")) == D("1.25")  # 1.2525 → 1.25
    assert commission_of(D("10.04"), D("0.125")) == D("1.26")  # 1.255 → 1.26 (binary floats would say 1.25)


def test_a_refund_lowers_the_sales_and_the_commission_and_is_shown_apart() -> None:
    # 3 × 8.50 sold, 1 refunded: 17.00 €; 25 % = 4.25 €; due 12.75 €.
    result = statement(1, D("0.25"), [line("25.50", quantity="3"), line("-8.50", quantity="-1")])
    assert (result.gross, result.refunds, result.commission, result.due) == (
        D("17.00"),
        D("-8.50"),
        D("4.25"),
        D("12.75"),
    )
    assert result.products[0].quantity == 2


def test_a_period_of_refunds_only_owes_a_negative_amount_rounded_away_from_zero() -> None:
    # −0.50 € × 25 % = −0.125 → −0.13 (half up rounds the half away from zero); due −0.37 €.
    result = statement(1, D("0.25"), [line("-0.50", quantity="-1")])
    assert (result.commission, result.due) == (D("-0.13"), D("-0.37"))


def test_commission_and_amount_due_always_add_up_to_the_sales() -> None:
    amounts = ["3.33", "7.77", "0.01", "12.34", "-1.11", "99.99"]
    for rate in (D("0.25"), D("0.2"), D("0.175"), D("0.333")):
        result = statement(1, rate, [line(a, product=f"p{i % 2}") for i, a in enumerate(amounts)])
        assert result.commission + result.due == result.gross == D("122.33")


def test_an_associate_without_commission_is_owed_all_their_sales() -> None:
    result = statement(1, D("0"), [line("6.40"), line("12.80", quantity="2")])
    assert (result.commission, result.due) == (D("0.00"), D("19.20"))


def test_other_producers_lines_stay_out_of_a_statement_and_the_shop_totals_add_the_statements() -> None:
    lines = [line("10.00", seller=1), line("20.02", seller=2), line("0.10", seller=2)]
    first, second = statement(1, D("0.25"), lines), statement(2, D("0.25"), lines)
    assert first.gross == D("10.00") and second.gross == D("20.12")
    shop = totals([first, second])
    assert shop.turnover == D("30.12")
    assert shop.commission == D("2.50") + D("5.03")  # 20.12 × 25 % = 5.03
    assert shop.commission + shop.due == shop.turnover
