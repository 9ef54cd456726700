"""The partner's and the grocery's shares, computed by hand (shares.py's rule: half up to the cent, once
per line), and the totals agreeing with their lines."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from terroir.solidarity.shares import Line, Rule, grand_total, line_figures, totals_by

HALF = Rule(kind="percent", rate=D("0.5"))


def figures(rule: Rule, price: str, quantity: str) -> tuple[D, D, D]:
    result = line_figures(rule, D(price), D(quantity))
    return result.amount, result.partner, result.grocery


def test_half_the_price_is_rounded_once_per_line_not_per_unit() -> None:
    # 3 × 1.115 = 3.345 → 3.35; half of it exact is 1.6725 → 1.67 (0.56 a unit would make 1.68).
    assert figures(HALF, "1.115", "3") == (D("3.35"), D("1.67"), D("1.68"))


def test_a_half_cent_is_rounded_up() -> None:
    # 1 × 0.01 at 50 % = 0.005 → 0.01: the partner pays the cent, the grocery nothing.
    assert figures(HALF, "0.01", "1") == (D("0.01"), D("0.01"), D("0.00"))
    # 0.333 kg × 1.50 = 0.4995 → 0.50; the partner's 0.24975 → 0.25; the grocery the other 0.25.
    assert figures(HALF, "1.50", "0.333") == (D("0.50"), D("0.25"), D("0.25"))


def test_a_cap_per_unit_limits_the_partners_share() -> None:
    capped = Rule(kind="percent", rate=D("0.5"), cap=D("2.00"))
    # Half of 6.40 is 3.20 a unit, capped at 2.00: 3 units → 6.00 of 19.20.
    assert figures(capped, "6.40", "3") == (D("19.20"), D("6.00"), D("13.20"))
    # Under the cap nothing changes: half of 3.90 is 1.95.
    assert figures(capped, "3.90", "2") == (D("7.80"), D("3.90"), D("3.90"))


def test_an_amount_per_unit_is_paid_per_kilo_delivered() -> None:
    per_kilo = Rule(kind="per_unit", amount=D("0.40"))
    assert figures(per_kilo, "3.00", "2.5") == (D("7.50"), D("1.00"), D("6.50"))
    # 1.234 kg × 0.40 = 0.4936 → 0.49; 1.234 × 2.99 = 3.68966 → 3.69.
    assert figures(per_kilo, "2.99", "1.234") == (D("3.69"), D("0.49"), D("3.20"))


def test_the_partner_never_pays_more_than_the_goods() -> None:
    generous = Rule(kind="per_unit", amount=D("5.00"))
    assert figures(generous, "3.00", "2") == (D("6.00"), D("6.00"), D("0.00"))


def test_totals_per_grocery_and_per_producer_add_their_lines() -> None:
    lines = [
        Line(1, "panier", "fromagerie", "piece", D("3"), D("19.20"), D("6.00"), D("13.20")),
        Line(1, "panier", "fromagerie", "kg", D("1.5"), D("18.00"), D("3.00"), D("15.00")),
        Line(2, "panier", "rucher", "kg", D("2"), D("24.00"), D("4.00"), D("20.00")),
        Line(3, "thiers", "fromagerie", "piece", D("1"), D("6.40"), D("2.00"), D("4.40")),
    ]
    groceries = totals_by(lines, "grocery")
    assert [(t.key, t.order_count, t.amount, t.partner) for t in groceries] == [
        ("panier", 2, D("61.20"), D("13.00")), ("thiers", 1, D("6.40"), D("2.00")),
    ]  # fmt: skip
    assert groceries[0].quantities == {"piece": D("3"), "kg": D("3.5")}
    producers = totals_by(lines, "producer")
    assert [(t.key, t.amount, t.grocery_share) for t in producers] == [
        ("fromagerie", D("43.60"), D("32.60")), ("rucher", D("24.00"), D("20.00")),
    ]  # fmt: skip
    everything = grand_total(lines)
    assert everything.amount == sum(t.amount for t in producers) == D("67.60")
    assert everything.partner + everything.grocery_share == everything.amount


prices = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
quantities = st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3)
rules = st.one_of(
    st.builds(Rule, kind=st.just("percent"), rate=st.decimals(min_value=0, max_value=1, places=4),
              cap=st.one_of(st.none(), prices)),
    st.builds(Rule, kind=st.just("per_unit"), amount=prices, cap=st.one_of(st.none(), prices)),
)  # fmt: skip


@given(rules, prices, quantities)
def test_the_two_shares_always_add_up_to_the_amount(rule: Rule, price: D, quantity: D) -> None:
    result = line_figures(rule, price, quantity)
    assert result.partner + result.grocery == result.amount
    assert D("0") <= result.partner <= result.amount
    assert result.amount.as_tuple().exponent == -2
