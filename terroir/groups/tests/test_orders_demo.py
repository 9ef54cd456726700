"""The demo AMAP's one-off order and volunteers: loaded on G's demo group, gone with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from terroir.directory.models import Actor, Category, Offer
from terroir.groups import orders, volunteers
from terroir.groups.demo import groups_demo_clear, groups_demo_load
from terroir.groups.demo_orders import _offered, orders_demo_load
from terroir.groups.models import OrderLine, OrderRound, VolunteerTask

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


def test_the_demo_amap_has_a_one_off_order_and_volunteers_on_its_coming_distributions(
    territory: Any, directory_demo: Any
) -> None:
    group = groups_demo_load(today=TODAY)
    assert group is not None
    order_round = orders_demo_load(group=group, today=TODAY)
    assert order_round is not None and order_round.distribution.date > TODAY
    summary = orders.summary_of(order_round)
    assert len(summary.producers) == 2 and len(summary.members) == 6 and summary.total > 0
    rows = volunteers.staffing_of(volunteers.coming_distributions(group, today=TODAY, limit=4))
    assert [row.needed for row in rows] == [4, 4, 4, 4]
    assert rows[0].missing < rows[-1].missing  # the nearer the distribution, the more volunteers it has
    groups_demo_clear()
    assert not OrderRound.objects.exists() and not OrderLine.objects.exists() and not VolunteerTask.objects.exists()


@pytest.mark.parametrize(("name", "product"), [
    ("Albert Roux", "Produits d'Albert Roux"),  # a vowel
    ("Hélène Martin", "Produits d'Hélène Martin"),  # a mute h
    ("Hameau des Bois", "Produits de Hameau des Bois"),  # an aspirated h
    ("Le Moulin", "Produits du Moulin"),  # the name's own article
    ("Thiers Bio", "Produits de Thiers Bio"),
])  # fmt: skip
def test_a_producer_without_offers_gets_a_product_named_in_french(name: str, product: str) -> None:
    """The demo order's stand-in product for a producer with no offer: "de" elided before a vowel or a mute
    h, never "Produits de Albert Roux"."""
    assert _offered(Actor.objects.create(name=name)) == [(product, "colis")]


def test_the_demo_order_sells_each_family_by_its_own_unit_never_beer_by_the_kg() -> None:
    brewer = Actor.objects.create(name="Brasserie des Monts", is_producer=True)
    beer, honey = Category.objects.get(slug="beer"), Category.objects.get(slug="honey")
    Offer.objects.create(producer=brewer, category=beer, months=beer.season)
    Offer.objects.create(producer=brewer, category=honey, months=honey.season)
    assert _offered(brewer) == [(beer.name_fr, "bouteille de 75 cl"), (honey.name_fr, "pot de 500 g")]
    potatoes = Category.objects.get(slug="potatoes")
    Offer.objects.create(producer=(farm := Actor.objects.create(name="Jardins du Puy")), category=potatoes,
                         months=potatoes.season)  # fmt: skip
    assert _offered(farm) == [(potatoes.name_fr, "kg")]  # a family not listed is sold by weight
