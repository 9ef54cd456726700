"""Access to local food compared: each commune of a territory beside its département and France, with
opening hours counted (places open at least N hours a week) and markets by weekday.

The distances are those of the access indicator (great-circle km from the commune's centre to the
nearest place the public search finds, `indicators.places_by_kind`), computed once for every commune of
France with a centre, then summed per scope: the territory, each of its départements, France. Shares are
population-weighted (a commune's municipal population counts within 10 km when its centre is within
10 km of a place); medians are over communes (each counts once). The arrondissements of Paris, Lyon and
Marseille are in the reference beside their commune: they count for a territory that names them, never
for a département or France (their commune does).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terroir.directory.models import Commune, Place, PlaceFacet, PlaceKind
from terroir.directory.search import InvalidParameter
from terroir.lib import hours, spreadsheet
from terroir.lib.messages import quoted

from . import access, opening
from .departments import department_label, department_name
from .indicators import ACCESS_KINDS, ANY, BEYOND_KM, kind_label
from .models import Territory
from .territories import ARRONDISSEMENTS

# The no-data messages, also said again in the reader's language when a snapshot is read (geo_page).
NO_PLACES = gettext_lazy("No place open to the public with a position counts here: no data.")
NO_MARKETS = gettext_lazy("No market with known days in the directory: no data.")

MARKET = PlaceKind.MARKET.value


def territory_parse(value: Any) -> Territory:
    """The territory a `territory=<slug>` parameter names (required for these indicators)."""
    slug = str(value or "").strip()
    if not slug:
        raise InvalidParameter("territory", _("give a territory (its short name)"))
    territory = Territory.objects.filter(slug=slug).first()
    if territory is None:
        raise InvalidParameter("territory", _("unknown territory %(value)s") % {"value": quoted(slug, _)})
    return territory


def on_parse(value: Any) -> dt.date | None:
    """`on=YYYY-MM-DD`: the week whose opening hours count (this week when absent)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter("on", _("%(value)s is not a date (YYYY-MM-DD)") % {"value": quoted(text, _)}) from None


def _is_arrondissement(code: str) -> bool:
    return any(first <= code <= last for first, last in ARRONDISSEMENTS)


@dataclass(frozen=True)
class Communes:
    """Every commune of the reference with a centre, as arrays (one row per commune)."""

    codes: list[str]
    names: list[str]
    departments: list[str]
    population: np.ndarray  # float, NaN unknown
    lats: np.ndarray
    lons: np.ndarray
    arrondissement: np.ndarray  # bool


def communes_read() -> Communes:
    rows = list(
        Commune.objects.filter(lat__isnull=False, lon__isnull=False)
        .order_by("code")
        .values_list("code", "name", "department", "population", "lat", "lon")
    )
    return Communes(
        codes=[r[0] for r in rows], names=[r[1] for r in rows], departments=[r[2] for r in rows],
        population=np.array([np.nan if r[3] is None else float(r[3]) for r in rows], dtype=float),
        lats=np.array([r[4] for r in rows], dtype=float), lons=np.array([r[5] for r in rows], dtype=float),
        arrondissement=np.array([_is_arrondissement(r[0]) for r in rows], dtype=bool),
    )  # fmt: skip


@dataclass(frozen=True)
class PublicPlace:
    place_id: int
    kind: str
    lat: float
    lon: float
    hours: str


def public_places() -> list[PublicPlace]:
    """The places the public search finds (its kind rows: open, with a position, of a public kind), with
    their opening hours."""
    facets = PlaceFacet.objects.filter(
        facet__in=[f"k:{k}" for k in ACCESS_KINDS], lat__isnull=False, lon__isnull=False
    ).values_list("place_id", "facet", "lat", "lon")
    positions = {
        pid: (facet[2:], float(lat or 0.0), float(lon or 0.0))
        for pid, facet, lat, lon in facets.iterator(chunk_size=20_000)
    }
    expressions = dict(
        Place.objects.filter(closed_at__isnull=True, kind__in=ACCESS_KINDS, lat__isnull=False)
        .exclude(opening_hours="")
        .values_list("id", "opening_hours")
        .iterator(chunk_size=20_000)
    )
    return [PublicPlace(pid, kind, lat, lon, expressions.get(pid, "")) for pid, (kind, lat, lon) in positions.items()]


