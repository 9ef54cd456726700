"""Searching the directory: the selectors that answer a search.

The same `PlaceQuery` serves the public pages, the widget, the JSON API and the exports, so that a
search gives the same places wherever it is made; `terroir.directory.filters` reads it from a query
string, once for all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.lib import hours
from terroir.lib.geo import KM_PER_DEGREE_LAT, BBox, Point, bbox_around, haversine_km
from terroir.lib.messages import quoted
from terroir.lib.text import prefix_upper_bound, terms

from .index import MAX_CLUSTER_LEVEL, band_of, cell_degrees
from .models import (
    PUBLIC_KINDS,
    Actor,
    Category,
    Commune,
    Label,
    MapCell,
    Offer,
    Place,
    PlaceFacet,
    PlaceKind,
    ProducerPlace,
    ProducerTerm,
    SearchTerm,
)

DEFAULT_RADIUS_KM = 30.0
MAX_RADIUS_KM = 1000.0
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Above this many places in view, the map shows clusters rather than single markers.
MAP_POINT_LIMIT = 300
# Like search engines (Elasticsearch counts 10,000 hits by default), counts stop here: "over 10,000".
COUNT_LIMIT = 10_000
# Without a point, results are sorted by distance to the territory's centre: above SORT_WHOLE_LIMIT
# matches, the first page is looked for in these rings before the whole directory.
CENTRE_RINGS_KM = (25.0, 100.0, 400.0)
SORT_WHOLE_LIMIT = 2_000
# Near a point, above SORT_WHOLE_LIMIT matches, the page is looked for first within a smaller circle that
# would hold this many times the places wanted, were the matches spread evenly over the radius.
RING_MARGIN = 4.0
# A typed word starting this many words or fewer of the word rows is read as those words (`prefix_words`).
PREFIX_WORDS_MAX = 16
ALL_KIND_FACETS = tuple(f"k:{kind}" for kind in PlaceKind.values)
PUBLIC_KIND_FACETS = tuple(f"k:{kind}" for kind in PUBLIC_KINDS)


class InvalidParameter(ValueError):
    """A search parameter that cannot be used; `parameter` names it for the error message."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class PlaceQuery:
    q: str = ""
    near: Point | None = None
    radius_km: float | None = None
    commune: str = ""
    kinds: tuple[str, ...] = ()
    category: str = ""
    label: str = ""
    open_now: bool = False
    open_on: dt.date | None = None
    local: bool = False
    bbox: BBox | None = None
    page: int = 1
    page_size: int = 20
    # Also the places the public cannot buy at (canteens, relay platforms): a professional's search.
    professional: bool = False

    @property
    def searched_kinds(self) -> tuple[str, ...]:
        """The kinds asked, else every kind the search may show (the public ones, unless professional)."""
        return self.kinds or (tuple(PlaceKind.values) if self.professional else PUBLIC_KINDS)

    @property
    def effective_radius_km(self) -> float | None:
        if self.near is None:
            return None
        radius = self.radius_km if self.radius_km is not None else DEFAULT_RADIUS_KM
        if self.local:
            radius = min(radius, settings.TERROIR_LOCAL_RADIUS_KM)
        return radius


@dataclass(frozen=True)
class PlaceHit:
    place: Place
    distance_km: float | None


@dataclass(frozen=True)
class PlaceResults:
    query: PlaceQuery
    count: int
    hits: list[PlaceHit] = field(default_factory=list)
    # False when counting stopped at COUNT_LIMIT: there are more.
    count_exact: bool = True

    @property
    def pages(self) -> int:
        """Pages counted; one more while the count is not exact and this page is full."""
        counted = max(1, math.ceil(self.count / self.query.page_size))
        if not self.count_exact and len(self.hits) == self.query.page_size:
            return max(counted, self.query.page + 1)
        return counted


# --- Selectors ------------------------------------------------------------------------------------


def _facet(parameter: str, prefix: str, slug: str) -> str:
    if parameter == "category":
        exists = Category.objects.filter(slug=slug).exists()
    else:
        exists = Label.objects.filter(slug=slug).exists()
    if not exists:
        unknown = _("unknown category %(slug)s") if parameter == "category" else _("unknown label %(slug)s")
        raise InvalidParameter(parameter, unknown % {"slug": quoted(slug, _)})
    return f"{prefix}:{slug}"


def _intersection(*boxes: BBox | None) -> BBox | None:
    """The common part of the boxes given (an empty one has south above north); None for no box."""
    given = [b for b in boxes if b is not None]
    if not given:
        return None
    return BBox(
        south=max(b.south for b in given),
        west=max(b.west for b in given),
        north=min(b.north for b in given),
        east=min(b.east for b in given),
    )


def search_box(query: PlaceQuery) -> BBox | None:
    """The area a query is limited to: the circle's box, the map's box, or both."""
    radius = query.effective_radius_km
    circle = bbox_around(query.near, radius) if query.near is not None and radius is not None else None
    return _intersection(circle, query.bbox)


class RowKind(Func):
    """A search row's kind (never NULL), for a condition checked on each index entry read rather than sought.

    The kinds asked follow a range in the search rows' indexes (`lon` between the box's sides, or a range of
    words). Before version 17, PostgreSQL's B-tree reads an `IN` list on a column after a range as one scan of
    the range per value: the rows of every strip of latitude read once for each of the 11 kinds a public
    search asks (a category around Paris: 34,381 rows within 30 km read 11 times, 235 ms where a check of each
    entry takes 49 ms). On PostgreSQL the column is wrapped in a COALESCE, which no index holds, so the
    planner checks it on the entries of the other conditions' scan; SQLite, which checks a column after a
    range on each entry anyway, gets the bare column (the same SQL as `kind IN (…)`)."""

    output_field = CharField()
    template = "%(expressions)s"

    def __init__(self) -> None:
        super().__init__(F("kind"))

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="COALESCE(%(expressions)s, '')", **extra_context)


@dataclass(frozen=True)
class Lead:
    """The rows of one word (SearchTerm) or one facet (PlaceFacet): one row per place."""

    model: type[SearchTerm] | type[PlaceFacet]
    value: str


