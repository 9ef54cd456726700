"""The demo's AMAP of Grand Clermont: the demo directory's AMAP pickup in Clermont-Ferrand (or its first AMAP
with producers) becomes a group of an association, with a weekly Thursday calendar for the season, two
producers' contracts (vegetables in small and big baskets paid in six instalments; the second producer's
first product in shares paid in three, not delivered in August) and a dozen members who subscribed, one of
them away next week giving her baskets to another. The members are demo accounts nobody can sign in to
(no usable password); a coordinator sees the organisers' pages. Called by `manage.py load_demo`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from terroir.accounts.models import Membership
from terroir.directory.models import Actor, Category, Offer, Place, PlaceKind
from terroir.directory.services import actor_create, actors_delete

from . import payments, services
from .models import Contract, Group, Subscription

SOURCE = "demo"
CLERMONT = "63113"
DEMO_EMAIL = "@amap.demo.invalid"  # the demo's accounts, removed with it
MEMBERS = ["Agnès", "Bernard", "Chloé", "Denis", "Élise", "Fabien", "Gaëlle", "Hugo", "Inès", "Julien", "Karima",
           "Louis"]  # fmt: skip
SEASON_WEEKS = 26


def groups_demo_clear() -> None:
    """Remove the demo's groups and accounts (before the directory's demo replaces the producers and places
    they name: contracts keep their producer)."""
    groups = Group.objects.filter(organiser__source=SOURCE)
    Subscription.objects.filter(contract__group__in=groups).delete()
    organisers = list(groups.values_list("organiser_id", flat=True))
    groups.delete()
    actors_delete(actors=Actor.objects.filter(pk__in=organisers, source=SOURCE, is_producer=False))
    get_user_model().objects.filter(email__endswith=DEMO_EMAIL).delete()


def _account(name: str) -> Any:
    slug = name.lower().translate(str.maketrans("àâçéèêëîïôûüÿ", "aaceeeeiiouuy"))
    user = get_user_model().objects.create_user(username=f"demo-amap-{slug}", email=f"{slug}{DEMO_EMAIL}",
                                                first_name=name, last_name="(démo)")  # fmt: skip
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def _product(producer: Actor) -> Category:
    offer = Offer.objects.filter(producer=producer).select_related("category").order_by("pk").first()
    return offer.category if offer else Category.objects.get(slug="vegetables")


@transaction.atomic
def groups_demo_load(*, today: dt.date | None = None) -> Group | None:
    groups_demo_clear()
    today = today or dt.date.today()
    amaps = Place.objects.filter(kind=PlaceKind.AMAP, source=SOURCE).annotate(n=Count("producers"))
    place = (amaps.filter(commune__code=CLERMONT, n__gte=2).order_by("pk").first()
             or amaps.filter(n__gte=2).order_by("pk").first())  # fmt: skip
    if place is None:
        return None
    association = actor_create(name=f"Association {place.name}"[:200], is_organisation=True, source=SOURCE,
                               commune=place.commune, lat=place.lat, lon=place.lon)  # fmt: skip
    organiser, *members = [_account(name) for name in MEMBERS]
    Membership.objects.create(user=organiser, actor=association, how=Membership.How.CREATED)
    start = today.replace(day=1)
    end = start + dt.timedelta(weeks=SEASON_WEEKS)
    group = services.group_create(
        by=organiser, organiser=association, name=place.name, kind="amap", place=place, frequency="weekly",
        weekday=3, starts_on=start, starts_at=dt.time(18, 30), ends_at=dt.time(19, 30),
        description="Des paniers de producteurs du Grand Clermont chaque jeudi soir : légumes toute la saison, "
        "et selon les contrats œufs, fromages, viande ou miel. Adhésion à l'association : 10 € par an.",
    )  # fmt: skip
    services.member_join(group=group, by=organiser)
    services.distributions_generate(group=group, start=start, end=end, by=organiser)
    producers = list(place.producers.filter(is_producer=True).order_by("pk")[:2])
    vegetables = services.contract_create(
        group=group, by=organiser, producer=producers[0], product=_product(producers[0]),
        title=f"Paniers de la saison — {producers[0].name}"[:200], starts_on=start, ends_on=end,
        options=[("petit panier", "3 à 4 kg, pour 1 à 2 personnes", Decimal("12.50")),
                 ("grand panier", "6 à 7 kg, pour une famille", Decimal("19.00"))],
        payment_dates=payments.monthly(start, 6), terms="Chèques remis à la signature, encaissés chaque mois.",
    )  # fmt: skip
    shares = services.contract_create(
        group=group, by=organiser, producer=producers[1], product=_product(producers[1]),
        title=f"{_product(producers[1]).name_fr} — {producers[1].name}"[:200], starts_on=start, ends_on=end,
        options=[("demi-part", "", Decimal("6.50")), ("part", "", Decimal("12.00"))],
        payment_dates=payments.monthly(start, 3),
    )  # fmt: skip
    for distribution in group.distributions.filter(date__month=8):  # the producer's holidays
        services.contract_skip(contract=shares, distribution=distribution, skipped=True, by=organiser)
    for contract in (vegetables, shares):
        services.contract_set_state(contract=contract, state=Contract.State.OPEN, by=organiser)
    petit, grand = vegetables.options.all()
    half, whole = shares.options.all()
    for n, user in enumerate([organiser, *members]):
        member = services.member_join(group=group, by=user)
        services.subscription_create(contract=vegetables, by=member.user, option=grand if n % 3 == 0 else petit,
                                     quantity=1, today=start)  # fmt: skip
        if n % 2 == 0:
            services.subscription_create(contract=shares, by=member.user, option=whole if n % 4 == 0 else half,
                                         quantity=1, today=start)  # fmt: skip
    coming = group.distributions.filter(date__gte=today).order_by("date").first()
    if coming is not None:
        services.absence_declare(distribution=coming, by=members[1], transfer_to=group.members.get(user=members[2]),
                                 today=today)  # fmt: skip
        services.absence_declare(distribution=coming, by=members[4], today=today)
    return group
