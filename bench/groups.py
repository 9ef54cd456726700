"""Consumer groups (terroir/groups): a big group's distribution and a producer's quantities. The scale of
Grand Poitiers' online group (511 people, 150 contracts): --members people subscribing through the services
to --per-member of --contracts producers' contracts (a basket a week for a 26-week season), a tenth of them
away at the distribution measured (half giving their baskets to another member).

    .venv/bin/python bench/groups.py [--members 500] [--contracts 10] [--per-member 3] [--runs 15]

A throw-away SQLite database in bench/out/. Times are processor time: a subscription through the services;
the baskets of one distribution per producer and per member (baskets.py); a producer's quantities over
eight weeks; the organiser's distribution page and the producer's quantities page through Django's test
client (templates included). Floor, measured in the same run: reading the group's subscriptions with their
members and options in one query. The last line starts with "SUMMARY groups:".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = dt.date(2026, 4, 2)  # a Thursday
BEFORE = dt.date(2026, 3, 20)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(runs: int, work: Callable[[], Any]) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.process_time()
        work()
        times.append(time.process_time() - began)
    return times


def setup(members: int, contracts: int, per_member: int) -> tuple[Any, Any, list[Any], list[float]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor, Category, Place
    from terroir.groups import services

    call_command("migrate", verbosity=0)
    users = get_user_model()
    organiser = users.objects.create_user(username="organiser", email="o@example.org", password="x")
    association = Actor.objects.create(name="Groupement en ligne", is_organisation=True)
    Membership.objects.create(user=organiser, actor=association, how="coordinator")
    place = Place.objects.create(name="Maison de quartier", kind="amap", lat=46.58, lon=0.34)
    group = services.group_create(by=organiser, organiser=association, name="Groupement", kind="online", place=place,
                                  frequency="weekly", weekday=3, starts_on=START, starts_at=dt.time(18),
                                  ends_at=dt.time(19, 30))  # fmt: skip
    end = START + dt.timedelta(weeks=25)
    services.distributions_generate(group=group, start=START, end=end, by=organiser)
    categories = list(Category.objects.filter(depth=1).order_by("path")[:contracts])
    made = []
    for n in range(contracts):
        producer = Actor.objects.create(name=f"Ferme {n}", is_producer=True, lat=46.5, lon=0.3)
        contract = services.contract_create(
            group=group, by=organiser, producer=producer, product=categories[n % len(categories)],
            title=f"Contrat {n}", starts_on=START, ends_on=end,
            options=[("petit", "", Decimal("9.90")), ("grand", "", Decimal("17.30"))],
            payment_dates=[START, START + dt.timedelta(weeks=9), START + dt.timedelta(weeks=18)],
        )  # fmt: skip
        services.contract_set_state(contract=contract, state="open", by=organiser)
        made.append(contract)
    people = users.objects.bulk_create(users(username=f"m{i}", email=f"m{i}@example.org") for i in range(members))
    subscribing = []
    for i, person in enumerate(people):
        services.member_join(group=group, by=person)
        for k in range(per_member):
            contract = made[(i + k) % contracts]
            option = contract.options.all()[i % 2]
            began = time.process_time()
            services.subscription_create(contract=contract, by=person, option=option, quantity=1 + i % 2,
                                         today=BEFORE)  # fmt: skip
            subscribing.append(time.process_time() - began)
    return organiser, group, made, subscribing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--contracts", type=int, default=10)
    parser.add_argument("--per-member", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    from bench.scratch import scratch_django  # after sys.path holds the project

    scratch_django(f"groups-{args.members}")
    from django.test import Client

    from terroir.accounts.models import Membership
    from terroir.groups import baskets, services
    from terroir.groups.models import GroupMember, Subscription

    began = time.process_time()
    organiser, group, contracts, subscribing = setup(args.members, args.contracts, args.per_member)
    print(f"setup: {args.members:,} members, {len(subscribing):,} subscriptions, "
          f"{time.process_time() - began:.1f} s of processor")  # fmt: skip
    services.current_day = lambda: BEFORE  # the season seen from before it starts
    distribution = group.distributions.get(date=START + dt.timedelta(weeks=4))
    away = list(GroupMember.objects.filter(group=group).order_by("pk")[: args.members // 10])
    for n, member in enumerate(away):
        services.absence_declare(distribution=distribution, by=member.user, today=BEFORE,
                                 transfer_to=away[n - 1] if n % 2 else None)  # fmt: skip

    def distribution_baskets() -> None:
        rows = baskets.baskets_of(distribution)
        baskets.per_producer(rows)
        baskets.per_member(rows)
        assert len(rows) == len(subscribing)

    producer = contracts[0].producer
    weeks8 = (START, START + dt.timedelta(weeks=8))
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(organiser)
    producer_person = type(organiser).objects.create_user(username="farmer", email="f@example.org", password="x")
    Membership.objects.create(user=producer_person, actor=producer, how="coordinator")
    farmer = Client(HTTP_ACCEPT_LANGUAGE="fr")
    farmer.force_login(producer_person)

    def page(who: Client, url: str) -> Callable[[], None]:
        def get() -> None:
            response = who.get(url, secure=True)  # production settings redirect to https
            assert response.status_code == 200, (url, response.status_code)

        return get

    def floor() -> None:
        list(Subscription.objects.filter(contract__group=group, state="active")
             .select_related("member__user", "option").values_list("member__user__username", "option__label",
                                                                    "quantity"))  # fmt: skip

    runs = args.runs
    figures = {
        "baskets of a distribution": timed(runs, distribution_baskets),
        "producer's quantities, 8 weeks": timed(runs, lambda: baskets.producer_quantities(producer, *weeks8)),
        "distribution page": timed(runs, page(client, f"/groups/distributions/{distribution.pk}/")),
        "quantities page": timed(runs, page(farmer, f"/groups/producers/{producer.pk}/quantities/?from={weeks8[0]}")),
        "floor: the group's subscriptions, one query": timed(runs, floor),
    }
    print(f"subscribe (through the services)  p50 {statistics.median(subscribing) * 1000:7.1f} ms  "
          f"p95 {p95(subscribing) * 1000:7.1f} ms")  # fmt: skip
    base = statistics.median(figures["floor: the group's subscriptions, one query"])
    for name, times in figures.items():
        p50 = statistics.median(times)
        print(f"{name:45s} p50 {p50 * 1000:7.1f} ms  p95 {p95(times) * 1000:7.1f} ms  x{p50 / base:5.1f} floor")
    page_p50 = statistics.median(figures["distribution page"])
    quantities_p50 = statistics.median(figures["quantities page"])
    print(
        f"SUMMARY groups: {args.members} members, {len(subscribing)} subscriptions, subscribe p50 "
        f"{statistics.median(subscribing) * 1000:.0f} ms, distribution page p50 {page_p50 * 1000:.0f} ms "
        f"(x{page_p50 / base:.0f} floor {base * 1000:.1f} ms), quantities page p50 {quantities_p50 * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
