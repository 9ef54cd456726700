"""What the territory's dashboard shows of the geographic and producer indicators: access compared with
the département and France (and with opening hours counted), markets by weekday, the map of the
communes, the producers and local-or-not. `geo_figures` computes them as plain JSON (a snapshot keeps
it: the page then computes nothing); `geo_context` makes the page's context from them, every label and
message said again in the reader's language (a snapshot's were written in the worker's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from terroir.directory.models import Category, Label, PlaceKind
from terroir.lib import hours

from . import compared, local, producers
from .indicators import ACCESS_KINDS, ANY, kind_label, scope_label
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


def geo_figures(territory: Territory) -> dict[str, Any]:
    """The geographic and producer figures of the dashboard, as plain JSON."""
    places = compared.public_places()
    everywhere = compared.communes_read()
    return {
        "access": compared.access_compared(territory, places=places, everywhere=everywhere),
        "open_enough": compared.access_compared(
            territory, min_hours=PAGE_MIN_HOURS, places=places, everywhere=everywhere
        ),
        "weekdays": compared.markets_by_weekday(territory, places=places, everywhere=everywhere),
        "producers": producers.territory_producers(territory),
        "local": local.territory_local(territory),
    }


def _target_label(name: str) -> str:
    if name in hours.WEEKDAYS:
        return str(WEEKDAYS[hours.WEEKDAYS.index(name)])
    return kind_label(name)


def _compared_relabelled(found: Mapping[str, Any], no_data: str) -> dict[str, Any]:
    scopes = [
        dict(scope, label=scope_label(scope),
             access=[dict(a, label=_target_label(a["target"])) for a in scope["access"]])
        for scope in found["scopes"]
    ]  # fmt: skip
    return dict(found, scopes=scopes, **({"message": no_data} if found["no_data"] else {}))


def _producers_relabelled(found: Mapping[str, Any]) -> dict[str, Any]:
    families = {c.slug: c.name for c in Category.objects.filter(depth=0)}
    labels = {label.slug: label.name for label in Label.objects.all()}
    return dict(
        found,
        families=[dict(f, label=families.get(f["family"], f["label"])) for f in found.get("families", [])],
        labels=[dict(f, name=labels.get(f["label"], f["name"])) for f in found.get("labels", [])],
        **({"message": str(producers.NO_PRODUCERS)} if found["no_data"] else {}),
    )


def _local_relabelled(found: Mapping[str, Any]) -> dict[str, Any]:
    kinds = [dict(k, label=str(PlaceKind(k["kind"]).label)) for k in found.get("kinds", [])]
    return dict(found, kinds=kinds, **({"message": str(local.NO_FARMS)} if found["no_data"] else {}))


def geo_context(found: Mapping[str, Any]) -> dict[str, Any]:
    """The page's context from `geo_figures` (computed now or read from a snapshot)."""
    access = _compared_relabelled(found["access"], str(compared.NO_PLACES))
    open_enough = _compared_relabelled(found["open_enough"], str(compared.NO_PLACES))
    weekdays = _compared_relabelled(found["weekdays"], str(compared.NO_MARKETS))
    kinds = (ANY, *ACCESS_KINDS)
    map_rows = [
        {"code": r["commune"], "name": r["name"], "lat": r["lat"], "lon": r["lon"], "population": r["population"],
         "km": {k: r["km"][k] for k in kinds}}
        for r in access["rows"]
    ]  # fmt: skip
    table_rows = [{**r, "kms": [r["km"][k] for k in kinds]} for r in access["rows"]]
    compared_any = [_scope_row(s, ANY) for s in access["scopes"]]
    figures = _producers_relabelled(found["producers"])
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
        "local": _local_relabelled(found["local"]),
    }  # fmt: skip
