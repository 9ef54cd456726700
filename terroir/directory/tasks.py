"""The directory's work on the worker."""

from __future__ import annotations

from django_tasks import task

from .index import actors_reindex, map_cells_rebuild, places_reindex, search_tables_maintain


@task()
def search_tables_rebuild() -> dict[str, int]:
    """Every derived search table rebuilt from the directory (after a restore, a change of the taxonomy)."""
    counts = {"actors": actors_reindex(), "places": places_reindex(), "cells": map_cells_rebuild()}
    search_tables_maintain()
    return counts
