"""python manage.py load_demo [--seed N] [--producers N] [--places N]

The demo territory, each app loading its own part from the bottom layer up: the directory (producers,
places, offers), then pooled logistics (a cooperative's depot, vehicles and week of orders), then the
observatory's territory over the demo's three EPCIs (its first snapshot is the worker's). Only this
top-level command knows every part, so that the directory knows nothing of the apps above it.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.carpool.demo import carpool_demo_load
from terroir.directory.demo import demo_load
from terroir.directory.index import search_tables_maintain
from terroir.events.demo import events_demo_load
from terroir.groups.demo import groups_demo_clear, groups_demo_load
from terroir.groups.demo_orders import orders_demo_load
from terroir.logistics.demo import logistics_demo_clear, logistics_demo_load
from terroir.observatory.models import Territory
from terroir.observatory.territories import territory_create
from terroir.shops.demo import shops_demo_clear, shops_demo_load
from terroir.solidarity.demo import solidarity_demo_clear, solidarity_demo_load

# The observatory's demo territory: Clermont Auvergne Métropole, Thiers Dore et Montagne, Ambert Livradois
# Forez — the communes the demo's producers and places are drawn in.
DEMO_TERRITORY = "grand-clermont-livradois-forez"
DEMO_EPCIS = ("246300701", "200070712", "200070761")


class Command(BaseCommand):
    help = "Replace the demo territory (Clermont-Ferrand, Thiers, Ambert) by a freshly generated one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=63)
        parser.add_argument("--producers", type=int, default=300)
        parser.add_argument("--places", type=int, default=600)

    def handle(self, *args: Any, seed: int, producers: int, places: int, **options: Any) -> None:
        started = time.perf_counter()
        # Upper layers' demo data first: the orders name the directory's demo producers.
        logistics_demo_clear()
        shops_demo_clear()
        solidarity_demo_clear()
        groups_demo_clear()
        summary = demo_load(seed=seed, producers=producers, places=places, progress=self.stdout.write)
        search_tables_maintain()
        orders = logistics_demo_load()
        self.stdout.write(f"Pooled rounds: a cooperative's depot, 2 vehicles, {orders} orders this week")
        shop = shops_demo_load()
        self.stdout.write(f"Producers' shop: /shops/{shop.pk}/" if shop else "Producers' shop: none (no such place)")
        self.stdout.write(f"Solidarity grocery: /solidarity/programmes/{solidarity_demo_load().pk}/")
        self.stdout.write(f"Events: {events_demo_load()} coming events at markets and shops")
        group = groups_demo_load()
        self.stdout.write(f"AMAP: /groups/{group.pk}/" if group else "AMAP: none (no AMAP pickup with producers)")
        self.stdout.write(f"Carpool: {carpool_demo_load()}")
        if group is not None and (order_round := orders_demo_load(group=group)) is not None:
            self.stdout.write(f"One-off order: /groups/distributions/{order_round.distribution_id}/order/")
        # Kept when it exists: its objectives and history are a coordinator's, not the demo's to replace.
        if not Territory.objects.filter(slug=DEMO_TERRITORY).exists():
            territory_create(slug=DEMO_TERRITORY, name="Grand Clermont – Livradois-Forez", epcis=DEMO_EPCIS)
        self.stdout.write(f"Observatory: /observatory/{DEMO_TERRITORY}/")
        self.stdout.write(self.style.SUCCESS(f"Demo territory: {summary} ({time.perf_counter() - started:.1f} s)"))
