"""One-off orders for a distribution: the organiser opens the round, producers list what they offer, members
order until the closing time; a maximum quantity is never exceeded, not even by two orders at once; the
summaries per producer and per member add up."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from terroir.groups import orders, services
from terroir.groups.models import OrderLine, OrderProduct

from .world_orders import World, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def place(world: World, who: Any, **quantities: D) -> list[OrderLine]:
    ids = {"fourme": world.fourme.pk, "honey": world.honey.pk}
    return orders.order_place(order_round=world.round, member=who, by=who.user,
                              quantities={ids[k]: v for k, v in quantities.items()})  # fmt: skip


def test_a_member_orders_before_the_closing_time_and_the_running_total_follows(world: World) -> None:
    lines = place(world, world.jeanne, fourme=D(2), honey=D(1))
    assert sorted((line.product.name, line.quantity) for line in lines) == [("Fourme d'Ambert", 2),
                                                                            ("Miel de châtaignier", 1)]  # fmt: skip
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 2
    # Changing the order moves the total by the difference; zero removes the line.
    place(world, world.jeanne, fourme=D(5), honey=D(0))
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 5
    assert OrderProduct.objects.get(pk=world.honey.pk).ordered == 0
    assert not OrderLine.objects.filter(member=world.jeanne, product=world.honey).exists()


def test_an_order_after_the_closing_time_is_refused_with_the_time_it_closed(world: World) -> None:
    late = world.round.closes_at + dt.timedelta(minutes=1)
    with translation.override("fr"), pytest.raises(orders.OrderRefused) as refused:
        orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                           quantities={world.fourme.pk: D(1)}, now=late)  # fmt: skip
    message = refused.value.messages[0]
    assert message.startswith("Les commandes pour cette distribution sont closes depuis le ")
    assert str(timezone.localtime(world.round.closes_at).year) in message
    # The time as a French reader says it ("…, 18 h 30."), never "18:30".
    assert re.search(r", \d{1,2} h( \d\d)?\.$", message) and not re.search(r"\d:\d", message), message
    assert not OrderLine.objects.exists()


def test_more_than_is_left_is_refused_and_nothing_of_that_order_is_taken(world: World) -> None:
    place(world, world.jeanne, fourme=D(15))
    with translation.override("fr"), pytest.raises(orders.OrderRefused) as refused:
        place(world, world.paul, honey=D(2), fourme=D(6))
    assert refused.value.messages == ["Fourme d'Ambert\u202f: il n’en reste que 5\u00a0pièces."]
    # All or nothing: Paul's honey is not taken either, and the totals are as before.
    assert not OrderLine.objects.filter(member=world.paul).exists()
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 15
    assert OrderProduct.objects.get(pk=world.honey.pk).ordered == 0
    place(world, world.paul, fourme=D(5))
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 20


def test_an_order_read_before_another_was_taken_still_cannot_pass_the_maximum(world: World) -> None:
    """The service reads the product, another order takes the stock in between: the conditional update
    sees the database's total, not the one read."""
    stale = OrderProduct.objects.get(pk=world.fourme.pk)
    place(world, world.jeanne, fourme=D(18))
    assert stale.ordered == 0
    with pytest.raises(orders.OrderRefused):
        orders.order_place(order_round=world.round, member=world.paul, by=world.paul.user,
                           quantities={stale.pk: D(3)})  # fmt: skip
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 18


@pytest.mark.django_db(transaction=True)
def test_two_members_ordering_the_last_pieces_at_once_never_pass_the_maximum(territory: Any, people: Any) -> None:
    world = world_build(territory, people)
    place(world, world.jeanne, fourme=D(12))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(who: Any) -> None:
        try:
            start.wait()
            orders.order_place(order_round=world.round, member=who, by=who.user, quantities={world.fourme.pk: D(6)})
            outcomes.append("taken")
        except orders.OrderRefused:
            outcomes.append("refused")
        except Exception as exc:  # SQLite may answer "database is locked" to the second writer
            outcomes.append(f"failed: {type(exc).__name__}")
        finally:
            connection.close()

    second = world.paul
    third = world.jeanne.__class__.objects.create(group=world.group, user=people.sophie)
    threads = [threading.Thread(target=attempt, args=(who,)) for who in (second, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("taken") == 1, outcomes
    assert OrderProduct.objects.get(pk=world.fourme.pk).ordered == 18
    assert sum(line.quantity for line in OrderLine.objects.filter(product=world.fourme)) == 18


def test_a_member_orders_only_for_themselves_and_only_in_their_group(world: World, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        orders.order_place(order_round=world.round, member=world.jeanne, by=world.paul.user,
                           quantities={world.fourme.pk: D(1)})  # fmt: skip
    outsider = world.jeanne.__class__.objects.create(group=world.other_group, user=people.sophie)
    with pytest.raises(PermissionDenied):
        orders.order_place(order_round=world.round, member=outsider, by=people.sophie,
                           quantities={world.fourme.pk: D(1)})  # fmt: skip


def test_a_round_closes_before_the_distribution_and_keeps_the_producers_already_ordered_from(
    world: World, territory: Any
) -> None:
    start = orders.distribution_start(world.distribution)
    with pytest.raises(ValidationError) as refused:
        orders.order_round_save(distribution=world.distribution, closes_at=start, by=world.amap.agnes,
                                producers=[territory.cheese_farm])  # fmt: skip
    assert "closes_at" in refused.value.message_dict
    place(world, world.jeanne, honey=D(1))
    with pytest.raises(ValidationError) as refused:
        orders.order_round_save(distribution=world.distribution, closes_at=world.round.closes_at,
                                by=world.amap.agnes, producers=[territory.cheese_farm])  # fmt: skip
    assert "Rucher de la Durolle" in refused.value.message_dict["producers"][0]


def test_only_the_groups_organisers_open_a_round(world: World, territory: Any, people: Any) -> None:
    for who in (world.jeanne.user, people.claire, world.bruno):
        with pytest.raises(PermissionDenied):
            orders.order_round_save(distribution=world.distribution, closes_at=world.round.closes_at, by=who,
                                    producers=[territory.cheese_farm, territory.honey_farm])  # fmt: skip
    orders.order_round_save(distribution=world.distribution, closes_at=world.round.closes_at, by=people.camille,
                            producers=[territory.cheese_farm, territory.honey_farm],
                            note="Paiement sur place")  # fmt: skip


def test_a_producer_lists_only_their_own_products_and_keeps_what_members_ordered(
    world: World, territory: Any, people: Any
) -> None:
    with pytest.raises(PermissionDenied):
        orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name="Miel", unit="pot",
                                  price=D(5), max_quantity=None, by=people.hugo)  # fmt: skip
    with pytest.raises(ValidationError):  # not taking part in this round
        orders.order_product_save(order_round=world.round, producer=territory.market_gardener, name="Poireaux",
                                  unit="botte", price=D(2), max_quantity=None, by=world.amap.agnes)  # fmt: skip
    place(world, world.jeanne, fourme=D(8))
    fourme = world.fourme
    with pytest.raises(ValidationError) as refused:
        orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name=fourme.name,
                                  unit=fourme.unit, price=fourme.price, max_quantity=D(5), by=people.claire,
                                  product=fourme)  # fmt: skip
    assert "max_quantity" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name=fourme.name,
                                  unit=fourme.unit, price=D("8.00"), max_quantity=D(20), by=people.claire,
                                  product=fourme)  # fmt: skip
    assert "price" in refused.value.message_dict
    raised = orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name=fourme.name,
                                       unit=fourme.unit, price=fourme.price, max_quantity=D(30), by=people.claire,
                                       product=fourme)  # fmt: skip
    assert raised.max_quantity == 30 and raised.ordered == 8


