"""The observatory's geographic and producer indicators through the API (public reads): access compared
with the département and France, markets by weekday, producers, local or not, and the canteens' rows.

Each indicator is a JSON read and its CSV twin (`.csv`: semicolons, decimal commas, UTF-8 with BOM).
A bad parameter is a 400 naming it (InvalidParameter, in the reader's language); nothing to compute is
`no_data` with a message, never zeros.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from terroir.observatory import compared

from ..errors import ERRORS

router = Router(tags=["observatory"])
CSV_RESPONSE: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}


def _csv(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class TerritoryIn(Schema):
    territory: str | None = Field(None, description="a territory's short name (slug); required")


class ComparedIn(TerritoryIn):
    min_hours: float | None = Field(
        None, ge=0, le=168,
        description="only places open at least this many hours a week count (mean over 4 weeks); "
        "a place whose hours are unknown then does not",
    )  # fmt: skip
    beyond_km: float = Field(20.0, gt=0, le=500, description="list the communes farther than this from any place")
    on: str | None = Field(None, description="a date (YYYY-MM-DD): hours are read over the 4 weeks from its Monday")


class WeekdayIn(TerritoryIn):
    on: str | None = Field(
        None, description="a date (YYYY-MM-DD): market days are read over the 4 weeks from its Monday"
    )


class ReachOut(Schema):
    threshold_km: float
    population: int = Field(description="inhabitants of the scope's communes whose centre is that close")
    share: float | None = Field(description="of the scope's population with a known population (0–1)")


class TargetAccessOut(Schema):
    target: str = Field(description="a kind of place, any, or a weekday (mo…su)")
    label: str
    places: int = Field(description="places counted for this target, in all France")
    median_km: float | None = Field(description="median over the scope's communes of the distance to the nearest")
    reach: list[ReachOut]


class ScopeAccessOut(Schema):
    kind: str = Field(description="territory, department or france")
    code: str
    label: str
    communes: int = Field(description="communes with a centre (arrondissements only in a territory naming them)")
    population: int = Field(description="their municipal population (communes with one)")
    access: list[TargetAccessOut]


class CommuneComparedOut(Schema):
    commune: str
    name: str
    department: str
    population: int | None
    km: dict[str, float | None] = Field(description="by target: great-circle km to the nearest place")
    place_id: dict[str, int | None]
    department_median_km: dict[str, float | None] = Field(description="by target: the median of its département")
    france_median_km: dict[str, float | None] = Field(description="by target: the median of France")


class BeyondOut(Schema):
    commune: str
    name: str
    population: int | None
    distance_km: float | None


class PlacesCountedOut(Schema):
    counted: int
    hours_unknown: int = Field(description="places without opening hours, or with hours that do not parse")
    below_min_hours: int


class AccessComparedOut(Schema):
    territory: str
    name: str
    targets: list[str]
    min_hours: float | None
    week_of: str
    places: PlacesCountedOut
    scopes: list[ScopeAccessOut] = Field(description="the territory, each of its départements, France")
    rows: list[CommuneComparedOut]
    beyond_km: float
    beyond: list[BeyondOut]
    no_centre: list[str]
    no_data: bool
    message: str | None = None


class MarketsByWeekdayOut(Schema):
    territory: str
    name: str
    targets: list[str] = Field(description="the weekdays, mo…su")
    week_of: str
    markets: int
    markets_days_unknown: int = Field(description="markets whose opening hours are unknown: they count on no day")
    scopes: list[ScopeAccessOut]
    rows: list[CommuneComparedOut]
    no_centre: list[str]
    no_data: bool
    message: str | None = None


def _compared(params: ComparedIn) -> dict[str, Any]:
    territory = compared.territory_parse(params.territory)
    return compared.access_compared(
        territory, min_hours=params.min_hours, beyond_km=params.beyond_km, on=compared.on_parse(params.on)
    )


@router.get(
    "/indicators/access-compared",
    response={200: AccessComparedOut, **ERRORS},
    summary="Access to local food per commune of a territory, beside its départements and France, "
    "opening hours counted",
)
def access_compared(request: HttpRequest, params: Query[ComparedIn]) -> dict[str, Any]:
    return _compared(params)


@router.get(
    "/indicators/access-compared.csv",
    response={200: str, **ERRORS},
    summary="Access compared, per commune, as CSV",
    openapi_extra=CSV_RESPONSE,
)
def access_compared_csv(request: HttpRequest, params: Query[ComparedIn]) -> HttpResponse:
    figures = _compared(params)
    return _csv(compared.compared_csv(figures), f"acces-compare-{figures['territory']}")


def _weekdays(params: WeekdayIn) -> dict[str, Any]:
    territory = compared.territory_parse(params.territory)
    return compared.markets_by_weekday(territory, on=compared.on_parse(params.on))


@router.get(
    "/indicators/markets-by-weekday",
    response={200: MarketsByWeekdayOut, **ERRORS},
    summary="Distance to the nearest market held on each weekday, per commune of a territory",
)
def markets_by_weekday(request: HttpRequest, params: Query[WeekdayIn]) -> dict[str, Any]:
    return _weekdays(params)


@router.get(
    "/indicators/markets-by-weekday.csv",
    response={200: str, **ERRORS},
    summary="Markets by weekday, per commune, as CSV",
    openapi_extra=CSV_RESPONSE,
)
def markets_by_weekday_csv(request: HttpRequest, params: Query[WeekdayIn]) -> HttpResponse:
    figures = _weekdays(params)
    return _csv(compared.compared_csv(figures), f"marches-par-jour-{figures['territory']}")
