from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terroir.directory.demo import synthetic_generate
from terroir.directory.index import search_tables_maintain


class Command(BaseCommand):
    help = "Add France-wide synthetic producers and places (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--places", type=int, required=True)
        parser.add_argument("--producers", type=int, default=None, help="default: places / 2")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, places: int, producers: int | None, seed: int, **options: Any) -> None:
        if places <= 0 or (producers is not None and producers <= 0):
            raise CommandError("--places and --producers must be positive")
        started = time.perf_counter()
        summary = synthetic_generate(places=places, producers=producers, seed=seed, progress=self.stdout.write)
        search_tables_maintain()
        self.stdout.write(self.style.SUCCESS(f"Synthetic data: {summary} ({time.perf_counter() - started:.1f} s)"))
