"""The observatory's geographic and producer indicators for all France: every commune (~34,900) is the
territory, against 200,000 synthetic places and 100,000 synthetic producers. Each indicator runs the
code the API runs once its rows are read (the database reads are not counted):

- access: the access indicator's engine alone (nearest place of each public kind and of any, population
  within 5/10/20 km: `access.nearest`, `population_within`), as measured since the first slice;
- compared: access compared with each département and France (`compared.places_open_enough`,
  `_targets_by_kind`, `compare_figures`: 12 k-d trees, per-scope reach and medians, one row per commune),
  opening hours read for every place (cold cache: `opening.weekly_hours` per distinct expression);
- open_6h: the same with only the places open at least 6 hours a week;
- weekdays: markets by weekday (7 trees of the markets held each day);
- producers: `producers.producer_figures` (families, labels, direct sale, channels, single channel or
  buyer) over 100,000 producers and their places;
- local: `local.local_figures` (each place's share of local producers and median farm-to-shelf distance,
  per kind) over every place–producer link.

Floor, measured in the same run: one bare SciPy cKDTree query of every commune against every place (unit
vectors already built), the least any k-d tree answer costs. Processor time says what the work costs on
this shared machine, wall time what a reader waits.

    .venv/bin/python bench/observatory.py [--places 200000] [--producers 100000] [--rounds 3]

Communes: terroir/data/communes_france.csv.gz (communes and arrondissements with a centre). Places: drawn
around communes' centres (weighted by population, a few km away), their kinds in the proportions of a
real directory; opening hours from ~900 distinct expressions (days × slots, 15 % empty, 1 % that do not
parse). Producers: around communes' centres, 1–3 product families, 0–2 labels, linked to 0–4 of the 20
places nearest their farm. The last line starts with "SUMMARY observatory:". Target of issue 16: all
indicators for all communes ≤ 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from terroir.directory.local import Links  # noqa: E402
from terroir.observatory import compared, opening  # noqa: E402
from terroir.observatory.access import Targets, _unit_vectors, nearest, population_within  # noqa: E402
from terroir.observatory.local import local_figures  # noqa: E402
from terroir.observatory.producers import producer_figures  # noqa: E402

COMMUNES = ROOT / "terroir" / "data" / "communes_france.csv.gz"
REAL = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
OSM = REAL / "data" / "real" / "osm" / "farmshops_eu_osm_outside_france.geojson.gz"
KINDS = {"farm": 0.40, "market": 0.20, "amap": 0.05, "producers_shop": 0.05, "supermarket": 0.15, "shop": 0.08,
         "solidarity_grocery": 0.02, "cooperative_grocery": 0.02, "restaurant": 0.02, "vending": 0.01}  # fmt: skip
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "Mo-Fr", "Mo-Sa", "Tu-Sa", "We,Sa", "Tu,Fr", "Th", "Sa",
        "Fr,Sa", "Mo-Su", "Tu-Su", "week 1-53/2 Th", "Jun-Sep Sa", "Mo,We,Fr"]  # fmt: skip
SLOTS = ["07:00-13:00", "08:00-12:30", "09:00-12:00", "16:00-19:00", "17:00-19:00", "09:00-19:00",
         "08:30-20:00", "09:00-12:30,15:00-19:00", "10:00-12:00,14:00-18:00", "06:30-12:30", "15:00-18:00",
         "09:00-12:00,14:00-19:00", "07:30-13:30", "08:00-13:00", "18:00-20:00", "10:00-19:00",
         "09:30-12:30", "14:00-19:00", "08:00-19:30", "07:00-12:00", "16:30-19:30", "10:00-13:00",
         "09:00-18:00", "08:00-12:00", "17:00-20:00", "09:00-13:00,15:00-19:30", "11:00-14:00", "08:30-12:00",
         "15:30-19:00", "07:00-19:00", "10:00-18:30", "09:00-20:00", "08:00-18:00", "06:00-13:00",
         "16:00-20:00", "12:00-14:00", "09:00-12:00,15:00-18:00", "07:30-12:30", "17:30-19:30",
         "14:30-18:30", "08:00-14:00", "09:00-17:00", "10:00-12:30", "16:00-18:30", "09:30-19:00"]  # fmt: skip


def communes_read() -> compared.Communes:
    rows = []
    with gzip.open(COMMUNES, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["type"] not in ("COM", "ARM") or not row["centroid_lat"]:
                continue
            rows.append(row)
    return compared.Communes(
        codes=[r["code_insee"] for r in rows], names=[r["nom"] for r in rows],
        departments=[r["departement"] for r in rows],
        population=np.array([float(r["population_municipale"]) if r["population_municipale"] else np.nan
                             for r in rows]),
        lats=np.array([float(r["centroid_lat"]) for r in rows]),
        lons=np.array([float(r["centroid_lon"]) for r in rows]),
        arrondissement=np.array([r["type"] == "ARM" for r in rows]),
    )  # fmt: skip


def around(rng: np.random.Generator, communes: compared.Communes, count: int) -> tuple[np.ndarray, np.ndarray]:
    people = np.nan_to_num(communes.population, nan=1.0)
    weights = np.maximum(people, 1.0) ** 0.5
    at = rng.choice(len(communes.lats), size=count, p=weights / weights.sum())
    # A few km around the commune's centre (0.05° ≈ 5 km).
    return communes.lats[at] + rng.normal(0, 0.05, count), communes.lons[at] + rng.normal(0, 0.07, count)


def places_make(rng: np.random.Generator, communes: compared.Communes, count: int) -> list[compared.PublicPlace]:
    lats, lons = around(rng, communes, count)
    kinds = rng.choice(list(KINDS), size=count, p=list(KINDS.values()))
    expressions = [f"{d} {s}" for d in DAYS for s in SLOTS]
    pick = rng.random(count)
    hours = [
        "" if p < 0.15 else ("Mo-Fr 25:00-26:00" if p < 0.16 else expressions[int(i)])
        for p, i in zip(pick, rng.integers(0, len(expressions), count), strict=True)
    ]
    return [
        compared.PublicPlace(i + 1, str(k), float(a), float(o), h)
        for i, (k, a, o, h) in enumerate(zip(kinds, lats, lons, hours, strict=True))
    ]


def producers_make(rng: np.random.Generator, communes: compared.Communes, places: list[compared.PublicPlace],
                   count: int) -> dict[str, Any]:  # fmt: skip
    lats, lons = around(rng, communes, count)
    codes = rng.integers(0, len(communes.codes), count)
    actors = [(i + 1, f"Ferme {i + 1}", communes.codes[int(c)]) for i, c in enumerate(codes)]
    families = ["vegetables", "fruits", "dairy", "meat", "eggs", "bread", "honey", "drinks", "fish", "grocery",
                "flowers", "plants"]  # fmt: skip
    families_of = {i + 1: set(rng.choice(families, size=int(rng.integers(1, 4)), replace=False).tolist())
                   for i in range(count)}  # fmt: skip
    labels_of = {i + 1: set(rng.choice(8, size=int(rng.integers(0, 3)), replace=False).tolist()) for i in range(count)}
    place_points = _unit_vectors(np.array([p.lat for p in places]), np.array([p.lon for p in places]))
    _chord, nearby = cKDTree(place_points).query(_unit_vectors(lats, lons), k=20)
    places_of: dict[int, set[tuple[int, str]]] = defaultdict(set)
    link_place, link_actor = [], []
    for actor in range(count):
        for column in rng.choice(20, size=int(rng.integers(0, 5)), replace=False):
            place = places[int(nearby[actor, column])]
            places_of[actor + 1].add((place.place_id, place.kind))
            link_place.append(place.place_id)
            link_actor.append(actor + 1)
    place_ids, actor_ids = np.array(link_place), np.array(link_actor)
    place_lat = np.array([p.lat for p in places])[place_ids - 1]
    place_lon = np.array([p.lon for p in places])[place_ids - 1]
    links = Links(place_ids, actor_ids, place_lat, place_lon, lats[actor_ids - 1], lons[actor_ids - 1])
    return {
        "actors": actors, "families_of": families_of, "labels_of": labels_of, "places_of": dict(places_of),
        "links": links, "family_names": {f: f for f in families},
        "label_names": {i: (f"label-{i}", f"Label {i}") for i in range(8)},
    }  # fmt: skip


def real_hours(monday: dt.date) -> None:
    """The hours-per-week and weekday readings on real OpenStreetMap `opening_hours` tags (farm shops,
    markets, vending machines of Germany, Austria, Switzerland…: ../shared, ODbL): how many parse, the
    hours a week by kind, the markets' days. Prints only; skipped without ../shared."""
    if not OSM.exists():
        print("real opening hours skipped: ../shared/data/real is not beside the repository")
        return
    with gzip.open(OSM, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    kinds: dict[str, list[float | None]] = defaultdict(list)
    market_days: list[int] = [0] * 7
    start = time.process_time()
    for feature in features:
        tags = feature["properties"]
        kind = "market" if tags.get("amenity") == "marketplace" else tags.get("shop") or tags.get("amenity") or "?"
        expression = tags.get("opening_hours", "")
        if not expression:
            continue
        kinds[kind].append(opening.weekly_hours(expression, monday, "Europe/Berlin"))
        days = opening.weekdays_open(expression, monday, "Europe/Berlin")
        if kind == "market" and days:
            for day in days:
                market_days[day] += 1
    spent = time.process_time() - start
    distinct = len({f["properties"].get("opening_hours") for f in features if f["properties"].get("opening_hours")})
    print(f"real OSM opening hours: {len(features)} features, {sum(map(len, kinds.values()))} with hours "
          f"({distinct} distinct), read in {spent:.2f} s of processor")  # fmt: skip
    for kind, values in sorted(kinds.items(), key=lambda kv: -len(kv[1]))[:5]:
        known = [v for v in values if v is not None]
        share_4 = sum(1 for v in known if v >= 4) / len(known) if known else 0.0
        share_6 = sum(1 for v in known if v >= 6) / len(known) if known else 0.0
        median = statistics.median(known) if known else float("nan")
        print(f"  {kind:>15}: {len(values)} with hours, {len(values) - len(known)} unreadable, median "
              f"{median:.1f} h a week, {share_4:.0%} open ≥ 4 h, {share_6:.0%} ≥ 6 h")  # fmt: skip
    print("  markets held by weekday (mo…su): " + " ".join(str(n) for n in market_days))


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    start, start_cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - start, time.process_time() - start_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=200_000)
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    rng = np.random.default_rng(1)
    everywhere = communes_read()
    places = places_make(rng, everywhere, options.places)
    made = producers_make(rng, everywhere, places, options.producers)
    members = {code for code, arrondissement in zip(everywhere.codes, everywhere.arrondissement, strict=True)
               if not arrondissement}  # fmt: skip
    place_rows = [(p.place_id, f"Lieu {p.place_id}", p.kind, None) for p in places]
    monday = opening.monday_of(dt.date(2026, 6, 3))  # a fixed week: the figures do not move with the calendar
    print(f"{len(everywhere.codes)} communes ({len(members)} in the territory: all France), {options.places} places, "
          f"{options.producers} producers, {made['links'].place_ids.size} place–producer links")  # fmt: skip

    def access_only() -> Any:
        rows = [(p.place_id, p.lat, p.lon) for p in places]
        found = {"any": nearest(Targets.of(rows), everywhere.lats, everywhere.lons)}
        for kind in KINDS:
            found[kind] = nearest(Targets.of([r for r, p in zip(rows, places, strict=True) if p.kind == kind]),
                                  everywhere.lats, everywhere.lons)  # fmt: skip
        return population_within([n.distance_km for n in found["any"]], list(everywhere.population))

    def compared_with(min_hours: float | None) -> Callable[[], Any]:
        def run() -> Any:
            opening._read.cache_clear()  # cold: every distinct expression parsed and walked again
            kept, _counted = compared.places_open_enough(places, min_hours, monday)
            return compared.compare_figures(everywhere, members, "france", "France",
                                            compared._targets_by_kind(kept), 20.0, "any")  # fmt: skip

        return run

    def weekdays() -> Any:
        opening._read.cache_clear()
        targets, _markets, _unknown = compared._targets_by_weekday(places, monday)
        return compared.compare_figures(everywhere, members, "france", "France", targets, 20.0, "mo")

    def producers() -> Any:
        return producer_figures(made["actors"], made["families_of"], made["labels_of"], made["places_of"], set(),
                                made["family_names"], made["label_names"])  # fmt: skip

    def local() -> Any:
        return local_figures(place_rows, made["links"], 150.0)

    indicators: dict[str, Callable[[], Any]] = {
        "access": access_only, "compared": compared_with(None), "open_6h": compared_with(6.0),
        "weekdays": weekdays, "producers": producers, "local": local,
    }  # fmt: skip
    wall: dict[str, list[float]] = {name: [] for name in indicators}
    cpu: dict[str, list[float]] = {name: [] for name in indicators}
    floor: list[float] = []
    outputs: dict[str, Any] = {}
    points = _unit_vectors(np.array([p.lat for p in places]), np.array([p.lon for p in places]))
    origins = _unit_vectors(everywhere.lats, everywhere.lons)
    for _round in range(options.rounds):
        for name, work in indicators.items():
            w, c, outputs[name] = timed(work)
            wall[name].append(w)
            cpu[name].append(c)
        start = time.process_time()
        cKDTree(points).query(origins)
        floor.append(time.process_time() - start)

    real_hours(monday)
    f50 = statistics.median(floor)
    total_cpu = sum(statistics.median(cpu[name]) for name in indicators if name != "access")
    total_wall = sum(statistics.median(wall[name]) for name in indicators if name != "access")
    for name in indicators:
        c50, w50 = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"{name:>10}: processor p50 {c50:6.2f} s (max {max(cpu[name]):.2f}), wall p50 {w50:6.2f} s "
              f"(max {max(wall[name]):.2f}); {c50 / f50:5.1f} × floor")  # fmt: skip
    france = outputs["compared"]["scopes"][-1]
    any_reach = next(a for a in france["access"] if a["target"] == "any")["reach"]
    print("France within 5/10/20 km of any place: " + " ".join(f"{r['share']:.3f}" for r in any_reach))
    print(f"producers: direct sale {outputs['producers']['direct_sale_share']}, single channel "
          f"{outputs['producers']['single_channel_share']}, single buyer {outputs['producers']['single_buyer_share']}; "
          f"supermarkets' local share {outputs['local']['supermarkets_local_share']}")  # fmt: skip
    print(f"floor (one bare cKDTree query, processor): {f50:.3f} s; all indicators but the bare access: "
          f"processor {total_cpu:.2f} s, wall {total_wall:.2f} s")  # fmt: skip
    print(f"SUMMARY observatory: communes={len(everywhere.codes)} places={options.places} producers="
          f"{options.producers} all_cpu_s={total_cpu:.2f} all_wall_s={total_wall:.2f} floor_cpu_s={f50:.3f} "
          f"ratio_cpu={total_cpu / f50:.0f} target_s=10 {'met' if total_cpu <= 10 else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
