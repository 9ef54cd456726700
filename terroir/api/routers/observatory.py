"""The observatory through the API: territories and indicators (public reads).

Every scope parameter is checked by terroir.observatory.indicators, which raises the search's
InvalidParameter: a 400 naming the parameter, in the reader's language (Accept-Language). An indicator
with nothing to compute says `no_data` with a message, never zeros.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from terroir.observatory import indicators
from terroir.observatory.commune_history import commune_history_json
from terroir.observatory.models import Territory
from terroir.observatory.objectives import territory_history

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS

router = Router(tags=["observatory"])


class ScopeOut(Schema):
    kind: str = Field(description="france, territory, pat, epci, department or commune")
    code: str
    label: str


class CanteensIn(Schema):
    territory: str | None = Field(None, description="a territory's short name (slug)")
    pat: str | None = Field(None, description="a PAT code of the national list (ma-cantine), such as 1306")
    epci: str | None = Field(None, description="an EPCI's SIREN (9 digits)")
    department: str | None = Field(None, description="a département code, such as 63 or 2A")
    commune: str | None = Field(None, description="a commune's INSEE code")
    year: str | None = Field(None, description="the year declared (the latest imported when absent)")


class CanteensOut(Schema):
    scope: ScopeOut
    year: int | None
    years: list[int] = Field(description="the years with declarations in this scope")
    canteens: int = Field(description="canteens that declared their purchases for the year")
    organic_share_mean: float | None = Field(description="plain mean of the declared organic shares (0–1)")
    egalim_share_mean: float | None = Field(description="plain mean of the declared EGalim shares, organic included")
    meeting_organic_target: int | None = Field(description="canteens at or above 20 % organic")
    meeting_egalim_target: int | None = Field(description="canteens at or above 50 % EGalim")
    organic_target: float
    egalim_target: float
    no_data: bool
    message: str | None = None


class AccessIn(Schema):
    commune: str = Field(description="the commune's INSEE code")
    kind: str = Field("any", description="a public kind of place (market, farm, amap…) or any")


class AccessOut(Schema):
    commune: str
    commune_name: str
    kind: str
    distance_km: float | None = Field(description="great-circle km from the commune's centre, as the search measures")
    place_id: int | None
    no_data: bool
    message: str | None = None


class TerritoryOut(Schema):
    slug: str
    name: str
    pat_code: str
    communes: int


class NearestOut(Schema):
    distance_km: float | None
    place_id: int | None


class CommuneAccessOut(Schema):
    commune: str
    name: str
    population: int | None
    nearest: dict[str, NearestOut] = Field(description="by kind, and `any`")


class ReachOut(Schema):
    threshold_km: float
    population: int
    share: float | None


class KindAccessOut(Schema):
    kind: str
    label: str
    median_km: float | None
    communes_within_10_km: int | None


class BeyondOut(Schema):
    commune: str
    name: str
    population: int | None
    distance_km: float | None


class TerritoryAccessOut(Schema):
    territory: str
    name: str
    communes: int
    population: int
    population_unknown: list[str]
    no_centre: list[str]
    reach: list[ReachOut]
    kinds: list[KindAccessOut]
    beyond_km: float
    beyond: list[BeyondOut]
    rows: list[CommuneAccessOut]
    no_data: bool


@router.get(
    "/indicators/canteens",
    response={200: CanteensOut, **ERRORS},
    summary="Canteens' organic and EGalim purchases for one scope and year (ma-cantine declarations)",
)
def indicators_canteens(request: HttpRequest, params: Query[CanteensIn]) -> dict[str, Any]:
    values = params.dict()
    scope = indicators.scope_parse(values)
    return indicators.canteen_indicator(scope, indicators.year_parse(values.get("year")))


@router.get(
    "/indicators/access",
    response={200: AccessOut, **ERRORS},
    summary="Distance from a commune's centre to the nearest public place of a kind",
)
def indicators_access(request: HttpRequest, params: Query[AccessIn]) -> dict[str, Any]:
    return indicators.commune_access(params.commune, params.kind)


@router.get("/territories", response={200: list[TerritoryOut], **ERRORS}, summary="The territories of the observatory")
def territories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"slug": t.slug, "name": t.name, "pat_code": t.pat_code, "communes": t.communes.count()}
        for t in Territory.objects.order_by("name")
    ]


@router.get(
    "/territories/{slug}/access",
    response={200: TerritoryAccessOut, **ERRORS},
    summary="Access to local food in each commune of a territory, and the population within 5, 10, 20 km",
)
def territory_access(
    request: HttpRequest, slug: str = Path(..., max_length=60), beyond_km: float = Query(20.0, gt=0, le=500)
) -> dict[str, Any]:
    territory = get_object_or_404(Territory, slug=slug)
    return indicators.territory_access(territory, beyond_km=beyond_km)


@router.get(
    "/territories/{slug}/access.csv",
    response={200: str, **ERRORS},
    summary="The access indicator per commune as CSV (semicolons, decimal commas, UTF-8 with BOM)",
    openapi_extra=CSV_OPENAPI,
)
def territory_access_csv(
    request: HttpRequest, slug: str = Path(..., max_length=60), beyond_km: float = Query(20.0, gt=0, le=500)
) -> HttpResponse:
    territory = get_object_or_404(Territory, slug=slug)
    figures = indicators.territory_access(territory, beyond_km=beyond_km)
    return csv_attachment(indicators.territory_access_csv(figures), f"acces-{territory.slug}.csv")


class HistoryPointOut(Schema):
    period: str = Field(description="the month, YYYY-MM")
    value: float | None = Field(description="null: no data that month")


class IndicatorHistoryOut(Schema):
    key: str
    label: str
    definition: str
    unit: str = Field(description="%: a percentage (20.0 is 20 %), km, or empty for a count")
    higher_is_better: bool
    theme: str
    history: list[HistoryPointOut]


class ObjectiveOut(Schema):
    id: int
    indicator: str | None = Field(description="the indicator's key; null for a goal in words only")
    target: float | None
    year: int = Field(description="reached by the end of this year")
    text: str
    value: float | None = Field(description="the indicator's latest value in the snapshots")
    as_of: str | None = Field(description="the month of that value, YYYY-MM")
    gap: float | None = Field(description="what is left to reach the target, in the indicator's unit")
    reached: bool | None


class TerritoryHistoryOut(Schema):
    territory: str
    indicators: list[IndicatorHistoryOut]
    objectives: list[ObjectiveOut]


class CommuneFigureOut(Schema):
    key: str = Field(
        description="km_any, km_market, km_farm, km_producers_shop, km_amap, places, producers, "
        "canteens_organic, canteens_egalim"
    )
    label: str
    definition: str
    unit: str = Field(description="%: a percentage (20.0 is 20 %), km, or empty for a count")
    higher_is_better: bool
    history: list[HistoryPointOut]


class CommuneHistoryOut(Schema):
    territory: str
    commune: str = Field(description="INSEE code")
    name: str
    department: str = Field(description="the département's code")
    department_name: str
    population: int | None
    figures: list[CommuneFigureOut]


@router.get(
    "/territories/{slug}/communes/{code}/history",
    response={200: CommuneHistoryOut, **ERRORS},
    summary="A commune's figures in each monthly snapshot of a territory",
)
def commune_history_read(
    request: HttpRequest, slug: str = Path(..., max_length=60), code: str = Path(..., max_length=5)
) -> dict[str, Any]:
    territory = get_object_or_404(Territory, slug=slug)
    return commune_history_json(territory, get_object_or_404(territory.communes.all(), code=code))


@router.get(
    "/territories/{slug}/history",
    response={200: TerritoryHistoryOut, **ERRORS},
    summary="Every indicator's monthly snapshots for a territory, and its objectives with their progress",
)
def territory_history_read(request: HttpRequest, slug: str = Path(..., max_length=60)) -> dict[str, Any]:
    return territory_history(get_object_or_404(Territory, slug=slug))
