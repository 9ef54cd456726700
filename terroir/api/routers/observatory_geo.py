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

from terroir.observatory import canteen_rows, compared, indicators
from terroir.observatory import local as observatory_local
from terroir.observatory import producers as observatory_producers

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS
from .observatory import CanteensIn

router = Router(tags=["observatory"])


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


class ComparedReachOut(Schema):
    threshold_km: float
    population: int = Field(description="inhabitants of the scope's communes whose centre is that close")
    share: float | None = Field(description="of the scope's population with a known population (0–1)")


class TargetAccessOut(Schema):
    target: str = Field(description="a kind of place, any, or a weekday (mo…su)")
    label: str
    places: int = Field(description="places counted for this target, in all France")
    median_km: float | None = Field(description="median over the scope's communes of the distance to the nearest")
    reach: list[ComparedReachOut]


class ScopeAccessOut(Schema):
    kind: str = Field(description="territory, department or france")
    code: str
    name: str | None = Field(None, description="a département's name (INSEE's official geographic code)")
    label: str = Field(description='as the pages say it: the territory\'s name, "Puy-de-Dôme (63)", France')
    communes: int = Field(description="communes with a centre (arrondissements only in a territory naming them)")
    population: int = Field(description="their municipal population (communes with one)")
    access: list[TargetAccessOut]


class CommuneComparedOut(Schema):
    commune: str
    name: str
    department: str
    department_name: str = Field(description="the département's name, such as Puy-de-Dôme")
    population: int | None
    lat: float = Field(description="the commune's centre")
    lon: float
    km: dict[str, float | None] = Field(description="by target: great-circle km to the nearest place")
    place_id: dict[str, int | None]
    department_median_km: dict[str, float | None] = Field(description="by target: the median of its département")
    france_median_km: dict[str, float | None] = Field(description="by target: the median of France")


class ComparedBeyondOut(Schema):
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
    beyond: list[ComparedBeyondOut]
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
    openapi_extra=CSV_OPENAPI,
)
def access_compared_csv(request: HttpRequest, params: Query[ComparedIn]) -> HttpResponse:
    figures = _compared(params)
    return csv_attachment(compared.compared_csv(figures), f"acces-compare-{figures['territory']}.csv")


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
    openapi_extra=CSV_OPENAPI,
)
def markets_by_weekday_csv(request: HttpRequest, params: Query[WeekdayIn]) -> HttpResponse:
    figures = _weekdays(params)
    return csv_attachment(compared.compared_csv(figures), f"marches-par-jour-{figures['territory']}.csv")


# --- Producers ---------------------------------------------------------------------------------------


class ProducerChannelsOut(Schema):
    channels: int = Field(description="kinds of places (4: four or more)")
    producers: int


class FamilyOut(Schema):
    family: str = Field(description="a top category of the taxonomy (slug)")
    label: str
    producers: int
    share: float | None
    direct_sale: int = Field(description="of them, producers in direct sale")


class LabelCountOut(Schema):
    label: str
    name: str
    producers: int
    share: float | None


class ProducerRowOut(Schema):
    producer_id: int
    name: str
    commune: str | None
    families: list[str]
    labels: list[str]
    places: int
    kinds: list[str]
    channels: int
    direct_sale: bool
    single_buyer: bool
    dependence_warned: bool


class ProducersOut(Schema):
    territory: str
    name: str
    producers: int = Field(description="producers whose commune is in the territory")
    direct_sale: int = Field(description="with at least one place of direct sale (farm, market, AMAP…)")
    direct_sale_share: float | None
    intermediaries_only: int
    no_place: int
    with_place: int
    channels: list[ProducerChannelsOut]
    channels_mean: float | None = Field(description="kinds of places per producer with at least one place")
    single_channel: int
    single_channel_share: float | None = Field(description="of the producers with at least one place")
    single_buyer: int = Field(description="no direct sale and exactly one intermediary place")
    single_buyer_share: float | None
    dependence_warned: int = Field(description="the needs board's dependence warning: one buyer over the limit")
    dependence_answers_checked: int
    dependence_limit: float
    families: list[FamilyOut]
    labels: list[LabelCountOut]
    rows: list[ProducerRowOut]
    no_data: bool
    message: str | None = None


@router.get(
    "/indicators/producers",
    response={200: ProducersOut, **ERRORS},
    summary="The producers of a territory: families, labels, direct sale, channels, single channel or buyer",
)
def indicators_producers(request: HttpRequest, params: Query[TerritoryIn]) -> dict[str, Any]:
    return observatory_producers.territory_producers(compared.territory_parse(params.territory))


@router.get(
    "/indicators/producers.csv",
    response={200: str, **ERRORS},
    summary="The producers of a territory, one per row, as CSV",
    openapi_extra=CSV_OPENAPI,
)
def producers_csv(request: HttpRequest, params: Query[TerritoryIn]) -> HttpResponse:
    figures = observatory_producers.territory_producers(compared.territory_parse(params.territory))
    body = observatory_producers.territory_producers_csv(figures)
    return csv_attachment(body, f"producteurs-{figures['territory']}.csv")


# --- Local or not ------------------------------------------------------------------------------------


class LocalKindOut(Schema):
    kind: str
    label: str
    places: int
    places_with_producers: int = Field(description="places with at least one producer with a known farm")
    links: int = Field(description="place–producer pairs measured")
    local_share: float | None = Field(description="of those pairs, the part within the local radius")
    places_local_share_mean: float | None = Field(description="plain mean of the places' own local shares")
    median_km: float | None = Field(description="median farm-to-shelf great-circle km over the pairs")


class LocalPlaceOut(Schema):
    place_id: int
    name: str
    kind: str
    commune: str | None
    producers: int
    unplaced: int
    local: int
    local_share: float | None
    median_km: float | None


class LocalOut(Schema):
    territory: str
    name: str
    radius_km: float = Field(description="the territory's local radius, great-circle km")
    places: int
    kinds: list[LocalKindOut]
    supermarkets_local_share: float | None
    rows: list[LocalPlaceOut]
    no_data: bool
    message: str | None = None


@router.get(
    "/indicators/local",
    response={200: LocalOut, **ERRORS},
    summary="Local or not: the share of each place's producers within the territory's local radius",
)
def local(request: HttpRequest, params: Query[TerritoryIn]) -> dict[str, Any]:
    return observatory_local.territory_local(compared.territory_parse(params.territory))


@router.get(
    "/indicators/local.csv",
    response={200: str, **ERRORS},
    summary="Local or not, one place per row, as CSV",
    openapi_extra=CSV_OPENAPI,
)
def local_csv(request: HttpRequest, params: Query[TerritoryIn]) -> HttpResponse:
    figures = observatory_local.territory_local(compared.territory_parse(params.territory))
    return csv_attachment(observatory_local.territory_local_csv(figures), f"local-{figures['territory']}.csv")


# --- Canteens' rows ----------------------------------------------------------------------------------


@router.get(
    "/indicators/canteens.csv",
    response={200: str, **ERRORS},
    summary="The canteen declarations behind the canteens indicator, one per row, as CSV",
    openapi_extra=CSV_OPENAPI,
)
def canteens_csv(request: HttpRequest, params: Query[CanteensIn]) -> HttpResponse:
    values = params.dict()
    scope = indicators.scope_parse(values)
    body, year = canteen_rows.canteens_csv(scope, indicators.year_parse(values.get("year")))
    return csv_attachment(body, f"cantines-{scope.kind}{'-' + scope.code if scope.code else ''}-{year or 'aucune'}.csv")
