"""The events' map layer (/events/map.geojson, terroir/events/views.py map_features) with --events coming
public events spread over mainland France: asked for a map's view around Clermont-Ferrand (0.5° square, a
few dozen events inside) and for the whole map (the 500 soonest). Prints the features, the queries and the
processor time of one request (best of 5).

    .venv/bin/python bench/events_map.py [--events 20000]

A throw-away SQLite database in bench/out/ (kept between runs of the same size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'bench' / 'out' / 'events_map.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from terroir.directory.models import Actor
    from terroir.events.models import Event

    call_command("migrate", verbosity=0)
    if Event.objects.count() != args.events:
        Event.objects.all().delete()
        organiser = Actor.objects.first() or Actor.objects.create(name="Organiser", is_buyer=True)
        rng, now = random.Random(1), timezone.now()
        Event.objects.bulk_create([
            Event(title=f"Event {i}", kind=Event.Kind.LOCAL_PRODUCT_DAY, organiser=organiser, public=True,
                  status=Event.Status.PUBLISHED, starts_at=now + dt.timedelta(days=1 + i % 300),
                  ends_at=now + dt.timedelta(days=1 + i % 300, hours=5), lat=rng.uniform(42.5, 50.5),
                  lon=rng.uniform(-4.5, 7.5))
            for i in range(args.events)
        ], batch_size=2000)  # fmt: skip
    client = Client()
    for label, params in (("view around Clermont", {"bbox": "2.8,45.5,3.3,46.0"}), ("whole map", {})):
        best, features, queries = float("inf"), 0, 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                began = time.process_time()
                response = client.get("/events/map.geojson", params)
                best = min(best, time.process_time() - began)
            features, queries = len(response.json()["features"]), len(captured)
        print(f"{label}: {features} features, {queries} queries, {best * 1000:.0f} ms processor (best of 5)")


if __name__ == "__main__":
    main()
