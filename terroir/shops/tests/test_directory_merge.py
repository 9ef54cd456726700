"""Merging directory entries that shops keep records of. Two producers that both sell in a shop merge
(their sellers, products and sales move to the producer kept). Two places that both hold a shop's
accounts do not: Shop.place is one-to-one, and the merge would fold one shop with its sales; it is refused
with a message naming both, by the directory's merge and by the review queue where a coordinator decides
that two places are one. A place with a shop merged into one without takes its shop along."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.contributions.revisions import entry_merge
from terroir.directory.models import Place
from terroir.directory.services import place_create
from terroir.imports.merging import records_merge
from terroir.imports.models import ImportRun, RecordPair, Source, SourceRecord
from terroir.imports.review import record_pairs_decide
from terroir.shops import services
from terroir.shops.models import Sale, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def twin(le_local: Any, territory: Any) -> Place:
    """The same shop, imported a second time from another directory, whose accounts someone opened too."""
    place = place_create(name="Le Local (magasin)", kind="producers_shop", commune=territory.ambert, lat=45.5490,
                         lon=3.7451, operator=le_local.sas)  # fmt: skip
    services.shop_create(place=place)
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    return place


def test_two_places_that_both_hold_a_shop_are_not_merged_and_the_message_names_both(
    twin: Place, territory: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_merge(entry=territory.le_local, into=twin)
    assert refused.value.messages == [
        "Le Local, magasin de producteurs et Le Local (magasin) portent tous deux les comptes d’un magasin de "
        "producteurs (1 et 0 lignes de caisse)\u202f: fusionner les deux lieux mélangerait les vendeurs, ventes et "
        "plannings de deux magasins, ils restent donc séparés. S’il s’agit d’un seul magasin, gardez le lieu dont "
        "les comptes servent et indiquez l’autre fermé."
    ]
    assert Shop.objects.count() == 2 and Place.objects.filter(pk=territory.le_local.pk).exists()
    assert Sale.objects.get().shop.place == territory.le_local


def test_a_place_with_a_shop_merged_into_one_without_takes_its_shop_along(le_local: Any, territory: Any) -> None:
    duplicate = place_create(name="Le Local", kind="producers_shop", commune=territory.ambert, lat=45.549, lon=3.745)
    entry_merge(entry=territory.le_local, into=duplicate)
    assert Shop.objects.get().place == duplicate


def test_two_producers_selling_in_the_shop_merge_with_their_sales(le_local: Any, territory: Any) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    entry_merge(entry=territory.honey_farm, into=territory.cheese_farm)
    assert {s.actor for s in le_local.shop.sellers.all()} == {territory.cheese_farm}
    assert Sale.objects.get().seller.actor == territory.cheese_farm


def record(source: Source, run: ImportRun, ref: str, place: Place) -> SourceRecord:
    return SourceRecord.objects.create(source=source, ref=ref, record_type="place", name=place.name, data={}, raw={},
                                       digest=ref, first_run=run, last_run=run, place=place)  # fmt: skip


def test_a_coordinator_saying_the_two_shops_places_are_one_is_told_why_not(
    twin: Place, territory: Any, people: Any
) -> None:
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    pair = RecordPair.objects.create(first=first, second=second, probability=0.9, status=RecordPair.Status.REVIEW)
    done = record_pairs_decide(pair_ids=[pair.pk], same=True, by=people.camille)
    assert done.pairs == [] and "portent tous deux les comptes" in done.refused[0]
    assert RecordPair.objects.get(pk=pair.pk).status == RecordPair.Status.REVIEW
    assert Shop.objects.count() == 2 and Place.objects.filter(pk__in=[territory.le_local.pk, twin.pk]).count() == 2


def test_an_imports_automatic_merge_leaves_two_shops_places_apart(twin: Place, territory: Any) -> None:
    from terroir.imports.merging import records_merge

    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    for row, place in ((first, territory.le_local), (second, twin)):
        row.data = {"name": place.name, "kind": "producers_shop", "lat": place.lat, "lon": place.lon,
                    "commune": "63003"}  # fmt: skip
        row.save()
    RecordPair.objects.create(first=first, second=second, probability=0.99, status=RecordPair.Status.LINKED)
    records_merge(record_types=["place"], relink=False)
    assert Shop.objects.count() == 2 and Place.objects.filter(pk__in=[territory.le_local.pk, twin.pk]).count() == 2


def test_an_imports_automatic_merge_of_the_two_shops_places_is_refused_and_the_run_says_which_and_why(
    twin: Place, territory: Any, people: Any
) -> None:
    """The linkage pairs the two places' records on its own (no coordinator): the guard keeps both entries
    and the import's run records the pair with the guard's reasons, in French, on its page and on the page
    of its automatic merges (the merge was silent before, both entries staying without a word)."""
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    RecordPair.objects.create(first=first, second=second, probability=0.99, status=RecordPair.Status.LINKED, run=run)
    with translation.override("en"):  # the worker's language, whatever it is, does not say the report's
        summary = records_merge(record_types=["place"], relink=False, run=run)
    assert Shop.objects.count() == 2 and Place.objects.filter(pk__in=[territory.le_local.pk, twin.pk]).count() == 2
    refused = ImportRun.objects.get(pk=run.pk).merges_refused
    assert summary.refused == refused and len(refused) == 1
    assert {refused[0]["kept"]["id"], refused[0]["removed"]["id"]} == {territory.le_local.pk, twin.pk}
    assert "portent tous deux les comptes d’un magasin de producteurs" in refused[0]["reasons"][0]
    coordinator = Client()
    coordinator.force_login(people.camille)
    for url in (reverse("imports:run", args=[run.pk]), reverse("imports:run-merges", args=[run.pk])):
        page = coordinator.get(url, headers={"accept-language": "fr"}).content.decode()
        assert 'id="merges-refused"' in page and "Fusions refusées" in page, url
        assert f'href="{twin.get_absolute_url()}"' in page and "portent tous deux les comptes" in page, url


def test_a_refused_automatic_merge_is_neither_listed_nor_counted_as_merged_and_its_pair_goes_to_review(
    twin: Place, territory: Any, people: Any
) -> None:
    """The two records were never merged: each keeps feeding its own place, the run counts no merged record,
    its automatic merges' page lists the pair only under 'Fusions refusées' (no Split button), and the pair
    waits for a coordinator instead."""
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    pair = RecordPair.objects.create(first=first, second=second, probability=0.99, status=RecordPair.Status.LINKED,
                                     run=run)  # fmt: skip
    summary = records_merge(record_types=["place"], relink=False, run=run)
    assert summary.merged == 0 and len(summary.refused) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.place_id, second.place_id) == (territory.le_local.pk, twin.pk)
    pair.refresh_from_db()
    assert pair.status == RecordPair.Status.REVIEW
    coordinator = Client()
    coordinator.force_login(people.camille)
    for url in (reverse("imports:run-merges", args=[run.pk]), reverse("imports:merges")):
        page = coordinator.get(url, headers={"accept-language": "fr"}).content.decode()
        assert f'id="pair-{pair.pk}"' not in page and reverse("imports:split", args=[pair.pk]) not in page, url
    assert "Fusions refusées" in coordinator.get(reverse("imports:run-merges", args=[run.pk])).content.decode()


def test_a_refused_pair_marked_the_same_once_the_shops_are_one_is_merged_and_no_longer_listed_as_refused(
    twin: Place, territory: Any, people: Any
) -> None:
    """The guard's advice followed (the twin's unused accounts closed), the coordinator marks the pair the
    same in the review: the two places become one through the merge, and the run's 'Fusions refusées' no
    longer lists a pair that is merged now."""
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    pair = RecordPair.objects.create(first=first, second=second, probability=0.99, status=RecordPair.Status.LINKED,
                                     run=run)  # fmt: skip
    records_merge(record_types=["place"], relink=False, run=run)
    assert len(ImportRun.objects.get(pk=run.pk).merges_refused) == 1
    Shop.objects.filter(place=twin).delete()  # its accounts were never used
    done = record_pairs_decide(pair_ids=[pair.pk], same=True, by=people.camille)
    assert done.refused == [] and [p.pk for p in done.pairs] == [pair.pk]
    assert RecordPair.objects.get(pk=pair.pk).status == RecordPair.Status.SAME
    assert Place.objects.filter(pk__in=[territory.le_local.pk, twin.pk]).count() == 1
    assert Shop.objects.count() == 1
    assert ImportRun.objects.get(pk=run.pk).merges_refused == []
    coordinator = Client()
    coordinator.force_login(people.camille)
    page = coordinator.get(reverse("imports:run-merges", args=[run.pk]), headers={"accept-language": "fr"})
    assert "Fusions refusées" not in page.content.decode()
