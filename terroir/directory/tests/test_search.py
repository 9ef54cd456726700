from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

from terroir.directory import index
from terroir.directory.filters import parse_bbox, parse_place_query
from terroir.directory.models import Actor, Place, PlaceFacet, PlaceKind, ProducerPlace, ProducerTerm, SearchTerm
from terroir.directory.search import InvalidParameter, PlaceResults, map_view, places_search, producers_search
from terroir.directory.services import producer_create
from terroir.lib.geo import BBox

PARIS = ZoneInfo("Europe/Paris")
# Thursday 26 November 2026, 10:00 in Ambert: the market is on, the farm shop is closed.
THURSDAY_MORNING = dt.datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


def names(results: PlaceResults) -> list[str]:
    return [hit.place.name for hit in results.hits]


def search(now: dt.datetime | None = None, /, **params: str) -> PlaceResults:
    return places_search(parse_place_query(params, today=(now or THURSDAY_MORNING).date()), now=now)


def test_text_search_ignores_accents_and_case_and_matches_word_starts(territory) -> None:
    assert "Marché d'Ambert" in names(search(q="MARCHE"))
    assert "Marché d'Ambert" in names(search(q="marché ambert"))
    # "fromage" finds the places selling cheese ("Fromages de vache").
    found = names(search(q="fromage"))
    assert "Le Local, magasin de producteurs" in found
    assert "Cantine du collège de Thiers" not in found


def test_text_search_finds_a_place_by_the_name_of_a_producer_selling_there(territory) -> None:
    assert set(names(search(q="durolle"))) == {"Marché d'Ambert", "Le Local, magasin de producteurs"}


def test_search_around_a_commune_sorts_by_distance_and_shows_it(territory) -> None:
    results = search(commune="Ambert", radius_km="20")
    # From Ambert's centroid the farm (1.1 km) is nearer than the shop (1.16 km) and the market (1.3 km).
    assert names(results) == [
        "Vente à la ferme des Monts du Forez", "Le Local, magasin de producteurs", "Marché d'Ambert",
    ]  # fmt: skip
    distances = [hit.distance_km or 0.0 for hit in results.hits]
    assert distances == sorted(distances)
    assert all(hit.distance_km is not None and hit.distance_km <= 20 for hit in results.hits)
    assert "Cantine du collège de Thiers" not in names(results)  # ~35 km away


def test_a_larger_radius_reaches_thiers_but_not_poitiers(territory) -> None:
    found = names(search(commune="63600", radius_km="50", professional="1"))
    assert "Cantine du collège de Thiers" in found
    assert "Marché Notre-Dame" not in found


def test_places_the_public_cannot_buy_at_are_left_out_unless_a_professional_asks(territory) -> None:
    # The canteen is 35 km from Ambert: in the directory, but nobody can buy lunch there.
    assert "Cantine du collège de Thiers" not in names(search(commune="63600", radius_km="50"))
    assert "Cantine du collège de Thiers" not in names(search(category="vegetables"))
    assert "Cantine du collège de Thiers" in names(search(category="vegetables", professional="1"))
    assert "Cantine du collège de Thiers" in names(search(q="cantine", professional="1"))
    assert names(search(q="cantine")) == []
    with pytest.raises(InvalidParameter) as refused:
        search(kind="canteen")
    assert refused.value.parameter == "kind"


def test_the_map_leaves_out_the_places_for_professionals_too(territory) -> None:
    whole = BBox(south=40, west=-5, north=51, east=9)
    public = map_view(parse_place_query({}), bbox=whole, zoom=12)
    professional = map_view(parse_place_query({"professional": "1"}), bbox=whole, zoom=12)
    assert "canteen" not in {p.kind for p in public.points}
    assert "canteen" in {p.kind for p in professional.points}
    assert professional.total == public.total + 1


def test_a_parent_category_includes_its_children(territory) -> None:
    dairy = set(names(search(category="dairy")))
    assert dairy == {
        "Vente à la ferme des Monts du Forez", "Marché d'Ambert", "Le Local, magasin de producteurs",
        "Supermarché des Volcans", "Panier fermier du Livradois",
    }  # fmt: skip
    assert set(names(search(category="cheese"))) == dairy
    assert set(names(search(category="vegetables", professional="1"))) == {
        "Cantine du collège de Thiers", "Supermarché des Volcans",
    }  # fmt: skip


def test_it_filters_by_label_and_kind(territory) -> None:
    assert set(names(search(label="hve", professional="1"))) == {
        "Cantine du collège de Thiers", "Supermarché des Volcans",
    }  # fmt: skip
    assert set(names(search(kind="market"))) == {"Marché d'Ambert", "Marché Notre-Dame"}
    assert set(names(search(kind="market,canteen", commune="Ambert", radius_km="60", professional="1"))) == {
        "Marché d'Ambert", "Cantine du collège de Thiers",
    }  # fmt: skip


def test_open_now_keeps_only_places_open_at_that_moment(territory) -> None:
    found = names(search(THURSDAY_MORNING, open_now="1", commune="Ambert", radius_km="10"))
    assert "Marché d'Ambert" in found
    assert "Le Local, magasin de producteurs" in found
    assert "Vente à la ferme des Monts du Forez" not in found


def test_open_on_a_weekday_finds_the_farm_shop_on_saturday(territory) -> None:
    saturday = set(names(search(open_on="sa", commune="Ambert", radius_km="10")))
    assert "Vente à la ferme des Monts du Forez" in saturday
    assert "Marché d'Ambert" not in saturday
    thursday = set(names(search(open_on="2026-11-26", commune="Ambert", radius_km="10")))
    assert "Marché d'Ambert" in thursday


def test_local_limits_the_radius_to_the_territory_setting(territory, settings) -> None:
    settings.TERROIR_LOCAL_RADIUS_KM = 40
    found = names(search(commune="Ambert", radius_km="500", local="1", professional="1"))
    assert "Cantine du collège de Thiers" in found
    assert "Supermarché des Volcans" not in found  # ~57 km
    assert "Marché Notre-Dame" not in found