def week_of(on: dt.date | None = None) -> dt.date:
    """The Monday from which opening hours are read: this week's, in the site's time zone."""
    return opening.monday_of(on or timezone.localdate())


@dataclass(frozen=True)
class HoursCount:
    counted: int  # places kept
    hours_unknown: int  # no opening hours, or hours that do not parse
    below: int  # open fewer hours a week than asked


def places_open_enough(
    places: Sequence[PublicPlace], min_hours: float | None, monday: dt.date
) -> tuple[list[PublicPlace], HoursCount]:
    """The places open at least `min_hours` a week (mean over opening.WEEKS weeks from `monday`); with
    no minimum, every place (hours unknown included)."""
    if min_hours is None:
        unknown = sum(1 for p in places if opening.weekly_hours(p.hours, monday, settings.TIME_ZONE) is None)
        return list(places), HoursCount(len(places), unknown, 0)
    kept, unknown, below = [], 0, 0
    for place in places:
        weekly = opening.weekly_hours(place.hours, monday, settings.TIME_ZONE)
        if weekly is None:
            unknown += 1
        elif weekly + 1e-9 < min_hours:
            below += 1
        else:
            kept.append(place)
    return kept, HoursCount(len(kept), unknown, below)


@dataclass(frozen=True)
class Target:
    name: str  # a kind, "any", or a weekday code
    label: str
    targets: access.Targets


def _targets_by_kind(places: Sequence[PublicPlace]) -> list[Target]:
    found: dict[str, list[tuple[int, float, float]]] = {kind: [] for kind in (ANY, *ACCESS_KINDS)}
    for p in places:
        found[ANY].append((p.place_id, p.lat, p.lon))
        found[p.kind].append((p.place_id, p.lat, p.lon))
    return [Target(kind, kind_label(kind), access.Targets.of(rows)) for kind, rows in found.items()]


def _targets_by_weekday(places: Sequence[PublicPlace], monday: dt.date) -> tuple[list[Target], int, int]:
    """One target set per weekday: the markets held that day. Also: how many markets, and how many of
    them with unknown days."""
    markets = [p for p in places if p.kind == MARKET]
    by_day: list[list[tuple[int, float, float]]] = [[] for _day in range(7)]
    unknown = 0
    for market in markets:
        days = opening.weekdays_open(market.hours, monday, settings.TIME_ZONE)
        if days is None:
            unknown += 1
            continue
        for day in days:
            by_day[day].append((market.place_id, market.lat, market.lon))
    targets = [
        Target(hours.WEEKDAYS[day], str(WEEKDAYS[day]), access.Targets.of(rows)) for day, rows in enumerate(by_day)
    ]
    return targets, len(markets), unknown


def _km(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 2)


def _km_list(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in np.round(values, 2).tolist()]  # NaN != NaN: no place


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _compare(
    territory: Territory, targets: Sequence[Target], *, beyond_km: float, beyond_of: str, everywhere: Communes | None
) -> dict[str, Any]:
    """The per-commune distances of the territory to each target set, and per scope (the territory,
    each of its départements, France) the population within 5/10/20 km and the median distance."""
    everywhere = everywhere or communes_read()
    members = set(territory.communes.values_list("code", flat=True))
    result = compare_figures(everywhere, members, territory.slug, territory.name, targets, beyond_km, beyond_of)
    return {"territory": territory.slug, "name": territory.name} | result