def test_the_summary_adds_up_per_producer_and_per_member_and_the_csv_says_the_same(world: World) -> None:
    place(world, world.jeanne, fourme=D(2), honey=D(3))
    place(world, world.paul, fourme=D(1))  # a fourme is counted whole (pièce)
    summary = orders.summary_of(world.round)
    by_producer = {p.producer.name: p for p in summary.producers}
    # 3 × 7.50 = 22.50 €; 3 × 8.40 = 25.20 €.
    assert by_producer["GAEC des Monts du Forez"].total == D("22.50")
    assert by_producer["Rucher de la Durolle"].total == D("25.20")
    assert [(m.name, m.total) for m in summary.members] == [("Jeanne Martin", D("40.20")), ("Paul Bernard", D("7.50"))]
    assert summary.total == D("47.70")
    text = orders.summary_csv(summary)
    assert "GAEC des Monts du Forez;Fourme d'Ambert;pièce;7.50;tous les membres;3;22.50" in text
    assert "GAEC des Monts du Forez;Fourme d'Ambert;pièce;7.50;Paul Bernard;1;7.50" in text
    # A producer's own summary holds only their products.
    mine = orders.summary_of(world.round, producer_ids=[world.fourme.producer_id])
    assert [p.producer.name for p in mine.producers] == ["GAEC des Monts du Forez"]


def test_a_cancelled_distribution_takes_no_more_orders(world: World) -> None:
    place(world, world.jeanne, fourme=D(1))
    services.distribution_cancel(distribution=world.distribution, reason="Salle indisponible", by=world.amap.agnes)
    world.round.distribution.refresh_from_db()
    with pytest.raises(orders.OrderRefused, match="annulée"):
        place(world, world.paul, fourme=D(1))


def test_a_fraction_of_a_unit_counted_whole_is_refused_naming_the_product_and_the_unit(
    world: World, territory: Any, people: Any
) -> None:
    """2.5 fourmes sold by the "pièce" (or 1.5 "pot de 500 g") cannot be handed over: the service refuses them,
    whatever sent them (the page, the demo); a weight takes fractions."""
    with translation.override("fr"), pytest.raises(orders.OrderRefused) as refused:
        place(world, world.jeanne, fourme=D("2.5"), honey=D("1.5"))
    assert refused.value.messages == [
        "Fourme d'Ambert se compte en unités entières (pièce)\u202f: commandez 2 ou 3, pas 2,5.",
        "Miel de châtaignier se compte en unités entières (pot de 500 g)\u202f: commandez 1 ou 2, pas 1,5.",
    ]
    assert not OrderLine.objects.exists() and OrderProduct.objects.get(pk=world.fourme.pk).ordered == 0
    tomme = orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name="Tomme",
                                      unit="kg", price=D(18), max_quantity=D("12.5"), by=people.claire)  # fmt: skip
    lines = orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                               quantities={tomme.pk: D("1.5"), world.fourme.pk: D(2)})  # fmt: skip
    assert sorted(line.quantity for line in lines) == [D("1.5"), D(2)]
    with translation.override("fr"), pytest.raises(ValidationError) as maximum:
        orders.order_product_save(order_round=world.round, producer=territory.cheese_farm, name="Fourme d'Ambert",
                                  unit="pièces", price=world.fourme.price, max_quantity=D("20.5"), by=people.claire,
                                  product=world.fourme)  # fmt: skip
    assert maximum.value.message_dict == {
        "max_quantity": ["Se compte en unités entières (pièces)\u202f: donnez un maximum entier, pas 20,5."]
    }
