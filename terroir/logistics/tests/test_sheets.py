"""The driver's route sheet (issue 15): addresses with their commune, the stops at one place grouped, the
quantity of each order, a box to tick per order, phones on one line in the national format."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from terroir.directory.models import Actor
from terroir.logistics import services
from terroir.logistics.models import DeliveryOrder, Depot, OrderKind, PlanningRun, RunStatus, Vehicle
from terroir.logistics.routing import DAY

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)


def sheet_run(territory: Any) -> PlanningRun:
    """A round that loads two orders at the cheese farm and unloads both at Ambert's market, for two
    customers: the planner's four stops make two stops of the sheet."""
    depot = Depot.objects.create(name="Atelier de découpe", lat=45.65, lon=3.60)
    vehicle = Vehicle.objects.create(name="Camion frigo", depot=depot, capacity_kg=800, weekdays=0b10,
                                     driver="Léa Martin", driver_phone="06 11 22 33 44")  # fmt: skip
    farm, market = territory.cheese_farm, territory.ambert_market
    farm.address, farm.postcode = "Le Bourg", "63600"
    farm.save()
    orders = []
    for goods, kg, crates, name, phone in [
        ("Fourme d'Ambert", 20, 2, "Épicerie solidaire d'Ambert", "04 73 11 22 33"),
        ("Beurre", 7.5, 0, "Restaurant Le Livradois", "04 73 44 55 66"),
    ]:
        customer = Actor.objects.create(name=name, is_buyer=True, lat=45.55, lon=3.74, phone=phone)
        orders.append(DeliveryOrder.objects.create(
            week=WEEK, kind=OrderKind.SHIPMENT, producer=farm, customer=customer, delivery_place=market,
            description=goods, kg=kg, crates=crates, value=100, weekdays=0b10,
        ))  # fmt: skip
    problem, labels = services.problem_for_week([vehicle], orders)
    at_farm, at_market = {"lat": farm.lat, "lon": farm.lon}, {"lat": market.lat, "lon": market.lon}
    at_depot = {"lat": depot.lat, "lon": depot.lon, "order": None}
    stops = [
        at_depot | {"action": "start", "arrival_s": DAY + 6 * 3600, "load_kg": 0},
        at_farm | {"order": f"o{orders[0].pk}", "action": "load", "arrival_s": DAY + 7 * 3600, "load_kg": 20},
        at_farm | {"order": f"o{orders[1].pk}", "action": "load", "arrival_s": DAY + 7 * 3600 + 300, "load_kg": 27.5},
        at_market | {"order": f"o{orders[0].pk}", "action": "unload", "arrival_s": DAY + 8 * 3600, "load_kg": 7.5},
        at_market | {"order": f"o{orders[1].pk}", "action": "unload", "arrival_s": DAY + 8 * 3600 + 300, "load_kg": 0},
        at_depot | {"action": "end", "arrival_s": DAY + 9 * 3600, "load_kg": 0},
    ]  # fmt: skip
    for stop in stops:
        stop["departure_s"] = stop["arrival_s"] + 120
    plan = {"rounds": [{"vehicle": f"v{vehicle.pk}", "day": 1, "km": 42.0, "hours": 3.0, "trips": 1, "stops": stops}],
            "unserved": []}  # fmt: skip
    return PlanningRun.objects.create(week=WEEK, problem=problem, labels=labels, plan=plan, report={},
                                      status=RunStatus.DONE, stage="done", fraction=1.0)  # fmt: skip


def sheet_of(client: Client, run: PlanningRun) -> str:
    response = client.get(f"/logistics/runs/{run.pk}/sheets/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_route_sheet_groups_the_stops_at_one_place(client: Client, territory: Any, people: Any) -> None:
    client.force_login(people.camille)
    page = sheet_of(client, sheet_run(territory))
    # Depot, farm, market, depot: four stops where the planner had six.
    assert page.count('class="stop-head"') == 4
    heads = re.findall(r'<tr class="stop-head">(.*?)</tr>', page, re.S)
    assert "GAEC des Monts du Forez" in heads[1] and "Marché d&#x27;Ambert" in heads[2]
    # The two customers served at the market are named, each with their phone.
    assert "Épicerie solidaire d&#x27;Ambert" in page and "Restaurant Le Livradois" in page


def test_the_route_sheet_gives_addresses_with_their_commune(client: Client, territory: Any, people: Any) -> None:
    client.force_login(people.camille)
    page = sheet_of(client, sheet_run(territory))
    assert "Le Bourg, 63600 Ambert" in page
    assert "Place du Livradois, Ambert" in page


def test_the_route_sheet_gives_each_orders_quantity_and_a_box_to_tick(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.camille)
    page = sheet_of(client, sheet_run(territory))
    items = re.findall(r'<tr class="stop-item">(.*?)</tr>', page, re.S)
    assert len(items) == 4  # two loads, two unloads
    assert all('type="checkbox"' in item for item in items)
    assert "20&nbsp;kg · 2 crates" in items[0] and "7.5&nbsp;kg" in items[1] and "crate" not in items[1]


def test_the_route_sheet_keeps_each_phone_on_one_line_in_the_national_format(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.camille)
    page = sheet_of(client, sheet_run(territory))
    phones = re.findall(r'<(?:span|a)[^>]*class="phone"[^>]*>([^<]*)<', page)
    assert {"06 11 22 33 44", "04 73 11 22 33", "04 73 44 55 66"} <= set(phones)
    css = (Path(__file__).parents[3] / "static" / "terroir" / "site.css").read_text()
    assert re.search(r"\.phone\s*\{\s*white-space: nowrap", css) or ".nowrap, .phone { white-space: nowrap; }" in css


def test_the_route_sheet_groups_the_thousands_and_keeps_each_figure_with_its_unit_in_french(
    client: Client, territory: Any, people: Any
) -> None:
    run = sheet_run(territory)
    assert run.plan is not None
    run.plan["rounds"][0]["km"] = 1234.4
    run.save(update_fields=["plan"])
    client.force_login(people.camille)
    page = client.get(f"/logistics/runs/{run.pk}/sheets/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1\u00a0234&nbsp;km, 3,0&nbsp;h" in page and "20&nbsp;kg · 2 caisses" in page
    # The stops' times as a French reader tells the time ("8 h"), on the sheet and the run's page alike; the
    # CSV export keeps "08:00" for spreadsheets.
    assert '<td class="nowrap">8 h</td>' in page and not re.search(r'"nowrap">\d\d:\d\d<', page)
    run_page = client.get(f"/logistics/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<tr><td>8 h</td>" in run_page and "<tr><td>08:00</td>" not in run_page