def compare_figures(
    everywhere: Communes, members: set[str], slug: str, name: str, targets: Sequence[Target],
    beyond_km: float, beyond_of: str,
) -> dict[str, Any]:  # fmt: skip
    """`_compare` once read: every commune, the territory's codes, the target sets."""
    member = np.array([code in members for code in everywhere.codes], dtype=bool)
    departments = sorted({d for d, m in zip(everywhere.departments, member, strict=True) if m})
    department_index = {d: i for i, d in enumerate(departments)}
    national = ~everywhere.arrondissement
    by_department = np.array(
        [department_index.get(d, -1) if n else -1 for d, n in zip(everywhere.departments, national, strict=True)]
    )
    in_territory = np.where(member, 0, -1)
    in_france = np.where(national, 0, -1)
    scopes: list[dict[str, Any]] = [
        {"kind": "territory", "code": slug, "label": name},
        *(
            {"kind": "department", "code": d, "name": department_name(d), "label": department_label(d)}
            for d in departments
        ),
        {"kind": "france", "code": "", "label": _("France")},
    ]
    for scope in scopes:
        scope["access"] = []
    distances: dict[str, np.ndarray] = {}
    ids: dict[str, np.ndarray] = {}
    medians: dict[str, tuple[np.ndarray, float]] = {}
    for target in targets:
        place_ids, km = access.nearest_arrays(target.targets, everywhere.lats, everywhere.lons)
        distances[target.name], ids[target.name] = km, place_ids
        groups = [
            (access.reach_by_group(km, everywhere.population, in_territory, 1), [0], [scopes[0]]),
            (access.reach_by_group(km, everywhere.population, by_department, len(departments)),
             list(range(len(departments))), scopes[1:-1]),
            (access.reach_by_group(km, everywhere.population, in_france, 1), [0], [scopes[-1]]),
        ]  # fmt: skip
        for reach, indexes, their_scopes in groups:
            for index, scope in zip(indexes, their_scopes, strict=True):
                population = float(reach.population[index])
                scope["communes"] = int(reach.communes[index])
                scope["population"] = int(population)
                scope["access"].append({
                    "target": target.name, "label": target.label, "places": len(target.targets.ids),
                    "median_km": _km(reach.median_km[index]),
                    "reach": [{"threshold_km": t, "population": int(reach.within[index, i]),
                               "share": _share(float(reach.within[index, i]), population)}
                              for i, t in enumerate(access.THRESHOLDS_KM)],
                })  # fmt: skip
        medians[target.name] = (groups[1][0].median_km, float(groups[2][0].median_km[0]))
    # The rows of 35,000 communes × a dozen targets: each column rounded and converted at once.
    chosen = np.nonzero(member)[0]
    department_of = np.array([department_index.get(everywhere.departments[i], -1) for i in chosen], dtype=np.int64)
    columns: dict[str, tuple[list[Any], list[Any], list[Any], float | None]] = {}
    for target in targets:
        department_medians, france_median = medians[target.name]
        by_department = np.append(department_medians, np.nan)[department_of]  # -1: the appended NaN
        place_ids = ids[target.name][chosen]
        columns[target.name] = (
            _km_list(distances[target.name][chosen]), _km_list(by_department),
            [None if p < 0 else p for p in place_ids.tolist()], _km(france_median),
        )  # fmt: skip
    inhabitants = [None if p != p else int(p) for p in everywhere.population[chosen].tolist()]
    lats, lons = everywhere.lats[chosen].tolist(), everywhere.lons[chosen].tolist()
    rows = []
    for j, i in enumerate(chosen.tolist()):
        rows.append({
            "commune": everywhere.codes[i], "name": everywhere.names[i], "department": everywhere.departments[i],
            "department_name": department_name(everywhere.departments[i]),
            "population": inhabitants[j], "lat": lats[j], "lon": lons[j],
            "km": {name: column[0][j] for name, column in columns.items()},
            "place_id": {name: column[2][j] for name, column in columns.items()},
            "department_median_km": {name: column[1][j] for name, column in columns.items()},
            "france_median_km": {name: column[3] for name, column in columns.items()},
        })  # fmt: skip
    rows.sort(key=lambda r: (r["name"], r["commune"]))
    beyond = [
        {"commune": r["commune"], "name": r["name"], "population": r["population"], "distance_km": r["km"][beyond_of]}
        for r in rows if r["km"][beyond_of] is None or r["km"][beyond_of] > beyond_km
    ]  # fmt: skip
    no_centre = sorted(set(members) - {everywhere.codes[i] for i in np.nonzero(member)[0]})
    return {
        "targets": [t.name for t in targets],
        "scopes": scopes, "rows": rows, "beyond_km": beyond_km, "beyond": beyond, "no_centre": no_centre,
        "no_data": not rows or all(len(t.targets.ids) == 0 for t in targets),
    }  # fmt: skip


