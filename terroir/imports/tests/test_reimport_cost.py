"""What an import costs, in work rather than seconds: a re-import of an unchanged file does not link the
records again, and links between thousands of entries are written in a few statements, not one per entry.
(Seconds are measured by bench/import.py.)"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from terroir.directory.models import Actor, Place
from terroir.directory.services import actors_bulk_create, places_bulk_create, places_links_add
from terroir.imports import linkage, merging
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import FieldOrigin, ImportRun, RecordPair, SourceRecord
from terroir.imports.services import source_import

from .files import DIRECTORY, MARKETS, csv_written, mapping_text

pytestmark = pytest.mark.django_db

MAPPING = MARKETS
# Two markets 40 m apart with names a little different: the linkage finds the pair, the rules ask.
ROWS = [
    {"id": "1", "nom": "Marché Saint-Genès", "cp": "63600", "commune": "Ambert", "lat": "45.5500", "lon": "3.7400"},
    {"id": "2", "nom": "Marché Saint-Genest", "cp": "63600", "commune": "Ambert", "lat": "45.5503", "lon": "3.7403"},
    {"id": "3", "nom": "Marché de Thiers", "cp": "63300", "commune": "Thiers", "lat": "45.857", "lon": "3.547"},
]


def write(path: Path) -> Path:
    return csv_written(path, ROWS)


def test_reimporting_an_unchanged_file_links_nothing_again_and_keeps_its_pairs(tmp_path, territory, monkeypatch):
    mapping = mapping_parse(MAPPING)
    first = source_import(path=write(tmp_path / "a.csv"), mapping=mapping)
    pairs = set(RecordPair.objects.values_list("first_id", "second_id", "status"))
    assert first.status == ImportRun.Status.DONE and pairs

    def no_linkage(*args, **kwargs):
        raise AssertionError("the unchanged records were linked again")

    # The merge loads the linkage when it links: its `link` is read from the linkage module at each call.
    monkeypatch.setattr(linkage, "link", no_linkage)
    again = source_import(path=write(tmp_path / "b.csv"), mapping=mapping)
    assert again.status == ImportRun.Status.DONE, again.error
    assert (again.unchanged, again.created, again.updated) == (3, 0, 0)
    assert (again.review, again.merged, again.entries_created) == (first.review, 0, 0)
    assert set(RecordPair.objects.values_list("first_id", "second_id", "status")) == pairs
    # Given again unchanged, the records are not written again: their last run is the source's latest.
    assert set(SourceRecord.objects.values_list("last_run", flat=True)) == {first.pk}
    assert {record.last_given_by().pk for record in SourceRecord.objects.all()} == {again.pk}


def test_a_changed_record_is_linked_again(tmp_path, territory, monkeypatch):
    mapping = mapping_parse(MAPPING)
    source_import(path=write(tmp_path / "a.csv"), mapping=mapping)
    changed = [dict(row) for row in ROWS]
    changed[2]["nom"] = "Marché du Pirou"
    path = csv_written(tmp_path / "b.csv", changed)
    calls: list[int] = []
    linked = linkage.link

    def counted(*args, **kwargs):
        calls.append(1)
        return linked(*args, **kwargs)

    monkeypatch.setattr(linkage, "link", counted)
    again = source_import(path=path, mapping=mapping)
    assert (again.updated, again.unchanged) == (1, 2)
    assert calls and Place.objects.filter(name="Marché du Pirou").exists()


def test_linking_many_places_to_their_operators_takes_a_few_statements(territory, django_assert_max_num_queries):
    commune = territory.ambert
    actors = actors_bulk_create(actors=[Actor(name=f"Ferme {n}", is_producer=True) for n in range(60)])
    places = places_bulk_create(
        places=[Place(name=f"Ferme {n}", kind="farm", lat=45.5 + n / 1000, lon=3.7, commune=commune) for n in range(60)]
    )
    operators = {place.pk: actor.pk for place, actor in zip(places, actors, strict=True)}
    with django_assert_max_num_queries(40):  # one query per place before: 60 updates and their reindexing
        places_links_add(operators=operators)
    assert Place.objects.filter(pk__in=operators, operator__isnull=False).count() == 60


def test_an_unchanged_reimport_decodes_neither_the_records_data_nor_their_rows(tmp_path, territory, monkeypatch):
    mapping = mapping_parse(MAPPING)
    source_import(path=write(tmp_path / "a.csv"), mapping=mapping)
    stored = [d for data, raw in SourceRecord.objects.values_list("data", "raw") for d in (data, raw)]
    json_field = type(SourceRecord._meta.get_field("data"))
    decode = json_field.from_db_value
    decoded: list[object] = []

    def counted(self, value, expression, connection):
        decoded.append(result := decode(self, value, expression, connection))
        return result

    monkeypatch.setattr(json_field, "from_db_value", counted)
    again = source_import(path=write(tmp_path / "b.csv"), mapping=mapping)
    assert (again.unchanged, again.created, again.updated) == (3, 0, 0)
    assert not [value for value in decoded if value in stored]


PRODUCERS = mapping_text(MARKETS, source={"name": "fermes", "label": None, "record": "producer+place", "ref": "code"},
                         fields={"supplies": "marche"}, constants=None)  # fmt: skip


def test_farms_are_run_by_their_producers_and_markets_supplied_whatever_their_references_look_like(tmp_path, territory):
    # References that JSON would read as a number (123, 1e5, true) stay the text the file gives.
    write_rows = [
        {"code": code, "nom": f"Ferme {n}", "cp": "63600", "commune": "Ambert", "lat": f"45.5{n}", "lon": "3.74",
         "marche": "marches-63:3"}
        for n, code in enumerate(("123", "1e5", "true", "0042"))
    ]  # fmt: skip
    source_import(path=write(tmp_path / "m.csv"), mapping=mapping_parse(MAPPING))
    path = csv_written(tmp_path / "f.csv", write_rows)
    run = source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert (run.rows, run.rejected) == (8, 0), run.report
    for n in range(4):
        producer = Actor.objects.get(name=f"Ferme {n}")
        assert Place.objects.filter(kind="farm", operator=producer).count() == 1
    market = Place.objects.get(name="Marché de Thiers")
    assert sorted(market.producers.values_list("name", flat=True)) == [f"Ferme {n}" for n in range(4)]


def test_an_import_runs_with_the_live_objects_set_aside_from_the_garbage_collector(tmp_path, territory):
    """An import makes millions of objects that live until its end: the collector does not walk them again
    and again (a sixth of a 20,000-row import's processor time), and is as it was after."""
    seen: list[tuple[int, int]] = []
    threshold = gc.get_threshold()
    run = source_import(
        path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING),
        progress=lambda _progress: seen.append((gc.get_threshold()[0], gc.get_freeze_count())),
    )  # fmt: skip
    assert run.status == ImportRun.Status.DONE and seen
    assert all(young >= 50_000 and frozen > 0 for young, frozen in seen)
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0


