"""What a bulk writer asks the database: the primary keys it takes before it writes its rows (`index.ids_reserve`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from terroir.directory.index import ids_reserve
from terroir.directory.models import Place

pytestmark = pytest.mark.django_db


def test_the_keys_taken_follow_every_key_given_in_order(territory):
    keys = ids_reserve(Place, 3)
    assert keys == list(range(keys[0], keys[0] + 3))
    assert keys[0] > max(Place.objects.values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's sequences")
def test_postgresql_takes_the_keys_from_the_sequence_found_once(territory):
    with CaptureQueriesContext(connection) as queries:
        keys = ids_reserve(Place, 1000)
    assert len(keys) == 1000 and keys == list(range(keys[0], keys[0] + 1000))
    # Taken from the sequence: never given again, to another reservation or to a row the ORM writes.
    again = ids_reserve(Place, 2)
    place = Place.objects.create(name="Après", kind="farm", commune=territory.ambert)
    assert min(again) > max(keys) and place.pk > max(again)
    # The statement run per key names the sequence by its number: looking it up by the table's name for each
    # key (`nextval(pg_get_serial_sequence(…))`) cost the server ten times the keys themselves.
    per_key = [q["sql"] for q in queries.captured_queries if "generate_series" in q["sql"]]
    assert len(per_key) == 1 and "pg_get_serial_sequence" not in per_key[0]
