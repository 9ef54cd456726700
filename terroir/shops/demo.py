"""The demo's producers' shop, modelled on Le Local (Ambert): the demo directory's producers' shop with
the most producers becomes a shop owned by a SAS of its associates; the first nine of its producers are
associates (one or two people each on the rota), the others depositors at 25 %; a product per offer;
twelve months of synthetic till lines, sold only in the months each offer is in season (so the seasonal
gaps show); four half-days a week plus Saturday mornings to staff. The shop opened a year ago, and its
history shows what a year brings: its first depositor's commission went from the default 25 % to 20 % on
the 15th of last month (that month's statement has two rates), and its last depositor left the shop at the
end of the month before (their statements of the months they sold in stay). Called by `manage.py load_demo`."""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from terroir.directory.models import Actor, Offer, Place, PlaceKind
from terroir.directory.services import actor_create, actors_delete

from . import services
from .models import CommissionRate, OpeningSlot, Product, Sale, Seller, SellerKind, Shop

SOURCE = "demo"
FIRST_NAMES = ["Florent", "Claire", "Marc", "Sylvie", "Jean", "Agnès", "Paul", "Lucie", "Bernard", "Nadia",
               "Rémi", "Odile", "Yves", "Anne"]  # fmt: skip
OPENINGS = [(1, (15, 0), (19, 0), 3), (2, (9, 0), (13, 0), 2), (3, (9, 0), (13, 0), 2), (4, (15, 0), (19, 0), 3),
            (5, (9, 0), (12, 30), 2)]  # fmt: skip


def shops_demo_clear() -> None:
    """Remove the demo's shops (before the directory's demo replaces the places and producers they name)."""
    shops = Shop.objects.filter(place__source=SOURCE)
    Sale.objects.filter(shop__in=shops).delete()
    Product.objects.filter(shop__in=shops).delete()
    Seller.objects.filter(shop__in=shops).delete()
    owners = list(shops.values_list("owner_id", flat=True))
    shops.delete()
    actors_delete(actors=Actor.objects.filter(pk__in=owners, source=SOURCE, is_producer=False))


@transaction.atomic
def shops_demo_load(*, seed: int = 18, today: datetime.date | None = None) -> Shop | None:
    shops_demo_clear()
    rng = random.Random(seed)
    today = today or datetime.date.today()
    places = Place.objects.filter(kind=PlaceKind.PRODUCERS_SHOP, source=SOURCE).order_by("pk")
    place = max(places, key=lambda p: p.producers.count(), default=None)
    if place is None or place.producers.count() < 2:
        return None
    owner = actor_create(name=f"SAS {place.name}"[:200], is_organisation=True, source=SOURCE,
                         commune=place.commune, lat=place.lat, lon=place.lon)  # fmt: skip
    shop = services.shop_create(place=place, owner=owner)
    producers = list(place.producers.filter(is_producer=True).order_by("pk"))
    names = iter(FIRST_NAMES)
    products: list[tuple[Product, int]] = []  # with the months it sells in (bit 0 = January)
    associates = min(9, max(1, len(producers) - 2))  # at least two depositors: one changes rate, one leaves
    for index, producer in enumerate(producers):
        kind = SellerKind.ASSOCIATE if index < associates else SellerKind.DEPOSITOR
        seller = services.seller_add(shop=shop, actor=producer, kind=kind)
        for number, offer in enumerate(Offer.objects.filter(producer=producer).select_related("category")[:3]):
            price = Decimal(rng.choice(["2.50", "3.90", "4.80", "6.40", "8.50", "12.00", "15.90"]))
            product = services.product_save(shop=shop, seller=seller, code=f"P{producer.pk}-{number + 1}",
                                            name=offer.category.name_fr, unit_price=price)  # fmt: skip
            products.append((product, offer.months or 4095))
        if kind == SellerKind.ASSOCIATE:
            for _person in range(1 + (index % 3 == 0)):
                name = next(names, f"Associé {index + 1}")
                services.rota_member_save(shop=shop, seller=seller, name=name, twice_a_day=rng.random() < 0.2)
    for weekday, starts, ends, needed in OPENINGS:
        services.opening_slot_add(shop=shop, weekday=weekday, starts=datetime.time(*starts),
                                  ends=datetime.time(*ends), needed=needed)  # fmt: skip
    _history(shop, today)
    _sales(shop, products, rng, today)
    return shop


def _history(shop: Shop, today: datetime.date) -> None:
    """A year of the shop's life, written as it was decided on those days (the services only take changes
    from today on): opened a year ago at 25 %; the first depositor at 20 % from the 15th of last month; the
    last depositor's last day at the end of the month before."""
    opened = today - datetime.timedelta(days=365)
    Shop.objects.filter(pk=shop.pk).update(
        created_at=datetime.datetime.combine(opened, datetime.time(9), tzinfo=datetime.UTC)
    )
    CommissionRate.objects.filter(shop=shop).update(valid_from=opened)
    depositors = list(Seller.objects.filter(shop=shop, kind=SellerKind.DEPOSITOR).order_by("pk"))
    if len(depositors) < 2:
        return
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    changed, leaver = depositors[0], depositors[-1]
    CommissionRate.objects.create(shop=shop, seller=changed, valid_from=last_month, rate=Decimal("0.2000"))
    Seller.objects.filter(pk=changed.pk).update(commission_rate=Decimal("0.2000"))
    Seller.objects.filter(pk=leaver.pk).update(ended_on=last_month.replace(day=1) - datetime.timedelta(days=1))


def _sales(shop: Shop, products: list[tuple[Product, int]], rng: random.Random, today: datetime.date) -> None:
    """A year of till lines on the opening days, each product only in its season."""
    open_days = {slot.weekday for slot in OpeningSlot.objects.filter(shop=shop)}
    ended: dict[int, datetime.date] = {
        pk: last for pk, last in Seller.objects.filter(shop=shop).values_list("pk", "ended_on") if last is not None
    }
    rows = []
    day = today - datetime.timedelta(days=365)
    while day <= today:
        if day.weekday() in open_days:
            in_season = [
                p for p, months in products if months & (1 << (day.month - 1)) and day <= ended.get(p.seller_id, day)
            ]  # nothing sold after a seller's last day
            for _line in range(rng.randint(8, 20) if in_season else 0):
                product = rng.choice(in_season)
                quantity = Decimal(rng.choice([1, 1, 1, 2, 2, 3]))
                if rng.random() < 0.01:
                    quantity = -quantity  # a refund
                rows.append(Sale(
                    shop=shop, seller_id=product.seller_id, product=product, sold_on=day, quantity=quantity,
                    unit_price=product.unit_price,
                    amount=(quantity * product.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP),
                ))  # fmt: skip
        day += datetime.timedelta(days=1)
    Sale.objects.bulk_create(rows, batch_size=2000)
