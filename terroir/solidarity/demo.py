"""The demo's solidarity grocery, inside the demo territory (Thiers Dore et Montagne, one of the
observatory's three EPCIs): "L'Épicerie solidaire du Moutier" in Thiers, run by an association, funded by
the CCAS of Thiers (40 % of each agreed price, at most 1.50 € per unit, 1,500 € for the year), supplied by
two producers of the Dore valley (a market gardener in Courpière, a goat farm in Celles-sur-Durolle) at
agreed prices; a fortnight's orders since January, delivered (some with less than ordered), the latest
waiting or confirmed. Every entry is the demo's (source "demo"), so the directory's demo replaces them.
Called by `manage.py load_demo`."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from terroir.directory.models import Actor, Commune, Place
from terroir.directory.services import actor_create, actors_delete, place_create, places_delete, producer_create

from . import services
from .models import AgreedPrice, Order, Programme

SOURCE = "demo"
GROCERY = "Épicerie solidaire du Moutier"
ASSOCIATION = f"Association {GROCERY}"
FUNDER = "CCAS de Thiers"
THIERS = "63430"
# (name, INSEE code, lat, lon, legal form, products: name, unit, price)
PRODUCERS = [
    ("EARL Les Maraîchers de la Dore", "63125", 45.7612, 3.5306, "earl",
     [("Carottes", "kg", "2.20"), ("Pommes de terre", "kg", "1.60"), ("Poireaux", "kg", "2.80"),
      ("Salade", "piece", "1.20"), ("Œufs (boîte de 6)", "piece", "2.40")]),
    ("Chèvrerie de la Durolle", "63066", 45.8641, 3.6431, "gaec",
     [("Tomme de chèvre", "piece", "3.90"), ("Fromage frais de chèvre", "piece", "2.10"),
      ("Lait de chèvre", "l", "1.80")]),
]  # fmt: skip


def solidarity_demo_clear() -> None:
    """Remove the demo's programmes and orders (before the directory's demo replaces what they name)."""
    programmes = Programme.objects.filter(funder__source=SOURCE)
    Order.objects.filter(programme__in=programmes).delete()
    AgreedPrice.objects.filter(programme__in=programmes).delete()
    programmes.delete()
    places_delete(places=Place.objects.filter(source=SOURCE, name=GROCERY))
    names = [ASSOCIATION, FUNDER, *(producer[0] for producer in PRODUCERS)]
    actors_delete(actors=Actor.objects.filter(source=SOURCE, name__in=names))


@transaction.atomic
def solidarity_demo_load(*, seed: int = 63, today: datetime.date | None = None) -> Programme:
    solidarity_demo_clear()
    rng = random.Random(seed)
    today = today or datetime.date.today()
    thiers = Commune.objects.get(code=THIERS)
    association = actor_create(name=ASSOCIATION, is_organisation=True, is_buyer=True, commune=thiers, source=SOURCE)
    grocery = place_create(
        name=GROCERY, kind="solidarity_grocery", commune=thiers, lat=45.8530,
        lon=3.5560, address="Rue du Moutier", postcode="63300", opening_hours="Tu,Th 14:00-18:00; Sa 09:00-12:00",
        operator=association, source=SOURCE, source_ref="demo-solidarity-grocery",
    )  # fmt: skip
    ccas = actor_create(name=FUNDER, is_organisation=True, commune=thiers, source=SOURCE)
    producers: list[tuple[Actor, list[tuple[str, str, str]]]] = []
    for name, code, lat, lon, form, products in PRODUCERS:
        commune = Commune.objects.get(code=code)
        producer = producer_create(name=name, commune=commune, lat=lat, lon=lon, legal_form=form, source=SOURCE)
        producers.append((producer, products))
    first = datetime.date(today.year, 1, 1)
    programme = services.programme_create(
        name=f"Produits frais et locaux {today.year}", funder=ccas, groceries=[grocery],
        producers=[producer for producer, _products in producers], share_kind="percent", share_rate=Decimal("0.40"),
        share_cap=Decimal("1.50"), budget=Decimal("1500.00"), starts=first, ends=datetime.date(today.year, 12, 31),
    )  # fmt: skip
    prices: dict[int, list[AgreedPrice]] = {}
    for producer, products in producers:
        prices[producer.pk] = []
        for product, unit, price in products:
            row = services.price_set(programme=programme, producer=producer, product=product, unit=unit,
                                     price=Decimal(price), valid_from=first)  # fmt: skip
            prices[producer.pk].append(row)
    _orders(programme, grocery, producers, prices, rng, first, today)
    return programme


def _orders(programme: Programme, grocery: Place, producers: list[tuple[Actor, list[tuple[str, str, str]]]],
            prices: dict[int, list[AgreedPrice]], rng: random.Random, first: datetime.date,
            today: datetime.date) -> None:  # fmt: skip
    """Every other Tuesday since January, an order to each producer; delivered on the Thursday after,
    now and then short of a product; the last fortnight's still waiting or confirmed."""
    day = first + datetime.timedelta(days=(1 - first.weekday()) % 7)
    while day <= today:
        for producer, _products in producers:
            rows = rng.sample(prices[producer.pk], k=min(3, len(prices[producer.pk])))
            quantities = {row.pk: Decimal(rng.choice([4, 5, 6, 8, 10])) for row in rows}
            if services.budget_of(programme).remaining < 60:
                return  # the envelope is spent: the demo stops before the budget refuses
            order = services.order_place(programme=programme, grocery=grocery, producer=producer,
                                         quantities=quantities, ordered_on=day)  # fmt: skip
            if (today - day).days < 14:  # the last fortnight's: not delivered yet
                if rng.random() < 0.5:
                    services.order_answer(order=order, accept=True)
                continue
            services.order_answer(order=order, accept=True)
            short = {line.pk: line.quantity - 1 for line in order.lines.all() if rng.random() < 0.2}
            services.order_deliver(order=order, delivered=short, delivered_on=day + datetime.timedelta(days=2))
        day += datetime.timedelta(days=14)
