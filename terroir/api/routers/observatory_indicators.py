"""Every indicator under `/indicators/…` (public reads, as the territory's pages): the index of the
registry's indicators, the territory's history (all indicators or one `key`) and a commune's, and the
channels, activity and canteens below target that `/territories/{slug}/…` also serves — the same
selectors, with the scope as a `territory=<slug>` parameter like the other indicators.

Each is JSON and its CSV twin (`.csv`). An unknown territory, key or commune is a 400 naming the
parameter, in the reader's language (InvalidParameter), as for the other indicators.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from terroir.observatory import activity, canteen_supply, channels, compared, history_export, indicators, registry
from terroir.observatory.commune_history import commune_history_json

from ..downloads import CSV_OPENAPI, csv_attachment
from ..errors import ERRORS
from .observatory import CommuneHistoryOut, TerritoryHistoryOut
from .observatory_activity import ActivityOut, ChannelsOut
from .observatory_canteens import CanteensBelowOut
from .observatory_geo import TerritoryIn

router = Router(tags=["observatory"])

# The indicators' tables, for the index: each answers `<path>` (JSON) and `<path>.csv`.
TABLES = (
    "canteens", "access-compared", "markets-by-weekday", "producers", "local", "channels", "activity",
    "canteens-below-target", "history", "commune-history",
)  # fmt: skip


class IndexIn(Schema):
    territory: str | None = Field(None, description="a territory's short name (slug): written into the URLs")


class IndicatorLinkOut(Schema):
    key: str
    label: str
    definition: str
    unit: str = Field(description="%: a percentage (20.0 is 20 %), km, or empty for a count")
    higher_is_better: bool
    theme: str
    theme_label: str
    json_url: str = Field(description="its snapshots as JSON (add territory=<slug> when absent)")
    csv_url: str = Field(description="its snapshots as CSV")


class TableLinkOut(Schema):
    name: str
    json_url: str
    csv_url: str


class IndicatorsIndexOut(Schema):
    territory: str | None
    indicators: list[IndicatorLinkOut]
    tables: list[TableLinkOut] = Field(description="the indicators' tables, each as JSON and CSV")


class CanteensBelowIn(TerritoryIn):
    year: str | None = Field(None, description="the year declared (the latest imported when absent)")


class HistoryIn(TerritoryIn):
    key: str | None = Field(None, description="one indicator's key (GET /indicators lists them); all when absent")


class CommuneHistoryIn(TerritoryIn):
    commune: str | None = Field(None, description="the INSEE code of one of the territory's communes; required")


def _url(base: str, name: str, query: dict[str, str], csv: bool = False) -> str:
    path = f"{base}/{name}{'.csv' if csv else ''}"
    return f"{path}?{urlencode(query)}" if query else path


@router.get(
    "/indicators",
    response={200: IndicatorsIndexOut, **ERRORS},
    summary="Every indicator of the observatory: key, label, definition, unit, theme and its JSON and CSV URLs",
)
def indicators_index(request: HttpRequest, params: Query[IndexIn]) -> dict[str, Any]:
    slug = compared.territory_parse(params.territory).slug if params.territory else None
    scope = {"territory": slug} if slug else {}
    base = request.path.rstrip("/")
    return {
        "territory": slug,
        "indicators": [
            {"key": i.key, "label": str(i.label), "definition": str(i.definition), "unit": i.unit,
             "higher_is_better": i.higher_is_better, "theme": i.theme, "theme_label": str(registry.THEMES[i.theme]),
             "json_url": _url(base, "history", scope | {"key": i.key}),
             "csv_url": _url(base, "history", scope | {"key": i.key}, csv=True)}
            for i in registry.all_indicators()
        ],
        "tables": [
            {"name": name, "json_url": _url(base, name, scope), "csv_url": _url(base, name, scope, csv=True)}
            for name in TABLES
        ],
    }  # fmt: skip


@router.get(
    "/indicators/channels",
    response={200: ChannelsOut, **ERRORS},
    summary="The kinds of place of a territory compared: number, hours, reach, producers, farm distance, transport",
)
def indicators_channels(request: HttpRequest, params: Query[TerritoryIn]) -> dict[str, Any]:
    return channels.channels_compared(compared.territory_parse(params.territory))


@router.get(
    "/indicators/channels.csv",
    response={200: str, **ERRORS},
    summary="The channels compared as CSV (semicolons, decimal commas, UTF-8 with BOM; empty cell = no data)",
    openapi_extra=CSV_OPENAPI,
)
def indicators_channels_csv(request: HttpRequest, params: Query[TerritoryIn]) -> HttpResponse:
    territory = compared.territory_parse(params.territory)
    body = channels.channels_csv(channels.channels_compared(territory))
    return csv_attachment(body, f"circuits-{territory.slug}.csv")


@router.get(
    "/indicators/activity",
    response={200: ActivityOut, **ERRORS},
    summary="The activity of a territory: needs funnel, meeting days, pooled rounds' savings, entries verified",
)
def indicators_activity(request: HttpRequest, params: Query[TerritoryIn]) -> dict[str, Any]:
    return activity.territory_activity(compared.territory_parse(params.territory))


@router.get(
    "/indicators/activity.csv",
    response={200: str, **ERRORS},
    summary="The activity as CSV, one figure a line (section;figure;value; empty value = no data)",
    openapi_extra=CSV_OPENAPI,
)
def indicators_activity_csv(request: HttpRequest, params: Query[TerritoryIn]) -> HttpResponse:
    territory = compared.territory_parse(params.territory)
    body = activity.activity_csv(activity.territory_activity(territory))
    return csv_attachment(body, f"activite-{territory.slug}.csv")


@router.get(
    "/indicators/canteens-below-target",
    response={200: CanteensBelowOut, **ERRORS},
    summary="Canteens below 20 % organic or 50 % EGalim, each with the local producers that could supply it",
)
def indicators_canteens_below(request: HttpRequest, params: Query[CanteensBelowIn]) -> dict[str, Any]:
    territory = compared.territory_parse(params.territory)
    return canteen_supply.canteens_below_target(territory, indicators.year_parse(params.year))


@router.get(
    "/indicators/canteens-below-target.csv",
    response={200: str, **ERRORS},
    summary="The canteens below target as CSV, one row per canteen and producer (semicolons, decimal commas)",
    openapi_extra=CSV_OPENAPI,
)
def indicators_canteens_below_csv(request: HttpRequest, params: Query[CanteensBelowIn]) -> HttpResponse:
    territory = compared.territory_parse(params.territory)
    found = canteen_supply.canteens_below_target(territory, indicators.year_parse(params.year))
    body = canteen_supply.canteens_below_target_csv(found)
    return csv_attachment(body, f"cantines-sous-objectif-{territory.slug}.csv")


@router.get(
    "/indicators/history",
    response={200: TerritoryHistoryOut, **ERRORS},
    summary="A territory's monthly snapshots of every indicator (or of one `key`), and its objectives",
)
def indicators_history(request: HttpRequest, params: Query[HistoryIn]) -> dict[str, Any]:
    territory = compared.territory_parse(params.territory)
    return history_export.history_of(territory, history_export.key_parse(params.key))


@router.get(
    "/indicators/history.csv",
    response={200: str, **ERRORS},
    summary="The snapshots as CSV, one a line (period;key;label;value;unit;target;target_year; empty = none)",
    openapi_extra=CSV_OPENAPI,
)
def indicators_history_csv(request: HttpRequest, params: Query[HistoryIn]) -> HttpResponse:
    territory = compared.territory_parse(params.territory)
    key = history_export.key_parse(params.key)
    body = history_export.history_csv(history_export.history_of(territory, key))
    return csv_attachment(body, f"historique-{territory.slug}{f'-{key}' if key else ''}.csv")


@router.get(
    "/indicators/commune-history",
    response={200: CommuneHistoryOut, **ERRORS},
    summary="A commune's figures in each monthly snapshot of a territory",
)
def indicators_commune_history(request: HttpRequest, params: Query[CommuneHistoryIn]) -> dict[str, Any]:
    territory = compared.territory_parse(params.territory)
    return commune_history_json(territory, history_export.commune_parse(territory, params.commune))


@router.get(
    "/indicators/commune-history.csv",
    response={200: str, **ERRORS},
    summary="A commune's figures as CSV, one figure of one month a line (period;commune;key;label;value;unit)",
    openapi_extra=CSV_OPENAPI,
)
def indicators_commune_history_csv(request: HttpRequest, params: Query[CommuneHistoryIn]) -> HttpResponse:
    territory = compared.territory_parse(params.territory)
    commune = history_export.commune_parse(territory, params.commune)
    body = history_export.commune_history_csv(commune_history_json(territory, commune))
    return csv_attachment(body, f"historique-{territory.slug}-{commune.code}.csv")
