"""The canteens below the EGalim targets of a territory, with the local producers that could supply
each, through the API as JSON and CSV (public reads). No declaration is `no_data`, never an empty list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from terroir.observatory import canteen_supply, indicators
from terroir.observatory.models import Territory

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS

router = Router(tags=["observatory"])


class SupplierOut(Schema):
    id: int = Field(description="the producer's id (its page: /producers/{id}/)")
    name: str
    commune: str
    distance_km: float = Field(description="great-circle km from the canteen's commune centre to the farm")
    organic: bool = Field(description="has an offer with an organic label (AB, Demeter…)")


class OpenNeedOut(Schema):
    id: int
    title: str


class CanteenBelowOut(Schema):
    canteen_id: str = Field(description="the canteen's id on ma-cantine")
    name: str
    siret: str
    commune: str = Field(description="the commune's INSEE code")
    commune_name: str
    organic_share: float = Field(description="declared organic share (0–1)")
    egalim_share: float = Field(description="declared EGalim share, organic included (0–1)")
    misses_organic_target: bool
    misses_egalim_target: bool
    located: bool = Field(description="false: its commune has no known centre, so no producer is measured")
    producers: list[SupplierOut] = Field(description="organic first for a canteen short on organic, then nearest")
    actor_id: int | None = Field(description="the directory's actor with the canteen's SIRET, if any")
    open_needs: list[OpenNeedOut] = Field(description="that actor's needs open on the needs board")


class CanteensBelowOut(Schema):
    territory: str
    name: str
    year: int | None
    years: list[int]
    radius_km: float = Field(description="the territory's local radius: producers are looked for within it")
    organic_target: float
    egalim_target: float
    canteens: int | None = Field(description="canteens declaring that year; null: no data")
    below: int | None = Field(description="of them, those below a target; null: no data")
    rows: list[CanteenBelowOut]
    no_data: bool
    message: str | None = None


YEAR = Query(None, description="the year declared (the latest imported when absent)")


@router.get(
    "/territories/{slug}/canteens-below-target",
    response={200: CanteensBelowOut, **ERRORS},
    summary="Canteens below 20 % organic or 50 % EGalim, each with the local producers that could supply it",
)
def territory_canteens_below(
    request: HttpRequest, slug: str = Path(..., max_length=60), year: str | None = YEAR
) -> dict[str, Any]:
    territory = get_object_or_404(Territory, slug=slug)
    return canteen_supply.canteens_below_target(territory, indicators.year_parse(year))


@router.get(
    "/territories/{slug}/canteens-below-target.csv",
    response={200: str, **ERRORS},
    summary="The canteens below target as CSV, one row per canteen and producer (semicolons, decimal commas)",
    openapi_extra=CSV_OPENAPI,
)
def territory_canteens_below_csv(
    request: HttpRequest, slug: str = Path(..., max_length=60), year: str | None = YEAR
) -> HttpResponse:
    territory = get_object_or_404(Territory, slug=slug)
    found = canteen_supply.canteens_below_target(territory, indicators.year_parse(year))
    body = canteen_supply.canteens_below_target_csv(found)
    return csv_attachment(body, f"cantines-sous-objectif-{territory.slug}.csv")
