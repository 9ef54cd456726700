"""The rounds map (issue 15): the depot, each round's stops numbered as on the route sheet, one colour per
vehicle with a legend that names it, and a day filter when the plan spans several days."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from terroir.logistics.models import PlanningRun, Vehicle
from terroir.logistics.routing import DAY
from terroir.logistics.tests.test_sheets import sheet_run

pytestmark = pytest.mark.django_db


def two_day_run(territory: Any) -> PlanningRun:
    """The sheet's Tuesday round of the "Camion frigo", and a Thursday round of a second vehicle that
    leaves the depot, unloads at the Thiers canteen and comes back."""
    run = sheet_run(territory)
    depot = Vehicle.objects.get(name="Camion frigo").depot
    van = Vehicle.objects.create(name="Fourgon", depot=depot, capacity_kg=400, weekdays=0b1000)
    canteen = territory.thiers_canteen
    plan, labels = run.plan or {}, run.labels or {}
    order = plan["rounds"][0]["stops"][1]["order"]
    at_depot = {"lat": depot.lat, "lon": depot.lon, "order": None}
    stops = [
        at_depot | {"action": "start", "arrival_s": 3 * DAY + 6 * 3600, "load_kg": 0},
        {"lat": canteen.lat, "lon": canteen.lon, "order": order, "action": "unload",
         "arrival_s": 3 * DAY + 7 * 3600, "load_kg": 0},
        at_depot | {"action": "end", "arrival_s": 3 * DAY + 8 * 3600, "load_kg": 0},
    ]  # fmt: skip
    for stop in stops:
        stop["departure_s"] = stop["arrival_s"] + 60
    plan["rounds"].append({"vehicle": f"v{van.pk}", "day": 3, "km": 30.0, "hours": 2.0, "trips": 1,
                               "stops": stops})  # fmt: skip
    labels["vehicles"][f"v{van.pk}"] = {"name": "Fourgon", "driver": "", "phone": ""}
    run.plan, run.labels = plan, labels
    run.save()
    return run


def map_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="rounds-data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_map_gets_the_depot_and_the_stops_numbered_as_on_the_route_sheet(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.camille)
    run = sheet_run(territory)
    data = map_data(client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert [d["title"] for d in data["depots"]] == ["Depot: Atelier de découpe"]
    (drawn,) = data["rounds"]
    # Depot (1), farm (2), market (3), depot (4): the depot is its own marker, the stops keep their number.
    assert [s["n"] for s in drawn["stops"]] == [2, 3]
    assert drawn["stops"][1]["title"] == "Tuesday · Camion frigo — stop 3 at 8 am: Marché d'Ambert"  # not "08:00"


def test_each_vehicle_has_its_colour_named_in_the_legend_and_a_day_filter_appears_for_two_days(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.camille)
    run = two_day_run(territory)
    page = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    colours = {r["colour"] for r in map_data(page)["rounds"]}
    assert len(colours) == 2
    legend = re.search(r'<div class="map-legend" id="rounds-legend">(.*?)</div>', page, re.S)
    assert legend and "Camion frigo" in legend.group(1) and "Fourgon" in legend.group(1)
    assert 'id="day-filter"' in page and "Mardi" in page and "Jeudi" in page


def test_a_plan_on_one_day_has_no_day_filter(client: Client, territory: Any, people: Any) -> None:
    client.force_login(people.camille)
    run = sheet_run(territory)
    assert 'id="day-filter"' not in client.get(f"/logistics/runs/{run.pk}/").content.decode()


def test_each_route_sheet_carries_the_map_of_its_own_round_alone_numbered_as_its_lines(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.camille)
    run = two_day_run(territory)
    page = client.get(f"/logistics/runs/{run.pk}/sheets/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    sheets = [
        json.loads(data)
        for data in re.findall(r'<script id="sheet-map-\d+-data" type="application/json">(.*?)</script>', page, re.S)
    ]
    labels = [[r["label"] for r in sheet["rounds"]] for sheet in sheets]
    assert labels == [["Tuesday · Camion frigo"], ["Thursday · Fourgon"]]
    # Tuesday's sheet: depot (1), farm (2), market (3), depot (4); its map numbers the farm 2 and the market 3.
    assert [s["n"] for s in sheets[0]["rounds"][0]["stops"]] == [2, 3]
    assert [s["n"] for s in sheets[1]["rounds"][0]["stops"]] == [2]
    assert all(len(sheet["depots"]) == 1 for sheet in sheets)
    assert page.count('class="map sheet-map"') == 2
