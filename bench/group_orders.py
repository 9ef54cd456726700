"""A consumer group's one-off order and distribution sheet at Grand Poitiers' scale
(terroir/groups/orders.py, sheet.py): --members members each order --lines products of a round where
--producers producers offer --products products each (the first of each with a maximum); every member also
subscribes to a season's basket contract. Then the summary (per producer and member) and its CSV, the
distribution sheet (baskets and orders) and its PDF. Floor, measured in the same run: reading every order
line of the round with its product, producer and member in one query.

    .venv/bin/python bench/group_orders.py [--members 150] [--producers 8] [--products 6] [--lines 4]

A throw-away SQLite database in bench/out/. Times are processor time. The last line starts with
"SUMMARY group_orders:".
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(run: Any, repeat: int = 5) -> tuple[float, Any]:
    """The median processor time of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.process_time()
        result = run()
        times.append(time.process_time() - began)
    return statistics.median(times), result


def setup(members: int, producers: int, products: int) -> tuple[Any, list[Any], list[Any]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor, Category, Place
    from terroir.groups import orders, services
    from terroir.groups.models import GroupMember

    call_command("migrate", verbosity=0)
    users = get_user_model()
    organiser = users.objects.create_user(username="organiser", email="organiser@example.org")
    centre = Actor.objects.create(name="Centre social", is_organisation=True)
    Membership.objects.create(user=organiser, actor=centre, how="coordinator")
    hall = Place.objects.create(name="Salle de quartier", kind="amap", lat=46.58, lon=0.34)
    today = timezone.localdate()
    group = services.group_create(by=organiser, organiser=centre, name="Groupement des Couronneries",
                                  kind="neighbourhood", place=hall, frequency="weekly", weekday=today.weekday(),
                                  starts_on=today, starts_at=dt.time(17), ends_at=dt.time(19))  # fmt: skip
    services.distributions_generate(group=group, start=today, end=today + dt.timedelta(days=70), by=organiser)
    distribution = group.distributions.order_by("date")[1]
    farms = Actor.objects.bulk_create(Actor(name=f"Ferme {i:02d}", is_producer=True) for i in range(producers))
    people = users.objects.bulk_create(
        users(username=f"m{i:04d}", email=f"m{i}@example.org", first_name=f"Membre {i:04d}", last_name="Test")
        for i in range(members)
    )
    GroupMember.objects.bulk_create(GroupMember(group=group, user=u) for u in people)
    category = Category.objects.order_by("path").first()
    assert category is not None
    contract = services.contract_create(
        group=group, by=organiser, producer=farms[0], product=category,
        title="Paniers de saison", starts_on=today, ends_on=today + dt.timedelta(days=70), payment_dates=[today],
        options=[("petit panier", "", Decimal("12.50")), ("grand panier", "", Decimal("19.00"))],
    )  # fmt: skip
    services.contract_set_state(contract=contract, state="open", by=organiser)
    small, big = contract.options.all()
    for n, person in enumerate(people):
        services.subscription_create(contract=contract, by=person, option=big if n % 3 == 0 else small, quantity=1)
    closes = orders.distribution_start(distribution) - dt.timedelta(days=2)
    order_round = orders.order_round_save(distribution=distribution, closes_at=closes, producers=farms, by=organiser)
    offered = [
        orders.order_product_save(
            order_round=order_round,
            producer=farm,
            name=f"Produit {p}",
            unit="kg",
            price=Decimal("3.10") + p,
            max_quantity=Decimal(10_000) if p == 0 else None,
            by=organiser,
        )
        for farm in farms
        for p in range(products)
    ]
    members_ = list(GroupMember.objects.filter(group=group).select_related("user").order_by("pk"))
    return order_round, members_, offered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=150)
    parser.add_argument("--producers", type=int, default=8)
    parser.add_argument("--products", type=int, default=6)
    parser.add_argument("--lines", type=int, default=4, help="products each member orders")
    args = parser.parse_args()
    from bench.scratch import scratch_django  # after sys.path holds the project

    scratch_django(f"group-orders-{args.members}")
    from terroir.groups import orders, sheet
    from terroir.groups.models import OrderLine

    start = time.process_time()
    order_round, members, offered = setup(args.members, args.producers, args.products)
    print(f"setup: {len(members)} members subscribed, {len(offered)} products, {time.process_time() - start:.1f} s")

    placing = []
    for n, member in enumerate(members):
        wanted = {offered[(n * 7 + k * 11) % len(offered)].pk: Decimal(1 + k % 3) for k in range(args.lines)}
        began = time.process_time()
        orders.order_place(order_round=order_round, member=member, quantities=wanted, by=member.user)
        placing.append(time.process_time() - began)
    lines = OrderLine.objects.filter(product__round=order_round).count()

    floor, _ = timed(lambda: list(OrderLine.objects.filter(product__round=order_round)
                                  .select_related("product__producer", "member__user")))  # fmt: skip
    summary_time, summary = timed(lambda: orders.summary_of(order_round))
    csv_time, _ = timed(lambda: orders.summary_csv(summary))
    sheet_time, built = timed(lambda: sheet.sheet_of(order_round.distribution))
    pdf_time, pdf = timed(lambda: sheet.sheet_pdf(built), repeat=3)
    assert len(built.members) == len(members) and summary.total > 0

    place_p50 = statistics.median(placing)
    print(f"order_place ({args.lines} lines)      p50 {place_p50 * 1000:6.1f} ms  p95 {p95(placing) * 1000:6.1f} ms")
    print(f"floor: {lines} order lines read in one query   {floor * 1000:6.1f} ms")
    print(f"summary per producer and member       {summary_time * 1000:6.1f} ms  (x{summary_time / floor:.1f} floor)")
    print(f"summary as CSV                        {csv_time * 1000:6.1f} ms")
    print(f"distribution sheet ({len(built.members)} members)      {sheet_time * 1000:6.1f} ms  "
          f"(x{sheet_time / floor:.1f} floor)")  # fmt: skip
    print(f"sheet as PDF ({len(pdf) // 1024} KiB)                {pdf_time * 1000:6.1f} ms")
    print(
        f"SUMMARY group_orders: {len(members)} members, {lines} lines; order p50 {place_p50 * 1000:.0f} ms "
        f"p95 {p95(placing) * 1000:.0f} ms; summary {summary_time * 1000:.0f} ms (x{summary_time / floor:.1f} "
        f"floor {floor * 1000:.1f} ms); sheet {sheet_time * 1000:.0f} ms, PDF {pdf_time * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
