"""Local or not, per territory: for each open place of the territory's communes, the share of its
producers whose farm is within the territory's local radius and the median farm-to-shelf distance
(terroir.directory.local, the figures of the place's page), summed per kind of place — the supermarkets'
local share is the "Carrefour: 10 % of fresh turnover is local" question, answered with what the
directory knows (producers linked to the place, not turnover).

Per kind: `places` (open places of that kind in the territory), `places_with_producers` (with at least
one producer with a known position: the others have no figure), `links` (place–producer pairs counted),
`local_share` (of those links, the part within the radius: each link counts once, so a place with many
producers weighs more), `places_local_share_mean` (plain mean of the places' own shares: each place
counts once), `median_km` (median over the links of the farm-to-shelf distance).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy

from terroir.directory import local
from terroir.directory.models import Place, PlaceKind
from terroir.lib import spreadsheet

from .models import Territory

NO_FARMS = gettext_lazy("No place of the territory has a producer with a known farm: no data.")

KINDS = tuple(PlaceKind.values)


def territory_local(territory: Territory) -> dict[str, Any]:
    """The local-or-not figures of the territory's places, per kind and per place."""
    radius = float(territory.local_radius_km)
    of_territory = Place.objects.filter(closed_at__isnull=True, commune__in=territory.communes.all())
    places = list(of_territory.order_by("name", "pk").values_list("pk", "name", "kind", "commune_id"))
    result = local_figures(places, local.links_read(of_territory), radius)
    result = {"territory": territory.slug, "name": territory.name} | result
    if result["no_data"]:
        result["message"] = str(NO_FARMS)
    return result


def local_figures(
    places: Sequence[tuple[int, str, str, str | None]], links: local.Links, radius: float
) -> dict[str, Any]:
    """The figures of `places` ((id, name, kind, commune) in the order of the rows) from their links."""
    figures = local.places_local(links, radius_km=radius)
    # Each link's distance, for the per-kind medians and pooled shares.
    shelf = ~np.isnan(links.place_lat) & ~np.isnan(links.farm_lat)
    km = local.farm_to_shelf_km(
        links.place_lat[shelf], links.place_lon[shelf], links.farm_lat[shelf], links.farm_lon[shelf]
    )
    kind_of = {pid: kind for pid, _name, kind, _commune in places}
    link_kinds = np.array([kind_of.get(int(pid), "") for pid in links.place_ids[shelf]], dtype=object)
    by_kind: dict[str, list[int]] = {}
    for pid, _name, kind, _commune in places:
        by_kind.setdefault(kind, []).append(pid)
    kinds = []
    for kind in KINDS:
        of_kind = by_kind.get(kind, [])
        if not of_kind:
            continue
        measured = [figures[pid] for pid in of_kind if pid in figures and figures[pid].producers]
        distances = km[link_kinds == kind]
        pooled = float(np.count_nonzero(distances <= radius)) / distances.size if distances.size else None
        mean = sum(f.share or 0.0 for f in measured) / len(measured) if measured else None
        kinds.append({
            "kind": kind, "label": str(PlaceKind(kind).label), "places": len(of_kind),
            "places_with_producers": len(measured), "links": int(distances.size),
            "local_share": None if pooled is None else round(pooled, 4),
            "places_local_share_mean": None if mean is None else round(mean, 4),
            "median_km": round(float(np.median(distances)), 1) if distances.size else None,
        })  # fmt: skip
    rows = []
    for pid, name, kind, commune in places:
        found = figures.get(pid)
        rows.append({
            "place_id": pid, "name": name, "kind": kind, "commune": commune,
            "producers": found.producers if found else 0, "unplaced": found.unplaced if found else 0,
            "local": found.local if found else 0,
            "local_share": None if found is None or found.share is None else round(found.share, 4),
            "median_km": found.median_km if found else None,
        })  # fmt: skip
    supermarkets = next((k for k in kinds if k["kind"] == PlaceKind.SUPERMARKET.value), None)
    return {
        "radius_km": radius, "places": len(places),
        "kinds": kinds, "supermarkets_local_share": supermarkets["local_share"] if supermarkets else None,
        "rows": rows, "no_data": not any(k["links"] for k in kinds),
    }  # fmt: skip


def _cell(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def territory_local_csv(figures: Mapping[str, Any]) -> str:
    """Per place, for French spreadsheets (semicolons, decimal commas, UTF-8 with BOM)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["place_id", "name", "kind", "commune", "producers", "producers_unplaced", "local",
                     "local_share", "median_km"])  # fmt: skip
    for row in figures["rows"]:
        writer.writerow([
            row["place_id"], row["name"], row["kind"], row["commune"] or "", row["producers"], row["unplaced"],
            row["local"], _cell(row["local_share"], 4), _cell(row["median_km"], 1),
        ])  # fmt: skip
    return out.getvalue()
