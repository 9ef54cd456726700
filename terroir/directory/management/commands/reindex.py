"""python manage.py reindex — rebuild every derived search table from the directory, on the worker
(or here with --now).

For after a restore that left the search tables out, or a change of the taxonomy's words.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.directory.background import command_run
from terroir.directory.tasks import search_tables_rebuild


class Command(BaseCommand):
    help = "Rebuild the search words, facets and map clusters of every place and actor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Rebuild from this process, not the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        finished, counts = command_run(search_tables_rebuild, self.stdout, now=options["now"])
        if finished:
            self.stdout.write(f"{counts['actors']} actors' search keys, {counts['places']} places' words and facets, "
                              f"{counts['cells']} map cells")  # fmt: skip
            self.stdout.write(self.style.SUCCESS(f"Search tables rebuilt in {time.perf_counter() - started:.1f} s"))