@dataclass(frozen=True)
class Candidates:
    """Rows of the search tables (PlaceFacet, SearchTerm) standing for the matching places.

    Each row has `place_id`, `kind`, `band`, `lat` and `lon`. A text word may be read from two tables (the
    places' own words, and the category facets of the products sold there): `more` holds the rows of the
    other table, read as one UNION. Rows may repeat a place (a place can have several words starting
    with the same prefix, or several of the categories a word names): `repeats` says when to ask the
    database for distinct places.
    """

    rows: QuerySet[Any, Any]
    repeats: bool
    more: tuple[QuerySet[Any, Any], ...] = ()
    # When set, `rows` are those of this one word or facet (one row per place), `more` the rest: a count
    # reads the lead's places first (`_count`).
    lead: Lead | None = None

    @property
    def parts(self) -> tuple[QuerySet[Any, Any], ...]:
        return (self.rows, *self.more)

    def each(self, change: Callable[[QuerySet[Any, Any]], QuerySet[Any, Any]]) -> Candidates:
        """The same candidates with `change` applied to the rows of each table."""
        return replace(self, rows=change(self.rows), more=tuple(change(rows) for rows in self.more))

    def values_list(self, *fields: str) -> QuerySet[Any, Any]:
        """The fields of each place once (fields of the place, so equal on its repeated rows)."""
        first, *others = (rows.values_list(*fields).order_by() for rows in self.parts)
        if others:
            return first.union(*others)  # distinct rows, as the distinct below
        return first.distinct() if self.repeats else first

    def place_ids(self) -> QuerySet[Any, Any]:
        """The place of every row, repeats kept (for a bounded count)."""
        first, *others = (rows.values_list("place_id").order_by() for rows in self.parts)
        return first.union(*others, all=True) if others else first

    def positions(self, limit: int | None = None) -> list[tuple[int, float | None, float | None]]:
        rows = self.values_list("place_id", "lat", "lon")
        return list(rows[:limit] if limit is not None else rows)

    def within_box(self, box: BBox) -> Candidates:
        """Only the rows inside `box`: one index seek per strip of latitude, then its longitudes. The
        strips are a list even for the whole globe (1,800): a range of strips would let the words'
        index seek on the strip only, and read every word of each."""
        strips = list(range(band_of(box.south), band_of(box.north) + 1))
        return self.each(
            lambda rows: rows.filter(band__in=strips).filter(
                lon__gte=box.west, lon__lte=box.east, lat__gte=box.south, lat__lte=box.north
            )
        )


@functools.lru_cache(maxsize=4096)
def _name_words(name_fr: str, name_en: str) -> tuple[str, ...]:
    """A category's words (French and English names), folded once per process for each pair of names: a
    text search read every category's and folded them all again (a hundred names, 0.2 ms a search); the
    names themselves are still read, so an edited category is searched by its new words at once."""
    return tuple(terms(f"{name_fr} {name_en}"))


def category_facets_named(words: Sequence[str]) -> dict[str, list[str]]:
    """For each word, the facets of the categories one of whose words (French or English name) starts
    with it: a place is found by the words of the products sold there through its category facets, not
    through words copied onto it. A place has the facet of each category sold there and of its
    ancestors, so a category under another one named is left out (its places have the ancestor's
    facet): "fromage" reads the cheese facet's rows alone, not those of each cheese as well. The
    categories are read once for all the words (none when there is no word)."""
    if not words:
        return {}
    categories = [
        (slug, path, _name_words(name_fr, name_en))
        for slug, path, name_fr, name_en in Category.objects.values_list("slug", "path", "name_fr", "name_en")
    ]
    facets: dict[str, list[str]] = {}
    for word in words:
        upper = prefix_upper_bound(word)
        named = {path: slug for slug, path, folded in categories if any(word <= term < upper for term in folded)}
        facets[word] = [
            f"c:{slug}"
            for path, slug in named.items()
            if not any(path != other and path.startswith(other) for other in named)
        ]
    return facets


def _rarest(words: list[str], named: dict[str, list[str]], *, enough: int = 2000) -> str:
    """The word with the fewest rows (counted up to `enough` in each table), to read first: as a search
    engine intersects its shortest posting list with the others."""
    if len(words) == 1:
        return words[0]

    def size(word: str) -> int:
        rows = SearchTerm.objects.filter(term__gte=word, term__lt=prefix_upper_bound(word))[:enough].count()
        if named[word]:
            rows += PlaceFacet.objects.filter(facet__in=named[word])[:enough].count()
        return rows

    sizes = {word: size(word) for word in words}
    return min(words, key=lambda word: (sizes[word], -len(word)))


