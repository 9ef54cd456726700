"""The directory's write path: whoever writes a producer, a place or an offer (editing, claims, merging, the
admin, the demo), the search tables follow without the caller re-indexing anything."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from terroir.directory import index, services
from terroir.directory.filters import parse_place_query
from terroir.directory.index import cell_of
from terroir.directory.models import (
    Actor,
    Category,
    Label,
    MapCell,
    Offer,
    Place,
    PlaceFacet,
    ProducerPlace,
    ProducerTerm,
    SearchTerm,
)
from terroir.directory.references import entry_merge, entry_split
from terroir.directory.search import places_search
from terroir.lib.text import terms

pytestmark = pytest.mark.django_db


def words(place: Place) -> set[str]:
    """The words a place is found by: its word rows (its own and its producers' names) and the words of the
    categories of its facets (what is sold there, found through them rather than copied onto the place)."""
    found = set(SearchTerm.objects.filter(place=place).values_list("term", flat=True))
    facets = PlaceFacet.objects.filter(place=place, facet__startswith="c:").values_list("facet", flat=True)
    sold = Category.objects.filter(slug__in=[facet.removeprefix("c:") for facet in facets])
    for name_fr, name_en in sold.values_list("name_fr", "name_en"):
        found.update(terms(f"{name_fr} {name_en}"))
    return found


def shown_in_cell(lat: float, lon: float, level: int = 12) -> int:
    row, col = cell_of(lat, lon, level)
    return sum(MapCell.objects.filter(level=level, row=row, col=col).values_list("count", flat=True))


def shown_at_places() -> set[tuple[int, int]]:
    """The derived (producer, place) rows, which must equal what the links say."""
    return set(ProducerPlace.objects.values_list("actor_id", "place_id"))


def linked_to_open_places() -> set[tuple[int, int]]:
    supplied = Place.producers.through.objects.filter(place__closed_at=None).values_list("actor_id", "place_id")
    run = Place.objects.filter(closed_at=None).exclude(operator=None).values_list("operator_id", "id")
    return {*supplied, *run}


def test_every_write_of_links_operators_and_closings_keeps_the_producers_shown_at_places_right(territory: Any) -> None:
    t = territory
    assert shown_at_places() == linked_to_open_places() != set()
    writes = [
        lambda: services.place_create(
            name="Marché de Thiers", kind="market", lat=45.85, lon=3.55, producers=[t.honey_farm, t.market_gardener]
        ),
        lambda: services.place_producers_set(place=t.ambert_market, producers=[t.honey_farm]),
        lambda: services.place_update(place=t.farm_shop, values={"operator": t.honey_farm}),
        lambda: services.place_update(place=t.le_local, values={"closed_at": t.le_local.created_at.date()}),
        lambda: services.place_update(place=t.le_local, values={"closed_at": None}),
        lambda: services.places_links_add(
            operators={t.poitiers_market.pk: t.cheese_farm.pk}, producers=[(t.poitiers_market.pk, t.honey_farm.pk)]
        ),
        lambda: services.place_delete(place=t.thiers_canteen),
        lambda: services.places_bulk_create(
            places=[Place(name="AMAP", kind="amap", lat=45.7, lon=3.1)], producers=[[t.market_gardener.pk]]
        ),
        lambda: services.actor_delete(actor=t.market_gardener),
    ]
    for number, write in enumerate(writes):
        write()
        assert shown_at_places() == linked_to_open_places(), f"write {number}"


def test_merging_and_splitting_producers_keeps_the_producers_shown_at_places_right(territory: Any) -> None:
    gardener = territory.market_gardener.pk
    trace = entry_merge(entry=territory.market_gardener, into=territory.honey_farm)
    assert shown_at_places() == linked_to_open_places()
    assert (territory.honey_farm.pk, territory.thiers_canteen.pk) in shown_at_places()
    entry_split(trace=trace, from_id=territory.honey_farm.pk)
    assert shown_at_places() == linked_to_open_places()
    assert (gardener, territory.thiers_canteen.pk) in shown_at_places()
    trace = entry_merge(entry=territory.le_local, into=territory.ambert_market)
    assert shown_at_places() == linked_to_open_places()


def producer_words() -> set[tuple[str, int, str]]:
    return set(ProducerTerm.objects.values_list("term", "actor_id", "name"))


def producers_key_words() -> set[tuple[str, int, str]]:
    """What the derived rows must be: each word of each producer's search key, with its name."""
    actors = Actor.objects.filter(is_producer=True).values_list("id", "name", "search_key")
    return {(word, pk, name) for pk, name, key in actors for word in key.split()}


def test_every_write_of_producers_keeps_their_search_words_right(territory: Any) -> None:
    t = territory
    assert producer_words() == producers_key_words() != set()
    writes = [
        lambda: services.producer_create(name="Chèvrerie des Combes", commune=t.thiers),
        lambda: services.actor_create(name="Épicerie Solidaire", commune=t.ambert),
        lambda: services.actor_update(actor=t.honey_farm, values={"name": "Miellerie du Forez"}),
        lambda: services.actor_update(actor=t.market_gardener, values={"commune": t.ambert}),
        lambda: services.actor_update(actor=t.cheese_farm, values={"is_producer": False}),
        lambda: services.actor_update(actor=t.cheese_farm, values={"is_producer": True}),
        lambda: services.actors_bulk_create(actors=[Actor(name="GAEC du Puy", is_producer=True, commune=t.thiers)]),
        lambda: services.actors_bulk_update(actors=[Actor.objects.get(name="GAEC du Puy")], fields=["is_producer"]),
        lambda: services.actors_values_create(
            values=[
                {"name": "EARL des Combes", "is_producer": True, "commune_id": t.ambert.pk},
                {"name": "Mairie de Thiers", "is_producer": False, "commune_id": t.thiers.pk},
            ]
        ),
        lambda: services.actor_delete(actor=t.market_gardener),
    ]
    for number, write in enumerate(writes):
        write()
        assert producer_words() == producers_key_words(), f"write {number}"
    trace = entry_merge(entry=t.honey_farm, into=t.cheese_farm)
    assert producer_words() == producers_key_words()
    entry_split(trace=trace, from_id=t.cheese_farm.pk)
    assert producer_words() == producers_key_words()


def test_renaming_a_producer_renames_it_in_the_search_of_the_places_it_sells_at(territory: Any) -> None:
    services.actor_update(actor=territory.honey_farm, values={"name": "Miellerie du Forez"})
    assert "miellerie" in words(territory.ambert_market)
    assert "durolle" not in words(territory.ambert_market)
    assert " miellerie " in Actor.objects.get(pk=territory.honey_farm.pk).search_key


def test_a_place_that_closes_leaves_the_search_and_the_map(territory: Any) -> None:
    market = territory.ambert_market
    before = shown_in_cell(market.lat, market.lon)
    services.place_update(place=market, values={"closed_at": territory.farm_shop.created_at.date()})
    assert words(market) == set()
    assert shown_in_cell(market.lat, market.lon) == before - 1


def test_a_place_s_search_rows_carry_its_kind_and_follow_a_change_of_kind(territory: Any) -> None:
    market = territory.ambert_market
    services.place_update(place=market, values={"kind": "canteen"})
    assert set(SearchTerm.objects.filter(place=market).values_list("kind", flat=True)) == {"canteen"}
    assert set(PlaceFacet.objects.filter(place=market).values_list("kind", flat=True)) == {"canteen"}
    # The public search reads the kind from those rows: a canteen is for professionals only.
    public = places_search(parse_place_query({"q": "ambert"}))
    professional = places_search(parse_place_query({"q": "ambert", "professional": "1"}))
    assert market.pk not in {hit.place.pk for hit in public.hits}
    assert market.pk in {hit.place.pk for hit in professional.hits}


def test_a_producer_s_products_are_searchable_as_soon_as_they_are_set(territory: Any) -> None:
    services.actor_offers_set(
        actor=territory.honey_farm,
        products=[{"category": "eggs", "months": 4095, "labels": [], "note": "", "monthly_volume": None, "unit": ""}],
    )
    assert "oeufs" in words(territory.ambert_market)
    assert "miel" not in words(territory.ambert_market) - words(territory.farm_shop)


def test_merging_two_producers_shows_the_kept_one_at_the_places_of_the_other(territory: Any) -> None:
    canteen = territory.thiers_canteen
    trace = entry_merge(entry=territory.market_gardener, into=territory.honey_farm)
    assert {"rucher", "durolle", "miel"} <= words(canteen)
    assert "jardins" not in words(canteen)
    entry_split(trace=trace, from_id=territory.honey_farm.pk)
    assert {"jardins", "limagne"} <= words(canteen)


def test_merging_two_places_takes_the_one_that_goes_off_the_map(territory: Any) -> None:
    shop = territory.le_local
    before = shown_in_cell(shop.lat, shop.lon)
    entry_merge(entry=shop, into=territory.ambert_market)
    assert shown_in_cell(shop.lat, shop.lon) == before - 1


def test_a_place_deleted_in_the_admin_leaves_the_map(territory: Any, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("admin", "admin@pat.example.org", "x")
    client = Client()
    client.force_login(admin_user)
    market = territory.poitiers_market
    assert shown_in_cell(market.lat, market.lon) == 1
    response = client.post(f"/admin/directory/place/{market.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Place.objects.filter(pk=market.pk).exists()
    assert shown_in_cell(market.lat, market.lon) == 0


def test_an_offer_added_in_the_admin_is_searchable_at_once(territory: Any, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("admin", "admin@pat.example.org", "x")
    client = Client()
    client.force_login(admin_user)
    honey = territory.honey_farm
    page = client.get(f"/admin/directory/actor/{honey.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "updated_at"}
    data.update({"updated_at_0": "2026-11-01", "updated_at_1": "10:00:00", "commune": "63430"})
    offer = honey.offers.get()
    eggs = Category.objects.get(slug="eggs")
    data.update({
        "offers-TOTAL_FORMS": "2", "offers-INITIAL_FORMS": "1", "offers-MIN_NUM_FORMS": "0",
        "offers-MAX_NUM_FORMS": "1000",
        "offers-0-id": str(offer.pk), "offers-0-producer": str(honey.pk), "offers-0-category": str(offer.category_id),
        "offers-0-months": str(offer.months),
        "offers-1-producer": str(honey.pk), "offers-1-category": str(eggs.pk), "offers-1-months": "4095",
    })  # fmt: skip
    response = client.post(f"/admin/directory/actor/{honey.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert honey.offers.filter(category=eggs).exists()
    assert "oeufs" in words(territory.ambert_market)


@pytest.mark.django_db
def test_a_bulk_load_gives_new_keys_and_the_map_cells_of_every_level() -> None:
    gone = services.places_bulk_create(places=[Place(name="Halle", kind="market", lat=45.1, lon=3.2)], rebuild=True)
    gone_id = gone[0].pk
    Place.objects.filter(pk=gone_id).delete()
    places = [
        Place(name="Marché", kind="market", lat=45.7712, lon=3.0851),
        Place(name="Ferme", kind="farm", lat=45.7713, lon=3.0852),
        Place(name="Boutique", kind="shop", lat=44.01, lon=-1.25),
        Place(name="Fermé", kind="shop", lat=44.02, lon=-1.26, closed_at=dt.date(2026, 1, 1)),
    ]
    services.places_bulk_create(places=places, rebuild=True)
    assert all(place.pk and place.pk > gone_id for place in places)  # a deleted place's key is not given again
    assert Place.objects.get(pk=places[0].pk).name == "Marché"
    expected: dict[tuple[int, int, int, str], int] = {}
    for place in places[:3]:
        for level in range(13):
            key = (level, *cell_of(place.lat or 0, place.lon or 0, level), place.kind)
            expected[key] = expected.get(key, 0) + 1
    cells = {(c.level, c.row, c.col, c.kind): c.count for c in MapCell.objects.all()}
    assert cells == expected


def _indexes(*tables: str) -> list[tuple[str, str]]:
    """The indexes of the tables, with their definitions; on SQLite each table's in the order they were made,
    which its planner follows between two indexes as good for a statement (the last made is taken)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname",
                [list(tables)],
            )
        else:
            cursor.execute(
                "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'"
                f" AND tbl_name IN ({', '.join(['%s'] * len(tables))}) ORDER BY tbl_name, rowid",
                tables,
            )
        return cursor.fetchall()


@pytest.mark.django_db
def test_a_bulk_load_builds_the_plain_indexes_of_places_and_links_again_after_the_rows() -> None:
    """`bulk=True` drops the places' and links' plain indexes on SQLite while the rows go in: the same
    indexes, with the same definitions, are there after, and the rows and links are written."""
    tables = (Place._meta.db_table, Place.producers.through._meta.db_table)
    before = _indexes(*tables)
    assert any("actor_id" in definition and "UNIQUE" not in definition.upper() for _n, definition in before)
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    places = [Place(name="Marché", kind="market", lat=45.77, lon=3.08), Place(name="Halle", kind="market")]
    services.places_bulk_create(places=places, producers=[[farmer.pk, farmer.pk], []], index=False, bulk=True)
    assert _indexes(*tables) == before
    assert list(Place.objects.filter(producers=farmer).values_list("name", flat=True)) == ["Marché"]


def _foreign_keys(*tables: str) -> list[tuple[str, str, str]]:
    """PostgreSQL: the foreign keys of the tables, with their definitions (deferrable, initially deferred)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(tables)],
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_a_bulk_load_checks_the_keys_of_places_and_links_before_it_returns() -> None:
    """PostgreSQL: `bulk=True` checks the places' and links' foreign keys once, after their rows (one join
    each, instead of a check queued per row and run at the commit): a link to an actor that does not exist
    fails the call itself, and the keys are all back, as they were, after a bulk load. SQLite checks its
    keys at the commit, as before."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite checks a row's keys as it is written, or at the commit when deferred")
    tables = (Place._meta.db_table, Place.producers.through._meta.db_table)
    before = _foreign_keys(*tables)
    assert len(before) >= 4 and all("DEFERRABLE INITIALLY DEFERRED" in d for _t, _n, d in before)
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    services.places_bulk_create(
        places=[Place(name="Marché", kind="market", lat=45.77, lon=3.08, operator=farmer)],
        producers=[[farmer.pk]],
        index=False,
        bulk=True,
    )
    assert _foreign_keys(*tables) == before
    missing = Actor.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        services.places_bulk_create(
            places=[Place(name="Halle", kind="market")], producers=[[missing]], index=False, bulk=True
        )
    assert _foreign_keys(*tables) == before
    assert list(Place.objects.filter(producers=farmer).values_list("name", flat=True)) == ["Marché"]


def _statistics_values(table: str, column: str) -> list[int]:
    """PostgreSQL: the values of a column the planner's statistics know (most common ones and histogram)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE tablename = %s AND attname = %s",
            [table, column],
        )
        found = cursor.fetchall()
    return [int(value) for row in found for values in row if values for value in values.strip("{}").split(",")]


@pytest.mark.django_db
def test_a_bulk_rebuild_reads_the_places_and_links_a_loader_just_wrote_with_their_statistics() -> None:
    """PostgreSQL: a bulk loader writes places and links in the transaction that indexes them, and a table
    never analysed has no statistics: the planner took each chunk's links by place for every row of the table
    (a scan of 5 million links per 2,000 places). `places_reindex(bulk=True)` analyses what it reads first:
    the links' statistics know the places just written (their keys are new: none analysed before has them)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner reads a list of ids through an index without statistics")
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    baker = Actor.objects.create(name="Fournil des Dômes", is_producer=True)
    places = [Place(name=f"Marché {number}", kind="market", lat=45.7, lon=3.1) for number in range(6)]
    services.places_bulk_create(places=places, producers=[[farmer.pk, baker.pk]] * 6, index=False, bulk=True)
    index.places_reindex(bulk=True)
    known = _statistics_values(Place.producers.through._meta.db_table, "place_id")
    assert max(known, default=0) == max(place.pk for place in places)
    assert SearchTerm.objects.filter(place=places[0], term="puys").exists()


def test_the_producer_links_are_indexed_by_their_unique_place_and_actor_and_by_actor_only() -> None:
    """No index on the links' place alone (migration 0022): the unique (place, actor) index leads with it;
    the links of a place, and the places of a producer, are still read through an index."""
    table = Place.producers.through._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = {(tuple(c["columns"]), bool(c["unique"])) for c in constraints.values() if c["index"] or c["unique"]}
    assert (("place_id", "actor_id"), True) in indexed
    assert (("actor_id",), False) in indexed
    assert (("place_id",), False) not in indexed
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    place = services.places_bulk_create(places=[Place(name="Marché", kind="market")], producers=[[farmer.pk]])[0]
    assert list(place.producers.all()) == [farmer]
    assert list(farmer.places.all()) == [place]


@pytest.mark.django_db
def test_a_full_rebuild_of_the_search_tables_builds_their_plain_indexes_again() -> None:
    """A full rebuild drops the search tables' plain indexes while their rows go in (both databases, the
    unique ones and PostgreSQL's keys too when `bulk`): the same indexes are there after, made again in
    the same order on SQLite, and the rows."""
    tables = tuple(model._meta.db_table for model in (SearchTerm, PlaceFacet, ProducerPlace))
    before = _indexes(*tables)
    assert {"searchterm_term_kind", "placefacet_band_kind", "producerplace_actor"} <= {n for n, _d in before}
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    services.places_bulk_create(
        places=[Place(name="Marché", kind="market", lat=45.77, lon=3.08)], producers=[[farmer.pk]], index=False
    )
    progress: list[str] = []
    for bulk in (False, True):
        index.places_reindex(bulk=bulk, progress=progress.append)
        assert _indexes(*tables) == before
    assert SearchTerm.objects.filter(term="puys").count() == 1
    assert ProducerPlace.objects.filter(actor=farmer).count() == 1
    assert "index searchterm_term_kind built" in progress


def test_a_bulk_rebuild_adds_the_search_tables_keys_back_after_the_rows_before_their_plain_indexes() -> None:
    """PostgreSQL: a bulk rebuild writes the words, facets and shown producers without their primary keys
    (a key kept row by row was half the server's work of the rows' writing) and adds each back once the rows
    are in, before the plain indexes are built (each key's sort reads its table from the first page, in the
    order the rows were written); the keys are there after, as they were, and still refuse a second row."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's search tables are their keys' B-trees (WITHOUT ROWID): no key to drop")
    tables = tuple(model._meta.db_table for model in (SearchTerm, PlaceFacet, ProducerPlace))
    before = _indexes(*tables)
    farmer = Actor.objects.create(name="Ferme des Puys", is_producer=True)
    services.places_bulk_create(
        places=[Place(name="Marché des Puys", kind="market", lat=45.77, lon=3.08)], producers=[[farmer.pk]], index=False
    )
    progress: list[str] = []
    index.places_reindex(bulk=True, progress=progress.append)
    added = [f"constraint {table}_pkey added" for table in tables]
    assert all(message in progress for message in added), progress
    written = progress.index("derived rows written")
    first_index = min(progress.index(message) for message in progress if message.startswith("index "))
    assert all(written < progress.index(message) < first_index for message in added), progress
    assert _indexes(*tables) == before
    place = Place.objects.get(name="Marché des Puys")
    assert SearchTerm.objects.filter(place=place, term="puys").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SearchTerm.objects.create(place=place, term="puys")


def test_a_rebuild_reads_each_commune_once_however_many_chunks_name_it(monkeypatch) -> None:
    """The places' communes are read by their keys as the chunks of places first name them, not joined to
    every chunk's places (PostgreSQL hashed all of France's communes for each 2,000 places of a national
    load): five chunks of places of two communes read each commune once, and each place is found by its
    commune's name as before."""
    from django.test.utils import CaptureQueriesContext

    from terroir.directory.models import Commune

    clermont, thiers = Commune.objects.get(code="63113"), Commune.objects.get(code="63430")
    places = [
        Place(name=f"Marché {number}", kind="market", commune=clermont if number % 2 else thiers, lat=45.7, lon=3.1)
        for number in range(5)
    ]
    services.places_bulk_create(places=places, index=False)
    monkeypatch.setattr(index, "BATCH", 1)
    with CaptureQueriesContext(connection) as captured:
        index.places_reindex(place_ids=[place.pk for place in places])
    communes = Commune._meta.db_table
    read = [query["sql"] for query in captured.captured_queries if communes in query["sql"]]
    assert len(read) == 2 and any("63113" in sql for sql in read) and any("63430" in sql for sql in read), read
    for place, commune in zip(places, [thiers, clermont] * 3, strict=False):
        assert set(terms(commune.name)) <= words(place), place.name


def test_the_places_words_facets_and_shown_producers_are_keyed_by_place_without_a_row_id() -> None:
    """The words, facets and shown producers are keyed by (place, term, facet or actor), a row written once:
    on SQLite the table is that key's B-tree (`WITHOUT ROWID`, which Django would not keep were a migration
    to remake the table); a second row of a place's word is refused, and a place's rows go with it."""
    for model, column in ((SearchTerm, "term"), (PlaceFacet, "facet"), (ProducerPlace, "actor_id")):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
            if connection.vendor == "sqlite":
                cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
                sql = cursor.fetchone()[0]
                assert sql.rstrip().endswith("WITHOUT ROWID") and f'PRIMARY KEY ("place_id", "{column}")' in sql, sql
        keys = [sorted(c["columns"]) for c in constraints.values() if c["primary_key"]]
        assert keys == [sorted(["place_id", column])], table
        assert not [c for c in constraints.values() if c["unique"] and not c["primary_key"]], table
    farmer = Actor.objects.create(name="GAEC du Puy", is_producer=True)
    place = services.places_bulk_create(
        places=[Place(name="Ferme des Puys", kind="farm", lat=45.7, lon=3.1)], producers=[[farmer.pk]]
    )[0]
    assert SearchTerm.objects.filter(place=place, term="puys").exists()
    assert PlaceFacet.objects.filter(place=place, facet="k:farm").exists()
    assert ProducerPlace.objects.filter(place=place, actor=farmer).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        SearchTerm.objects.create(place=place, term="puys", kind="farm")
    services.places_delete(places=Place.objects.filter(pk=place.pk))
    assert not SearchTerm.objects.filter(place_id=place.pk).exists()
    assert not PlaceFacet.objects.filter(place_id=place.pk).exists()
    assert not ProducerPlace.objects.filter(place_id=place.pk).exists()


def test_places_written_as_plain_rows_keep_their_dates_and_times_as_the_orm_writes_them() -> None:
    """instances_insert adapts dates and aware date-times by the backend's adapter alone: the values read
    back are those a model save writes, a naive date-time included (made aware by the field)."""
    at = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    naive = dt.datetime(2026, 3, 4, 5, 6, 7)
    given = dict(name="Halle", kind="market", lat=45.1, lon=3.2, verified_at=dt.date(2026, 2, 1), updated_at=at)
    plain = [Place(**given, created_at=at), Place(**given, created_at=naive, closed_at=dt.date(2026, 1, 1))]
    saved = [Place(**given, created_at=at), Place(**given, created_at=naive, closed_at=dt.date(2026, 1, 1))]
    with pytest.warns(RuntimeWarning):  # the naive one, both ways
        services.places_bulk_create(places=plain, index=False)
        for place in saved:
            place.save()
    columns = ("verified_at", "closed_at", "created_at", "updated_at")
    read = [Place.objects.values_list(*columns).get(pk=p.pk) for p in (*plain, *saved)]
    assert read[:2] == read[2:]
    assert read[0] == (dt.date(2026, 2, 1), None, at, at)


def test_entries_written_as_plain_values_are_those_the_orm_writes(territory: Any) -> None:
    """actors_values_create and places_values_create (an import's new entries, without model instances): the
    rows read back are those a model save writes from the same values, the fields not given at their defaults
    (the JSON list of requirements, the flags, no closing date), the actors' search keys and words included."""
    t = territory
    at = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    actor = {
        "name": "GAEC des Puys",
        "is_producer": True,
        "commune_id": t.thiers.pk,
        "lat": 45.8,
        "lon": 3.5,
        "siret": "73282932000074",
        "verified_at": dt.date(2026, 2, 1),
        "updated_at": at,
        "shown_at_place": True,
    }
    place = {"name": "Halle de Thiers", "kind": "market", "commune_id": t.thiers.pk, "lat": 45.85, "lon": 3.54,
             "opening_hours": "Sa 08:00-12:00", "verified_at": None, "updated_at": at, "source": "essai",
             "source_ref": "h1"}  # fmt: skip
    ids = services.actors_values_create(values=[dict(actor), {**actor, "name": "EARL du Bourg"}])
    (place_id,) = services.places_values_create(values=[dict(place)])
    saved_actor = Actor(**actor, created_at=at, search_key=index.actor_search_key(actor["name"], t.thiers.name))
    saved_actor.save()
    saved_place = Place(**place, created_at=at)
    saved_place.save()
    for model, pk, saved in ((Actor, ids[0], saved_actor), (Place, place_id, saved_place)):
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at")]
        assert model.objects.values(*columns).get(pk=pk) == model.objects.values(*columns).get(pk=saved.pk)
        assert model.objects.get(pk=pk).created_at is not None
    assert Actor.objects.get(pk=ids[1]).search_key == index.actor_search_key("EARL du Bourg", t.thiers.name)
    assert set(ProducerTerm.objects.filter(actor_id=ids[1]).values_list("term", flat=True)) == {
        "earl", "bourg", *terms(t.thiers.name)
    }  # fmt: skip
    assert SearchTerm.objects.filter(place_id=place_id).exists()  # indexed, as `index` asks by default
    assert services.actors_values_create(values=[]) == [] and services.places_values_create(values=[]) == []
    with pytest.raises(ValueError, match="no field colour"):
        services.places_values_create(values=[{**place, "colour": "red"}])


def test_offers_written_as_plain_values_are_those_the_orm_writes(territory: Any) -> None:
    """offers_values_replace (an import's offers, without model instances) writes the rows and labels that
    offers_bulk_replace writes from instances, the fields not given at their defaults; both first remove every
    offer of the producers cleared, and index the places of the producers concerned when asked."""
    t = territory
    honey, eggs = Category.objects.get(slug="honey"), Category.objects.get(slug="eggs")
    organic = Label.objects.get(slug="ab")
    plain = services.producer_create(name="Rucher des Puys", commune=t.thiers)
    built = services.producer_create(name="Rucher du Bourg", commune=t.thiers)
    services.offer_set(producer=plain, category=eggs)
    given = [(honey.pk, [organic.pk, organic.pk]), (eggs.pk, [])]
    written = services.offers_values_replace(cleared=[plain.pk], offers=[(plain.pk, c, labels) for c, labels in given])
    services.offers_bulk_replace(
        cleared=[built.pk], offers=[(Offer(producer_id=built.pk, category_id=c), labels) for c, labels in given]
    )
    assert written == 2

    def read(producer: Actor) -> dict[str, tuple[Any, ...]]:
        columns = [f.attname for f in Offer._meta.concrete_fields if f.attname not in ("id", "producer_id")]
        return {
            offer.category.slug: (*values.values(), sorted(offer.labels.values_list("slug", flat=True)))
            for values, offer in zip(
                Offer.objects.filter(producer=producer).order_by("pk").values(*columns),
                Offer.objects.filter(producer=producer).order_by("pk"),
                strict=True,
            )
        }

    assert read(plain) == read(built)
    assert {slug: labels for slug, (*_values, labels) in read(plain).items()} == {"honey": ["ab"], "eggs": []}
    assert services.offers_values_replace(cleared=[], offers=[]) == 0


@pytest.mark.parametrize("per", [None, 4])  # as many rows a statement as SQLite allows, or slices and a rest
def test_rows_update_changes_the_rows_given_and_no_other(per, monkeypatch) -> None:
    """Plain-row updates (an import's operators, its records pointed at their entries, updated entries):
    each given row gets its values, `unset` spares the rows whose column is already set, others stay."""
    from django.db import connection

    from terroir.directory.index import rows_update

    if per is not None:
        monkeypatch.setattr(connection.features, "max_query_params", per * 3)
    farmer = services.actor_create(name="GAEC du Pré", is_producer=True)
    other = services.actor_create(name="EARL des Bois", is_producer=True)
    places = [
        Place.objects.create(
            name=f"Ferme {n}", kind="farm", lat=45.0, lon=3.0 + n / 100, operator=other if n == 2 else None
        )
        for n in range(11)
    ]
    given = [(p.pk, farmer.pk, f"Lieu {n}") for n, p in enumerate(places[:10])]
    rows_update(Place, ("operator_id", "name"), given[:1])
    rows_update(Place, ("operator_id", "name"), given, unset="operator_id")
    read = dict(Place.objects.values_list("pk", "operator_id"))
    assert [read[p.pk] for p in places] == [farmer.pk, farmer.pk, other.pk, *[farmer.pk] * 7, None]
    names = dict(Place.objects.values_list("pk", "name"))
    assert names[places[2].pk] == "Ferme 2" and names[places[10].pk] == "Ferme 10"
    assert [names[p.pk] for n, p in enumerate(places) if n not in (2, 10)] == [f"Lieu {n}" for n in range(10) if n != 2]
    rows_update(Place, ("name",), [])  # nothing to do


@pytest.mark.parametrize("per", [None, 4])  # as many rows a statement as SQLite allows, or slices and a rest
def test_rows_insert_leaves_out_the_rows_that_conflict_when_told_and_writes_the_others(per, monkeypatch) -> None:
    """The one writer of plain rows (index.rows_insert), the communes' data migration's too: its names
    refreshed may meet names already there (`ignore_conflicts`), which are left as they are, every other
    row written — on PostgreSQL too, where COPY cannot skip a row."""
    from django.db import IntegrityError, connection, transaction

    from terroir.directory.index import rows_insert
    from terroir.directory.models import CommuneName

    if per is not None:
        monkeypatch.setattr(connection.features, "max_query_params", per * 3)
    CommuneName.objects.filter(commune_id="63113").delete()
    CommuneName.objects.create(key="clermont ferrand", commune_id="63113", former_code="")
    rows = [("clermont ferrand", "63113", "63999"), *((f"clermont {n}", "63113", "") for n in range(9))]
    # Without: the unique (key, commune) refuses it (PostgreSQL's COPY raises the driver's own error).
    driver_refusal = connection.Database.IntegrityError  # type: ignore[attr-defined]
    with pytest.raises((IntegrityError, driver_refusal)), transaction.atomic():
        rows_insert(CommuneName, ("key", "commune_id", "former_code"), rows)
    rows_insert(CommuneName, ("key", "commune_id", "former_code"), rows, ignore_conflicts=True)
    written = dict(CommuneName.objects.filter(commune_id="63113").values_list("key", "former_code"))
    assert written == {"clermont ferrand": "", **{f"clermont {n}": "" for n in range(9)}}
