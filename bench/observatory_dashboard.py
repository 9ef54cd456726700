"""A territory's dashboard page once its snapshots exist (issue 16: ≤ 200 ms), against the same page
computing its figures (no snapshot yet) and a trivial page of the same site (the floor: the list of
territories, one small query through the same base template), all in the same run.

    .venv/bin/python bench/observatory_dashboard.py [--size department|france] [--places N] [--department 63]
        [--requests 40]

`--size department` (the default) builds 20,000 places, `--size france` 200,000 (the issue's directory
of all France); `--places` sets another number.

Builds a throw-away SQLite database (migrations, the communes reference, `--places` synthetic places and
half as many producers across France, the search tables), a territory of a whole département with three
objectives and twelve months of history, and the real canteen declarations of 2023 when
../shared/data/real/canteens is beside the repository. Requests go through Django's test client (the
view, its queries and the template; no network, no server). The last line starts with
"SUMMARY observatory_dashboard:".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terroir.observatory.models import Territory

ROOT = Path(__file__).resolve().parent.parent
REAL = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
CANTEENS = REAL / "data" / "real" / "canteens" / "macantine_campagne_td_2023.csv"
TARGET_MS = 200.0
SIZES = {"department": 20_000, "france": 200_000}


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DEBUG"] = "0"  # with DEBUG on, Django records every query
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(get: Callable[[], object], runs: int, warmup: int = 3) -> tuple[float, float]:
    """Median and p95 in milliseconds of wall time."""
    for _ in range(warmup):
        get()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def build(places: int, department: str) -> Territory:
    from django.core.management import call_command

    from terroir.directory.demo import synthetic_generate
    from terroir.directory.index import search_tables_maintain
    from terroir.observatory.canteens import canteens_import
    from terroir.observatory.models import Objective, Snapshot
    from terroir.observatory.registry import all_indicators
    from terroir.observatory.territories import territory_create

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    synthetic_generate(places=places, seed=1)
    search_tables_maintain()
    if CANTEENS.is_file():
        canteens_import(path=CANTEENS)
    else:
        print(f"no canteen declarations ({CANTEENS} is absent): the canteens' section says no data")
    territory = territory_create(slug="bench", name=f"Département {department}", departments=[department])
    Objective.objects.create(territory=territory, indicator="canteens.organic_share", target=20, year=2027)
    Objective.objects.create(territory=territory, indicator="access.communes_10km.market", target=100, year=2030)
    Objective.objects.create(territory=territory, year=2028, text="Un magasin de producteurs à Clermont-Ferrand")
    # Twelve months of history before this one (what a year of the schedule leaves).
    month = dt.date.today().replace(day=1)
    history = []
    for back in range(12, 0, -1):
        period = (month - dt.timedelta(days=28 * back)).replace(day=1)
        history += [Snapshot(territory=territory, indicator=i.key, period=period, value=float(back))
                    for i in all_indicators()]  # fmt: skip
    Snapshot.objects.bulk_create(history, ignore_conflicts=True)
    print(f"built in {time.perf_counter() - start:.1f} s: {places} places, {territory.communes.count()} communes")
    return territory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=list(SIZES), default="department")
    parser.add_argument("--places", type=int, help="places to build (else the size's: 20,000 or 200,000)")
    parser.add_argument("--department", default="63")
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    options.places = options.places or SIZES[options.size]

    with tempfile.TemporaryDirectory(prefix="terroir-bench-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.contrib.auth import get_user_model
        from django.test import Client

        from terroir.observatory.models import SnapshotRun
        from terroir.observatory.snapshots import snapshot_take

        territory = build(options.places, options.department)
        client = Client(HTTP_ACCEPT_LANGUAGE="fr")

        def page(url: str) -> Callable[[], object]:
            def get() -> object:
                response = client.get(url, secure=True)  # production settings redirect to https
                assert response.status_code == 200, (url, response.status_code)
                return response

            return get

        load = os.getloadavg()[0]
        live = timed(page("/observatory/bench/"), max(3, options.requests // 8), warmup=1)
        # The territory's first snapshot, queued when it was created: computed here as the worker would.
        start = time.perf_counter()
        snapshot_take(run=SnapshotRun.objects.get(territory=territory, status=SnapshotRun.Status.QUEUED))
        snapshot_s = time.perf_counter() - start
        floor = timed(page("/observatory/"), options.requests)
        dashboard = timed(page("/observatory/bench/"), options.requests)
        report = timed(page("/observatory/bench/report/"), max(3, options.requests // 4))
        commune = territory.communes.order_by("-population").values_list("code", flat=True).first()
        commune_page = timed(page(f"/observatory/bench/communes/{commune}/"), options.requests)
        # The coordinator's page reads the isolated producers the snapshot found (flags read live).
        coordinator = get_user_model().objects.create_user(username="bench", password="x", is_staff=True)
        client.force_login(coordinator)
        coordination = timed(page("/observatory/bench/coordination/"), max(3, options.requests // 8), warmup=1)
        isolated = client.get("/observatory/bench/coordination/", secure=True).content.count(b'class="isolated"')
        size = len(client.get("/observatory/bench/", secure=True).content)
        load = max(load, os.getloadavg()[0])

    print(f"load average (1 min) up to {load:.1f}")

    def against_floor(name: str, figures: tuple[float, float]) -> None:
        print(f"{name}: p50 {figures[0]:.1f} ms, p95 {figures[1]:.1f} ms "
              f"(×{figures[0] / floor[0]:.1f} and ×{figures[1] / floor[1]:.1f} the floor's)")  # fmt: skip

    print(f"{options.places} places; load average (1 min) up to {load:.1f}")
    print(f"floor, the list of territories: p50 {floor[0]:.1f} ms, p95 {floor[1]:.1f} ms")
    against_floor(f"dashboard with snapshots ({size // 1024} KiB)", dashboard)
    against_floor("dashboard without snapshot (computed in the request)", live)
    against_floor("printable report with snapshots", report)
    against_floor(f"a commune's page over time ({commune})", commune_page)
    against_floor(f"coordination page from the snapshot ({isolated} isolated producers listed)", coordination)
    print(f"one snapshot of the territory (every indicator, on the worker): {snapshot_s:.2f} s")
    print(f"SUMMARY observatory_dashboard: places={options.places} dashboard_p50_ms={dashboard[0]:.1f} "
          f"dashboard_p95_ms={dashboard[1]:.1f} floor_p50_ms={floor[0]:.1f} floor_p95_ms={floor[1]:.1f} "
          f"ratio={dashboard[0] / floor[0]:.1f} ratio_p95={dashboard[1] / floor[1]:.1f} "
          f"live_p50_ms={live[0]:.1f} report_p50_ms={report[0]:.1f} commune_p50_ms={commune_page[0]:.1f} "
          f"coordination_p50_ms={coordination[0]:.1f} coordination_p95_ms={coordination[1]:.1f} "
          f"snapshot_s={snapshot_s:.2f} load={load:.1f} "
          f"target_ms={TARGET_MS:g} {'met' if dashboard[1] <= TARGET_MS else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