def prefix_words(model: type[SearchTerm] | type[ProducerTerm], prefix: str, most: int) -> list[str] | None:
    """The words of the word rows (places' or producers') that start with `prefix`, in order, when there
    are `most` or fewer, else None. One statement, one index seek per word: a recursive query steps from
    each word to the next (a "loose index scan"), reading no row of a word. Read as a list of words, a
    prefix lets the rows within a box be found by a seek per strip of latitude and word on the
    longitudes, where a range of words reads every row of the words in the strips (the whole width of
    the country). One word only (`most` = 1, a whole word typed as a rule): its rows are one per place
    or producer, in the order of the rest of the index: a count needs no distinct, a page no sort."""
    table = connection.ops.quote_name(model._meta.db_table)
    upper = prefix_upper_bound(prefix)
    first = f"SELECT CAST(term AS TEXT) FROM {table} WHERE term >= %s AND term < %s ORDER BY term LIMIT 1"
    then = f"SELECT CAST(term AS TEXT) FROM {table} WHERE term > words.term AND term < %s ORDER BY term LIMIT 1"
    sql = (
        f"WITH RECURSIVE words (term, n) AS (SELECT ({first}), 1 UNION ALL SELECT ({then}), n + 1 FROM words"
        " WHERE words.term IS NOT NULL AND n <= %s) SELECT term FROM words WHERE term IS NOT NULL ORDER BY n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, upper, upper, most])
        found = [str(term) for (term,) in cursor.fetchall()]
    return found if len(found) <= most else None


def place_candidates(query: PlaceQuery, box: BBox | None) -> Candidates:
    """The places matching everything but distance and opening hours, as rows of one search table.

    One condition is read from its index (the first facet, else the rarest word, else the place
    kinds), restricted to the strips of latitude and longitudes of `box`; the kinds are read from the
    same index entries; each other condition is probed per row through the (place, …) keys.
    No place row is visited.
    """
    facets = []
    if query.category:
        facets.append(_facet("category", "c", query.category))
    if query.label:
        facets.append(_facet("label", "l", query.label))
    kind_facets = [f"k:{kind}" for kind in query.kinds]
    # Without kinds asked, a public search still leaves out the kinds the public cannot buy at.
    if not kind_facets and not query.professional:
        kind_facets = list(PUBLIC_KIND_FACETS)
    words = list(dict.fromkeys(terms(query.q)[:MAX_TERMS]))
    named = category_facets_named(words)

    def has_facet(values: list[str]) -> Exists:
        return Exists(PlaceFacet.objects.filter(place_id=OuterRef("place_id"), facet__in=values))

    def has_word(word: str) -> Q:
        # The words starting so, when few, rather than their range: PostgreSQL estimates a range of words
        # outside its most common at one row and drove the search from it, probing the other word's rows
        # per place ("argenton creuse": the 848 places of "argenton" each probed for "creuse", 123 ms);
        # a word of the list is estimated at the average of the less common words (171 rows at a million
        # places), and the two words' rows are then hashed (a few milliseconds).
        found = prefix_words(SearchTerm, word, PREFIX_WORDS_MAX)
        rows = SearchTerm.objects.filter(place_id=OuterRef("place_id"))
        if not found:  # too many words (or none: the range is then empty as well)
            rows = rows.filter(term__gte=word, term__lt=prefix_upper_bound(word))
        else:
            rows = rows.filter(term__in=found) if len(found) != 1 else rows.filter(term=found[0])
        own = Q(Exists(rows))
        return own | Q(has_facet(named[word])) if named[word] else own

    probes: list[Exists | Q] = []
    rows: QuerySet[Any, Any]
    more: tuple[QuerySet[Any, Any], ...] = ()
    lead: Lead | None = None
    if facets:
        rows, repeats = PlaceFacet.objects.filter(facet=facets[0]), False
        probes += [has_facet([facet]) for facet in facets[1:]]
        probes += [has_word(word) for word in words]
    elif words:
        driver = _rarest(words, named)
        # The words starting so, when few (a whole word typed, as a rule: one), else their range.
        found = prefix_words(SearchTerm, driver, PREFIX_WORDS_MAX)
        rows = SearchTerm.objects.filter(term__gte=driver, term__lt=prefix_upper_bound(driver))
        if found:
            rows = (
                SearchTerm.objects.filter(term__in=found)
                if len(found) > 1
                else SearchTerm.objects.filter(term=found[0])
            )
        repeats = found is None or len(found) > 1
        if named[driver]:
            # The places selling a product the word names, read from the category facets' index: the first
            # category's first (more places than a word's, as a rule), then the other categories', then the
            # words' rows (none when no word starts so).
            facet, *others = named[driver]
            more = ((PlaceFacet.objects.filter(facet__in=others),) if others else ()) + ((rows,) if found != [] else ())
            rows, repeats = PlaceFacet.objects.filter(facet=facet), bool(more)
            lead = Lead(PlaceFacet, facet) if more else None
        elif found is not None and len(found) > 1:
            # The word typed, whole, first (as a rule the one of most places), then the others.
            rows, more, lead = (
                SearchTerm.objects.filter(term=found[0]),
                (SearchTerm.objects.filter(term__in=found[1:]),),
                Lead(SearchTerm, found[0]),
            )
        probes += [has_word(word) for word in words if word != driver]
    else:
        rows, repeats = PlaceFacet.objects.filter(facet__in=kind_facets or ALL_KIND_FACETS), False
        kind_facets = []
    candidates = Candidates(rows=rows, repeats=repeats, more=more, lead=lead)
    if kind_facets:
        # Every row carries its place's kind: a condition on the row, not a probe of the place's facets. It is
        # checked on each index entry read (`RowKind`) where the kind follows a range in the index: the facets'
        # rows (their index has the strips and longitudes first) and the words' rows within a box or circle. A
        # word's rows without one are read from the (term, kind, place) index, which seeks each kind.
        kinds = [facet.removeprefix("k:") for facet in kind_facets]
        boxed = box is not None or query.near is not None
        candidates = candidates.each(
            lambda rows: (
                rows.filter(In(RowKind(), kinds)) if boxed or rows.model is PlaceFacet else rows.filter(kind__in=kinds)
            )
        )
    if probes:
        candidates = candidates.each(lambda rows: rows.filter(*probes))
    return candidates.within_box(box) if box is not None else candidates


def _rows_counted(rows: QuerySet[Any, Any]) -> int:
    """How many rows a statement gives: its SQL compiled once and counted around, as the map's cells and the
    bounds read theirs. Django's `count()` clones the query and compiles an aggregation of it, 0.3 ms more of
    the client's processor a count; the statement and its plan are the same (PostgreSQL flattens the
    subquery)."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)
        return int(cursor.fetchone()[0])


def _count(candidates: Candidates, *, limit: int | None = None) -> tuple[int, bool]:
    """How many places, counted up to `limit` (COUNT_LIMIT); and whether that is the exact count."""
    limit = COUNT_LIMIT if limit is None else limit
    if not candidates.repeats:
        counted = _rows_counted(candidates.rows.values("place_id").order_by()[: limit + 1])
        return min(counted, limit), counted <= limit
    if candidates.lead is not None:
        # The lead's places (one row each: a plain count, which in a dense area stops at limit + 1 rows),
        # then the places of the rest that hold no lead row: a distinct count of the rest's rows only,
        # rather than of every row (20,002 rows through a temporary B-tree around a city).
        counted = _rows_counted(candidates.rows.values("place_id").order_by()[: limit + 1])
        if counted > limit:
            return limit, False
        # A place of the rest holds a lead row if and only if it is among the lead's places just counted: the
        # other conditions (kinds, box, circle, other words) are the place's own, the same on all its rows.
        # So the lead's places (at most `limit`) are read once more, from the index pages the count has just
        # read, and looked up in memory (PostgreSQL: a hashed subplan), where a probe of the lead's (place,
        # term or facet) key per row of the rest read that key's pages at random ("epicerie" near Paris: 982
        # probes of the facets' key, 1,203 pages not in PostgreSQL's cache, 148 ms under EXPLAIN ANALYZE).
        lead_places = candidates.rows.values("place_id").order_by()
        first, *others = (rows.exclude(place_id__in=lead_places) for rows in candidates.more)
        rest, exact = _count(Candidates(rows=first, repeats=True, more=tuple(others)), limit=limit - counted)
        return counted + rest, exact
    # Word rows may repeat a place. A database counts distinct places only once it has read every
    # row (PostgreSQL hashes them all), so read a bounded number of rows and count their places: all
    # the rows were read (exact), or enough places were found (more than the limit); else read more.
    rows = candidates.place_ids()
    cap = 2 * (limit + 1)
    while True:
        sql, params = rows[:cap].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT place_id) FROM ({sql}) AS window_rows", params)
            read, places = cursor.fetchone()
        if read < cap or places > limit:
            return min(places, limit), places <= limit
        cap *= 4


class FlatDistanceSq(Func):
    """Squared equirectangular distance in degrees of latitude from a point to the row's `lat` and `lon`,
    computable by any SQL database. One expression over the two columns, written out when compiled: the
    same SQL as the sum of products of columns and values, without a tree of a dozen expressions to
    resolve and copy on every queryset a search builds (a near search builds several)."""

    output_field = FloatField()

    def __init__(self, near: Point) -> None:
        super().__init__(F("lat"), F("lon"))
        k = math.cos(math.radians(near.lat))
        self.near, self.k2 = near, k * k

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (lat, lat_params), (lon, lon_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"((({lat} - %s) * ({lat} - %s)) + ((({lon} - %s) * ({lon} - %s)) * %s))"
        near = self.near
        return sql, [
            *lat_params,
            near.lat,
            *lat_params,
            near.lat,
            *lon_params,
            near.lon,
            *lon_params,
            near.lon,
            self.k2,
        ]


def _flat_distance_sq(near: Point) -> FlatDistanceSq:
    """Squared equirectangular distance in degrees of latitude, computable by any SQL database."""
    return FlatDistanceSq(near)


def _within(candidates: Candidates, near: Point, radius_km: float) -> Candidates:
    """The candidates within `radius_km` of `near`, by a flat-earth distance (within 0.5% of the great
    circle at the radii of a local search), annotated `d2` for sorting."""
    limit = (radius_km / KM_PER_DEGREE_LAT) ** 2
    return candidates.each(lambda rows: rows.annotate(d2=_flat_distance_sq(near)).filter(d2__lte=limit))


def _nearest_page(candidates: Candidates, near: Point, start: int, size: int) -> list[tuple[int, float | None]]:
    """One page of (place id, km from `near`), nearest first; places without a position last."""
    if "d2" not in candidates.rows.query.annotations:
        candidates = candidates.each(lambda rows: rows.annotate(d2=_flat_distance_sq(near)))
    values = candidates.values_list("place_id", "lat", "lon", "d2")
    page = values.order_by(F("d2").asc(nulls_last=True), "place_id")[start : start + size]
    return [
        (pid, haversine_km(near.lat, near.lon, lat, lon) if lat is not None and lon is not None else None)
        for pid, lat, lon, _d2 in page
    ]


def _is_open(expression: str, query: PlaceQuery, now: dt.datetime, tz: ZoneInfo) -> bool:
    if query.open_now and not hours.is_open_at(expression, now, tz):
        return False
    return query.open_on is None or hours.is_open_on(expression, query.open_on, tz)


def _ring_km(radius_km: float, count: int, wanted: int) -> float | None:
    """Near a point, many matches: a smaller radius likely to hold the `wanted` nearest places (RING_MARGIN
    times as many, were the `count` matches spread evenly over the circle), so that a page is sorted from
    the matches of a small circle rather than from every match (tens of thousands of rows around a city).
    None when the matches are few enough to be sorted whole, or the ring would not be much smaller."""
    if count <= SORT_WHOLE_LIMIT:
        return None
    ring = radius_km * math.sqrt(RING_MARGIN * wanted / count)
    return ring if ring <= radius_km / 2 else None


def _rings_km(radius_km: float, count: int, wanted: int) -> list[float]:
    """The smaller circles to look for a page in, in turn (`_ring_km`'s, then each twice as wide while at most
    half the radius) before the whole circle. The matches are seldom spread evenly around the point: "legumes"
    30 km around a place north of Paris, 8,027 matches, held fewer than 20 within the first ring's 3 km (most
    matches lie in the city, 30 km south), and the page was then sorted from every match (15 ms of the
    server, where a ring twice as wide holds it)."""
    ring = _ring_km(radius_km, count, wanted)
    rings: list[float] = []
    while ring is not None and ring <= radius_km / 2:
        rings.append(ring)
        ring *= 2
    return rings


def territory_centre() -> Point:
    lat, lon = settings.TERROIR_CENTER
    return Point(lat, lon)


Ranked = list[tuple[float, int, float | None, float | None]]


def _ranked(query: PlaceQuery, *, now: dt.datetime | None = None) -> Ranked:
    """Every matching place as (km from the point asked or else the territory's centre, id, lat, lon),
    nearest first, places without a position last (at an infinite distance). Opening hours are
    evaluated here, in Python."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    needs_hours = query.open_now or query.open_on is not None
    radius = query.effective_radius_km
    origin = query.near or territory_centre()
    candidates = place_candidates(query, search_box(query))
    rows = candidates.values_list("place_id", "lat", "lon", "place__opening_hours")
    ranked: Ranked = []
    for pid, lat, lon, expression in rows.iterator(chunk_size=5000):
        distance = math.inf if lat is None or lon is None else haversine_km(origin.lat, origin.lon, lat, lon)
        if radius is not None and distance > radius:
            continue
        if needs_hours and not _is_open(expression, query, now, tz):
            continue
        ranked.append((distance, pid, lat, lon))
    ranked.sort()
    return ranked


def place_ids_ranked(query: PlaceQuery, *, now: dt.datetime | None = None) -> list[tuple[int, float | None]]:
    """Every matching place id with its km from the point asked, nearest first. Without a point,
    places come nearest to the territory's centre first, with no distance, then those without a
    position."""
    ranked = _ranked(query, now=now)
    if query.near is None:
        return [(pid, None) for _distance, pid, _lat, _lon in ranked]
    return [(pid, distance) for distance, pid, _lat, _lon in ranked]


def places_search(query: PlaceQuery, *, now: dt.datetime | None = None) -> PlaceResults:
    """One page of places matching the query, nearest first (to the point asked, else to the
    territory's centre). Counts stop at COUNT_LIMIT, as search engines do."""
    start = (query.page - 1) * query.page_size
    end = start + query.page_size
    radius = query.effective_radius_km
    page_ids: list[tuple[int, float | None]]
    if query.open_now or query.open_on is not None:
        ranked = place_ids_ranked(query, now=now)
        count, exact, page_ids = len(ranked), True, ranked[start:end]
    elif query.near is not None and radius is not None:
        # Only one page of rows leaves the database, however dense the area.
        everywhere, area = place_candidates(query, None), search_box(query)
        assert area is not None  # the circle's box, at least
        candidates = _within(everywhere.within_box(area), query.near, radius)
        if candidates.repeats:
            count, exact = _count(candidates)
        else:
            # One row per place: every row within the radius counted, exactly (a count reads them without
            # sorting them: 37,000 rows around Paris, 13 ms against 34 ms for the count and sort together).
            total = _rows_counted(candidates.rows.values("place_id").order_by())
            count, exact = (total, True) if start < total else _count(candidates)
        page_ids = []
        if start < count or not exact:
            for ring in _rings_km(radius, count, end):
                # A full page from inside the smaller circle is the page: every place outside is farther.
                box = _intersection(bbox_around(query.near, ring), query.bbox)
                assert box is not None
                inner = _within(everywhere.within_box(box), query.near, ring)
                page_ids = _nearest_page(inner, query.near, start, query.page_size)
                if len(page_ids) == query.page_size:
                    break
            else:
                page_ids = _nearest_page(candidates, query.near, start, query.page_size)
    else:
        candidates = place_candidates(query, search_box(query))
        count, exact = _count(candidates)
        centre = territory_centre()
        page_ids = []
        if start < count or not exact:
            # Look in growing rings around the centre for the first rings holding the page; small
            # result sets are sorted whole.
            rings = CENTRE_RINGS_KM if count > SORT_WHOLE_LIMIT else ()
            for ring in rings:
                # The same candidates (already inside any map box) inside the ring's box.
                inner = _within(candidates.within_box(bbox_around(centre, ring)), centre, ring)
                # A full page from inside the ring is the page: every place outside is farther away.
                page_ids = _nearest_page(inner, centre, start, query.page_size)
                if len(page_ids) == query.page_size:
                    break
            else:
                page_ids = _nearest_page(candidates, centre, start, query.page_size)
            page_ids = [(pid, None) for pid, _distance in page_ids]
    objects = Place.objects.select_related("commune").in_bulk([pid for pid, _ in page_ids])
    hits = [PlaceHit(objects[pid], distance) for pid, distance in page_ids if pid in objects]
    return PlaceResults(query=query, count=count, hits=hits, count_exact=exact)


def places_all(query: PlaceQuery, *, now: dt.datetime | None = None, limit: int = 50_000) -> list[PlaceHit]:
    """Every matching place (for exports), bounded by `limit`."""
    ranked = place_ids_ranked(query, now=now)[:limit]
    hits: list[PlaceHit] = []
    for start in range(0, len(ranked), 1000):
        chunk = ranked[start : start + 1000]
        objects = Place.objects.select_related("commune").in_bulk([pid for pid, _ in chunk])
        hits.extend(PlaceHit(objects[pid], distance) for pid, distance in chunk if pid in objects)
    return hits


# --- Map ------------------------------------------------------------------------------------------


def places_bounds(query: PlaceQuery) -> BBox | None:
    """The box of the places a search finds (opening hours aside), for the map to fit its results:
    one aggregate over the rows of its search table; None when none is placed."""
    candidates = place_candidates(query, search_box(query)).each(lambda rows: rows.filter(lat__isnull=False))
    if query.near is not None and query.effective_radius_km is not None:
        candidates = _within(candidates, query.near, query.effective_radius_km)
    if not candidates.more:
        found = candidates.rows.aggregate(south=Min("lat"), north=Max("lat"), west=Min("lon"), east=Max("lon"))
    else:
        sql, params = candidates.values_list("lat", "lon").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(lat), MAX(lat), MIN(lon), MAX(lon) FROM ({sql}) AS placed", params)
            found = dict(zip(("south", "north", "west", "east"), cursor.fetchone(), strict=True))
    if found["south"] is None:
        return None
    return BBox(**found)


@dataclass(frozen=True)
class MapCluster:
    lat: float
    lon: float
    count: int
    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True)
