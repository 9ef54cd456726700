"""Agreements' orders (terroir/supply/services.py): accepting offers, then the worker's weekly extension
of every running agreement, then the same extension again (idempotent: it must make nothing). Floor,
measured in the same run: inserting the same number of delivery orders with one bulk_create.

    .venv/bin/python bench/agreements.py [--agreements 500] [--members 3]

A throw-away SQLite database in bench/out/: --agreements needs, each answered by a joint offer of
--members producers (every second one) or one producer, accepted through the services (each makes its
first four weeks of orders); the extension then runs one week later (one new week per part). Times are
processor time. The last line starts with "SUMMARY agreements:".
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = dt.date(2026, 11, 30)  # a Monday


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def setup(count: int, members: int) -> tuple[Any, list[Any]]:
    """A buyer with its person, `count` open needs, each with an offer (joint every second one, its
    members confirmed)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from terroir.accounts.models import Membership
    from terroir.directory.models import Actor, Category, Place
    from terroir.needs.models import Answer, AnswerShare, Need

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(username="buyer", email="buyer@example.org", password="x")
    buyer = Actor.objects.create(name="Cantine", is_buyer=True, buyer_kind="canteen", lat=45.77, lon=3.08)
    Membership.objects.create(user=user, actor=buyer, how="coordinator")
    place = Place.objects.create(name="Cantine", kind="canteen", lat=45.77, lon=3.08, operator=buyer)
    category = Category.objects.order_by("path").first()
    assert category is not None
    farms = Actor.objects.bulk_create(
        Actor(name=f"Ferme {i}", is_producer=True, lat=45.5, lon=3.5) for i in range(count * members)
    )
    needs = Need.objects.bulk_create(
        Need(buyer=buyer, title=f"Besoin {i}", category=category, quantity=30, delivery_place=place,
             delivery_weekdays=0b0000010, status=Need.Status.OPEN)
        for i in range(count)
    )  # fmt: skip
    answers = Answer.objects.bulk_create(
        Answer(need=need, producer=farms[i * members], kind="offer", price=4, volume=30) for i, need in enumerate(needs)
    )
    now = dt.datetime.now(dt.UTC)
    AnswerShare.objects.bulk_create(
        AnswerShare(answer=answer, producer=farms[i * members + m], volume=10, confirmed_at=now)
        for i, answer in enumerate(answers)
        if i % 2 == 0
        for m in range(members)
        if members == 3
    )
    return user, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agreements", type=int, default=500)
    parser.add_argument("--members", type=int, default=3, help="producers of a joint answer (3: shares of 10 kg)")
    args = parser.parse_args()
    from bench.scratch import scratch_django  # after sys.path holds the project

    scratch_django(f"agreements-{args.agreements}")
    from terroir.logistics.models import DeliveryOrder
    from terroir.supply import services
    from terroir.supply.models import AgreementOrder

    start = time.process_time()
    user, answers = setup(args.agreements, args.members)
    print(f"setup: {args.agreements:,} needs and offers, {time.process_time() - start:.1f} s of processor")

    accepts = []
    for answer in answers:
        began = time.process_time()
        services.agreement_accept(answer=answer, by=user, today=TODAY)
        accepts.append(time.process_time() - began)
    made_at_acceptance = DeliveryOrder.objects.count()

    began = time.process_time()
    extended = services.agreements_extend(today=TODAY + dt.timedelta(weeks=1))
    extend = time.process_time() - began
    began = time.process_time()
    again = services.agreements_extend(today=TODAY + dt.timedelta(weeks=1))
    idle = time.process_time() - began
    assert again == 0, "the extension made orders twice"
    assert AgreementOrder.objects.count() == DeliveryOrder.objects.count()

    template = DeliveryOrder.objects.first()
    assert template is not None
    began = time.process_time()
    DeliveryOrder.objects.bulk_create(
        DeliveryOrder(week=template.week, producer_id=template.producer_id, customer_id=template.customer_id,
                      kg=template.kg, value=template.value)
        for _ in range(extended)
    )  # fmt: skip
    floor = time.process_time() - began

    accept_p50 = statistics.median(accepts)
    print(f"accept one offer (4 weeks of orders)  p50 {accept_p50 * 1000:7.1f} ms  p95 {p95(accepts) * 1000:7.1f} ms")
    print(f"orders made at acceptance: {made_at_acceptance:,}")
    per_order = extend / extended * 1000
    print(f"extension by one week: {extended:,} orders in {extend:.2f} s ({per_order:.2f} ms an order)")
    print(f"extension again (nothing due): {idle * 1000:.1f} ms")
    print(f"floor: {extended:,} orders by one bulk_create {floor * 1000:.1f} ms")
    ratio = extend / floor if floor else float("inf")
    print(
        f"SUMMARY agreements: {args.agreements} agreements, accept p50 {accept_p50 * 1000:.0f} ms, extension "
        f"{extended} orders {extend:.2f} s (x{ratio:.0f} floor {floor * 1000:.0f} ms), "
        f"idempotent pass {idle * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
