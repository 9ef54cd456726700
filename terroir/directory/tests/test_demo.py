from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from terroir.directory.demo import FARM_WORDS, FEMININE_WORDS, demo_load, synthetic_generate
from terroir.directory.models import Actor, MapCell, Place, PlaceFacet, PlaceKind, SearchTerm
from terroir.lib import hours
from terroir.lib.geo import haversine_km

PARIS = ZoneInfo("Europe/Paris")


def test_the_demo_territory_has_every_kind_of_place_producers_and_valid_hours(db) -> None:
    summary = demo_load()
    assert summary.producers == Actor.objects.filter(source="demo", is_producer=True).count() == 300
    assert summary.places == Place.objects.filter(source="demo").count() == 600
    assert set(Place.objects.values_list("kind", flat=True)) == set(PlaceKind.values)
    for expression in set(Place.objects.values_list("opening_hours", flat=True)) - {""}:
        hours.validate(expression)
    for lat, lon, kind in Place.objects.values_list("lat", "lon", "kind"):
        if kind == PlaceKind.ONLINE:
            assert lat is None
        else:
            assert lat is not None and lon is not None
            assert haversine_km(45.70, 3.40, lat, lon) < 70, "a demo place is outside the territory"
    assert not Place.objects.filter(source="demo", producers=None).exists()
    # "Marché d'Ambert", "AMAP d'Issoire": never "de" before a vowel (lib.text.french_of).
    assert not Place.objects.filter(source="demo", name__regex=r" de [AEIOUaeiouÉé]").exists()
    # "EARL de l'Estive", "Ferme de la Combe", "Restaurant L'Estive": never "du Estive", "du Combe", "Le Estive".
    names = list(Actor.objects.filter(source="demo").values_list("name", flat=True))
    names += Place.objects.filter(source="demo").values_list("name", flat=True)
    plural_or_feminine = [word for word in FARM_WORDS if word.endswith("s") or word in FEMININE_WORDS]
    wrong = re.compile(rf"\b(?:du|Le) (?:[AEIOUÉ]|{'|'.join(plural_or_feminine)})\b")
    assert [name for name in names if wrong.search(name)] == []
    assert any("de l'Estive" in name for name in names) and any("de la " in name for name in names)
    # Each producer's name is its own: two farms of one name would read as one on the map and in the search.
    producers = list(Actor.objects.filter(source="demo").values_list("name", flat=True))
    assert len(set(producers)) == len(producers)


def test_ambert_has_its_thursday_market_and_le_local(db) -> None:
    demo_load()
    market = Place.objects.get(name="Marché d'Ambert")
    assert hours.recurring_weekdays(market.opening_hours, dt.date(2026, 11, 23), PARIS) == [3]
    assert market.producers.count() >= 8
    assert Place.objects.get(name="Le Local, magasin de producteurs").producers.count() == 9


def test_synthetic_data_spreads_places_over_france_with_index_rows(db) -> None:
    summary = synthetic_generate(places=2000, producers=1000, seed=3)
    assert summary.places == Place.objects.filter(source="synthetic").count() == 2000
    assert Actor.objects.filter(source="synthetic").count() == 1000
    departments = set(Place.objects.exclude(commune=None).values_list("commune__department", flat=True))
    assert len(departments) >= 5  # the test database holds six departments' communes
    assert SearchTerm.objects.exists() and PlaceFacet.objects.exists()
    level0 = sum(MapCell.objects.filter(level=0).values_list("count", flat=True))
    assert level0 == Place.objects.exclude(lat=None).count()


def test_reindex_rebuilds_the_search_tables_from_the_directory(territory, capsys) -> None:
    from django.core.management import call_command

    from terroir.directory.filters import parse_place_query
    from terroir.directory.models import MapCell, PlaceFacet, SearchTerm
    from terroir.directory.search import places_search

    before = sorted(SearchTerm.objects.values_list("term", "place_id"))
    facets = sorted(PlaceFacet.objects.values_list("facet", "place_id", "band"))
    SearchTerm.objects.all().delete()
    PlaceFacet.objects.all().delete()
    MapCell.objects.all().delete()
    assert places_search(parse_place_query({"q": "fromage"})).count == 0
    call_command("reindex")
    assert "Search tables rebuilt" in capsys.readouterr().out
    assert sorted(SearchTerm.objects.values_list("term", "place_id")) == before
    assert sorted(PlaceFacet.objects.values_list("facet", "place_id", "band")) == facets
    assert MapCell.objects.exists()
    assert places_search(parse_place_query({"q": "fromage"})).count > 0