def access_compared(
    territory: Territory,
    *,
    min_hours: float | None = None,
    beyond_km: float = BEYOND_KM,
    on: dt.date | None = None,
    places: Sequence[PublicPlace] | None = None,
    everywhere: Communes | None = None,
) -> dict[str, Any]:
    """Access to local food in each commune of the territory beside its département and France, per
    public kind and for any: population within 5/10/20 km, median distance, the communes farther than
    `beyond_km` from any place; with `min_hours`, only the places open at least that many hours a week
    count (a place whose hours are unknown does not). `places` and `everywhere`: already read (a page
    showing several of these indicators reads them once)."""
    monday = week_of(on)
    kept, counted = places_open_enough(public_places() if places is None else places, min_hours, monday)
    targets = _targets_by_kind(kept)
    result = _compare(territory, targets, beyond_km=beyond_km, beyond_of=ANY, everywhere=everywhere)
    result |= {
        "min_hours": min_hours, "week_of": monday.isoformat(),
        "places": {"counted": counted.counted, "hours_unknown": counted.hours_unknown,
                   "below_min_hours": counted.below},
    }  # fmt: skip
    if result["no_data"]:
        result["message"] = str(NO_PLACES)
    return result


def markets_by_weekday(
    territory: Territory, *, on: dt.date | None = None,
    places: Sequence[PublicPlace] | None = None, everywhere: Communes | None = None,
) -> dict[str, Any]:  # fmt: skip
    """For each weekday, the distance from each commune's centre to the nearest market held that day
    (from its opening hours over the coming weeks), with the same comparison; a market whose days are
    unknown counts on no day."""
    monday = week_of(on)
    targets, markets, unknown = _targets_by_weekday(public_places() if places is None else places, monday)
    result = _compare(territory, targets, beyond_km=BEYOND_KM, beyond_of=targets[0].name, everywhere=everywhere)
    result.pop("beyond")
    result |= {"week_of": monday.isoformat(), "markets": markets, "markets_days_unknown": unknown}
    if result["no_data"]:
        result["message"] = str(NO_MARKETS)
    return result


def _cell(value: float | None) -> str:
    # French spreadsheets read "45,55" as a number and "45.55" as text or a date.
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def compared_csv(figures: Mapping[str, Any]) -> str:
    """A compared indicator per commune for French spreadsheets (semicolons, decimal commas, UTF-8 with
    BOM): for each target, the commune's km, its département's median and France's."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    names = figures["targets"]
    header = ["commune", "name", "department", "department_name", "population"]
    for name in names:
        header += [f"km_{name}", f"department_median_km_{name}", f"france_median_km_{name}"]
    writer.writerow(header)
    for row in figures["rows"]:
        cells: list[Any] = [
            row["commune"],
            row["name"],
            row["department"],
            row["department_name"],
            "" if row["population"] is None else row["population"],
        ]
        for name in names:
            cells += [
                _cell(row["km"][name]),
                _cell(row["department_median_km"][name]),
                _cell(row["france_median_km"][name]),
            ]
        writer.writerow(cells)
    return out.getvalue()
