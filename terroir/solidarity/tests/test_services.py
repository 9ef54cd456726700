"""Programmes, agreed prices and orders: a changed price is a new row and orders keep theirs; the shares
follow the quantities delivered; the budget refuses an order that would exceed it, saying by how much."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from terroir.solidarity import services
from terroir.solidarity.models import AgreedPrice, Order, OrderStatus

from .conftest import DAY, YEAR

pytestmark = pytest.mark.django_db


def place(panier: Any, territory: Any, quantities: dict[int, str], **extra: Any) -> Order:
    return services.order_place(
        programme=panier.programme,
        grocery=panier.grocery,
        producer=territory.cheese_farm,
        quantities={pk: D(q) for pk, q in quantities.items()},
        ordered_on=DAY,
        **extra,
    )


def test_an_order_is_priced_at_the_agreed_prices_with_the_partners_share(panier: Any, territory: Any) -> None:
    order = place(panier, territory, {panier.fourme.pk: "3", panier.butter.pk: "2"})
    # Fourme: 3 × 6.40 = 19.20, half capped at 2.00 a unit → 6.00; butter: 2 × 3.90 = 7.80, half 3.90.
    assert [(line.product, line.amount, line.partner_share) for line in order.lines.order_by("product")] == [
        ("Beurre cru 250 g", D("7.80"), D("3.90")), ("Fourme d'Ambert 250 g", D("19.20"), D("6.00")),
    ]  # fmt: skip
    assert (order.amount, order.partner_share, order.grocery_share) == (D("27.00"), D("9.90"), D("17.10"))
    assert order.status == OrderStatus.SUBMITTED


def test_a_changed_price_is_a_new_row_and_orders_keep_the_price_they_were_made_at(
    panier: Any, territory: Any
) -> None:  # fmt: skip
    order = place(panier, territory, {panier.fourme.pk: "1"})
    new = services.price_set(programme=panier.programme, producer=territory.cheese_farm,
                             product="Fourme d'Ambert 250 g", unit="piece", price=D("6.90"),
                             valid_from=dt.date(2026, 4, 1))  # fmt: skip
    old = AgreedPrice.objects.get(pk=panier.fourme.pk)
    assert old.price == D("6.40") and old.valid_until == dt.date(2026, 3, 31)
    assert new.pk != old.pk and new.valid_until is None
    assert order.lines.get().unit_price == D("6.40")
    current = services.prices_current(programme=panier.programme, grocery=panier.grocery,
                                      producer=territory.cheese_farm, on=dt.date(2026, 4, 2))  # fmt: skip
    assert {row.product: row.price for row in current}["Fourme d'Ambert 250 g"] == D("6.90")
    april = services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.cheese_farm,
                                 quantities={new.pk: D("1")}, ordered_on=dt.date(2026, 4, 2))  # fmt: skip
    assert april.lines.get().unit_price == D("6.90")


def test_a_new_price_cannot_start_before_the_current_one(panier: Any, territory: Any) -> None:
    with pytest.raises(ValidationError, match="commence après le prix en cours"):
        services.price_set(programme=panier.programme, producer=territory.cheese_farm, product="fourme d'ambert 250 g",
                           unit="piece", price=D("7"), valid_from=YEAR[0])  # fmt: skip


def test_a_groceries_own_price_comes_before_the_programmes(panier: Any, territory: Any) -> None:
    own = services.price_set(
        programme=panier.programme,
        producer=territory.cheese_farm,
        grocery=panier.grocery,
        product="Fourme d'Ambert 250 g",
        unit="piece",
        price=D("6.00"),
        valid_from=YEAR[0],
    )
    current = services.prices_current(programme=panier.programme, grocery=panier.grocery,
                                      producer=territory.cheese_farm, on=DAY)  # fmt: skip
    assert [row.pk for row in current if row.product.startswith("Fourme")] == [own.pk]
    with pytest.raises(ValidationError, match="pas de prix convenu aujourd’hui"):
        place(panier, territory, {panier.fourme.pk: "1"})


def test_an_order_past_the_budget_is_refused_saying_by_how_much(panier: Any, territory: Any) -> None:
    # 15 fourmes: 15 × 2.00 = 30.00 of partner share, three times: 90.00 committed of 100.00.
    for _time in range(3):
        place(panier, territory, {panier.fourme.pk: "15"})
    # 6 more: 12.00 with 10.00 left → 2.00 too much.
    with pytest.raises(ValidationError) as refused:
        place(panier, territory, {panier.fourme.pk: "6"})
    assert refused.value.messages == [
        "Le budget du programme serait dépassé de 2,00\u00a0€\u202f: la part du partenaire de cette commande "
        "est de 12,00\u00a0€ et il reste 10,00\u00a0€ sur 100,00\u00a0€."
    ]
    assert Order.objects.count() == 3
    place(panier, territory, {panier.fourme.pk: "5"})  # exactly the 10.00 left
    assert services.budget_of(panier.programme).remaining == D("0.00")


def test_a_declined_or_cancelled_order_frees_its_share_of_the_budget(panier: Any, territory: Any) -> None:
    first = place(panier, territory, {panier.fourme.pk: "30"})  # 60.00
    second = place(panier, territory, {panier.fourme.pk: "20"})  # 40.00: the budget is used up
    services.order_answer(order=first, accept=False)
    services.order_cancel(order=second)
    assert services.budget_of(panier.programme).committed == D("0.00")


def test_the_amounts_follow_the_quantities_delivered(panier: Any, territory: Any) -> None:
    order = place(panier, territory, {panier.fourme.pk: "4", panier.butter.pk: "2"})
    services.order_answer(order=order, accept=True)
    fourme = order.lines.get(product__startswith="Fourme")
    delivered = services.order_deliver(order=order, delivered={fourme.pk: D("3")}, delivered_on=dt.date(2026, 3, 12))
    # Fourme 3 delivered of 4: 19.20 and 6.00; butter as ordered: 7.80 and 3.90.
    assert (delivered.amount, delivered.partner_share, delivered.grocery_share) == (D("27.00"), D("9.90"), D("17.10"))
    assert delivered.status == OrderStatus.DELIVERED and delivered.delivered_on == dt.date(2026, 3, 12)
    assert str(services.budget_of(panier.programme).spent) == "9.90"  # to the cent, as the page shows it


def test_a_delivery_past_the_budget_is_refused(panier: Any, territory: Any) -> None:
    order = place(panier, territory, {panier.fourme.pk: "40"})  # 80.00
    services.order_answer(order=order, accept=True)
    line = order.lines.get()
    with pytest.raises(ValidationError) as refused:
        services.order_deliver(order=order, delivered={line.pk: D("55")})  # 110.00 of 100.00
    assert "dépassé de 10,00\u00a0€" in refused.value.messages[0]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_an_order_only_moves_forward(panier: Any, territory: Any) -> None:
    order = place(panier, territory, {panier.fourme.pk: "1"})
    with pytest.raises(ValidationError, match="ne peut pas être changée"):
        services.order_deliver(order=order, delivered={})  # not confirmed yet
    services.order_answer(order=order, accept=False)
    with pytest.raises(ValidationError, match="ne peut pas être changée"):
        services.order_answer(order=order, accept=True)


def test_orders_outside_the_programme_are_refused(panier: Any, territory: Any) -> None:
    with pytest.raises(ValidationError, match="court du 2026-01-01 au"):
        services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.cheese_farm,
                             quantities={panier.fourme.pk: D("1")}, ordered_on=dt.date(2025, 12, 31))  # fmt: skip
    with pytest.raises(ValidationError, match="ne fait pas partie du programme"):
        services.order_place(programme=panier.programme, grocery=panier.other_grocery, producer=territory.cheese_farm,
                             quantities={panier.fourme.pk: D("1")}, ordered_on=DAY)  # fmt: skip
    with pytest.raises(ValidationError, match="ne compte pas ce producteur"):
        services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.market_gardener,
                             quantities={panier.fourme.pk: D("1")}, ordered_on=DAY)  # fmt: skip
    with pytest.raises(ValidationError, match="au moins un produit"):
        place(panier, territory, {panier.fourme.pk: "0"})


def test_a_programme_naming_no_producer_takes_any(panier: Any, territory: Any) -> None:
    services.price_set(programme=panier.other_programme, producer=territory.market_gardener, product="Tomates",
                       unit="kg", price=D("3.20"), valid_from=YEAR[0])  # fmt: skip
    assert services.is_supplier(panier.other_programme, territory.market_gardener)
    assert not services.is_supplier(panier.programme, territory.market_gardener)


def test_a_programme_changes_but_not_below_its_orders(panier: Any, territory: Any) -> None:
    place(panier, territory, {panier.fourme.pk: "30"})  # 60.00 on 10 March
    same = {"programme": panier.programme, "groceries": [panier.grocery], "producers": [territory.cheese_farm]}
    with pytest.raises(ValidationError) as refused:
        services.programme_update(budget=D("50"), ends=YEAR[1], **same)
    assert "engagent déjà 60,00\u00a0€" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="après sa dernière commande"):
        services.programme_update(budget=D("60"), ends=DAY - dt.timedelta(days=1), **same)
    changed = services.programme_update(budget=D("60"), ends=DAY, **same)
    assert (changed.budget, changed.ends) == (D("60"), DAY)
    assert list(changed.producers.all()) == [territory.cheese_farm]
    assert services.budget_of(changed).committed == D("60.00")  # the honey farm out, the orders as they were


def test_a_programme_funds_groceries_only(panier: Any, territory: Any) -> None:
    with pytest.raises(ValidationError, match="épiceries solidaires ou coopératives"):
        services.programme_create(name="x", funder=panier.ccas, groceries=[territory.clermont_supermarket],
                                  share_kind="percent", share_rate=D("0.3"), budget=D("10"), starts=YEAR[0],
                                  ends=YEAR[1])  # fmt: skip
    with pytest.raises(ValidationError, match="supérieur à 0 et au plus de 100"):
        services.programme_create(name="x", funder=panier.ccas, groceries=[panier.grocery], share_kind="percent",
                                  share_rate=D("1.5"), budget=D("10"), starts=YEAR[0], ends=YEAR[1])  # fmt: skip


def test_the_periods_lines_are_the_delivered_orders_by_their_delivery_day(panier: Any, territory: Any) -> None:
    delivered = place(panier, territory, {panier.fourme.pk: "2"})
    services.order_answer(order=delivered, accept=True)
    services.order_deliver(order=delivered, delivered={}, delivered_on=dt.date(2026, 3, 12))
    place(panier, territory, {panier.butter.pk: "1"})  # waiting: not in the totals
    march = services.delivered_lines(Order.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [(line.quantity, line.amount, line.partner) for line in march] == [(D("2.000"), D("12.80"), D("4.00"))]
    assert services.delivered_lines(Order.objects.all(), dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == []


def test_the_producer_hears_of_a_new_order_and_the_grocery_of_its_answer_and_delivery(
    panier: Any, territory: Any, people: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        order = place(panier, territory, {panier.fourme.pk: "3"})
    assert [mail.to for mail in mailoutbox] == [[people.claire.email]]
    # "Commande solidaire du Panier solidaire": "de" contracts with the name's own article (french.elided).
    assert "du Panier solidaire" in mailoutbox[0].subject and "19,20\u00a0€" in mailoutbox[0].body
    assert order.get_absolute_url() in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.order_answer(order=order, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_deliver(order=order, delivered={})
    assert [mail.to for mail in mailoutbox[1:]] == [[panier.nadia.email], [panier.nadia.email]]
    assert "confirmée" in mailoutbox[1].subject and "livrée" in mailoutbox[2].subject