class MapPoint:
    id: int
    name: str
    kind: str
    lat: float
    lon: float
    commune: str = ""


@dataclass(frozen=True)
class MapView:
    total: int
    clusters: list[MapCluster]
    points: list[MapPoint]


def _only_kind_filters(query: PlaceQuery) -> bool:
    return not (query.q or query.category or query.label or query.open_now or query.open_on or query.near is not None)


def _commune_name() -> Subquery:
    """The row's commune's name, read by one probe of the communes' key: as a join, PostgreSQL hashed all
    35,000 communes for the 1,200 markers of a town's map (24 ms of the statement's 34 at a million places,
    with a sort by name that the markers' order does not use)."""
    return Subquery(Commune.objects.filter(code=OuterRef("commune_id")).order_by().values("name")[:1])


def _points(positions: Sequence[tuple[int, float | None, float | None]]) -> list[MapPoint]:
    """Markers for the given (id, lat, lon), in that order: their names, kinds and communes in one statement,
    the ids sent as one array (`in_ids`: a town's 1,200 markers as 1,200 placeholders were 8.5 ms of the
    client's processor, 2.2 ms as an array)."""
    rows = (
        Place.objects.filter(id__in_ids=[p[0] for p in positions])
        .order_by()
        .annotate(commune_name=_commune_name())
        .values_list("id", "name", "kind", "commune_name")
    )
    names = {pid: (name, kind, commune or "") for pid, name, kind, commune in rows}
    return [
        MapPoint(id=pid, name=names[pid][0], kind=names[pid][1], lat=lat, lon=lon, commune=names[pid][2])
        for pid, lat, lon in positions
        if pid in names and lat is not None and lon is not None
    ]


