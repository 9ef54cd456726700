"""The indicators, as selectors: what a page, the API and a CSV show, as plain data.

Each indicator is computed for a scope (France, a territory, a PAT, an EPCI, a département or a commune)
given by exactly one parameter. A bad parameter raises the search's `InvalidParameter` (the API answers
it as a 400 naming the parameter, in the reader's language). No data is said as such (`no_data`), never as
zeros.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from terroir.directory.french import elided
from terroir.directory.models import PUBLIC_KINDS, Commune, PlaceFacet, PlaceKind
from terroir.directory.search import InvalidParameter
from terroir.lib import spreadsheet
from terroir.lib.messages import quoted

from . import access, egalim
from .departments import department_label
from .models import CanteenDeclaration, Territory
from .territories import municipality_of, pat_known, pats

SCOPES = ("territory", "pat", "epci", "department", "commune")
ANY = "any"
# Kinds with a position: an online shop is nowhere.
ACCESS_KINDS = tuple(kind for kind in PUBLIC_KINDS if kind != PlaceKind.ONLINE)
BEYOND_KM = 20.0


@dataclass(frozen=True)
class Scope:
    kind: str  # "france" or one of SCOPES
    code: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code, "label": self.label}


def _invalid(parameter: str, message: str) -> InvalidParameter:
    return InvalidParameter(parameter, message)


def scope_parse(params: Mapping[str, Any]) -> Scope:
    """The one scope the parameters name, checked; France when none is given."""
    given = [(name, str(params[name]).strip()) for name in SCOPES if str(params.get(name) or "").strip()]
    if len(given) > 1:
        message = _("give only one of territory, pat, epci, department and commune (not %(first)s and %(second)s)")
        raise _invalid(given[1][0], message % {"first": given[0][0], "second": given[1][0]})
    if not given:
        return Scope("france", "", _("France"))
    name, value = given[0]
    if name == "territory":
        territory = Territory.objects.filter(slug=value).first()
        if territory is None:
            raise _invalid(name, _("unknown territory %(value)s") % {"value": quoted(value, _)})
        return Scope(name, territory.slug, territory.name)
    if name == "pat":
        if not (value.isascii() and value.isdigit()) or not pat_known(value):
            raise _invalid(
                name,
                _("unknown PAT %(value)s (a code of the national list, such as 1306)") % {"value": quoted(value, _)},
            )
        return Scope(name, value, pats().get(value, value))
    if name == "epci":
        commune = Commune.objects.filter(epci_code=value).first() if value.isdigit() and len(value) == 9 else None
        if commune is None and not CanteenDeclaration.objects.filter(epci_code=value).exists():
            raise _invalid(name, _("unknown EPCI %(value)s (its SIREN, 9 digits)") % {"value": quoted(value, _)})
        return Scope(name, value, commune.epci_name if commune else value)
    if name == "department":
        value = value.upper()
        if not Commune.objects.filter(department=value).exists():
            raise _invalid(
                name, _("unknown département %(value)s (a code such as 63 or 2A)") % {"value": quoted(value, _)}
            )
        return Scope(name, value, department_label(value))
    commune = _commune_get(value)
    return Scope(name, commune.code, commune.name)


def _commune_get(value: str, parameter: str = "commune") -> Commune:
    if not (len(value) == 5 and value.isascii() and value[:2].isalnum() and value[2:].isdigit()):
        raise _invalid(
            parameter, _("%(value)s is not an INSEE code (5 characters, such as 63113)") % {"value": quoted(value, _)}
        )
    commune = Commune.objects.filter(code=value.upper()).first()
    if commune is None:
        raise _invalid(parameter, _("unknown commune %(value)s") % {"value": quoted(value, _)})
    return commune


def year_parse(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100):
        raise _invalid("year", _("the year must be a year such as 2023, not %(value)s") % {"value": quoted(text, _)})
    return int(text)


# --- Canteens and EGalim ----------------------------------------------------------------------------


def declarations_of(scope: Scope) -> QuerySet[CanteenDeclaration]:
    rows = CanteenDeclaration.objects.all()
    if scope.kind == "territory":
        return rows.filter(commune__in=Territory.objects.get(slug=scope.code).communes.all())
    if scope.kind == "pat":
        return rows.filter(pat_codes__contains=f",{scope.code},")
    if scope.kind == "epci":
        return rows.filter(epci_code=scope.code)
    if scope.kind == "department":
        return rows.filter(department=scope.code)
    if scope.kind == "commune":
        return rows.filter(commune_id=municipality_of(scope.code))
    return rows


def canteen_indicator(scope: Scope, year: int | None = None) -> dict[str, Any]:
    """The EGalim figures of the canteens of a scope for a year (the latest declared when none is given)."""
    rows = declarations_of(scope)
    years = sorted(set(rows.values_list("year", flat=True).order_by().distinct()))
    year = year if year is not None else (years[-1] if years else None)
    shares = rows.filter(year=year).values_list("ratio_organic", "ratio_egalim_other") if year is not None else []
    figures = egalim.canteen_figures(egalim.Declared(o, e) for o, e in shares)
    result: dict[str, Any] = {
        "scope": scope.as_dict(), "year": year, "years": years,
        "organic_target": egalim.ORGANIC_TARGET, "egalim_target": egalim.EGALIM_TARGET,
        "canteens": figures.canteens if figures else 0,
        "organic_share_mean": figures.organic_share_mean if figures else None,
        "egalim_share_mean": figures.egalim_share_mean if figures else None,
        "meeting_organic_target": figures.meeting_organic_target if figures else None,
        "meeting_egalim_target": figures.meeting_egalim_target if figures else None,
        "no_data": figures is None,
    }  # fmt: skip
    if figures is None:
        if year is None:
            result["message"] = _("No canteen declaration of %(scope)s has been imported.") % {"scope": scope.label}
        else:
            message = _("No canteen of %(scope)s declared its purchases for %(year)s.")
            result["message"] = message % {"scope": scope.label, "year": year}
        result["message"] = elided(result["message"], scope.label)
    return result


def canteen_comparison(territory: Territory, year: int | None) -> list[dict[str, Any]]:
    """The territory's canteen figures beside those of its départements and of France, for one year."""
    departments = sorted(set(territory.communes.values_list("department", flat=True)))
    scopes = [Scope("territory", territory.slug, territory.name)]
    scopes += [Scope("department", code, department_label(code)) for code in departments]
    scopes.append(Scope("france", "", _("France")))
    return [canteen_indicator(scope, year) for scope in scopes]


