"""The demo AMAP's next distribution with a one-off order — its contract producers offer a few products
(the first with a maximum), half the members have ordered — and the usual volunteers' tasks on its next
four distributions, some taken. Loaded after groups.demo by `manage.py load_demo`; cleared with the group
(its rows cascade)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from terroir.accounts.models import Membership
from terroir.directory.models import Actor, Offer
from terroir.lib.text import french_of

from . import orders, services, volunteers
from .models import Contract, Group, OrderRound

PRICES = [Decimal("4.50"), Decimal("7.80"), Decimal("12.00"), Decimal("3.20")]


# The unit a product of the family is sold by, as producers write it (kg when not listed): beer by the bottle,
# eggs by the box, cheese by the piece — never beer by the kg.
UNITS = {
    "beer": "bouteille de 75 cl", "wine": "bouteille", "juice": "bouteille", "cider": "bouteille", "milk": "litre",
    "eggs": "boîte de 6", "honey": "pot de 500 g", "jams": "pot", "yoghurts": "pot", "butter-cream": "pot",
    "cow-cheese": "pièce", "goat-cheese": "pièce", "sheep-cheese": "pièce", "bread": "pièce", "salads": "pièce",
    "cabbages": "pièce", "squashes": "pièce", "poultry": "pièce", "rabbit": "pièce", "trout": "pièce",
    "plants-flowers": "plant", "herbs": "botte",
}  # fmt: skip


def _offered(producer: Actor) -> list[tuple[str, str]]:
    """Up to two of the producer's products, by their French names, with the unit each is sold by."""
    offers = Offer.objects.filter(producer=producer).select_related("category").order_by("pk")[:2]
    named = [(o.category.name_fr, UNITS.get(o.category.slug, "kg")) for o in offers]
    # "Produits d'Albert Roux", "du Moulin" (Le Moulin): French "de" before the name (the plain apostrophe
    # of the names people type); a box of them.
    return named or [(("Produits " + french_of(producer.name, apostrophe="'"))[:200], "colis")]


@transaction.atomic
def orders_demo_load(*, group: Group, today: dt.date | None = None) -> OrderRound | None:
    today = today or services.current_day()
    now = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    coming = list(group.distributions.filter(date__gt=today, cancelled=False).order_by("date")[:4])
    link = Membership.objects.filter(actor=group.organiser).select_related("user").order_by("pk").first()
    if not coming or link is None:
        return None
    organiser = link.user
    members = list(group.members.select_related("user").order_by("pk"))
    for n, distribution in enumerate(coming):
        tasks = volunteers.volunteer_tasks_usual(distribution=distribution, by=organiser)
        for task, member in zip(tasks, members[n * 2 : n * 2 + 3 - n // 2], strict=False):
            volunteers.volunteer_sign_up(task=task, member=member, by=member.user, today=today)
    first = coming[0]
    closes = orders.distribution_start(first) - dt.timedelta(days=1, hours=6)
    if closes <= now:
        return None
    producers = list(Actor.objects.filter(group_contracts__group=group, group_contracts__state=Contract.State.OPEN)
                     .distinct().order_by("name"))  # fmt: skip
    order_round = orders.order_round_save(distribution=first, closes_at=closes, producers=producers, by=organiser,
                                          note="Commande de fin d'année : à régler sur place à la distribution.",
                                          now=now)  # fmt: skip
    offered = []
    for p, producer in enumerate(producers):
        for k, (name, unit) in enumerate(_offered(producer)):
            offered.append(orders.order_product_save(
                order_round=order_round, producer=producer, name=name, unit=unit,
                price=PRICES[(p + k) % len(PRICES)], max_quantity=Decimal(20) if (p, k) == (0, 0) else None,
                by=organiser, now=now,
            ))  # fmt: skip
    for n, member in enumerate(members[::2]):
        wanted = {offered[(n + i) % len(offered)].pk: Decimal(1 + (n + i) % 3) for i in range(2)}
        orders.order_place(order_round=order_round, member=member, quantities=wanted, by=member.user, now=now)
    return order_round
