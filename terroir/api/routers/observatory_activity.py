"""Two indicators of the observatory through the API: the channels compared and the activity of a
territory, as JSON and CSV (public reads). No data is `null` (and an empty CSV cell), never 0."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema

from terroir.observatory import activity, channels
from terroir.observatory.models import Territory

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS

router = Router(tags=["observatory"])


class ChannelOut(Schema):
    kind: str = Field(description="the kind of place (market, farm, amap, producers_shop, supermarket…)")
    label: str
    places: int = Field(description="open places of that kind in the territory's communes")
    hours_per_week: float | None = Field(description="median open hours per week, averaged over the year")
    with_hours: int = Field(description="places whose opening hours are known")
    population_10_km: int | None = Field(description="inhabitants of the communes whose centre is within 10 km")
    population_10_km_share: float | None = Field(description="their share of the territory's population (0–1)")
    producers_per_place: float | None = Field(description="mean number of producers linked to a place")
    median_farm_km: float | None = Field(description="median great-circle km from a linked producer's farm")
    products: int | None = Field(description="products (categories) sold at the places of that kind")
    transport_cost: float | None = Field(description="€ of pooled transport of the goods delivered there")
    transport_value: float | None = Field(description="€ value of those goods")
    transport_share: float | None = Field(description="transport cost as a share of the value (0–1)")


class ChannelsOut(Schema):
    territory: str
    name: str
    year: int = Field(description="the year the opening hours are averaged over")
    reach_km: float
    rows: list[ChannelOut]
    definitions: dict[str, str]
    no_data: bool


class NeedsOut(Schema):
    published: int | None
    answered: int | None
    contracted: int | None
    no_data: bool


class MeetingsOut(Schema):
    days: int | None
    held: int | None
    upcoming: int | None
    meetings_held: int | None
    no_data: bool


class RoundsOut(Schema):
    plans: int | None
    rounds: int | None
    km_saved: float | None
    co2_kg_saved: float | None
    cost_saved: float | None = Field(description="€ saved against every producer delivering alone")
    no_data: bool


class VerifiedOut(Schema):
    entries: int | None
    verified: int | None = Field(description="entries verified in the last 12 months")
    share: float | None
    no_data: bool


class ActivityOut(Schema):
    territory: str
    name: str
    date: str
    needs: NeedsOut
    meetings: MeetingsOut
    rounds: RoundsOut
    verified: VerifiedOut
    definitions: dict[str, str]
    no_data: bool


@router.get(
    "/territories/{slug}/channels",
    response={200: ChannelsOut, **ERRORS},
    summary="The kinds of place of a territory compared: number, hours, reach, producers, farm distance, transport",
)
def territory_channels(request: HttpRequest, slug: str = Path(..., max_length=60)) -> dict[str, Any]:
    return channels.channels_compared(get_object_or_404(Territory, slug=slug))


@router.get(
    "/territories/{slug}/channels.csv",
    response={200: str, **ERRORS},
    summary="The channels compared as CSV (semicolons, decimal commas, UTF-8 with BOM; empty cell = no data)",
    openapi_extra=CSV_OPENAPI,
)
def territory_channels_csv(request: HttpRequest, slug: str = Path(..., max_length=60)) -> HttpResponse:
    territory = get_object_or_404(Territory, slug=slug)
    body = channels.channels_csv(channels.channels_compared(territory))
    return csv_attachment(body, f"circuits-{territory.slug}.csv")


@router.get(
    "/territories/{slug}/activity",
    response={200: ActivityOut, **ERRORS},
    summary="The activity of a territory: needs funnel, meeting days, pooled rounds' savings, entries verified",
)
def territory_activity(request: HttpRequest, slug: str = Path(..., max_length=60)) -> dict[str, Any]:
    return activity.territory_activity(get_object_or_404(Territory, slug=slug))


@router.get(
    "/territories/{slug}/activity.csv",
    response={200: str, **ERRORS},
    summary="The activity as CSV, one figure a line (section;figure;value; empty value = no data)",
    openapi_extra=CSV_OPENAPI,
)
def territory_activity_csv(request: HttpRequest, slug: str = Path(..., max_length=60)) -> HttpResponse:
    territory = get_object_or_404(Territory, slug=slug)
    body = activity.activity_csv(activity.territory_activity(territory))
    return csv_attachment(body, f"activite-{territory.slug}.csv")
