"""What a bulk writer asks the database: the primary keys it takes before it writes its rows (`index.ids_reserve`),
the rows it reads by lists of ids (`index._rows_in`)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from terroir.directory.index import _rows_in, _table, ids_reserve, keys_checked_meanwhile, values_insert
from terroir.directory.models import Actor, Category, Offer, Place

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


def test_rows_read_by_many_ids_are_those_of_the_ids_in_one_parameter_on_postgresql(territory):
    ids = sorted(Place.objects.values_list("pk", flat=True))
    wanted = sorted(Place.objects.filter(pk__in=ids[1:]).values_list("pk", "name"))
    asked = [*ids[1:], *range(10**9, 10**9 + 800)]  # a chunk's worth of ids, most of them unknown
    with CaptureQueriesContext(connection) as queries:
        rows = _rows_in(f"SELECT id, name FROM {_table(Place)} WHERE id IN ({{ids}}) ORDER BY id", asked)
    assert sorted(rows) == wanted
    if connection.vendor == "postgresql":
        # One array, not a placeholder per id: psycopg splits a long statement's text at each placeholder again
        # on every run (3 ms of processor for 900 ids).
        assert "= ANY(" in queries.captured_queries[0]["sql"] and "IN (" not in queries.captured_queries[0]["sql"]


def test_in_ids_finds_what_in_finds_by_one_parameter_on_postgresql(territory):
    places = sorted(Place.objects.values_list("pk", flat=True))
    asked = [*places[::2], None, 10**9]
    assert sorted(Place.objects.filter(pk__in_ids=asked).values_list("pk", flat=True)) == places[::2]
    producers = Place.producers.through.objects
    by_actor = sorted(producers.values_list("actor_id", flat=True))[:3]
    assert by_actor
    assert set(producers.filter(actor_id__in_ids=by_actor)) == set(producers.filter(actor_id__in=by_actor))
    assert not Place.objects.filter(pk__in_ids=[]).exists()
    with CaptureQueriesContext(connection) as queries:
        list(Place.objects.filter(pk__in_ids=places).values_list("pk"))
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_rows_written_with_keys_taken_before_take_no_other(territory):
    """A caller that took the keys of its new rows first (`ids_reserve`: an import's new entries, whose field origins
    are written as their values are chosen, before the entries) gives them to `values_insert`, which writes the
    rows with them and takes none of its own."""
    keys = ids_reserve(Place, 2)
    rows = [
        {"name": name, "kind": "market", "commune_id": territory.ambert.pk, "lat": 45.55, "lon": 3.74}
        for name in ("Marché du matin", "Marché du soir")
    ]
    with CaptureQueriesContext(connection) as queries:
        written = values_insert(Place, rows, ids=keys)
    assert written == keys
    assert dict(Place.objects.filter(pk__in=keys).values_list("pk", "name")) == {
        keys[0]: "Marché du matin", keys[1]: "Marché du soir",
    }  # fmt: skip
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if "generate_series" in sql or "sqlite_sequence" in sql]
    with pytest.raises(ValueError, match="2 keys given for 1 rows"):
        values_insert(Place, rows[:1], ids=keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
def test_after_a_bulk_load_the_tables_the_producers_searches_read_by_index_alone_are_all_visible(territory):
    """The producers near a point read the offers by (category, producer) from their index alone: a page not
    marked all-visible sends each read to the table. A fresh national build left half the offers' pages so."""
    from terroir.directory.index import search_tables_maintain
    from terroir.directory.models import Actor, Offer

    search_tables_maintain()
    tables = [Offer, Offer.labels.through, Place.producers.through, Actor]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [_table(model)])
            pages, visible = cursor.fetchone()
            assert pages > 0, model
            assert visible == pages, (model, pages, visible)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
