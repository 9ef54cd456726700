"""Each commune's figures over time: the snapshot of a territory (on the worker) also keeps, for each of
its communes, a few figures the issue follows commune by commune — the distance from its centre to the
nearest place of the main public kinds, its places and producers, its canteens' organic and EGalim shares
— in one compact row a month (`CommuneSnapshot`). The commune's page and the API read them back.

The figures reuse the territory's own computations (the access indicator's per-commune rows, the canteens'
year): a snapshot computes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import PUBLIC_KINDS, Actor, Commune, Place

from . import registry
from .departments import department_name
from .indicators import ANY
from .models import CanteenDeclaration, CommuneSnapshot, Territory
from .registry import COUNT, KM, PERCENT, Indicator


def _none(territory: Territory) -> float | None:  # computed all communes at once by commune_figures
    return None


def _figure(key: str, label: Any, definition: Any, unit: str, higher_is_better: bool) -> Indicator:
    # An Indicator for its label, definition, unit and format (the history chart reads them); not
    # registered: the territory's indicators are the registry's.
    return Indicator(key, label, definition, unit, higher_is_better, "access", _none)


_NEAREST_DEFINITION = _(
    "Great-circle km from the commune's centre to the nearest place of this kind that the public search finds."
)
NEAREST = {
    ANY: _("Nearest public place (any kind)"), "market": _("Nearest market"), "farm": _("Nearest sale at the farm"),
    "producers_shop": _("Nearest producers' shop"), "amap": _("Nearest AMAP pickup"),
}  # fmt: skip
FIGURES: list[Indicator] = [
    *(_figure(f"km_{kind}", label, _NEAREST_DEFINITION, KM, False) for kind, label in NEAREST.items()),
    _figure("places", _("Places open to the public"), _("Open places of the directory in the commune, of the kinds "
            "the public search shows."), COUNT, True),
    _figure("producers", _("Producers"), _("Producers of the directory whose farm is in the commune."), COUNT, True),
    _figure("canteens_organic", _("Organic in canteens"), _("Plain mean of the organic share declared by the "
            "commune's canteens for the territory's latest year."), PERCENT, True),
    _figure("canteens_egalim", _("EGalim in canteens"), _("Plain mean of the EGalim share (organic + other EGalim "
            "labels) declared by the commune's canteens for that year."), PERCENT, True),
]  # fmt: skip
COLUMNS = [figure.key for figure in FIGURES]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def commune_figures(territory: Territory) -> dict[str, list[float | None]]:
    """Every commune of the territory: its figures in the order of COLUMNS."""
    codes = list(territory.communes.values_list("code", flat=True))
    access = {row["commune"]: row["nearest"] for row in registry.access_of(territory)["rows"]}
    today = timezone.localdate()
    open_places = Place.objects.filter(commune__in=codes, kind__in=PUBLIC_KINDS).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=today)
    )
    places = dict(open_places.values("commune_id").annotate(n=Count("pk")).values_list("commune_id", "n"))
    makers = Actor.objects.filter(is_producer=True, commune__in=codes)
    producers = dict(makers.values("commune_id").annotate(n=Count("pk")).values_list("commune_id", "n"))
    year = registry.canteens_of(territory)["year"]
    canteens: dict[str, tuple[float | None, float | None]] = {}
    if year is not None:
        declared = CanteenDeclaration.objects.filter(year=year, commune__in=codes).values("commune_id")
        both = Avg(F("ratio_organic") + F("ratio_egalim_other"))
        means = declared.annotate(organic=Avg("ratio_organic"), egalim=both)
        canteens = {row["commune_id"]: (row["organic"], row["egalim"]) for row in means}
    found: dict[str, list[float | None]] = {}
    for code in sorted(codes):
        nearest = access.get(code, {})
        organic, egalim = canteens.get(code, (None, None))
        found[code] = [
            *(nearest.get(kind, {}).get("distance_km") for kind in NEAREST),
            # A commune without a centre has no distances; its counts are known all the same.
            float(places.get(code, 0)), float(producers.get(code, 0)), _percent(organic), _percent(egalim),
        ]  # fmt: skip
    return found


@transaction.atomic
def commune_snapshot_store(*, territory: Territory, period: dt.date, figures: dict[str, list[float | None]]) -> None:
    """Keep the month's figures, replacing those of an earlier computation of the same month."""
    CommuneSnapshot.objects.update_or_create(
        territory=territory, period=period,
        defaults={"columns": COLUMNS, "values": figures, "taken_at": timezone.now()},
    )  # fmt: skip


def commune_history(territory: Territory, code: str) -> dict[str, list[tuple[dt.date, float | None]]]:
    """Each figure's history for one commune: (month, value), a month without the commune (or without
    the figure, in an older snapshot) is None."""
    found: dict[str, list[tuple[dt.date, float | None]]] = {key: [] for key in COLUMNS}
    for period, columns, values in territory.commune_snapshots.order_by("period").values_list(
        "period", "columns", "values"
    ):
        row = values.get(code) if isinstance(values, dict) else None
        for key in COLUMNS:
            value = row[columns.index(key)] if row is not None and key in columns else None
            found[key].append((period, value))
    return found


def commune_history_json(territory: Territory, commune: Commune) -> dict[str, Any]:
    """The API's answer: the commune, and each figure with its history."""
    history = commune_history(territory, commune.code)
    return {
        "territory": territory.slug, "commune": commune.code, "name": commune.name,
        "department": commune.department, "department_name": department_name(commune.department),
        "population": commune.population,
        "figures": [
            {"key": f.key, "label": str(f.label), "definition": str(f.definition), "unit": f.unit,
             "higher_is_better": f.higher_is_better,
             "history": [{"period": period.isoformat()[:7], "value": value} for period, value in history[f.key]]}
            for f in FIGURES
        ],
    }  # fmt: skip