def test_online_places_have_no_distance_and_are_found_without_a_point(territory) -> None:
    results = search(kind="online")
    assert names(results) == ["Panier fermier du Livradois"]
    assert results.hits[0].distance_km is None
    assert names(search(kind="online", commune="Ambert")) == []


def test_results_are_paged(territory) -> None:
    first = search(page_size="2", professional="1")
    second = search(page_size="2", page="2", professional="1")
    assert first.count == second.count == Place.objects.count()
    assert first.pages == 4
    assert not set(names(first)) & set(names(second))
    assert names(search(page="99")) == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"near": "123,3"}, "near"),
        ({"near": "45,200"}, "near"),
        ({"near": "abc"}, "near"),
        ({"near": "nan,3"}, "near"),
        ({"radius_km": "-5"}, "radius_km"),
        ({"radius_km": "5000"}, "radius_km"),
        ({"kind": "spaceport"}, "kind"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"open_now": "maybe"}, "open_now"),
        ({"open_on": "someday"}, "open_on"),
        ({"commune": "Atlantis-sur-Mer"}, "commune"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"q": "x" * 500}, "q"),
    ],
)
def test_bad_parameters_are_named_in_the_error(territory, params: dict[str, str], parameter: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        search(None, **params)
    assert caught.value.parameter == parameter


def test_unknown_category_or_label_is_an_error_not_an_empty_result(territory) -> None:
    with pytest.raises(InvalidParameter, match="category"):
        search(category="unicorn-meat")
    with pytest.raises(InvalidParameter, match="label"):
        search(label="michelin")


def test_hostile_text_is_just_text(territory) -> None:
    assert names(search(q="'; DROP TABLE directory_place; --")) == []
    # Punctuation holds no word to look for: it filters nothing, and LIKE wildcards are not wildcards.
    assert len(names(search(q="%_%", professional="1"))) == Place.objects.count() == 7
    assert names(search(q="march%")) == names(search(q="march"))


def test_the_map_clusters_when_zoomed_out_and_shows_places_when_zoomed_in(territory, monkeypatch) -> None:
    from terroir.directory import search as search_module

    monkeypatch.setattr(search_module, "MAP_POINT_LIMIT", 2)
    france = parse_bbox("bbox", "-5,41,10,51.5")
    zoomed_out = map_view(parse_place_query({"professional": "1"}), bbox=france, zoom=5)
    assert zoomed_out.points == []
    assert sum(c.count for c in zoomed_out.clusters) == 6  # every place with coordinates
    # The public map leaves the canteen out.
    assert sum(c.count for c in map_view(parse_place_query({}), bbox=france, zoom=5).clusters) == 5
    ambert = BBox(south=45.54, west=3.73, north=45.56, east=3.76)
    zoomed_in = map_view(parse_place_query({}), bbox=ambert, zoom=16)
    assert {p.name for p in zoomed_in.points} == {"Marché d'Ambert", "Le Local, magasin de producteurs"}


def test_the_map_clusters_filtered_searches_from_the_matching_places(territory, monkeypatch) -> None:
    from terroir.directory import search as search_module

    monkeypatch.setattr(search_module, "MAP_POINT_LIMIT", 1)
    view = map_view(parse_place_query({"category": "dairy"}), bbox=parse_bbox("bbox", "-5,41,10,51.5"), zoom=5)
    assert sum(c.count for c in view.clusters) == 4  # the online box has no position


def test_producers_are_searched_by_name_category_and_distance(territory) -> None:
    by_name = producers_search(parse_place_query({"q": "jardins"}))
    assert [h.producer.name for h in by_name.hits] == ["EARL Les Jardins de Limagne"]
    near = producers_search(parse_place_query({"commune": "Ambert", "radius_km": "50"}))
    assert [h.producer.name for h in near.hits] == ["GAEC des Monts du Forez", "Rucher de la Durolle"]
    cheese = producers_search(parse_place_query({"category": "dairy"}))
    assert [h.producer.name for h in cheese.hits] == ["GAEC des Monts du Forez"]


def test_a_text_search_of_producers_finds_every_producer_with_a_word_starting_so_in_name_order(territory) -> None:
    for n in range(25):
        producer_create(name=f"Ferme {'du Puy' if n % 3 else 'des Combes'} n{n:02}", commune=territory.thiers)
    producer_create(name="Fermette d'Ambert", commune=territory.ambert)
    for q in ("ferm", "ferme puy", "puy ferme", "thiers", "ferm thi", "amb", "jardins limagne", "gaec", "zzz"):
        words = q.split()
        expected = sorted(
            (a.name, a.pk)
            for a in Actor.objects.filter(is_producer=True)
            if all(f" {w}" in a.search_key for w in words)
        )
        first = producers_search(parse_place_query({"q": q}))
        second = producers_search(parse_place_query({"q": q, "page": "2"}))
        assert first.count == len(expected), q
        assert [(h.producer.name, h.producer.pk) for h in [*first.hits, *second.hits]] == expected[:40], q


def test_a_text_search_of_producers_reads_each_word_of_a_prefix_in_name_order_and_counts_without_a_distinct(
    territory,
) -> None:
    """The words starting so, when few, read each from its (term, name, actor) entries in name order: the page
    is the first rows of each word merged, the count one word's rows as they are and the others' probed for a
    row of that word or of a word before theirs. At a million places "ferme" (8,742 rows of 3 words) had all
    its rows hashed for the page, and again for the count."""
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        producer_create(name=f"Ferme des Combes n{n}", commune=territory.thiers)
        producer_create(name=f"Fermette n{n}", commune=territory.ambert)
    producer_create(name="La Ferme de la Fermette", commune=territory.ambert)  # two words of "ferm": one producer
    producer_create(name="Fermiers du Puy", commune=territory.thiers)
    for q, size in (("ferm", "20"), ("ferm", "3"), ("ferm thiers", "2"), ("fermette", "20")):
        expected = sorted(
            (a.name, a.pk)
            for a in Actor.objects.filter(is_producer=True)
            if all(f" {w}" in a.search_key for w in q.split())
        )
        with CaptureQueriesContext(connection) as captured:
            first = producers_search(parse_place_query({"q": q, "page_size": size}))
        second = producers_search(parse_place_query({"q": q, "page_size": size, "page": "2"}))
        assert first.count == second.count == len(expected), q
        hits = [(h.producer.name, h.producer.pk) for h in [*first.hits, *second.hits]]
        assert hits == expected[: 2 * int(size)], q
        read = [sql for sql in (c["sql"] for c in captured.captured_queries) if "directory_producerterm" in sql]
        # No range of the words read first (the other words are probed per producer), no distinct count.
        ranges = [sql for sql in read if '"directory_producerterm"."term" >=' in sql]
        assert not ranges and not [sql for sql in read if "DISTINCT" in sql and "COUNT" in sql], read
        if q == "ferm":
            (page,) = [sql for sql in read if "UNION ALL" in sql and "COUNT" not in sql and "RECURSIVE" not in sql]
            assert page.count(f"LIMIT {size}) AS w") == 3, page  # each word's first rows: ferme, fermette, fermiers


CLERMONT = "45.7797,3.0863"


def test_without_a_point_places_come_nearest_to_the_territory_centre_then_those_without_position(
    territory, settings
) -> None:
    settings.TERROIR_CENTER = (45.7797, 3.0863)  # Clermont-Ferrand
    results = search(page_size="100")
    found = names(results)
    assert found[0] == "Supermarché des Volcans"
    assert found[-2:] == ["Marché Notre-Dame", "Panier fermier du Livradois"]  # Poitiers, then online
    assert all(hit.distance_km is None for hit in results.hits)
    # The same order as distances from Clermont, which the point search shows.
    around = [n for n in names(search(near=CLERMONT, radius_km="1000", page_size="100"))]
    assert found[:-1] == around


def test_the_centre_rings_give_the_same_pages_as_sorting_everything(territory, settings, monkeypatch) -> None:
    from terroir.directory import search as search_module

    settings.TERROIR_CENTER = (45.7797, 3.0863)
    whole = [names(search(page_size="2", page=str(page), professional="1")) for page in (1, 2, 3, 4)]
    monkeypatch.setattr(search_module, "SORT_WHOLE_LIMIT", 0)
    monkeypatch.setattr(search_module, "CENTRE_RINGS_KM", (5.0, 60.0))
    ringed = [names(search(page_size="2", page=str(page), professional="1")) for page in (1, 2, 3, 4)]
    assert ringed == whole
    assert sum(len(page) for page in ringed) == Place.objects.count()


def test_counting_stops_at_the_limit_and_says_so(territory, monkeypatch) -> None:
    from terroir.directory import search as search_module

    monkeypatch.setattr(search_module, "COUNT_LIMIT", 3)
    results = search(page_size="2")
    assert (results.count, results.count_exact) == (3, False)
    assert len(names(search(page_size="2", page="3"))) == 2  # pages beyond the count stay reachable
    small = search(kind="market")
    assert (small.count, small.count_exact) == (2, True)


def test_a_place_with_several_words_of_the_same_prefix_is_found_and_counted_once(territory) -> None:
    from terroir.directory.models import Commune
    from terroir.directory.services import place_create

    place_create(
        name="Fromagerie des fromages fromagers", kind="shop", commune=Commune.objects.get(code="63003"),
        lat=45.55, lon=3.74, address="", postcode="63600", opening_hours="", producers=[],
    )  # fmt: skip
    for params in ({"q": "fromag"}, {"q": "fromag", "commune": "Ambert"}, {"q": "fromag", "kind": "shop"}):
        results = search(**params)
        ids = [hit.place.pk for hit in results.hits]
        assert len(ids) == len(set(ids)) == results.count
        assert "Fromagerie des fromages fromagers" in names(results)


def test_a_moved_place_is_found_at_its_new_position(territory) -> None:
    from terroir.directory.services import place_move

    shop = Place.objects.get(name="Le Local, magasin de producteurs")
    assert "Le Local, magasin de producteurs" in names(search(commune="Ambert", radius_km="5", category="dairy"))
    place_move(place=shop, lat=46.5841, lon=0.3469)  # to Poitiers
    assert "Le Local, magasin de producteurs" not in names(search(commune="Ambert", radius_km="5", category="dairy"))
    assert "Le Local, magasin de producteurs" in names(search(near="46.58,0.35", radius_km="5", q="local"))


def test_every_filter_combination_agrees_with_a_plain_reading_of_the_directory(territory) -> None:
    """The index-driven search against a direct evaluation over every place (and its producers)."""
    from terroir.lib.geo import haversine_km
    from terroir.lib.text import fold

    places = list(Place.objects.prefetch_related("producers__offers__category", "producers__offers__labels"))

    def expected(q: str, kind: str, category: str, near: tuple[float, float] | None, radius: float) -> set[str]:
        out = set()
        for place in places:
            if kind and place.kind != kind:
                continue
            if not PlaceKind(place.kind).public:  # a public search
                continue
            if near and (place.lat is None or place.lon is None or haversine_km(*near, place.lat, place.lon) > radius):
                continue
            offers = [o for p in place.producers.all() for o in p.offers.all()]
            if category and not any(f"/{category}/" in o.category.path for o in offers):
                continue
            text = fold(" ".join([place.name, place.commune.name if place.commune else ""]
                                 + [p.name for p in place.producers.all()]
                                 + [f"{o.category.name_fr} {o.category.name_en}" for o in offers]))  # fmt: skip
            if q and not all(any(w.startswith(t) for w in text.split()) for t in fold(q).split()):
                continue
            out.add(place.name)
        return out

    for q in ("", "fromage", "marche ambert", "miel"):
        for kind in ("", "market", "producers_shop"):
            for category in ("", "dairy", "honey"):
                for near, radius in ((None, 0.0), ((45.5497, 3.7417), 20.0)):
                    params = {"q": q, "kind": kind, "category": category, "page_size": "100"}
                    if near:
                        params |= {"near": f"{near[0]},{near[1]}", "radius_km": str(radius)}
                    got = search(**params)
                    assert set(names(got)) == expected(q, kind, category, near, radius), params
                    assert got.count == len(got.hits)


@pytest.mark.parametrize("words_max", [16, 1])
def test_counts_of_words_shared_by_several_words_of_a_place_are_exact_below_the_limit(
    territory, monkeypatch, words_max: int
) -> None:
    """Whether the words of a prefix are read as a list (the category's places first, then the words', each
    counted apart from the places counted before) or, beyond PREFIX_WORDS_MAX words, as their range."""
    from terroir.directory import search as search_module
    from terroir.directory.models import Commune
    from terroir.directory.services import place_create

    monkeypatch.setattr(search_module, "PREFIX_WORDS_MAX", words_max)
    for n in range(4):
        place_create(
            name=f"Fromagerie {n} des fromages fromagers", kind="shop", commune=Commune.objects.get(code="63003"),
            lat=45.55, lon=3.74 + n / 100, address="", postcode="63600", opening_hours="", producers=[],
        )  # fmt: skip
    for params in ({"q": "fromag"}, {"q": "fromag", "commune": "Ambert"}, {"q": "fromagers"}, {"q": "fromagers des"}):
        monkeypatch.setattr(search_module, "COUNT_LIMIT", 10_000)
        true_count = search(**params).count
        assert true_count >= (5 if params["q"] == "fromag" else 4)
        for limit in range(1, true_count + 2):
            monkeypatch.setattr(search_module, "COUNT_LIMIT", limit)
            results = search(**params)
            assert (results.count, results.count_exact) == (min(true_count, limit), true_count <= limit), limit


def test_the_words_of_a_prefix_are_listed_in_order_when_few_of_a_directory(territory) -> None:
    from terroir.directory.models import Commune
    from terroir.directory.search import prefix_words
    from terroir.directory.services import place_create

    place_create(
        name="Fromagerie des fromages fromagers", kind="shop", commune=Commune.objects.get(code="63003"),
        lat=45.55, lon=3.74, address="", postcode="63600", opening_hours="", producers=[],
    )  # fmt: skip
    words = sorted(set(SearchTerm.objects.filter(term__startswith="fromage").values_list("term", flat=True)))
    assert {"fromagerie", "fromages", "fromagers"} <= set(words)
    assert prefix_words(SearchTerm, "fromage", len(words)) == words
    assert prefix_words(SearchTerm, "fromage", len(words) - 1) is None
    assert prefix_words(SearchTerm, "fromagers", 5) == ["fromagers"]
    assert prefix_words(SearchTerm, "fromagez", 5) == []


def test_near_a_point_the_page_from_a_smaller_circle_is_the_page_of_every_match(territory, monkeypatch) -> None:
    """Above SORT_WHOLE_LIMIT matches, a page near a point is sorted from a smaller circle first, and from
    the whole radius when that circle holds less than the page: the same pages either way."""
    from terroir.directory import search as search_module
    from terroir.directory.models import Commune
    from terroir.directory.services import place_create

    for n in range(6):
        place_create(
            name=f"Fromagerie {n} des fromages fromagers", kind="shop", commune=Commune.objects.get(code="63003"),
            lat=45.55 + n / 50, lon=3.74 + n / 40, address="", postcode="63600", opening_hours="", producers=[],
        )  # fmt: skip
    asked = [
        {"q": "fromag", "near": "45.55,3.74", "radius_km": "60", "page_size": "2"},  # words and the cheese facet
        {"q": "fromagers", "near": "45.56,3.75", "radius_km": "60", "page_size": "3"},
        {"q": "fromag", "near": "45.55,3.74", "radius_km": "60", "page_size": "2", "bbox": "3.7,45.5,3.9,45.7"},
        # One row per place (a facet's rows): counted exactly, then the page from the smaller circle too.
        {"near": "45.55,3.74", "radius_km": "60", "page_size": "2"},
        {"category": "dairy", "near": "45.7,3.3", "radius_km": "80", "page_size": "1"},
    ]
    sorts: list[int] = []  # per search from a smaller circle: the sorts made (1: that circle held the page)
    ring_km, nearest_page = search_module._ring_km, search_module._nearest_page

    def counted_ring(*args: Any) -> float | None:
        ring = ring_km(*args)
        if ring is not None:
            sorts.append(0)
        return ring

    def counted_page(*args: Any) -> Any:
        if sorts:
            sorts[-1] += 1
        return nearest_page(*args)

    for params in asked:
        whole = [search(page=str(page), **params) for page in (1, 2, 3, 4)]
        assert sum(len(results.hits) for results in whole) >= (5 if "q" in params else 3), params
        tried = len(sorts)
        for margin in (0.01, 0.1, 0.3):  # circles of 3 to 18 km: holding none, some, all of a page
            monkeypatch.setattr(search_module, "SORT_WHOLE_LIMIT", 0)
            monkeypatch.setattr(search_module, "RING_MARGIN", margin)
            monkeypatch.setattr(search_module, "_ring_km", counted_ring)
            monkeypatch.setattr(search_module, "_nearest_page", counted_page)
            ringed = [search(page=str(page), **params) for page in (1, 2, 3, 4)]
            assert [names(r) for r in ringed] == [names(r) for r in whole], (params, margin)
            assert [[hit.distance_km for hit in r.hits] for r in ringed] == [
                [hit.distance_km for hit in r.hits] for r in whole
            ]
            assert [(r.count, r.count_exact) for r in ringed] == [(r.count, r.count_exact) for r in whole]
        monkeypatch.undo()
        assert len(sorts) > tried, params  # a smaller circle was tried
    assert 1 in sorts and 2 in sorts  # the page found in the smaller circle, and not


def test_near_a_point_a_page_the_smaller_circle_misses_is_looked_for_in_circles_twice_as_wide(
    territory, monkeypatch
) -> None:
    """Matches are seldom spread evenly around a point: a first smaller circle holding less than a page is
    followed by circles twice as wide (while at most half the radius) before every match is sorted, and the
    page is the same."""
    from terroir.directory import search as search_module

    params = {"q": "fromag", "near": "45.7,3.3", "radius_km": "60", "page_size": "1"}  # the nearest at 18.8 km
    whole = search(**params)
    radii: list[float] = []
    within = search_module.Recipe.within

    def spied(recipe: Any, near: Any, radius_km: float) -> Any:
        radii.append(radius_km)
        return within(recipe, near, radius_km)

    monkeypatch.setattr(search_module, "SORT_WHOLE_LIMIT", 0)
    monkeypatch.setattr(search_module, "RING_MARGIN", 0.01)  # a first circle of 3 km
    monkeypatch.setattr(search_module.Recipe, "within", spied)
    ringed = search(**params)
    assert [(h.place.name, h.distance_km) for h in ringed.hits] == [(h.place.name, h.distance_km) for h in whole.hits]
    assert (ringed.count, ringed.count_exact) == (whole.count, whole.count_exact)
    # 3, 6 and 12 km hold no match; 24 km holds the page, which is not sorted from every match.
    assert radii == [60, 3, 6, 12, 24], radii


def test_filtered_map_clusters_count_each_place_once_whatever_its_words(territory, monkeypatch) -> None:
    from terroir.directory import search as search_module

    monkeypatch.setattr(search_module, "MAP_POINT_LIMIT", 1)
    france = parse_bbox("bbox", "-5,41,10,51.5")
    for params in ({"q": "fromag"}, {"q": "marche"}, {"category": "dairy"}, {"kind": "market", "label": "ab"}):
        located = [h for h in search(**params, page_size="100").hits if h.place.lat is not None]
        view = map_view(parse_place_query(params), bbox=france, zoom=5)
        if len(located) > 1:
            assert sum(c.count for c in view.clusters) == view.total == len(located), params
            assert all(c.south <= c.lat <= c.north and c.west <= c.lon <= c.east for c in view.clusters)


def search_rows() -> tuple[list[tuple[object, ...]], ...]:
    """Every row of the search tables, in an order that does not depend on how they were written."""
    return (
        sorted(SearchTerm.objects.values_list("term", "place_id", "kind", "band", "lat", "lon")),
        sorted(PlaceFacet.objects.values_list("facet", "place_id", "kind", "band", "lat", "lon")),
        sorted(ProducerPlace.objects.values_list("actor_id", "place_id")),
    )


def constraint_names(*models: Any) -> set[str]:
    """The names of the indexes and constraints the database holds on the models' tables."""
    with connection.cursor() as cursor:
        return {
            name for model in models for name in connection.introspection.get_constraints(cursor, model._meta.db_table)
        }


@pytest.mark.django_db
def test_indexing_most_places_at_once_writes_the_rows_a_full_rebuild_writes_and_keeps_the_indexes(
    territory, monkeypatch
):
    """A large import indexes most places at once, without the words' and facets' plain indexes, built
    again after (on SQLite): the same rows as a full rebuild, and every index back."""

    index.places_reindex()
    built, names = search_rows(), constraint_names(SearchTerm, PlaceFacet)
    monkeypatch.setattr(index, "REINDEX_MANY", 1)
    ids = list(Place.objects.order_by("id").values_list("id", flat=True))
    index.places_reindex(place_ids=ids[1:])
    assert search_rows() == built
    assert constraint_names(SearchTerm, PlaceFacet) == names and "searchterm_term_kind" in names


@pytest.mark.django_db
def test_a_bulk_rebuild_writes_the_rows_that_indexing_each_place_alone_writes(territory) -> None:
    """The bulk loaders' rebuild (rows written without instances, indexes dropped and built again, keys
    checked once on PostgreSQL) and the one-place indexing of the services give the same search rows."""

    names = constraint_names(SearchTerm, PlaceFacet, ProducerPlace)
    for place_id in Place.objects.order_by("-id").values_list("id", flat=True):
        index.places_reindex(place_ids=[place_id])
    one_by_one = search_rows()
    assert one_by_one[0] and one_by_one[1] and one_by_one[2]
    index.places_reindex(bulk=True)
    assert search_rows() == one_by_one
    assert constraint_names(SearchTerm, PlaceFacet, ProducerPlace) == names


@pytest.mark.django_db
def test_rows_written_many_to_a_statement_are_all_written_in_their_order(territory) -> None:
    """SQLite takes a bulk write's rows many to a statement and the rest one by one: no row is lost or
    doubled across the slices, and the keys follow the rows' order (1,001 rows of the producers' words,
    which have row ids: three slices and a rest; the places' words, keyed by place and word, have none)."""
    ProducerTerm.objects.all().delete()
    columns = ("term", "actor_id", "name")
    rows = [(f"mot{n:04d}", n % 7 + 1, f"Ferme {n}") for n in range(1001)]
    index.rows_insert(ProducerTerm, columns, rows)
    assert list(ProducerTerm.objects.order_by("id").values_list(*columns)) == rows


def test_rows_given_a_few_at_a_time_are_written_as_given_in_text_or_binary(territory) -> None:
    """`index.rows_writer` takes its rows a few at a time (the bulk indexing's words, sent as each place's
    are made): every row is written, as given, in COPY's text or binary format on PostgreSQL (the column
    types read from the catalog: big and small integers, floats, missing values, words with accents),
    and kept then written at the end on SQLite."""
    place = Place.objects.order_by("id").first()
    assert place is not None
    columns = ("term", "place_id", "kind", "band", "lat", "lon")
    for binary in (False, True):
        SearchTerm.objects.filter(place=place).delete()
        rows: list[tuple[Any, ...]] = [
            (f"épi{n}", place.pk, "farm", 1357 + n, 45.770123456789 + n, -3.05) for n in range(3)
        ]
        rows.append(("œuf", place.pk, "", None, None, None))
        with index.rows_writer(SearchTerm, columns, binary=binary) as write:
            write(iter(rows[:1]))
            write(iter(rows[1:]))
        assert sorted(SearchTerm.objects.filter(place=place).values_list(*columns)) == sorted(rows), binary


def test_a_place_is_found_by_its_producers_name_and_products_after_the_producer_is_edited(territory) -> None:
    """The words of a producer's name and of its products find the places it supplies, and follow its edits
    (its name's words are copied onto the places; its products are found through the places' category
    facets)."""
    from terroir.directory.services import actor_offers_set, actor_update

    supermarket = "Supermarché des Volcans"
    assert supermarket in names(search(q="limagne tomate"))
    gardener = territory.market_gardener
    actor_update(actor=gardener, values={"name": "EARL Les Vergers de Chanturgue"})
    actor_offers_set(actor=gardener, products=[{"category": "honey", "months": 4095, "note": "", "labels": []}])
    for q in ("chanturgue", "vergers miel", "miel chanturg", "honey"):
        assert supermarket in names(search(q=q, page_size="100")), q
        assert supermarket in names(search(q=q, near="45.78,3.09", radius_km="10")), q
    for q in ("limagne", "tomate", "salade"):
        assert supermarket not in names(search(q=q, page_size="100")), q
    # The cheese farm still supplies it: its products still find it.
    assert supermarket in names(search(q="fromage", page_size="100"))


def test_the_categories_are_read_once_per_search_whatever_its_number_of_words(territory) -> None:
    """The words naming categories are looked up in one reading of the categories, not one per word."""
    from django.test.utils import CaptureQueriesContext

    from terroir.directory.models import Category

    table = Category._meta.db_table

    def category_reads(q: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            search(q=q, page_size="100")
        return sum(f'FROM "{table}"' in query["sql"] for query in captured.captured_queries)

    assert category_reads("fromage") == 1
    assert category_reads("marche ambert fromage vache miel") == 1
    assert category_reads("") == 0
    # The answers are those of the words read one by one: "fromage" still finds the cheese sellers.
    assert "Le Local, magasin de producteurs" in names(search(q="fromage vache"))


def test_the_count_of_results_is_grouped_by_thousands_in_french() -> None:
    results = SimpleNamespace(count=3811, count_exact=True, hits=[], html="")
    with translation.override("fr"):
        places = render_to_string("directory/_results.html", {"results": results, "what": "places"})
        producers = render_to_string("directory/_results.html", {"results": results, "what": "producers"})
    assert "3\u00a0811 lieux" in places
    assert "3\u00a0811 producteurs" in producers


def _index_scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The index scans of a PostgreSQL plan (EXPLAIN's JSON), at any depth."""
    found = [plan] if "Index Name" in plan else []
    for child in plan.get("Plans", []):
        found += _index_scans(child)
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's B-tree reads of IN lists")
def test_postgresql_checks_the_kinds_after_a_range_on_each_entry_rather_than_reading_the_range_once_per_kind(
    territory,
) -> None:
    """The kinds asked follow the strips and longitudes in the search rows' box indexes: PostgreSQL (before
    17) read an IN list there as one scan of the range per kind; the kinds are checked on each entry read
    instead. A word's rows without a box seek each kind in the (term, kind, place) index, as before."""
    from terroir.directory.search import _within, place_candidates, search_box

    def index_scans(params: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
        query = parse_place_query(params)
        candidates = place_candidates(query, search_box(query))
        if query.near is not None:
            candidates = _within(candidates, query.near, 30.0)
        sql, sql_params = candidates.rows.values("place_id").order_by().query.sql_with_params()
        # The planner may choose either way on a small table: the statement must leave it no index on the kind.
        table = candidates.rows.model._meta.db_table
        assert f'"{table}"."kind" IN' not in sql and f'COALESCE("{table}"."kind", \'\') IN' in sql, sql
        with connection.cursor() as cursor:
            # The test's directory is small: without these, any plan is a sequential scan.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", sql_params)
            plan = cursor.fetchone()[0]
        return _index_scans(plan[0]["Plan"]), json.dumps(plan)

    for params in ({"category": "dairy", "near": "45.55,3.74"}, {"q": "ambert", "near": "45.55,3.74"}):
        scans, whole = index_scans(params)
        assert scans and all("kind" not in scan.get("Index Cond", "") for scan in scans), (params, scans)
        # Checked on the rows read, by whichever node the planner gives the condition to.
        assert re.search(r'"Filter": "[^"]*COALESCE', whole), (params, whole)
    # Without a box, the bare column: the planner may seek each kind after the word.
    unboxed = place_candidates(parse_place_query({"q": "ambert"}), None).rows
    assert '"directory_searchterm"."kind" IN' in str(unboxed.query)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_postgresql_keeps_finer_statistics_of_the_places_words(db) -> None:
    """Migration 0024 sets the words' statistics target again (0023's new table had lost 0004's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'directory_searchterm'::regclass"
            " AND attname = 'term'"
        )
        assert cursor.fetchone()[0] == 1000


def test_the_map_markers_read_their_commune_by_its_key_without_a_join_or_a_sort(territory) -> None:
    """A town's markers (up to 1,200 at a million places): each commune's name read by one probe of the
    communes' key, not a join (PostgreSQL hashed every commune), and in no order (the markers keep theirs);
    on PostgreSQL their ids are sent as one array."""
    from django.test.utils import CaptureQueriesContext

    ambert = BBox(south=45.54, west=3.73, north=45.56, east=3.76)
    with CaptureQueriesContext(connection) as captured:
        view = map_view(parse_place_query({}), bbox=ambert, zoom=16)
    markers = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "directory_place"."id"')]
    assert len(markers) == 1 and "JOIN" not in markers[0] and "ORDER BY" not in markers[0], markers
    if connection.vendor == "postgresql":
        # Their ids as one array, not a placeholder each (a town's 1,200: 8.5 → 2.2 ms of the client's processor).
        assert "= ANY(" in markers[0], markers
    communes = dict(Place.objects.filter(commune__isnull=False).values_list("id", "commune__name"))
    assert view.points and all(point.commune == communes.get(point.id, "") for point in view.points)
    assert {point.commune for point in view.points} == {"Ambert"}


def test_the_producers_near_a_point_with_a_category_are_read_from_indexes_alone(territory) -> None:
    """The producers of a circle's box and the offers of a category are read from two indexes without their
    tables (at a million places the box around Paris held 5,700 producers on 3,100 pages of the wide actors'
    table, and a category 19,900 offers on 1,600 pages); the category and its sub-categories are one
    statement. The same producers as before: those of the box offering the category or one below it."""
    from django.test.utils import CaptureQueriesContext

    query = parse_place_query({"near": "45.55,3.74", "radius_km": "50", "category": "dairy"})
    with CaptureQueriesContext(connection) as captured:
        found = producers_search(query)
    assert [h.producer.name for h in found.hits] == ["GAEC des Monts du Forez"]
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "directory_category"' in sql for sql in statements) == 1, statements
    (boxed,) = [sql for sql in statements if 'NOT ("directory_actor"."lat" IS NULL)' in sql]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL's choice of an index-only scan depends on the tables' size and visibility maps (set by
            # VACUUM, which a test cannot run): on the test's small directory it may take the key's index, at
            # a million places it reads the box's entries alone. The index that makes it possible is checked.
            actors = connection.introspection.get_constraints(cursor, "directory_actor")
            assert actors["actor_lat_lon"]["columns"] == ["lat", "lon", "is_producer", "id"], actors["actor_lat_lon"]
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {boxed}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "USING COVERING INDEX actor_lat_lon" in plan, plan
            assert "SEARCH U0 USING COVERING INDEX" in plan, plan  # the offers (U0): a probe of the index alone
    # A category's producers from its offers, in the order of the index that leads with the category.
    indexes = connection.introspection.get_constraints(connection.cursor(), "directory_offer")
    assert any(i["index"] and i["columns"] == ["category_id", "producer_id"] for i in indexes.values()), indexes


def test_the_other_words_are_probed_as_their_list_and_the_rest_of_a_lead_reads_its_places_once(territory) -> None:
    """A search's other words are asked as the list of the words starting so (PostgreSQL estimated a range of
    rare words at one row and drove the search from it); the rest of a lead (the words' rows after the
    category's) leaves out the lead's places read once (`NOT IN` a subquery), not probed per row. The same
    places and counts as the plain reading of every combination (`test_every_filter_combination_…`)."""
    from django.test.utils import CaptureQueriesContext

    from terroir.directory.search import place_candidates

    rows = place_candidates(parse_place_query({"q": "ambert local"}), None).rows
    sql = str(rows.query)
    assert 'U0."term" >= ' not in sql and re.search(r'U0\."term" (=|IN) ', sql), sql
    assert "Le Local, magasin de producteurs" in names(search(q="ambert local"))
    from terroir.directory.models import Commune
    from terroir.directory.services import place_create

    place_create(
        name="Fromagerie des fromages fromagers", kind="shop", commune=Commune.objects.get(code="63003"),
        lat=45.55, lon=3.74, address="", postcode="63600", opening_hours="", producers=[],
    )  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        results = search(q="fromag", near="45.55,3.74", radius_km="30", page_size="100")
    statements = [q["sql"] for q in captured.captured_queries]
    assert not any("NOT EXISTS" in sql for sql in statements), statements
    rest = r'NOT \("directory_searchterm"\."place_id" IN \(SELECT U0\."place_id" AS "place_id" FROM "directory_pl'
    assert any(re.search(rest, sql) for sql in statements), statements
    assert results.count == len({hit.place.pk for hit in results.hits}) > 1
    assert "Fromagerie des fromages fromagers" in names(results)


def test_the_words_index_holds_the_position_on_postgresql_and_is_left_as_it_was_on_sqlite(db) -> None:
    """PostgreSQL reads a word's page without a point from the (term, kind, place) index alone: it includes
    each row's position (migration 0026). SQLite has no INCLUDE: its index is the key columns, made before
    the strips' index as before (its planner prefers the index made last)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_indexdef('searchterm_term_kind'::regclass)")
            definition = cursor.fetchone()[0]
            assert definition.endswith("(term, kind, place_id) INCLUDE (lat, lon)"), definition
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'directory_searchterm'"
                " AND name LIKE 'searchterm_%' ORDER BY rowid"
            )
            made = cursor.fetchall()
            assert [name for name, _sql in made] == ["searchterm_term_kind", "searchterm_band_kind"], made
            assert made[0][1].endswith('("term", "kind", "place_id")'), made


def _answer(results: PlaceResults) -> tuple[Any, ...]:
    return (
        results.count,
        results.count_exact,
        [
            (hit.place.pk, hit.place.name, None if hit.distance_km is None else round(hit.distance_km, 9))
            for hit in results.hits
        ],
    )


def test_a_search_of_a_shape_seen_runs_its_statements_without_django_building_them(territory) -> None:
    """Round 18: the statements a search runs on the search tables (its counts and pages) are compiled by Django
    on the first search of their shape, then run again with the next search's values: a second search of that
    shape (other words, another point) builds none of them. Its answer is the one it gives when built anew."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    from terroir.directory import search as module

    compile_sql = SQLCompiler.as_sql
    compiled: list[Any] = []

    def recording(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return compile_sql(self, *args, **kwargs)

    for first, second in (
        ({"q": "ambert"}, {"q": "volcans"}),
        (
            {"q": "marche", "near": "45.55,3.74", "radius_km": "30"},
            {"q": "marche", "near": "46.55,0.34", "radius_km": "30"},
        ),
        (
            {"category": "dairy", "near": "45.55,3.74", "radius_km": "30"},
            {"category": "dairy", "near": "45.55,3.60", "radius_km": "30"},
        ),
        *(
            # On PostgreSQL the strips of a box are one array (`AnyOf`): a circle over more strips is the same
            # statement.
            [
                (
                    {"q": "marche", "near": "45.55,3.74", "radius_km": "30"},
                    {"q": "marche", "near": "46.58,0.35", "radius_km": "90"},
                )
            ]
            if connection.vendor == "postgresql"
            else []
        ),
    ):
        module._STATEMENTS.clear()
        search(**first)
        compiled.clear()
        with mock.patch.object(SQLCompiler, "as_sql", recording):
            again = search(**second)
        assert SearchTerm not in compiled and PlaceFacet not in compiled, (second, compiled)
        assert again.hits, second
        module._STATEMENTS.clear()
        assert _answer(again) == _answer(search(**second)), second


SEARCHES: list[dict[str, str]] = [
    {"q": "ambert"},
    {"q": "volcans"},
    {"q": "fromag"},  # a prefix of several words
    {"q": "fromage"},  # a word naming a category
    {"q": "miel"},
    {"q": "marche ambert"},
    {"q": "ambert marche"},
    {"q": "local", "page": "2", "page_size": "1"},
    {"q": "marche", "page": "2", "page_size": "1"},
    {"q": "marche", "page_size": "1"},
    {"q": "marche", "near": "45.55,3.74", "radius_km": "30"},
    {"q": "marche", "near": "46.58,0.35", "radius_km": "30"},
    {"q": "marche", "near": "45.55,3.74", "radius_km": "300"},  # more strips
    {"q": "fromag", "near": "45.55,3.74", "radius_km": "30"},
    {"category": "dairy"},
    {"category": "vegetables"},
    {"category": "dairy", "near": "45.55,3.74", "radius_km": "30"},
    {"category": "vegetables", "near": "45.85,3.55", "radius_km": "60", "professional": "1"},
    {"category": "dairy", "q": "ambert"},
    {"kind": "market"},
    {"kind": "market", "near": "46.58,0.35", "radius_km": "20"},
    {"near": "45.55,3.74", "radius_km": "20"},
    {"near": "45.78,3.09", "radius_km": "5"},
    {"commune": "Ambert", "radius_km": "20"},
]


def test_each_search_gives_the_answer_it_gives_alone_whatever_was_searched_before(territory) -> None:
    """The statements kept per shape (round 18) never give a search another's answer: a shape's key holds every
    decision (the words a prefix stands for, the categories a word names, the number of strips, a page's
    offset). Each search, run after all the others in two orders, gives what it gives on an empty cache."""
    from terroir.directory import search as module

    alone = {}
    for params in SEARCHES:
        module._STATEMENTS.clear()
        alone[json.dumps(params)] = _answer(search(**params))
    assert len({json.dumps(answer) for answer in alone.values()}) > len(SEARCHES) // 2  # answers that differ
    module._STATEMENTS.clear()
    for params in [*SEARCHES, *reversed(SEARCHES)]:
        assert _answer(search(**params)) == alone[json.dumps(params)], params


def _limited(_fixed: None, plan: tuple[int]) -> tuple[str, Any]:
    return Place.objects.values("id")[: plan[0]].query.sql_with_params()


def _starting(_fixed: None, plan: tuple[str]) -> tuple[str, Any]:
    return Place.objects.filter(name__startswith=plan[0]).values("id").query.sql_with_params()


def _named(_fixed: None, plan: tuple[str]) -> tuple[str, Any]:
    return Place.objects.filter(name=plan[0]).values("id").query.sql_with_params()


def _folded(_fixed: None, plan: tuple[str]) -> tuple[str, Any]:
    return Place.objects.filter(name=plan[0].lower()).values("id").query.sql_with_params()


def test_a_statement_whose_text_a_value_changes_or_whose_value_is_changed_is_not_kept(db) -> None:
    """A statement is kept for its shape only when each value is a parameter as it was given: a value written
    into the text (Django's LIMIT) or changed by the builder (a prefix escaped for LIKE) refuses the shape, whose
    statements are then built for each search; a builder that could hide a decision (a closure) is refused."""
    from terroir.directory import search as module
    from terroir.directory.search import statement

    module._STATEMENTS.clear()
    assert "3" in statement(_limited, None, (3,))[0] and "5" in statement(_limited, None, (5,))[0]
    assert [p.rstrip("%") for p in statement(_starting, None, ("amb",))[1]] == ["amb"]
    assert [p.rstrip("%") for p in statement(_starting, None, ("thi",))[1]] == ["thi"]
    first, again = statement(_named, None, ("Ambert",)), statement(_named, None, ("Thiers",))
    assert first[0] == again[0] and (first[1], again[1]) == (["Ambert"], ["Thiers"])
    # A value computed on, though the first search's is what the computation gives (the markers are not).
    assert statement(_folded, None, ("ambert",))[1] == ["ambert"]
    assert statement(_folded, None, ("Thiers",))[1] == ["thiers"]
    kept = {key[2]: known is not None for key, known in module._STATEMENTS.items()}
    assert kept == {_limited: False, _starting: False, _named: True, _folded: False}, kept
    limit = 3

    def hidden(_fixed: None, plan: tuple[()]) -> tuple[str, Any]:
        return Place.objects.values("id")[:limit].query.sql_with_params()

    with pytest.raises(TypeError):
        statement(hidden, None, ())
