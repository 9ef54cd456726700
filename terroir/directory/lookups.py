"""`field__in_ids=[…]`: the rows whose integer key (a primary key, a foreign key) is one of many, for the
bulk writers' lists of hundreds of ids (an import's chunks of 900 entries).

Django's `__in` writes a placeholder per value and prepares each value through the field, and psycopg then
splits the statement's text at each placeholder again on every run (statements too long for its cache):
about 3 ms of processor for 900 ids, a few seconds of a 100,000-row import. On PostgreSQL `__in_ids` sends
the ids as one array, `= ANY(%s::bigint[])` — the form PostgreSQL gives an IN list itself, so the same
plan; elsewhere it is `__in`. Registered when the directory's application is ready (`apps.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models.lookups import In

# The condition on one array of ids, and the array's text (PostgreSQL's literal: no statement text to
# split per value); shared by this lookup and the bulk indexing's plain SQL (`index._rows_in`).
ANY_IDS = "= ANY(%s::bigint[])"


def ids_array(ids: Iterable[int]) -> str:
    """The ids as PostgreSQL's array literal, each an integer."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


class InIds(In):
    lookup_name = "in_ids"

    def get_prep_lookup(self) -> Any:
        # Integers as they are, not prepared one by one by the field (None matches nothing, as in `__in`).
        return [int(value) for value in self.rhs if value is not None]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} {ANY_IDS}", [*lhs_params, ids_array(self.rhs)]


def register() -> None:
    models.IntegerField.register_lookup(InIds)  # primary keys (BigAutoField) and integer columns
    models.ForeignKey.register_lookup(InIds)
