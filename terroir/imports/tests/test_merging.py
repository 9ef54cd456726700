"""Merging sources into one directory: one entry per producer, every value with its source, decisions kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from terroir.directory.models import Actor, Offer, SearchTerm
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import FieldOrigin, ImportRun, RecordPair, SourceRecord
from terroir.imports.services import record_pair_decide, source_import

from .files import MARKETS, PRODUCERS, mapping_text

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "nom", "siret", "tel", "adresse", "cp", "commune", "lat", "lon", "produits"]


def mapping(name: str) -> str:
    return mapping_text(PRODUCERS, source={"name": name, "label": name}, fields={"address": "adresse"})


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


BIO = [
    ["b1", "GAEC des Monts du Forez", "73282932000074", "", "Le Bourg", "63600", "Ambert", "45.5601", "3.7702",
     "fromage"],
    ["b2", "Rucher de la Durolle", "", "04 73 51 00 02", "", "63300", "Thiers", "45.8702", "3.5601", "miel"],
]  # fmt: skip
CHAMBER = [
    ["c1", "Monts du Forez (EARL)", "73282932000074", "04 73 82 00 01", "le bourg", "63600", "Ambert", "45.5611",
     "3.7690", "fromage,miel"],
    ["c2", "Ferme de la Durolle", "", "04 73 51 00 09", "", "63300", "Thiers", "45.8760", "3.5640", "miel"],
]  # fmt: skip


def load(tmp_path: Path, name: str, rows: list[list[str]], **options) -> ImportRun:
    return source_import(path=write(tmp_path / f"{name}.csv", rows), mapping=mapping_parse(mapping(name)), **options)


def test_the_same_producer_from_two_sources_becomes_one_entry_whose_values_say_where_they_come_from(
    tmp_path, territory
) -> None:
    load(tmp_path, "bio", BIO)
    run = load(tmp_path, "chamber", CHAMBER)
    assert run.status == ImportRun.Status.DONE and run.merged >= 1
    forez = SourceRecord.objects.get(source__name="bio", ref="b1").actor
    assert forez is not None and SourceRecord.objects.get(source__name="chamber", ref="c1").actor == forez
    # The phone only the chamber gives; the name from the first source on an equal footing.
    phone = FieldOrigin.objects.get(actor=forez, field="phone")
    assert forez.phone == "+33473820001" and phone.record is not None and phone.record.source.name == "chamber"
    assert sorted(Offer.objects.filter(producer=forez).values_list("category__slug", flat=True)) == [
        "cow-cheese",
        "honey",
    ]
    assert Actor.objects.filter(source__in=["bio", "chamber"]).count() == 3


def test_an_uncertain_pair_waits_for_review_and_the_decision_survives_reimports(tmp_path, territory) -> None:
    load(tmp_path, "bio", BIO)
    run = load(tmp_path, "chamber", CHAMBER)
    pair = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    names = {pair.first.name, pair.second.name}
    assert names == {"Rucher de la Durolle", "Ferme de la Durolle"} and run.review == 1
    assert pair.first.actor != pair.second.actor

    record_pair_decide(pair=pair, same=True, by=None)
    pair.first.refresh_from_db()
    pair.second.refresh_from_db()
    assert pair.first.actor == pair.second.actor

    # Re-importing both sources, even changed, never undoes the decision.
    load(tmp_path, "bio", BIO)
    changed = [row[:] for row in CHAMBER]
    changed[1][1] = "Ferme Durolle"
    load(tmp_path, "chamber", changed)
    pair.refresh_from_db()
    assert pair.status == RecordPair.Status.SAME
    assert SourceRecord.objects.get(ref="b2").actor == SourceRecord.objects.get(ref="c2").actor

    record_pair_decide(pair=pair, same=False, by=None)
    assert SourceRecord.objects.get(ref="b2").actor != SourceRecord.objects.get(ref="c2").actor
    load(tmp_path, "chamber", changed)
    assert SourceRecord.objects.get(ref="b2").actor != SourceRecord.objects.get(ref="c2").actor


def test_reimporting_an_unchanged_source_writes_no_directory_entry(tmp_path, territory) -> None:
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    run = load(tmp_path, "chamber", CHAMBER)
    assert (run.entries_created, run.entries_updated) == (0, 0)


def test_merged_producers_are_found_by_the_directory_search(tmp_path, territory) -> None:
    load(tmp_path, "bio", BIO)
    forez = SourceRecord.objects.get(ref="b1").actor
    assert forez is not None and " forez " in forez.search_key


def test_a_dry_run_reports_what_it_would_do_and_leaves_the_database_as_it_was(tmp_path, territory) -> None:
    actors, terms = Actor.objects.count(), SearchTerm.objects.count()
    run = load(tmp_path, "bio", BIO, dry_run=True)
    assert run.status == ImportRun.Status.DONE and run.pk is None
    assert (run.rows, run.created, run.entries_created) == (2, 2, 2)
    assert Actor.objects.count() == actors and SearchTerm.objects.count() == terms
    assert not SourceRecord.objects.exists() and not ImportRun.objects.exists()


def test_an_automatic_merge_stores_its_reasons_on_the_pair(tmp_path, territory) -> None:
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    first, second = (SourceRecord.objects.get(source__name=s, ref=r).pk for s, r in (("bio", "b1"), ("chamber", "c1")))
    pair = RecordPair.objects.get(first_id=min(first, second), second_id=max(first, second))
    assert pair.status == RecordPair.Status.LINKED
    assert {"code": "siret", "value": "73282932000074"} in pair.reasons
    assert all(set(reason) == {"code", "value"} for reason in pair.reasons)


def test_two_businesses_at_one_address_with_one_phone_wait_for_review_instead_of_merging(tmp_path, territory) -> None:
    # The biscuit shop and the oil mill of issue 14, as producers: everything agrees but the name.
    shared = ["04 73 51 00 02", "2 rue du Moulin", "63300", "Thiers", "45.8561", "3.5475", "miel"]
    load(tmp_path, "bio", [["b1", "Biscuiterie de l'Abbaye", "", *shared]])
    load(tmp_path, "chamber", [["c1", "Huilerie Vandamme", "", *shared]])
    pair = RecordPair.objects.get()
    assert pair.probability >= 0.95  # the linkage alone merged them before the rules
    assert pair.status == RecordPair.Status.REVIEW and "names_differ" in [r["code"] for r in pair.reasons]
    assert SourceRecord.objects.values("actor").distinct().count() == 2


def places_import(tmp_path: Path, name: str, rows: list[list[str]]) -> ImportRun:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["id", "nom", "type", "cp", "commune", "lat", "lon"], *rows])
    toml = mapping_text(MARKETS, source={"name": name, "label": name, "record": "place"}, fields={"kind": "type"},
                        constants=None)  # fmt: skip
    return source_import(path=path, mapping=mapping_parse(toml), progress=None)


def test_neighbours_the_rules_see_apart_do_not_wait_for_review(tmp_path, territory) -> None:
    # A shop and a farm with names of their own, 10 m apart: found by their position, two places.
    places_import(tmp_path, "shops", [["s1", "Biocoop Ambert", "shop", "63600", "Ambert", "45.55000", "3.74100"]])
    farms = [
        ["f1", "Ferme des Trois Chênes", "farm", "63600", "Ambert", "45.55009", "3.74100"],
        ["f2", "Ferme des 3 Chênes", "farm", "63600", "Ambert", "45.55200", "3.74100"],
    ]
    places_import(tmp_path, "farms", farms)
    stored = {(p.first.ref, p.second.ref) for p in RecordPair.objects.select_related("first", "second")}
    assert ("s1", "f1") not in stored and ("f1", "s1") not in stored
    # The same farm's two names 220 m apart: a doubt, for a coordinator.
    assert RecordPair.objects.get(first__ref="f1", second__ref="f2").status == RecordPair.Status.REVIEW
