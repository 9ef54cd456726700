"""python manage.py reindex — rebuild every derived search table from the directory.

For after a restore that left the search tables out, or a change of the taxonomy's words.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from terroir.directory.index import actors_reindex, map_cells_rebuild, places_reindex, search_tables_maintain


class Command(BaseCommand):
    help = "Rebuild the search words, facets and map clusters of every place and actor."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        actors = actors_reindex()
        self.stdout.write(f"{actors} actors' search keys")
        places = places_reindex()
        self.stdout.write(f"{places} places' words and facets")
        cells = map_cells_rebuild()
        self.stdout.write(f"{cells} map cells")
        search_tables_maintain()
        self.stdout.write(self.style.SUCCESS(f"Search tables rebuilt in {time.perf_counter() - started:.1f} s"))