def test_field_origins_keep_one_index_per_entry_column_the_unique_constraint_that_starts_with_it(db):
    """About ten origins an entry, a million rows in a large import: an index of its own on place or actor,
    which the unique constraint (place, field) or (actor, field) already serves, was kept up to date row by row
    for nothing."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, FieldOrigin._meta.db_table)
    indexed = sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"])
    assert ("place_id",) not in indexed and ("actor_id",) not in indexed
    assert ("place_id", "field") in indexed and ("actor_id", "field") in indexed


def test_a_reimport_asks_only_for_the_farms_without_an_operator(tmp_path, territory, monkeypatch):
    """The operators a source gives are asked for the places that have none: a re-import of an unchanged file,
    whose farms all have theirs, asks for none (a 100,000-row file's 38,435 farms were looked up again, 900 ids a
    statement, to find nothing); a farm whose operator was taken away on the platform gets it back, as before."""
    rows = [
        {"code": f"f{n}", "nom": f"Ferme {n}", "cp": "63600", "commune": "Ambert", "lat": f"45.5{n}", "lon": "3.74",
         "marche": ""}
        for n in range(3)
    ]  # fmt: skip
    path = csv_written(tmp_path / "f.csv", rows)
    asked: list[dict[int, int]] = []
    links_add = merging.places_links_add

    def spied(*, operators=None, **kwargs):
        asked.append(dict(operators or {}))
        return links_add(operators=operators, **kwargs)

    monkeypatch.setattr(merging, "places_links_add", spied)
    first = source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert first.status == ImportRun.Status.DONE, first.error
    farms = {place.pk: place.operator_id for place in Place.objects.filter(kind="farm", source="fermes")}
    assert len(farms) == 3 and None not in farms.values()
    assert asked[-1] == {}  # new farms are written with their operators
    again = source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert again.unchanged == 6 and asked[-1] == {}
    taken = min(farms)
    Place.objects.filter(pk=taken).update(operator=None)
    source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert asked[-1] == {taken: farms[taken]}
    assert Place.objects.get(pk=taken).operator_id == farms[taken]


def test_a_new_record_is_written_once_with_its_entry(tmp_path, territory):
    """The records an import creates are written once, after the merge, with their entry and the digest it was
    merged with: written first and pointed at their entries after, each was written twice (on PostgreSQL a new
    version of every 1.4 kB record row and of its index entries, three times the cost of its COPY). The merge
    reads them as it reads the stored ones: the farms get their operators, the market its suppliers. A new farm
    is written with its operator, not given it by an UPDATE of each new place after."""
    rows = [
        {"code": f"f{n}", "nom": f"Ferme {n}", "cp": "63600", "commune": "Ambert", "lat": f"45.5{n}", "lon": "3.74",
         "marche": "marches-63:3"}
        for n in range(3)
    ]  # fmt: skip
    source_import(path=write(tmp_path / "m.csv"), mapping=mapping_parse(MAPPING))
    path = csv_written(tmp_path / "f.csv", rows)
    with CaptureQueriesContext(connection) as queries:
        run = source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert run.status == ImportRun.Status.DONE, run.error
    assert (run.created, run.entries_created) == (6, 6)
    # Django writes a statement run for many rows as "N times: UPDATE …".
    for model in (SourceRecord, Place):
        update = f"UPDATE {connection.ops.quote_name(model._meta.db_table)}"
        assert [q["sql"] for q in queries.captured_queries if update in q["sql"]] == []
    records = list(SourceRecord.objects.filter(source__name="fermes").order_by("pk"))
    assert [r.record_type for r in records] == ["producer", "place"] * 3  # the keys in the file's order
    for record in records:
        entry = record.actor_id if record.record_type == "producer" else record.place_id
        assert entry is not None and record.merged_digest == record.digest
        assert (record.first_run_id, record.last_run_id, record.missing) == (run.pk, run.pk, False)
    for n in range(3):
        producer = Actor.objects.get(name=f"Ferme {n}")
        assert producer.shown_at_place
        assert Place.objects.get(kind="farm", name=f"Ferme {n}").operator == producer
        assert FieldOrigin.objects.filter(actor=producer, record__in=records).exists()
    market = Place.objects.get(name="Marché de Thiers")
    assert sorted(market.producers.values_list("name", flat=True)) == ["Ferme 0", "Ferme 1", "Ferme 2"]
    again = source_import(path=path, mapping=mapping_parse(PRODUCERS))
    assert (again.unchanged, again.created, again.entries_created) == (6, 0, 0)


def test_records_kept_without_a_merge_are_written_without_an_entry_and_merged_later(tmp_path, territory):
    """`import_source --no-merge`: the new records are written by the import itself, with no entry; a later
    merge points them at their entries."""
    run = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING), merge=False)
    assert (run.status, run.created, run.entries_created) == (ImportRun.Status.DONE, 3, 0)
    records = SourceRecord.objects.filter(source__name="marches-63")
    assert sorted(records.values_list("ref", "place", "merged_digest")) == [
        ("1", None, ""),
        ("2", None, ""),
        ("3", None, ""),
    ]
    assert not Place.objects.filter(source="marches-63").exists()
    merging.records_merge(run=run)
    assert not records.filter(place__isnull=True).exists()
    assert all(record.merged_digest == record.digest for record in records)
    assert Place.objects.filter(name="Marché de Thiers").exists()


def test_each_entrys_origins_go_to_the_writer_as_its_values_are_chosen(tmp_path, territory, monkeypatch):
    """The field origins of the entries a merge writes are handed to one writer open while the values are chosen,
    each entry's right after its choice (on PostgreSQL one COPY: the server writes them while the client chooses
    the next entries' values), the new entries' keys taken first; a list made whole and sent after kept the server
    idle while the client chose, and the client waiting while the server wrote. The same origins as before."""
    events: list[str] = []
    choose, writer = merging.fields_choose, merging.rows_writer

    def chosen(candidates):
        events.append("choose")
        return choose(candidates)

    @contextmanager
    def watched(model, columns, **options):
        with writer(model, columns, **options) as write:
            if model is FieldOrigin:
                events.append("open")

                def written(rows):
                    rows = list(rows)
                    events.append(f"write {len(rows)}")
                    write(rows)

                yield written
                events.append("close")
            else:
                yield write

    monkeypatch.setattr(merging, "fields_choose", chosen)
    monkeypatch.setattr(merging, "rows_writer", watched)
    run = source_import(path=write(tmp_path / "a.csv"), mapping=mapping_parse(MAPPING))
    assert run.status == ImportRun.Status.DONE, run.error
    assert events[0] == "open" and events[-1] == "close"
    inside = events[1:-1]
    assert inside[::2] == ["choose"] * (len(inside) // 2) == ["choose"] * run.entries_created
    assert all(event.startswith("write ") and event != "write 0" for event in inside[1::2])
    places = Place.objects.filter(source_records__source__name=run.source.name).distinct()
    assert places.count() == run.entries_created
    for place in places:
        origins = dict(FieldOrigin.objects.filter(place=place).values_list("field", "record__ref"))
        assert origins["name"] in {"1", "2", "3"} and "position" in origins


def test_the_places_are_linked_while_the_producers_entries_are_written(tmp_path, territory, monkeypatch):
    """The places' linkage (DuckDB, in a thread that does not touch the database) runs while the producers' pairs
    are decided and their entries written, and the keys those writes left to the commit are checked by the server
    meanwhile (`index.keys_checked_meanwhile`, PostgreSQL): one after the other, the linkage left a core idle and
    the server with nothing to do, then the writes left the client waiting on the server and the server on the
    client. The progress lines in the same order as one after the other."""
    rows = [
        {"code": f"P{i}", "type": "Producteur", "nom": f"GAEC du Puy {name}", "cp": "63600", "commune": "Ambert",
         "lat": f"{45.55 + i / 1000:.4f}", "lon": "3.7400"}
        for i, name in enumerate(["Martin", "Martín", "Bernard", "Durand"])
    ] + [
        {"code": "M1", "type": "Marché", "nom": "Marché Saint-Genès", "cp": "63600", "commune": "Ambert",
         "lat": "45.5500", "lon": "3.7400"},
        {"code": "M2", "type": "Marché", "nom": "Marché Saint-Genest", "cp": "63600", "commune": "Ambert",
         "lat": "45.5503", "lon": "3.7403"},
    ]  # fmt: skip
    events: list[tuple[str, str, bool]] = []
    writing = threading.Event()
    link, entries_write = linkage.link, merging._entries_write

    def linked(records, *args, **kwargs):
        kind = "place" if any(event[:2] == ("link", "producer") for event in events) else "producer"
        if kind == "place":
            # Until the producers' entries are being written, which happens meanwhile if this linkage runs beside
            # them (one after the other, they were written before it started).
            writing.wait(timeout=30)
        events.append(("link", kind, threading.current_thread() is threading.main_thread()))
        return link(records, *args, **kwargs)

    def written(record_type, *args, **kwargs):
        events.append(("write", record_type, threading.current_thread() is threading.main_thread()))
        writing.set()
        return entries_write(record_type, *args, **kwargs)

    monkeypatch.setattr(linkage, "link", linked)
    monkeypatch.setattr(merging, "_entries_write", written)
    told: list[str] = []
    with translation.override("en"):
        run = source_import(
            path=csv_written(tmp_path / "a.csv", rows), mapping=mapping_parse(DIRECTORY), geocode=False,
            progress=lambda progress: told.append(str(progress.message or "")),
        )  # fmt: skip
    assert run.status == ImportRun.Status.DONE, run.error
    assert events == [
        ("link", "producer", True),
        ("write", "producer", True),
        ("link", "place", False),  # in its own thread, while the producers' entries were written
        ("write", "place", True),
    ]

    # Each type's lines together, in their order: "looking for duplicates", the linkage's steps, the entries made.
    def at(start: str, end: str) -> int:
        (index,) = [i for i, line in enumerate(told) if line.startswith(start) and line.endswith(end)]
        return index

    producers = at("looking for duplicates among", "(producers)"), at("4 records (producers) make", "entries")
    places = at("looking for duplicates among", "(places)"), at("6 records (places) make", "entries")
    assert producers[0] < producers[1] < places[0] < places[1]
    assert told[places[0] + 1 : places[1]] == ["comparing candidate pairs"]
