"""What the territory's dashboard shows of the geographic and producer indicators: access compared with
the département and France (and with opening hours counted), markets by weekday, the map of the
communes, the producers and local-or-not. The view adds this to its context."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from . import compared, local, producers
from .indicators import ACCESS_KINDS, ANY, kind_label
from .models import Territory

# The page's "open enough" threshold: a weekly morning market (4 to 6 h) counts, a pickup of an hour a
# week does not. On real OpenStreetMap hours (bench/observatory.py) markets open a median 8 h a week and
# 6 h would leave out a third of them. The API takes any value (`min_hours`).
PAGE_MIN_HOURS = 4.0
# Colour classes of the map, by distance to the nearest place (km, as the crow flies).
CLASSES_KM = (5.0, 10.0, 20.0)


def distance_class(km: float | None) -> int:
    """0: within 5 km, 1: 5–10, 2: 10–20, 3: beyond 20, 4: no place at all."""
    if km is None:
        return len(CLASSES_KM) + 1
    return next((i for i, limit in enumerate(CLASSES_KM) if km <= limit), len(CLASSES_KM))


def _scope_row(scope: dict[str, Any], target: str) -> dict[str, Any]:
    figures = next(a for a in scope["access"] if a["target"] == target)
    return {"label": scope["label"], "kind": scope["kind"], "median_km": figures["median_km"],
            "shares": [r["share"] for r in figures["reach"]], "places": figures["places"]}  # fmt: skip


def geo_context(territory: Territory) -> dict[str, Any]:
    places = compared.public_places()
    everywhere = compared.communes_read()
    access = compared.access_compared(territory, places=places, everywhere=everywhere)
    open_enough = compared.access_compared(territory, min_hours=PAGE_MIN_HOURS, places=places, everywhere=everywhere)
    weekdays = compared.markets_by_weekday(territory, places=places, everywhere=everywhere)
    kinds = (ANY, *ACCESS_KINDS)
    map_rows = [
        {"code": r["commune"], "name": r["name"], "lat": r["lat"], "lon": r["lon"], "population": r["population"],
         "km": {k: r["km"][k] for k in kinds}}
        for r in access["rows"]
    ]  # fmt: skip
    table_rows = [{**r, "kms": [r["km"][k] for k in kinds]} for r in access["rows"]]
    compared_any = [_scope_row(s, ANY) for s in access["scopes"]]
    figures = producers.territory_producers(territory)
    return {
        "compared": access,
        "compared_chart": [
            {"label": row["label"], "unit": "%",
             "values": [None if share is None else share * 100 for share in row["shares"]]}
            for row in compared_any
        ],
        "channels_chart": [
            {"label": _("%(n)s or more") % {"n": c["channels"]} if c["channels"] == producers.CHANNELS_SHOWN
             else str(c["channels"]), "values": [c["producers"]], "unit": ""}
            for c in figures["channels"]
        ],
        "compared_any": compared_any,
        "compared_open": [_scope_row(s, ANY) for s in open_enough["scopes"]],
        "open_enough": open_enough, "min_hours": PAGE_MIN_HOURS,
        "compared_kinds": [
            {"kind": k, "label": kind_label(k),
             "medians": [next(a for a in s["access"] if a["target"] == k)["median_km"] for s in access["scopes"]]}
            for k in kinds
        ],
        "weekdays": weekdays,
        "weekday_rows": [
            {"label": t["label"], "target": t["target"], "places": t["places"], "median_km": t["median_km"],
             "share_10": t["reach"][1]["share"],
             "france_share_10": next(a for a in weekdays["scopes"][-1]["access"] if a["target"] == t["target"])
             ["reach"][1]["share"]}
            for t in weekdays["scopes"][0]["access"]
        ],
        "map_rows": map_rows, "table_rows": table_rows,
        "map_kinds": [(k, kind_label(k)) for k in kinds],
        "map_classes": [
            _("within 5 km"), _("5 to 10 km"), _("10 to 20 km"), _("more than 20 km"), _("no place of this kind"),
        ],
        "producers": figures,
        "local": local.territory_local(territory),
    }  # fmt: skip
