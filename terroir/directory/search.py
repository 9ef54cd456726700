"""Searching the directory: the selectors that answer a search.

The same `PlaceQuery` serves the public pages, the widget, the JSON API and the exports, so that a
search gives the same places wherever it is made; `terroir.directory.filters` reads it from a query
string, once for all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import In, Lookup
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.lib import hours
from terroir.lib.geo import KM_PER_DEGREE_LAT, BBox, Point, bbox_around, haversine_km
from terroir.lib.messages import quoted
from terroir.lib.text import prefix_upper_bound, terms

from .index import MAX_CLUSTER_LEVEL, band_of, cell_degrees
from .lookups import ids_array
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
    """A search parameter that cannot be used; `parameter` names it for the error message. `page_message`,
    when the search page says it otherwise than the API: in the words of its form (the kinds of place as
    its boxes label them, not the API's values), `message` else."""

    def __init__(self, parameter: str, message: str, page_message: str = ""):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message
        self.page_message = page_message or message


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


def _exists_sql(model: type[Category] | type[Label], plan: tuple[str]) -> tuple[str, Sequence[Any]]:
    """Whether a category or label of this slug exists: Django's `exists()` statement."""
    (slug,) = plan
    exists = model.objects.filter(slug=slug).query.exists()
    return exists.get_compiler(using=connection.alias).as_sql()


def _facet(parameter: str, prefix: str, slug: str) -> str:
    exists = _fetched(_exists_sql, Category if parameter == "category" else Label, (slug,))
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


# --- Statements built once per shape --------------------------------------------------------------
#
# Django builds and compiles each statement of a search anew (round 17: 55–65 % of a search's client processor at
# a million places, around about 1 ms of SQL), though every search of one shape — the same decisions, other
# values — gives the same SQL text with other parameters. A statement is therefore described by a builder and a
# plan. The plan is a frozen structure (dataclasses, tuples) holding everything the builder uses: its values
# (strings and numbers: words, facets, kinds, strips, coordinates, limits) and its decisions (the classes of
# its parts, the lengths of its tuples, its flags: booleans, None, enumerations, models). The builder is a plain
# function of the plan and of a `fixed` part (what is no value of the statement: its kind, an OFFSET present),
# computing nothing from a value: it only puts each where the statement takes it. The plan's shape (its values
# replaced by their types) and the fixed part are the statement's key: its text is compiled by Django on the
# first search of that key, and then the statement runs with each search's values put in its parameters.
#
# What the first build gives is checked by building the statement twice more, with other values (markers, each
# unlike any other): the three texts must be the same, and each parameter must be one value of the plan (the
# same one in the three builds) or a constant of the statement (the same in the three). A value the builder or
# Django turned into something else (a prefix escaped, a bound computed) or wrote into the text (a LIMIT, a
# list whose repeats Django dropped) refuses the key: its statements are then built each time, as before.


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each parameter: (the index of a plan's value, the type Django wraps it in, None when none), or (None, a
    # constant of the statement). Django's PostgreSQL backend wraps an integer column's values in psycopg's
    # `Int4` or `Int8` (a subclass of int), for psycopg to send them with their type.
    sources: tuple[tuple[int | None, Any], ...]

    def params(self, values: list[Any]) -> list[Any]:
        return [
            extra if index is None else (values[index] if extra is None else extra(values[index]))
            for index, extra in self.sources
        ]


_STATEMENTS: dict[tuple[Any, ...], _Compiled | None] = {}
# Shapes are few (tens in the benchmark's mix); a bound all the same, against a caller making many.
_STATEMENTS_MOST = 4096
_UNSEEN = object()


def _is_flag(part: Any) -> bool:
    return part is None or isinstance(part, (bool, Enum, type))


def _shape(plan: Any, values: list[Any]) -> Any:
    """The plan's shape (its parts' classes, its tuples' lengths, its flags, each value's type); its values
    (strings and numbers) appended to `values`, in order."""
    if _is_flag(plan):
        return plan
    if isinstance(plan, (str, int, float)):
        values.append(plan)
        return type(plan)
    if isinstance(plan, tuple):
        return tuple(_shape(part, values) for part in plan)
    if is_dataclass(plan):
        return (type(plan), *(_shape(getattr(plan, f.name), values) for f in fields(plan)))
    raise TypeError(f"not a part of a statement's plan: {plan!r}")


def _replaced(plan: Any, values: Iterator[Any]) -> Any:
    """The plan with its values replaced, in order, by those of `values`."""
    if _is_flag(plan):
        return plan
    if isinstance(plan, (str, int, float)):
        return next(values)
    if isinstance(plan, tuple):
        return tuple(_replaced(part, values) for part in plan)
    return replace(plan, **{f.name: _replaced(getattr(plan, f.name), values) for f in fields(plan)})


def _markers(values: list[Any], second: bool) -> list[Any]:
    """A value of the same type for each one, unlike any other value (and any constant of a statement), and
    changed by any usual computation: strings of a private-use character, both cases and spaces around (a case
    folded, a prefix cut, spaces stripped), numbers with a fraction, positive in the first set and negative in
    the second (rounded, bounded by a minimum or a maximum, their sign dropped)."""
    sign, letters = (-1, "Bb") if second else (1, "Aa")
    return [
        f" \ue000{letters}{i} "
        if isinstance(value, str)
        else sign * (1_000_003 + 7 * i) + (0 if isinstance(value, int) else 0.25)
        for i, value in enumerate(values)
    ]


def _same(one: Any, other: Any) -> bool:
    return type(one) is type(other) and one == other


def _base(value: Any) -> type | None:
    """str, int or float for a value of one of them (or of a subclass: psycopg's `Int4`), else None."""
    if isinstance(value, bool):
        return None
    return next((kind for kind in (str, int, float) if isinstance(value, kind)), None)


def _compiled(real: tuple[str, Sequence[Any]], one: Any, two: Any, values: list[Any]) -> _Compiled | None:
    """The statement's text and where each of its parameters comes from, from three builds: with the search's
    values (`real`) and with two sets of markers (`one`, `two`); None when they disagree (see above)."""
    (sql, params), (sql_one, params_one), (sql_two, params_two) = real, one, two
    if not (sql == sql_one == sql_two and len(params) == len(params_one) == len(params_two)):
        return None
    firsts, seconds = _markers(values, False), _markers(values, True)
    marked: dict[tuple[type | None, Any], int] = {(type(marker), marker): i for i, marker in enumerate(firsts)}
    sources: list[tuple[int | None, Any]] = []
    for param, first, second in zip(params, params_one, params_two, strict=True):
        i = marked.get((_base(first), first))
        wrap = type(first)
        if i is not None and _same(second, wrap(seconds[i])) and _same(param, wrap(values[i])):
            sources.append((i, None if wrap is type(values[i]) else wrap))
        elif i is None and _same(first, second) and _same(first, param):
            sources.append((None, param))
        else:
            return None
    return _Compiled(sql, tuple(sources))


# build(fixed, plan) -> (sql, params)
Builder = Callable[..., tuple[str, Sequence[Any]]]


def statement(build: Builder, fixed: Hashable, plan: Any) -> tuple[str, list[Any]]:
    """The SQL and parameters `build(fixed, plan)` gives, compiled by Django once per shape of the plan (see
    above). `build` sees nothing but its arguments: a closure could hide a decision from the key."""
    if getattr(build, "__closure__", None) is not None:
        raise TypeError(f"{build.__name__}: a statement's builder is a plain function of its fixed part and plan")
    values: list[Any] = []
    key = (connection.alias, connection.vendor, build, fixed, _shape(plan, values))
    known = _STATEMENTS.get(key, _UNSEEN)  # one read: another thread may clear the dictionary
    if isinstance(known, _Compiled):
        return known.sql, known.params(values)
    if known is None:  # refused: built each time
        sql, params = build(fixed, plan)
        return sql, list(params)
    real = build(fixed, plan)
    try:
        one = build(fixed, _replaced(plan, iter(_markers(values, False))))
        two = build(fixed, _replaced(plan, iter(_markers(values, True))))
    except Exception:  # a value the statement cannot take as any other (a slice's bound, say): refused
        compiled = None
    else:
        compiled = _compiled(real, one, two, values)
    if len(_STATEMENTS) >= _STATEMENTS_MOST:
        _STATEMENTS.clear()
    _STATEMENTS[key] = compiled
    return real[0], list(real[1])


def _fetched(build: Builder, fixed: Hashable, plan: Any) -> list[tuple[Any, ...]]:
    """The rows of the statement `build(fixed, plan)` (`statement`)."""
    sql, params = statement(build, fixed, plan)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sliced(built: tuple[str, Sequence[Any]], limit: int, offset: int | None = None) -> tuple[str, list[Any]]:
    """A statement's first `limit` rows (after `offset`), as Django slices it but with the numbers as
    parameters: a count's rest or a later page is then the same statement, not one text per number."""
    sql, params = built
    if offset is None:
        return f"{sql} LIMIT %s", [*params, limit]
    return f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]


# --- The candidates as a recipe -------------------------------------------------------------------


class Read(Enum):
    """How a search table's rows are read from its index: one value, a list of values (as an IN list, or as one
    array on PostgreSQL: `AnyOf`), a range of words."""

    EQUAL = 1
    AMONG = 2
    ARRAY = 3
    RANGE = 4


class AnyOf(Lookup):
    """PostgreSQL: the column is one of an array's values, `= ANY(%s::integer[])` (or `text[]`), the array's
    literal (`_array`) one parameter. PostgreSQL makes the same expression of an `IN` list (EXPLAIN shows
    `band = ANY ('{1354,1355}'::integer[])` for either, and the same plan: round 18 on the million), but the
    statement's text is then the same whatever the list's length: one shape of statement (`statement`) for the
    words a prefix stands for or the strips of a box, where a list makes one per length."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array = "integer[]" if isinstance(self.lhs.output_field, IntegerField) else "text[]"
        return f"{lhs} = ANY(%s::{array})", [*lhs_params, self.rhs]


def _arrays() -> bool:
    """Whether lists are sent as one array (`AnyOf`): on PostgreSQL."""
    return connection.vendor == "postgresql"


def _array(values: Sequence[str] | Sequence[int]) -> str:
    """PostgreSQL's literal of an array of strings or integers."""
    if all(isinstance(value, int) for value in values):
        return ids_array(cast("Sequence[int]", values))
    quoted = ('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


@dataclass(frozen=True)
class Rows:
    """Rows of a search table (SearchTerm's words or PlaceFacet's facets) by one condition on its value:
    `values` holds the value (EQUAL), the list (AMONG) or the range's low and high bounds (RANGE)."""

    model: type[SearchTerm] | type[PlaceFacet]
    read: Read
    values: tuple[str, ...]

    @classmethod
    def among(cls, model: type[SearchTerm] | type[PlaceFacet], values: Sequence[str]) -> Rows:
        """The rows of any of `values`: one array on PostgreSQL, else an IN list."""
        if _arrays():
            return cls(model, Read.ARRAY, (_array(values),))
        return cls(model, Read.AMONG, tuple(values))

    def filtered(self, rows: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        column = "term" if self.model is SearchTerm else "facet"
        if self.read is Read.EQUAL:
            return rows.filter(**{column: self.values[0]})
        if self.read is Read.AMONG:
            return rows.filter(**{f"{column}__in": list(self.values)})
        if self.read is Read.ARRAY:
            return rows.filter(AnyOf(F(column), self.values[0]))
        low, high = self.values
        return rows.filter(**{f"{column}__gte": low, f"{column}__lt": high})

    def queryset(self) -> QuerySet[Any, Any]:
        return self.filtered(self.model.objects.all())


def _has_facet(facets: Sequence[str]) -> Exists:
    return Exists(PlaceFacet.objects.filter(place_id=OuterRef("place_id"), facet__in=list(facets)))


@dataclass(frozen=True)
class Probe:
    """A condition probed per row through the place's keys: a word of the place (its rows read as `word`
    says) or one of `facets` (the categories the word names), or a facet alone (`word` None)."""

    word: Rows | None
    facets: tuple[str, ...] = ()

    def condition(self) -> Exists | Q:
        if self.word is None:
            return _has_facet(self.facets)
        own = Q(Exists(self.word.filtered(SearchTerm.objects.filter(place_id=OuterRef("place_id")))))
        return own | Q(_has_facet(self.facets)) if self.facets else own


@dataclass(frozen=True)
class Strips:
    """The rows inside a box: one index seek per strip of latitude, then its longitudes. The strips are a
    list even for the whole globe (1,800): a range of strips would let the words' index seek on the strip
    only, and read every word of each."""

    # The strips as a list, or as one array on PostgreSQL (its literal: `AnyOf`).
    strips: tuple[int, ...] | str
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def of(cls, box: BBox) -> Strips:
        bands = list(range(band_of(box.south), band_of(box.north) + 1))
        strips = _array(bands) if _arrays() else tuple(bands)
        return cls(strips, float(box.south), float(box.west), float(box.north), float(box.east))

    def apply(self, rows: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        if isinstance(self.strips, str):
            rows = rows.filter(AnyOf(F("band"), self.strips))
        else:
            rows = rows.filter(band__in=list(self.strips))
        return rows.filter(lon__gte=self.west, lon__lte=self.east, lat__gte=self.south, lat__lte=self.north)


@dataclass(frozen=True)
class Origin:
    """A point distances are measured from, with the square of its latitude's cosine (`FlatDistanceSq`)."""

    lat: float
    lon: float
    k2: float

    @classmethod
    def of(cls, near: Point) -> Origin:
        k = math.cos(math.radians(near.lat))
        return cls(float(near.lat), float(near.lon), k * k)


@dataclass(frozen=True)
class Circle:
    """The rows within a radius of `origin` by a flat-earth distance (`limit`: the radius in degrees of
    latitude, squared), annotated `d2` for sorting."""

    origin: Origin
    limit: float

    @classmethod
    def of(cls, near: Point, radius_km: float) -> Circle:
        return cls(Origin.of(near), (radius_km / KM_PER_DEGREE_LAT) ** 2)

    def apply(self, candidates: Candidates) -> Candidates:
        return candidates.each(lambda rows: rows.annotate(d2=FlatDistanceSq(self.origin)).filter(d2__lte=self.limit))


@dataclass(frozen=True)
class Recipe:
    """The candidates of a search as the steps that build them (`build`), their values apart: the plan of the
    statements a search runs on them (`statement`). The steps, in their order: the rows read first (`rows`;
    `more`, the other tables' or words' rows, read as one UNION; `lead`: `rows` are one word's or facet's, a
    count reads their places first), the kinds asked (checked on each index entry when `kinds_on_entries`,
    `RowKind`), the probes of the other conditions, the boxes, the circle."""

    rows: Rows
    more: tuple[Rows, ...] = ()
    repeats: bool = False
    lead: bool = False
    kinds: tuple[str, ...] = ()
    kinds_on_entries: bool = False
    probes: tuple[Probe, ...] = ()
    boxes: tuple[Strips, ...] = ()
    circle: Circle | None = None

    def within_box(self, box: BBox) -> Recipe:
        return replace(self, boxes=(*self.boxes, Strips.of(box)))

    def within(self, near: Point, radius_km: float) -> Recipe:
        return replace(self, circle=Circle.of(near, radius_km))

    def build(self) -> Candidates:
        lead = Lead(self.rows.model, self.rows.values[0]) if self.lead else None
        candidates = Candidates(
            rows=self.rows.queryset(), repeats=self.repeats, more=tuple(r.queryset() for r in self.more), lead=lead
        )
        if self.kinds:
            kinds, on_entries = list(self.kinds), self.kinds_on_entries
            candidates = candidates.each(
                lambda rows: (
                    rows.filter(In(RowKind(), kinds))
                    if on_entries or rows.model is PlaceFacet
                    else rows.filter(kind__in=kinds)
                )
            )
        if self.probes:
            probes = [probe.condition() for probe in self.probes]
            candidates = candidates.each(lambda rows: rows.filter(*probes))
        for strips in self.boxes:
            candidates = candidates.each(strips.apply)
        return self.circle.apply(candidates) if self.circle is not None else candidates


@functools.lru_cache(maxsize=4096)
def _name_words(name_fr: str, name_en: str) -> tuple[str, ...]:
    """A category's words (French and English names), folded once per process for each pair of names: a
    text search read every category's and folded them all again (a hundred names, 0.2 ms a search); the
    names themselves are still read, so an edited category is searched by its new words at once."""
    return tuple(terms(f"{name_fr} {name_en}"))


def _categories_sql(_fixed: None, _plan: tuple[()]) -> tuple[str, Sequence[Any]]:
    return Category.objects.values_list("slug", "path", "name_fr", "name_en").query.sql_with_params()


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
        for slug, path, name_fr, name_en in _fetched(_categories_sql, None, ())
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


def candidate_recipe(query: PlaceQuery, box: BBox | None) -> Recipe:
    """The places matching everything but distance and opening hours, as rows of one search table: their
    recipe, each decision taken (the words a prefix stands for, the categories a word names, the word read
    first), the values apart.

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

    def word_rows(word: str) -> Rows:
        # The words starting so, when few, rather than their range: PostgreSQL estimates a range of words
        # outside its most common at one row and drove the search from it, probing the other word's rows
        # per place ("argenton creuse": the 848 places of "argenton" each probed for "creuse", 123 ms);
        # a word of the list is estimated at the average of the less common words (171 rows at a million
        # places), and the two words' rows are then hashed (a few milliseconds).
        found = prefix_words(SearchTerm, word, PREFIX_WORDS_MAX)
        if not found:  # too many words (or none: the range is then empty as well)
            return Rows(SearchTerm, Read.RANGE, (word, prefix_upper_bound(word)))
        return Rows.among(SearchTerm, found) if len(found) != 1 else Rows(SearchTerm, Read.EQUAL, (found[0],))

    def has_word(word: str) -> Probe:
        return Probe(word_rows(word), tuple(named[word]))

    probes: list[Probe] = []
    rows: Rows
    more: tuple[Rows, ...] = ()
    lead = False
    if facets:
        rows, repeats = Rows(PlaceFacet, Read.EQUAL, (facets[0],)), False
        probes += [Probe(None, (facet,)) for facet in facets[1:]]
        probes += [has_word(word) for word in words]
    elif words:
        driver = _rarest(words, named)
        # The words starting so, when few (a whole word typed, as a rule: one), else their range.
        found = prefix_words(SearchTerm, driver, PREFIX_WORDS_MAX)
        rows = Rows(SearchTerm, Read.RANGE, (driver, prefix_upper_bound(driver)))
        if found:
            rows = Rows.among(SearchTerm, found) if len(found) > 1 else Rows(SearchTerm, Read.EQUAL, (found[0],))
        repeats = found is None or len(found) > 1
        if named[driver]:
            # The places selling a product the word names, read from the category facets' index: the first
            # category's first (more places than a word's, as a rule), then the other categories', then the
            # words' rows (none when no word starts so).
            facet, *others = named[driver]
            more = ((Rows.among(PlaceFacet, others),) if others else ()) + ((rows,) if found != [] else ())
            rows, repeats = Rows(PlaceFacet, Read.EQUAL, (facet,)), bool(more)
            lead = bool(more)
        elif found is not None and len(found) > 1:
            # The word typed, whole, first (as a rule the one of most places), then the others.
            rows, more, lead = (
                Rows(SearchTerm, Read.EQUAL, (found[0],)),
                (Rows.among(SearchTerm, found[1:]),),
                True,
            )
        probes += [has_word(word) for word in words if word != driver]
    else:
        rows, repeats = Rows.among(PlaceFacet, kind_facets or ALL_KIND_FACETS), False
        kind_facets = []
    # Every row carries its place's kind: a condition on the row, not a probe of the place's facets. It is
    # checked on each index entry read (`RowKind`) where the kind follows a range in the index: the facets'
    # rows (their index has the strips and longitudes first) and the words' rows within a box or circle. A
    # word's rows without one are read from the (term, kind, place) index, which seeks each kind.
    recipe = Recipe(
        rows=rows,
        more=more,
        repeats=repeats,
        lead=lead,
        kinds=tuple(facet.removeprefix("k:") for facet in kind_facets),
        kinds_on_entries=box is not None or query.near is not None,
        probes=tuple(probes),
    )
    return recipe.within_box(box) if box is not None else recipe


def place_candidates(query: PlaceQuery, box: BBox | None) -> Candidates:
    """The candidates of `candidate_recipe`, built."""
    return candidate_recipe(query, box).build()


def _rows_counted(rows: QuerySet[Any, Any]) -> int:
    """How many rows a statement gives: its SQL compiled once and counted around. Django's `count()` clones the
    query and compiles an aggregation of it, 0.3 ms more of the client's processor a count; the statement and
    its plan are the same (PostgreSQL flattens the subquery). For the statements not built once per shape
    (the producers' words)."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)
        return int(cursor.fetchone()[0])


def _counted_sql(_fixed: None, plan: tuple[Recipe, int | None]) -> tuple[str, list[Any]]:
    """How many rows of the recipe's first table (`rows`), up to the plan's limit (None: all). Counted around
    the compiled statement, as the map's cells and the bounds are: Django's `count()` clones the query and
    compiles an aggregation of it (0.3 ms more of the client's processor a count); the statement and its
    plan are the same (PostgreSQL flattens the subquery)."""
    recipe, limit = plan
    built = recipe.build().rows.values("place_id").order_by().query.sql_with_params()
    sql, params = _sliced(built, limit) if limit is not None else (built[0], list(built[1]))
    return f"SELECT COUNT(*) FROM ({sql}) AS counted", params


def _counted(recipe: Recipe, limit: int | None = None) -> int:
    """How many rows of the recipe's first table, up to `limit` (None: all)."""
    ((counted,),) = _fetched(_counted_sql, None, (recipe, limit))
    return int(counted)


def _window_sql(rest: bool, plan: tuple[Recipe, int]) -> tuple[str, list[Any]]:
    """The rows of every table (`rest`: of the tables after the lead's, without the lead's places), the first
    `cap` of them, and their distinct places."""
    recipe, cap = plan
    candidates = recipe.build()
    if rest:
        # A place of the rest holds a lead row if and only if it is among the lead's places just counted: the
        # other conditions (kinds, box, circle, other words) are the place's own, the same on all its rows.
        # So the lead's places (at most `limit`) are read once more, from the index pages the count has just
        # read, and looked up in memory (PostgreSQL: a hashed subplan), where a probe of the lead's (place,
        # term or facet) key per row of the rest read that key's pages at random ("epicerie" near Paris: 982
        # probes of the facets' key, 1,203 pages not in PostgreSQL's cache, 148 ms under EXPLAIN ANALYZE).
        lead_places = candidates.rows.values("place_id").order_by()
        first, *others = (rows.exclude(place_id__in=lead_places) for rows in candidates.more)
        candidates = Candidates(rows=first, repeats=True, more=tuple(others))
    sql, params = _sliced(candidates.place_ids().query.sql_with_params(), cap)
    return f"SELECT COUNT(*), COUNT(DISTINCT place_id) FROM ({sql}) AS window_rows", params


def _count(recipe: Recipe, *, limit: int | None = None) -> tuple[int, bool]:
    """How many places, counted up to `limit` (COUNT_LIMIT); and whether that is the exact count."""
    limit = COUNT_LIMIT if limit is None else limit
    if not recipe.repeats or recipe.lead:
        # One row per place (when `lead`: the lead's places, then those of the rest): a plain count, which in a
        # dense area stops at limit + 1 rows.
        counted = _counted(recipe, limit + 1)
        if not recipe.repeats:
            return min(counted, limit), counted <= limit
        if counted > limit:
            return limit, False
        # Then the places of the rest that hold no lead row: a distinct count of the rest's rows only, rather
        # than of every row (20,002 rows through a temporary B-tree around a city).
        rest, exact = _window_count(recipe, limit - counted, rest=True)
        return counted + rest, exact
    return _window_count(recipe, limit, rest=False)


def _window_count(recipe: Recipe, limit: int, *, rest: bool) -> tuple[int, bool]:
    """Word rows may repeat a place. A database counts distinct places only once it has read every row
    (PostgreSQL hashes them all), so read a bounded number of rows and count their places: all the rows were
    read (exact), or enough places were found (more than the limit); else read more."""
    cap = 2 * (limit + 1)
    while True:
        ((read, places),) = _fetched(_window_sql, rest, (recipe, cap))
        if read < cap or places > limit:
            return min(places, limit), places <= limit
        cap *= 4


class FlatDistanceSq(Func):
    """Squared equirectangular distance in degrees of latitude from a point to the row's `lat` and `lon`,
    computable by any SQL database. One expression over the two columns, written out when compiled: the
    same SQL as the sum of products of columns and values, without a tree of a dozen expressions to
    resolve and copy on every queryset a search builds (a near search builds several)."""

    output_field = FloatField()

    def __init__(self, origin: Origin) -> None:
        super().__init__(F("lat"), F("lon"))
        self.origin = origin

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (lat, lat_params), (lon, lon_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"((({lat} - %s) * ({lat} - %s)) + ((({lon} - %s) * ({lon} - %s)) * %s))"
        origin = self.origin
        return sql, [
            *lat_params,
            origin.lat,
            *lat_params,
            origin.lat,
            *lon_params,
            origin.lon,
            *lon_params,
            origin.lon,
            origin.k2,
        ]


def _within(candidates: Candidates, near: Point, radius_km: float) -> Candidates:
    """The candidates within `radius_km` of `near`, by a flat-earth distance (within 0.5% of the great
    circle at the radii of a local search), annotated `d2` for sorting."""
    return Circle.of(near, radius_km).apply(candidates)


def _page_sql(after: bool, plan: tuple[Recipe, Origin, int, int]) -> tuple[str, list[Any]]:
    """One page (`size` rows after the first `start`; `after`: `start` is not 0) of (place id, lat, lon, d2),
    nearest to `origin` first (the circle's, when the recipe has one), places without a position last."""
    recipe, origin, size, start = plan
    candidates = recipe.build()
    if recipe.circle is None:
        candidates = candidates.each(lambda rows: rows.annotate(d2=FlatDistanceSq(origin)))
    values = candidates.values_list("place_id", "lat", "lon", "d2")
    built = values.order_by(F("d2").asc(nulls_last=True), "place_id").query.sql_with_params()
    return _sliced(built, size, start if after else None)


def _nearest_page(recipe: Recipe, near: Point, start: int, size: int) -> list[tuple[int, float | None]]:
    """One page of (place id, km from `near`), nearest first; places without a position last."""
    page = _fetched(_page_sql, start > 0, (recipe, Origin.of(near), size, start))
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
        everywhere, area = candidate_recipe(query, None), search_box(query)
        assert area is not None  # the circle's box, at least
        candidates = everywhere.within_box(area).within(query.near, radius)
        if candidates.repeats:
            count, exact = _count(candidates)
        else:
            # One row per place: every row within the radius counted, exactly (a count reads them without
            # sorting them: 37,000 rows around Paris, 13 ms against 34 ms for the count and sort together).
            total = _counted(candidates)
            count, exact = (total, True) if start < total else _count(candidates)
        page_ids = []
        if start < count or not exact:
            for ring in _rings_km(radius, count, end):
                # A full page from inside the smaller circle is the page: every place outside is farther.
                box = _intersection(bbox_around(query.near, ring), query.bbox)
                assert box is not None
                inner = everywhere.within_box(box).within(query.near, ring)
                page_ids = _nearest_page(inner, query.near, start, query.page_size)
                if len(page_ids) == query.page_size:
                    break
            else:
                page_ids = _nearest_page(candidates, query.near, start, query.page_size)
    else:
        candidates = candidate_recipe(query, search_box(query))
        count, exact = _count(candidates)
        centre = territory_centre()
        page_ids = []
        if start < count or not exact:
            # Look in growing rings around the centre for the first rings holding the page; small
            # result sets are sorted whole.
            rings = CENTRE_RINGS_KM if count > SORT_WHOLE_LIMIT else ()
            for ring in rings:
                # The same candidates (already inside any map box) inside the ring's box.
                inner = candidates.within_box(bbox_around(centre, ring)).within(centre, ring)
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


def _positions_sql(_fixed: None, plan: tuple[Recipe, int | None]) -> tuple[str, list[Any]]:
    """(place id, lat, lon) of each candidate place once, the first `limit` (None: all)."""
    recipe, limit = plan
    built = recipe.build().values_list("place_id", "lat", "lon").query.sql_with_params()
    return _sliced(built, limit) if limit is not None else (built[0], list(built[1]))


def _positions(recipe: Recipe, limit: int | None = None) -> list[tuple[int, float | None, float | None]]:
    return [(pid, lat, lon) for pid, lat, lon in _fetched(_positions_sql, None, (recipe, limit))]


def _cells_sql(_fixed: None, plan: tuple[Recipe, float]) -> tuple[str, list[Any]]:
    """The candidates counted per grid cell of `size` degrees: row, col, count, lat sum, lon sum."""
    recipe, size = plan
    sql, params = recipe.build().values_list("place_id", "lat", "lon").query.sql_with_params()
    grouped = (
        "SELECT FLOOR((lat + 90) / %s), FLOOR((lon + 180) / %s), COUNT(*), SUM(lat), SUM(lon) "
        f"FROM ({sql}) AS placed WHERE lat IS NOT NULL AND lon IS NOT NULL GROUP BY 1, 2"
    )
    return grouped, [size, size, *params]


def _cells(recipe: Recipe, size: float) -> dict[tuple[int, int], list[float]]:
    """The candidates counted per grid cell by the database: (row, col) -> [count, lat sum, lon sum]."""
    return {
        (int(row), int(col)): [count, lat_sum, lon_sum]
        for row, col, count, lat_sum, lon_sum in _fetched(_cells_sql, None, (recipe, size))
    }


def _map_cells_sql(_fixed: None, plan: tuple[int, int, int, int, int, tuple[str, ...]]) -> tuple[str, Sequence[Any]]:
    """The pre-aggregated cells of a level within rows and columns, of the kinds given (none: all kinds)."""
    level, row0, row1, col0, col1, kinds = plan
    cells = MapCell.objects.filter(level=level, row__gte=row0, row__lte=row1, col__gte=col0, col__lte=col1)
    if kinds:
        cells = cells.filter(kind__in=list(kinds))
    return cells.values_list("row", "col", "count", "lat_sum", "lon_sum").query.sql_with_params()


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
        kinds = tuple(query.searched_kinds) if query.kinds or not query.professional else ()
        merged: dict[tuple[int, int], list[float]] = {}
        for row, col, count, lat_sum, lon_sum in _fetched(_map_cells_sql, None, (level, row0, row1, col0, col1, kinds)):
            acc = merged.setdefault((row, col), [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += lat_sum
            acc[2] += lon_sum
        total = int(sum(acc[0] for acc in merged.values()))
        if total <= MAP_POINT_LIMIT or zoom > MAX_CLUSTER_LEVEL:
            positions = _positions(candidate_recipe(query, bbox), MAP_POINT_LIMIT * 4)
            if len(positions) <= MAP_POINT_LIMIT or zoom > MAX_CLUSTER_LEVEL:
                return MapView(total=len(positions), clusters=[], points=_points(positions))
        return MapView(total=total, clusters=_clusters(merged, size), points=[])
    if query.open_now or query.open_on:
        positions = [(pid, lat, lon) for _d, pid, lat, lon in _ranked(query, now=now)]
    else:
        candidates = candidate_recipe(query, search_box(query))
        radius = query.effective_radius_km
        if query.near is not None and radius is not None:
            candidates = candidates.within(query.near, radius)
        positions = _positions(candidates, MAP_POINT_LIMIT * 4 + 1)
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