def _clusters(cells: dict[tuple[int, int], list[float]], size: float) -> list[MapCluster]:
    """Clusters at the mean position of their places, with the bounds of their grid cell."""
    return [
        MapCluster(
            lat=acc[1] / acc[0],
            lon=acc[2] / acc[0],
            count=int(acc[0]),
            south=row * size - 90,
            west=col * size - 180,
            north=(row + 1) * size - 90,
            east=(col + 1) * size - 180,
        )
        for (row, col), acc in cells.items()
    ]


def _cells(candidates: Candidates, size: float) -> dict[tuple[int, int], list[float]]:
    """The candidates counted per grid cell by the database: (row, col) -> [count, lat sum, lon sum]."""
    sql, params = candidates.values_list("place_id", "lat", "lon").query.sql_with_params()
    grouped = (
        "SELECT FLOOR((lat + 90) / %s), FLOOR((lon + 180) / %s), COUNT(*), SUM(lat), SUM(lon) "
        f"FROM ({sql}) AS placed WHERE lat IS NOT NULL AND lon IS NOT NULL GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(grouped, [size, size, *params])
        return {(int(row), int(col)): [count, lat_sum, lon_sum] for row, col, count, lat_sum, lon_sum in cursor}


def map_view(query: PlaceQuery, *, bbox: BBox, zoom: int, now: dt.datetime | None = None) -> MapView:
    """What the map shows in `bbox` at `zoom`: single places when few, else clusters.

    The browser never receives the whole directory: at most MAP_POINT_LIMIT markers or one cluster per
    64-pixel cell. Unfiltered (or kind-only) views read the pre-aggregated MapCell table; other filters
    are clustered from the matching places in the box.
    """
    query = replace(query, bbox=bbox, page=1)
    level = min(max(zoom, 0), MAX_CLUSTER_LEVEL)
    size = cell_degrees(level)
    if _only_kind_filters(query):
        row0, row1 = math.floor((bbox.south + 90) / size), math.floor((bbox.north + 90) / size)
        col0, col1 = math.floor((bbox.west + 180) / size), math.floor((bbox.east + 180) / size)
        cells = MapCell.objects.filter(level=level, row__gte=row0, row__lte=row1, col__gte=col0, col__lte=col1)
        if query.kinds or not query.professional:
            cells = cells.filter(kind__in=query.searched_kinds)
        merged: dict[tuple[int, int], list[float]] = {}
        for row, col, count, lat_sum, lon_sum in cells.values_list("row", "col", "count", "lat_sum", "lon_sum"):
            acc = merged.setdefault((row, col), [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += lat_sum
            acc[2] += lon_sum
        total = int(sum(acc[0] for acc in merged.values()))
        if total <= MAP_POINT_LIMIT or zoom > MAX_CLUSTER_LEVEL:
            positions = place_candidates(query, bbox).positions(limit=MAP_POINT_LIMIT * 4)
            if len(positions) <= MAP_POINT_LIMIT or zoom > MAX_CLUSTER_LEVEL:
                return MapView(total=len(positions), clusters=[], points=_points(positions))
        return MapView(total=total, clusters=_clusters(merged, size), points=[])
    if query.open_now or query.open_on:
        positions = [(pid, lat, lon) for _d, pid, lat, lon in _ranked(query, now=now)]
    else:
        candidates = place_candidates(query, search_box(query))
        radius = query.effective_radius_km
        if query.near is not None and radius is not None:
            candidates = _within(candidates, query.near, radius)
        positions = candidates.positions(limit=MAP_POINT_LIMIT * 4 + 1)
        if len(positions) > MAP_POINT_LIMIT and zoom <= MAX_CLUSTER_LEVEL:
            counted = _cells(candidates, size)
            total = int(sum(acc[0] for acc in counted.values()))
            return MapView(total=total, clusters=_clusters(counted, size), points=[])
    located = [(pid, lat, lon) for pid, lat, lon in positions if lat is not None and lon is not None]
    if len(located) <= MAP_POINT_LIMIT or zoom > MAX_CLUSTER_LEVEL:
        return MapView(total=len(located), clusters=[], points=_points(located[: MAP_POINT_LIMIT * 4]))
    grid: dict[tuple[int, int], list[float]] = {}
    for _pid, lat, lon in located:
        key = (math.floor((lat + 90) / size), math.floor((lon + 180) / size))
        acc = grid.setdefault(key, [0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += lat
        acc[2] += lon
    return MapView(total=len(located), clusters=_clusters(grid, size), points=[])


# --- Producers ------------------------------------------------------------------------------------


# Producers whose farm is not a place of the directory are shown on the map from this zoom on (about a
# department): below it, a country of producers would be read for markers nobody can tell apart.
PRODUCERS_MIN_ZOOM = 8


def _producer_conditions(query: PlaceQuery) -> list[Any]:
    """The conditions `_producers_matching` applies, read once (the category's sub-categories) for the
    several sets of actors a search may filter. The category and those below it are one statement (its
    path a subquery); an unknown category, which has none, is then told by `_facet`."""
    conditions: list[Any] = []
    if query.category:
        path = Category.objects.filter(slug=query.category).values("path")[:1]
        categories = list(Category.objects.filter(path__startswith=Subquery(path)).values_list("id", flat=True))
        if not categories:
            _facet("category", "c", query.category)
        conditions.append(Exists(Offer.objects.filter(producer_id=OuterRef("pk"), category_id__in=categories)))
    if query.label:
        _facet("label", "l", query.label)
        conditions.append(Exists(Offer.objects.filter(producer_id=OuterRef("pk"), labels__slug=query.label)))
    conditions += [Q(search_key__contains=f" {word}") for word in terms(query.q)[:MAX_TERMS]]
    if query.kinds:
        supplied = Place.producers.through.objects.filter(actor_id=OuterRef("pk"), place__kind__in=query.kinds)
        conditions.append(Exists(supplied))
    return conditions


def _producers_matching(
    query: PlaceQuery, qs: QuerySet[Actor, Actor] | None = None, conditions: list[Any] | None = None
) -> QuerySet[Actor, Actor]:
    """Producers by text (word starts of their name and commune), category (with its sub-categories),
    label and, when kinds are asked, the kinds of the places they supply. Each condition is a probe per
    producer (EXISTS through the offers' producer index), so a search near a point reads the producers
    of its box, not every offer of a category. `qs`: the actors to start from (a box, first, so that the
    probes run on its rows only); `conditions`: those of `_producer_conditions(query)` when read already."""
    qs = (Actor.objects.all() if qs is None else qs).filter(is_producer=True)
    for condition in _producer_conditions(query) if conditions is None else conditions:
        qs = qs.filter(condition)
    return qs


def _without_place(qs: QuerySet[Actor, Actor]) -> QuerySet[Actor, Actor]:
    """Only the producers that supply no open place and run none: the map shows the others at their
    places already. Read from the `(is_producer, shown_at_place, lat, lon)` index (the flag derived from
    ProducerPlace), so a box's shown producers are not read at all; the few left are checked against
    ProducerPlace itself, one probe each. The two flags are asked as `IN (…)`: Django writes `= True` as
    the bare column, which SQLite cannot seek an index with (a box of 200,000 places' directory: the
    `(lat, lon)` range and every row read, 19.5 ms, against 0.04 ms)."""
    flags = Q(is_producer__in=[True], shown_at_place__in=[False])
    return qs.filter(flags).filter(~Exists(ProducerPlace.objects.filter(actor_id=OuterRef("pk"))))


ProducerPosition = tuple[int, float, float, bool]


def _producer_positions(
    query: PlaceQuery, box: BBox | None, *, without_place: bool, limit: int | None = None
) -> list[ProducerPosition]:
    """(id, lat, lon, approximate) of the producers matching `query` inside `box`: their own position,
    else their commune's centre (approximate). Two reads, each from an index (one statement when every one
    is wanted): the actors' (lat, lon) for those placed, `lat IS NULL` joined to their commune for the
    others; the box comes first in the
    conditions, so the other conditions are probed on the producers of the box only."""
    placed = Actor.objects.exclude(lat=None).exclude(lon=None)
    unplaced = Actor.objects.filter(lat=None).exclude(commune__lat=None).exclude(commune__lon=None)
    if box is not None:
        placed = placed.filter(lat__gte=box.south, lat__lte=box.north, lon__gte=box.west, lon__lte=box.east)
        unplaced = unplaced.filter(
            commune__lat__gte=box.south, commune__lat__lte=box.north,
            commune__lon__gte=box.west, commune__lon__lte=box.east,
        )  # fmt: skip
    conditions = _producer_conditions(query)
    placed = _producers_matching(query, placed, conditions)
    unplaced = _producers_matching(query, unplaced, conditions)
    if without_place:
        placed, unplaced = _without_place(placed), _without_place(unplaced)
    own = placed.order_by().annotate(approximate=Value(False)).values_list("id", "lat", "lon", "approximate")
    centre = (
        unplaced.order_by()
        .annotate(approximate=Value(True))
        .values_list("id", "commune__lat", "commune__lon", "approximate")
    )
    if limit is None:
        # Every one (a search ranks them all): both reads in one statement.
        found = list(own.union(centre, all=True))
    else:
        # The first `limit`, their own positions first: the second read only when the first leaves room.
        found = list(own[:limit])
        if len(found) < limit:
            found += centre[: limit - len(found)]
    return [
        (pid, lat, lon, bool(approximate))
        for pid, lat, lon, approximate in found
        if lat is not None and lon is not None
    ]


@dataclass(frozen=True)
class ProducerHit:
    producer: Actor
    distance_km: float | None
    # The position is the commune's centre: the producer gave none of its own.
    approximate: bool = False


@dataclass(frozen=True)
class ProducerResults:
    query: PlaceQuery
    count: int
    hits: list[ProducerHit]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.query.page_size))


def producers_search(query: PlaceQuery, *, without_place: bool = False) -> ProducerResults:
    """Producers by text, category, label and distance from their farm (or, when they gave no
    position, from their commune's centre); `without_place`: only those that supply no open place."""
    start = (query.page - 1) * query.page_size
    radius = query.effective_radius_km
    if query.near is not None and radius is not None:
        near = query.near
        around = bbox_around(near, radius)
        ranked = sorted(
            (haversine_km(near.lat, near.lon, lat, lon), pid, approximate)
            for pid, lat, lon, approximate in _producer_positions(query, around, without_place=without_place)
        )
        ranked = [row for row in ranked if row[0] <= radius]
        page = ranked[start : start + query.page_size]
        objects = Actor.objects.select_related("commune").in_bulk([pid for _, pid, _ in page])
        hits = [ProducerHit(objects[pid], d, approximate) for d, pid, approximate in page if pid in objects]
        return ProducerResults(query, len(ranked), hits)
    words = terms(query.q)[:MAX_TERMS]
    if words and not (query.category or query.label or query.kinds or without_place):
        return _producers_by_words(query, words, start)
    qs = _producers_matching(query)
    if without_place:
        qs = _without_place(qs)
    ordered = qs.order_by("name", "id").select_related("commune")
    return ProducerResults(
        query,
        ordered.count(),
        [ProducerHit(a, None, a.lat is None or a.lon is None) for a in ordered[start : start + query.page_size]],
    )


def _producers_by_words(query: PlaceQuery, words: list[str], start: int) -> ProducerResults:
    """Producers by text alone, from the ProducerTerm rows: the longest word's rows (the fewest, as a rule) in
    name order, each other word probed per producer; no actor row is read but the page's. The same producers
    and order as `_producers_matching` (word starts of name and commune).

    The longest word is read as the words starting so (`prefix_words`) when they are few: each word's rows
    are one per producer, in name order in the (term, name, actor) index. The page is then the first rows of
    each word, merged: a producer among the first n of all is among the first n of each of its words (the
    rows before it in that word are other producers, before it in the order). The count reads one word's
    rows as they are (the typed word's, as a rule the most) and probes the others' for a row of that word or
    of a word before theirs, their producer's row counted there: "ferme" (8,742 rows of 3 words at a million
    places) had its rows hashed for the page and again for the count (6 and 5 ms of the server), now 20 rows
    a word and a count of the one word's index entries with 4 probes."""

    def prefix(rows: QuerySet[ProducerTerm, ProducerTerm], word: str) -> QuerySet[ProducerTerm, ProducerTerm]:
        return rows.filter(term__gte=word, term__lt=prefix_upper_bound(word))

    driver = max(words, key=len)
    probes = [
        Exists(prefix(ProducerTerm.objects.filter(actor_id=OuterRef("actor_id")), word))
        for word in words
        if word != driver
    ]

    def matching(rows: QuerySet[ProducerTerm, ProducerTerm]) -> QuerySet[Any, Any]:
        return rows.filter(*probes).values_list("actor_id", "name").order_by()

    found = prefix_words(ProducerTerm, driver, PREFIX_WORDS_MAX)
    end = start + query.page_size
    page: list[int]
    if not found or len(found) == 1:
        # One word (its rows in name order already, one per producer), none, or too many to read each.
        rows = ProducerTerm.objects.filter(term=found[0]) if found else prefix(ProducerTerm.objects.all(), driver)
        matches = matching(rows) if found else matching(rows).distinct()
        page = [pid for pid, _name in matches.order_by("name", "actor_id")[start:end]]
        count = _rows_counted(matches)
    else:
        # One word's statement compiled once, run for each word with its value in the word's place (the words'
        # statements differ by it alone: compiling one per word cost the client more than the server saved).
        sql, params = _sql_params(matching(ProducerTerm.objects.filter(term=_WORD)).order_by("name", "actor_id")[:end])
        (at,) = [i for i, value in enumerate(params) if value == _WORD]
        merged = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS w{i}" for i in range(len(found)))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT actor_id, name FROM ({merged}) AS words ORDER BY name, actor_id LIMIT %s OFFSET %s",
                [*(v for word in found for v in (*params[:at], word, *params[at + 1 :])), query.page_size, start],
            )
            page = [pid for pid, _name in cursor.fetchall()]
        lead = driver if driver in found else found[0]
        earlier = ProducerTerm.objects.filter(actor_id=OuterRef("actor_id"), term__in=found).filter(
            Q(term=lead) | Q(term__lt=OuterRef("term"))
        )
        rest = ProducerTerm.objects.filter(term__in=[word for word in found if word != lead]).filter(~Exists(earlier))
        count = _rows_counted(matching(ProducerTerm.objects.filter(term=lead)).union(matching(rest), all=True))
    objects = Actor.objects.select_related("commune").in_bulk(page)
    hits = [
        ProducerHit(a, None, a.lat is None or a.lon is None) for a in (objects[pid] for pid in page if pid in objects)
    ]
    return ProducerResults(query, count, hits)


# A value no word can be (words are folded letters and digits, no space): where a word goes in its statement.
_WORD = " a word "


def _sql_params(rows: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


@dataclass(frozen=True)
class MapProducer:
    id: int
    name: str
    lat: float
    lon: float
    commune: str
    approximate: bool


@dataclass(frozen=True)
class ProducerLayer:
    """The producers a map view shows apart from the places: those that supply no open place. `shown`
    is False below PRODUCERS_MIN_ZOOM, or when the search asks place kinds (they have none)."""

    shown: bool
    producers: list[MapProducer]
    total: int


def map_producers(query: PlaceQuery, *, bbox: BBox, zoom: int) -> ProducerLayer:
    """Producers without a place of sale matching the query inside `bbox` (and its radius), at most
    MAP_POINT_LIMIT."""
    if zoom < PRODUCERS_MIN_ZOOM or query.kinds or query.open_now or query.open_on is not None:
        return ProducerLayer(shown=False, producers=[], total=0)
    box = _intersection(bbox, search_box(query))
    assert box is not None
    positions = _producer_positions(query, box, without_place=True, limit=MAP_POINT_LIMIT * 4)
    radius = query.effective_radius_km
    if query.near is not None and radius is not None:
        near = query.near
        positions = [p for p in positions if haversine_km(near.lat, near.lon, p[1], p[2]) <= radius]
    positions = positions[:MAP_POINT_LIMIT]
    # Their names and communes in one statement, as the places' markers (`_points`).
    rows = (
        Actor.objects.filter(id__in_ids=[p[0] for p in positions])
        .order_by()
        .annotate(commune_name=_commune_name())
        .values_list("id", "name", "commune_name")
    )
    names = {pid: (name, commune or "") for pid, name, commune in rows}
    producers = [
        MapProducer(id=pid, name=names[pid][0], lat=lat, lon=lon, commune=names[pid][1], approximate=approximate)
        for pid, lat, lon, approximate in positions
        if pid in names
    ]
    return ProducerLayer(shown=True, producers=producers, total=len(producers))
