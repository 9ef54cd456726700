"""The observatory's channels compared and activity (terroir/observatory/channels.py, activity.py) for a
département-sized territory: Puy-de-Dôme's communes, --places synthetic places with producers, offers
and opening hours, and --weeks of pooled plans. Floor, measured in the same run: reading the rows any
such indicator must read (the territory's open places with their hours, their producer links and the
producers' positions) as plain tuples.

    .venv/bin/python bench/channels.py [--places 20000] [--weeks 20] [--rounds 5]

A throw-away SQLite database in bench/out/. The first call of channels_compared is timed apart: it
reads each distinct opening-hours expression over a year once (`weekly_hours` keeps them). The last line
starts with "SUMMARY channels:".
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOURS = ("Tu-Sa 09:00-12:30,15:00-19:00", "Sa 08:00-12:30", "Th 07:00-13:00", "Fr 16:00-19:00; Sa 09:00-12:00",
         "Mo-Sa 08:30-20:00", "week01-53/2 Sa 08:00-12:00", "Apr-Oct Sa 08:00-13:00", "We 17:00-19:00", "")  # fmt: skip
KINDS = {"farm": 0.40, "market": 0.20, "amap": 0.05, "producers_shop": 0.05, "supermarket": 0.15, "shop": 0.10,
         "restaurant": 0.05}  # fmt: skip


def setup(places: int, weeks: int, rng: random.Random) -> Any:
    from django.core.management import call_command

    from terroir.directory.models import Actor, Category, Commune, Offer, Place
    from terroir.logistics.models import DeliveryOrder, PlanningRun, RunStatus
    from terroir.observatory.territories import territory_create

    call_command("migrate", verbosity=0)
    placed = Commune.objects.filter(department="63", lat__isnull=False)
    communes = [
        (code, float(lat or 0.0), float(lon or 0.0))  # never null: filtered
        for code, lat, lon in placed.values_list("code", "lat", "lon")
    ]
    categories = list(Category.objects.values_list("pk", flat=True))
    producers = Actor.objects.bulk_create(
        Actor(name=f"Ferme {i}", is_producer=True, commune_id=(c := rng.choice(communes))[0],
              lat=c[1] + rng.gauss(0, 0.03), lon=c[2] + rng.gauss(0, 0.04))
        for i in range(places // 2)
    )  # fmt: skip
    Offer.objects.bulk_create(
        Offer(producer=p, category_id=category) for p in producers for category in rng.sample(categories, 2)
    )
    made = Place.objects.bulk_create(
        Place(name=f"Lieu {i}", kind=rng.choices(list(KINDS), list(KINDS.values()))[0],
              commune_id=(c := rng.choice(communes))[0], lat=c[1] + rng.gauss(0, 0.02),
              lon=c[2] + rng.gauss(0, 0.03), opening_hours=rng.choice(HOURS))
        for i in range(places)
    )  # fmt: skip
    through = Place.producers.through
    through.objects.bulk_create(
        through(place_id=p.pk, actor_id=a.pk) for p in made for a in rng.sample(producers, rng.randint(0, 3))
    )
    customer = Actor.objects.create(name="Client", is_buyer=True)
    for week in range(weeks):
        monday = dt.date(2026, 1, 5) + dt.timedelta(weeks=week)
        orders = DeliveryOrder.objects.bulk_create(
            DeliveryOrder(week=monday, producer=rng.choice(producers), customer=customer,
                          delivery_place=rng.choice(made), kg=10, value=rng.randint(50, 500))
            for _ in range(40)
        )  # fmt: skip
        problem = {"depots": [{"id": "d1", "place": {"lat": 45.78, "lon": 3.08}}],
                   "orders": [{"id": f"o{o.pk}", "producer": f"p{o.producer_id}", "value": float(o.value)}
                              for o in orders]}  # fmt: skip
        parties = {o.producer_id for o in orders}
        report = {"producers": [{"party": f"p{pk}", "value": 1000.0, "cost": 60.0} for pk in parties],
                  "saved": {"km": 120.0, "co2_kg": 30.0, "cost": 80.0}}  # fmt: skip
        PlanningRun.objects.create(week=monday, problem=problem, report=report, plan={"rounds": [{}, {}]},
                                   status=RunStatus.DONE)  # fmt: skip
    return territory_create(slug="puy-de-dome", name="Puy-de-Dôme", departments=["63"])


def timed(work, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from bench.scratch import scratch_django  # after sys.path holds the project

    scratch_django(f"channels-{args.places}")
    from django.db.models import Q

    from terroir.directory.models import Actor, Place
    from terroir.observatory.activity import territory_activity
    from terroir.observatory.channels import channels_compared

    start = time.process_time()
    territory = setup(args.places, args.weeks, random.Random(1))
    print(f"setup: {args.places:,} places, {args.weeks} weekly plans, {time.process_time() - start:.1f} s of processor")
    today = dt.date(2026, 12, 6)

    def floor() -> None:
        places = Place.objects.filter(commune_id__in=territory.communes.values("code")).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=today)
        )
        list(places.values_list("pk", "kind", "lat", "lon", "opening_hours"))
        links = Place.producers.through.objects.filter(place_id__in=places.values("pk"))
        list(links.values_list("place_id", "actor_id"))
        list(Actor.objects.filter(pk__in=links.values("actor_id")).values_list("pk", "lat", "lon"))

    first_start = time.process_time()
    figures = channels_compared(territory, today=today)
    first = time.process_time() - first_start
    floors = timed(floor, args.rounds)
    channels = timed(lambda: channels_compared(territory, today=today), args.rounds)
    activity = timed(lambda: territory_activity(territory, today=today), args.rounds)
    base = statistics.median(floors)
    print(f"kinds: {len(figures['rows'])}, places: {sum(r['places'] for r in figures['rows']):,}")
    print(f"floor (read the rows)      p50 {base * 1000:8.1f} ms  p95 {p95(floors) * 1000:8.1f} ms")
    print(f"channels_compared, first    {first * 1000:8.1f} ms (hours of each expression read once)")
    for name, times in (("channels_compared", channels), ("territory_activity", activity)):
        median = statistics.median(times)
        print(f"{name:<26} p50 {median * 1000:8.1f} ms  p95 {p95(times) * 1000:8.1f} ms  ×{median / base:.1f} floor")
    print(
        f"SUMMARY channels: {args.places} places, processor p50 channels {statistics.median(channels) * 1000:.0f} ms "
        f"(×{statistics.median(channels) / base:.1f} floor, first {first * 1000:.0f} ms), activity "
        f"{statistics.median(activity) * 1000:.0f} ms, floor {base * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