# --- Access to local food ---------------------------------------------------------------------------


def kind_parse(value: Any) -> str:
    kind = str(value or ANY).strip()
    if kind != ANY and kind not in ACCESS_KINDS:
        raise _invalid("kind", _("unknown kind %(value)s (one of %(kinds)s)")
                       % {"value": quoted(kind, _), "kinds": ", ".join((ANY, *ACCESS_KINDS))})  # fmt: skip
    return kind


def scope_label(scope: Mapping[str, str]) -> str:
    """A scope's label in the reader's language (a snapshot's were written in the worker's)."""
    if scope["kind"] == "department":
        return department_label(scope["code"])
    if scope["kind"] == "france":
        return _("France")
    return scope["label"]


def kind_label(kind: str) -> str:
    return _("any public place") if kind == ANY else str(PlaceKind(kind).label)


def places_by_kind(kinds: Sequence[str]) -> dict[str, access.Targets]:
    """The places the public search finds of each kind asked (`any`: of every public kind), with their
    position, read once: the search's own kind rows (open places only, PlaceFacet)."""
    wanted = ACCESS_KINDS if ANY in kinds else tuple(kinds)
    rows = PlaceFacet.objects.filter(facet__in=[f"k:{k}" for k in wanted], lat__isnull=False, lon__isnull=False)
    found: dict[str, list[tuple[int, float, float]]] = {kind: [] for kind in kinds}
    for facet, place_id, lat, lon in rows.values_list("facet", "place_id", "lat", "lon").iterator(chunk_size=10_000):
        position = (place_id, float(lat or 0.0), float(lon or 0.0))  # never null: filtered above
        if facet[2:] in found:
            found[facet[2:]].append(position)
        if ANY in found:
            found[ANY].append(position)
    return {kind: access.Targets.of(positions) for kind, positions in found.items()}