def test_the_maintenance_analyses_with_synchronous_commits_before_it_vacuums(territory):
    """A VACUUM marks a page all-visible only once its rows' commit is known flushed to the WAL. After a bulk load
    committed asynchronously, each table's VACUUM (ANALYZE) in turn followed the previous ANALYZE's own
    asynchronous commit, which moves the flush point asked of the load's transaction when both are in the same
    group of 32 transactions of the commit log: fresh national builds left the producers' words, the offers and
    the places with no page all-visible, no session holding an older snapshot. Whether a VACUUM on a quiet test
    server meets it depends on when the WAL writer wakes, so the statements are checked: the session commits
    synchronously, ANALYZEs every table, then VACUUMs them (VACUUM takes no transaction id of its own), and gives
    its setting back; and the producers' words written again asynchronously are all-visible after it."""
    from django.db import transaction

    from terroir.directory.index import search_tables_maintain
    from terroir.directory.models import ProducerTerm

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        try:
            rows = list(ProducerTerm.objects.values_list("term", "actor_id", "name"))
            assert rows
            with transaction.atomic():
                ProducerTerm.objects.all().delete()
                ProducerTerm.objects.bulk_create(
                    ProducerTerm(term=term, actor_id=actor, name=name) for term, actor, name in rows
                )
            with CaptureQueriesContext(connection) as captured:
                search_tables_maintain()
            table = _table(ProducerTerm)
            cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [table])
            pages, visible = cursor.fetchone()
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "off"  # the session's setting given back
        finally:
            cursor.execute("RESET synchronous_commit")
    assert pages > 0 and visible == pages, (pages, visible)
    statements = [q["sql"] for q in captured.captured_queries]
    synchronous = statements.index("SET synchronous_commit = on")
    (analysed,) = [i for i, sql in enumerate(statements) if sql.startswith("ANALYZE ")]
    vacuums = [i for i, sql in enumerate(statements) if sql.startswith("VACUUM")]
    assert synchronous < analysed < min(vacuums), statements
    assert table in statements[analysed] and not any("ANALYZE" in statements[i] for i in vacuums), statements


def _snapshot_held():
    """Another session of the test database, in a transaction whose snapshot is taken now (a report or a
    search reading the directory while a bulk load commits)."""
    reader = connection.get_new_connection(connection.get_connection_params())
    reader.autocommit = True
    reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    reader.execute("SELECT count(*) FROM directory_offer")
    return reader


def _offers_visible() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = 'directory_offer'::regclass")
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
def test_the_vacuum_after_a_bulk_load_waits_for_the_snapshots_older_than_the_load(territory):
    """A session that took its snapshot before the load committed keeps the VACUUM from marking the load's pages
    all-visible: the VACUUMs wait for it to end (a fresh national build left every offer page so)."""
    import threading

    from terroir.directory.index import search_tables_maintain
    from terroir.directory.models import Offer

    reader = _snapshot_held()
    try:
        assert Offer.objects.update(months=4095)  # the load, committed after the reader's snapshot
        threading.Timer(1.0, reader.close).start()
        search_tables_maintain(snapshots_wait_s=30)
    finally:
        reader.close()
    pages, visible = _offers_visible()
    assert pages > 0 and visible == pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
def test_the_vacuum_says_which_older_snapshot_it_did_not_outlive(territory, caplog):
    from terroir.directory.index import search_tables_maintain
    from terroir.directory.models import Offer

    reader = _snapshot_held()
    try:
        pid = reader.info.backend_pid
        Offer.objects.update(months=4095)
        with caplog.at_level("WARNING", logger="terroir.directory.index"):
            search_tables_maintain(snapshots_wait_s=0.3)
    finally:
        reader.close()
    assert f"pid {pid} (client backend" in caplog.text and "SELECT count(*) FROM directory_offer" in caplog.text
    pages, visible = _offers_visible()
    assert visible < pages  # as the warning says


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred foreign keys")
def test_keys_checked_meanwhile_refuse_a_broken_key_as_the_commit_would_before_it(territory):
    eggs = Category.objects.get(slug="eggs")
    missing = ids_reserve(Category, 1)[0]  # a category never written
    broken = rf"violates foreign key constraint .*\n.*Key \(category_id\)=\({missing}\)"
    with pytest.raises(IntegrityError, match=broken), transaction.atomic():
        Offer.objects.create(producer=territory.honey_farm, category=eggs)
        Offer.objects.create(producer=territory.honey_farm, category_id=missing)
        checking = keys_checked_meanwhile()
        assert checking is not None
        checking.wait()  # the broken key found here, before the commit
        pytest.fail("a broken key went through the checks")
    assert not Offer.objects.filter(category_id=missing).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred foreign keys")
def test_keys_checked_meanwhile_leave_the_keys_to_rows_not_written_yet_to_the_commit(territory):
    written = ids_reserve(Category, 1)[0]  # written after the checks, as an import's records are
    with transaction.atomic():
        offer = Offer.objects.create(producer=territory.honey_farm, category_id=written)
        checking = keys_checked_meanwhile(but_to=(Category,))
        assert checking is not None
        checking.wait()
        Category.objects.create(pk=written, slug="later", name_fr="Plus tard", name_en="Later", path="later")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the commit's checks, in the test's transaction
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert Offer.objects.get(pk=offer.pk).category.slug == "later"
    # The keys to the other tables are checked by the server: one to a table not spared, refused by `wait`.
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(producer=territory.honey_farm, category_id=ids_reserve(Category, 1)[0])
        checking = keys_checked_meanwhile(but_to=(Actor,))
        assert checking is not None
        checking.wait()
