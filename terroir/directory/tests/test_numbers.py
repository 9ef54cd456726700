"""Numbers, money and prices per unit in French and in English (terroir.directory.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from terroir.directory.forms import ProductForm
from terroir.directory.numbers import money, number, quantity, rate, unit_price

NBSP = "\u00a0"


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", [f"22{NBSP}885", f"22{NBSP}885{NBSP}€", f"2,50{NBSP}€ / pièce", f"1{NBSP}250,5 km"]),
    ("en", ["22,885", "€22,885", "€2.50 / piece", "1,250.5 km"]),
])  # fmt: skip
def test_figures_are_grouped_and_the_euro_sits_where_the_language_puts_it(language: str, expected: list[str]) -> None:
    with translation.override(language):
        assert [
            number(22885.4),
            money(22885, 0),
            unit_price(Decimal("2.5"), "piece"),
            f"{number(1250.5, 1)} km",
        ] == expected


def test_a_price_is_per_one_unit_whatever_the_unit_is_called_in_the_plural() -> None:
    with translation.override("fr"):
        assert [unit_price(1, unit, 0) for unit in ("kg", "l", "dozen", "crate")] == [
            f"1{NBSP}€ / kg",
            f"1{NBSP}€ / litre",
            f"1{NBSP}€ / douzaine",
            f"1{NBSP}€ / cagette",
        ]


def test_nothing_is_written_for_a_missing_figure() -> None:
    assert (number(None), money(""), unit_price(None, "kg"), number("n/a")) == ("", "", "", "")


def test_the_template_filters_use_the_same_helpers() -> None:
    template = Template("{% load terroir %}{{ v|money:0 }} {{ v|number }} {{ p|price_per:'kg' }}")
    with translation.override("fr"):
        assert template.render(Context({"v": 22885, "p": 3})) == f"22{NBSP}885{NBSP}€ 22{NBSP}885 3,00{NBSP}€ / kg"


def test_a_quantity_s_unit_agrees_with_the_number() -> None:
    with translation.override("fr"):
        assert [quantity(1, "piece"), quantity(20, "piece"), quantity(Decimal("1.50"), "kg"), quantity(1, "dozen"),
                quantity(2, "crate"), quantity(Decimal("1.5"), "l")] == [
            f"1{NBSP}pièce", f"20{NBSP}pièces", f"1,5{NBSP}kg", f"1{NBSP}douzaine", f"2{NBSP}cagettes",
            f"1,5{NBSP}litres"]  # fmt: skip
    with translation.override("en"):
        assert [quantity(1, "piece"), quantity(3, "dozen")] == [f"1{NBSP}piece", f"3{NBSP}dozens"]
    template = Template("{% load terroir %}{{ q|quantity:'piece' }}")
    with translation.override("fr"):
        assert template.render(Context({"q": Decimal("1.00")})) == f"1{NBSP}pièce"


def test_a_negative_amount_carries_its_sign_before_the_euro_in_english_and_before_the_figure_in_french() -> None:
    with translation.override("en"):
        assert [money(Decimal("-0.50")), money(-1500), money(Decimal("-0.001"))] == ["-€0.50", "-€1,500.00", "€0.00"]
    with translation.override("fr"):
        assert [money(Decimal("-0.50")), money(Decimal("-0.001"))] == [f"-0,50{NBSP}€", f"0,00{NBSP}€"]


def test_a_rate_is_written_as_a_percentage_never_as_the_stored_fraction_and_as_each_language_writes_it() -> None:
    with translation.override("fr"):
        assert [rate(Decimal("0.2500")), rate(Decimal("0.125")), rate(0)] == [f"25{NBSP}%", f"12,5{NBSP}%", f"0{NBSP}%"]
    with translation.override("en"):
        assert [rate(Decimal("0.125")), rate(Decimal("0.25"))] == ["12.5%", "25%"]  # English: no space


def test_a_unit_typed_as_free_text_agrees_with_the_number_when_it_is_a_known_one() -> None:
    with translation.override("fr"):
        assert [quantity(2, "pièce"), quantity(Decimal("3.5"), "pièce"), quantity(3, "pot de 500 g"),
                quantity(1, "pot de 500 g"), quantity(2, "Bocal"), quantity(2, "douzaine"), quantity(12, "Kg"),
                quantity(2, "truc")] == [
            f"2{NBSP}pièces", f"3,5{NBSP}pièces", f"3{NBSP}pots de 500 g", f"1{NBSP}pot de 500 g", f"2{NBSP}Bocaux",
            f"2{NBSP}douzaines", f"12{NBSP}kg", f"2{NBSP}truc"]  # fmt: skip
    with translation.override("en"):
        assert [quantity(2, "pièce"), quantity(0, "pot")] == [f"2{NBSP}pieces", f"0{NBSP}pots"]


def test_a_quantity_groups_its_thousands_and_never_parts_from_its_unit() -> None:
    with translation.override("fr"):
        assert [quantity(1500, "kg"), quantity(Decimal("2500.5"), "piece"), quantity(1200, "pot de 500 g")] == [
            f"1{NBSP}500{NBSP}kg", f"2{NBSP}500,5{NBSP}pièces", f"1{NBSP}200{NBSP}pots de 500 g"]  # fmt: skip
    with translation.override("en"):
        assert quantity(1500, "kg") == f"1,500{NBSP}kg"


def test_a_form_says_its_number_range_in_the_reader_s_figures() -> None:
    with translation.override("fr"):
        form = ProductForm({"monthly_volume": "0"})
        assert not form.is_valid()
        assert form.errors["monthly_volume"] == ["Assurez-vous que cette valeur est supérieure ou égale à 0,01."]
    with translation.override("en"):
        form = ProductForm({"monthly_volume": "0"})
        assert form.errors["monthly_volume"] == ["Ensure this value is greater than or equal to 0.01."]