def commune_access(commune_code: str, kind: str) -> dict[str, Any]:
    """The nearest place of a kind from a commune's centre."""
    commune = _commune_get(str(commune_code or "").strip())
    kind = kind_parse(kind)
    result: dict[str, Any] = {"commune": commune.code, "commune_name": commune.name, "kind": kind}
    if commune.lat is None or commune.lon is None:
        message = _("The commune %(name)s has no known centre.") % {"name": commune.name}
        return result | {"distance_km": None, "place_id": None, "no_data": True, "message": message}
    [found] = access.nearest(places_by_kind([kind])[kind], [commune.lat], [commune.lon])
    result |= _km(found) | {"no_data": found.place_id is None}
    if found.place_id is None:
        result["message"] = _("No place of this kind in the directory.")
    return result


def _km(nearest: access.Nearest) -> dict[str, Any]:
    return {
        "distance_km": None if nearest.distance_km is None else round(nearest.distance_km, 2),
        "place_id": nearest.place_id,
    }


def territory_access(territory: Territory, *, beyond_km: float = BEYOND_KM) -> dict[str, Any]:
    """Per commune of the territory, the nearest place of each public kind and of any; the share of the
    population within 5, 10 and 20 km of any; the communes farther than `beyond_km` from any."""
    communes = list(territory.communes.order_by("name").values_list("code", "name", "population", "lat", "lon"))
    placed = [(code, name, people, lat, lon) for code, name, people, lat, lon in communes
              if lat is not None and lon is not None]  # fmt: skip
    lats, lons = [c[3] for c in placed], [c[4] for c in placed]
    targets = places_by_kind((ANY, *ACCESS_KINDS))
    nearest = {kind: access.nearest(found, lats, lons) for kind, found in targets.items()}
    rows = [
        {"commune": code, "name": name, "population": people,
         "nearest": {kind: _km(found[index]) for kind, found in nearest.items()}}
        for index, (code, name, people, _lat, _lon) in enumerate(placed)
    ]  # fmt: skip
    reach = access.population_within([n.distance_km for n in nearest[ANY]], [c[2] for c in placed])
    kinds = []
    for kind in (ANY, *ACCESS_KINDS):
        known = [n.distance_km for n in nearest[kind] if n.distance_km is not None]
        kinds.append({"kind": kind, "label": kind_label(kind),
                      "median_km": round(statistics.median(known), 2) if known else None,
                      "communes_within_10_km": sum(1 for d in known if d <= 10.0) if known else None})  # fmt: skip
    beyond = [
        {"commune": code, "name": name, "population": people, "distance_km": _km(found)["distance_km"]}
        for (code, name, people, _lat, _lon), found in zip(placed, nearest[ANY], strict=True)
        if found.distance_km is None or found.distance_km > beyond_km
    ]  # fmt: skip
    return {
        "territory": territory.slug, "name": territory.name, "communes": len(communes),
        "population": sum(c[2] for c in placed if c[2] is not None),
        "population_unknown": [c[0] for c in placed if c[2] is None],
        "no_centre": [c[0] for c in communes if c[3] is None or c[4] is None],
        "reach": [{"threshold_km": r.threshold_km, "population": r.population,
                   "share": None if r.share is None else round(r.share, 4)} for r in reach],
        "kinds": kinds, "beyond_km": beyond_km, "beyond": beyond, "rows": rows,
        "no_data": not placed or nearest[ANY][0].place_id is None,
    }  # fmt: skip


def _number_cell(value: float | None, digits: int) -> str:
    # French spreadsheets read "45,55" as a number and "45.55" as text or a date.
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def territory_access_csv(figures: Mapping[str, Any]) -> str:
    """territory_access per commune for French spreadsheets: semicolons, decimal commas, UTF-8 with BOM;
    one distance column per kind (`km_<kind>`, empty when the directory has none)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    kinds = (ANY, *ACCESS_KINDS)
    writer.writerow(["commune", "name", "population", "place_id_any", *(f"km_{kind}" for kind in kinds)])
    for row in figures["rows"]:
        nearest = row["nearest"]
        writer.writerow([
            row["commune"], row["name"], "" if row["population"] is None else row["population"],
            nearest[ANY]["place_id"] or "", *(_number_cell(nearest[kind]["distance_km"], 2) for kind in kinds),
        ])  # fmt: skip
    return out.getvalue()
