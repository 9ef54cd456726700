"""Per customer, a producer chooses how their goods travel: the pooled round, themselves, a relay platform
or a carpool trip. The planner and the costs follow the choice: self-delivered and carpooled orders stay
out of the rounds (the run says who carries them), relay orders pass through their platform in two
echelons, and the route sheets and delivery notes say whose goods each parcel is. One cleaning rule for
the order form and the orders' import."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from terroir.directory.models import Actor
from terroir.logistics import services
from terroir.logistics.models import DeliveryMode, DeliveryOrder, Depot, OrderKind, PlanningRun, RunStatus, Vehicle
from terroir.logistics.orders_import import orders_read

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)  # a Monday
TUESDAY = 0b10


def relay_week(territory: Any) -> dict[str, Any]:
    """Two farms east of Clermont, two customers in town, a truck at the workshop and a cargo van at the
    platform north of Clermont; the cheese goes through the platform, the honey farm delivers its own
    customer, and a carpool trip takes a parcel of honey."""
    cheese, honey = territory.cheese_farm, territory.honey_farm
    for farm, (lat, lon) in ((cheese, (45.60, 3.70)), (honey, (45.66, 3.55))):
        farm.lat, farm.lon = lat, lon
        farm.save()
    shop = Actor.objects.create(name="Magasin Les Volcans", is_buyer=True, lat=45.78, lon=3.09, address="10 av. Royat")
    canteen = Actor.objects.create(name="Cantine Jaude", is_buyer=True, lat=45.776, lon=3.08)
    workshop = Depot.objects.create(name="Atelier de découpe", lat=45.65, lon=3.60)
    platform = Depot.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.10, address="Zone du Brézet")
    truck = Vehicle.objects.create(name="Camion", depot=workshop, capacity_kg=1000, cold_kg=1000, weekdays=TUESDAY)
    van = Vehicle.objects.create(name="Vélo-cargo", depot=platform, capacity_kg=200, cold_kg=200, weekdays=TUESDAY)

    def order(producer: Actor, customer: Actor, goods: str, mode: str, relay: Depot | None = None) -> DeliveryOrder:
        return DeliveryOrder.objects.create(
            week=WEEK, kind=OrderKind.SHIPMENT, producer=producer, customer=customer, description=goods, kg=30,
            value=300, weekdays=TUESDAY, pickup_opens=datetime.time(9), pickup_closes=datetime.time(12),
            delivery_opens=datetime.time(7), delivery_closes=datetime.time(17), delivery_mode=mode, relay=relay,
        )  # fmt: skip

    orders = [
        order(cheese, shop, "Fourme d'Ambert", DeliveryMode.RELAY, platform),
        order(cheese, canteen, "Saint-Nectaire", DeliveryMode.RELAY, platform),
        order(honey, canteen, "Miel de montagne", DeliveryMode.SELF),
        order(honey, shop, "Pain d'épices", DeliveryMode.CARPOOL),
    ]
    return {"truck": truck, "van": van, "platform": platform, "orders": orders, "shop": shop, "canteen": canteen}


def test_self_delivered_and_carpooled_orders_stay_out_of_the_problem_and_relay_orders_pass_their_platform(
    territory: Any,
) -> None:
    week = relay_week(territory)
    problem, labels = services.problem_for_week([week["truck"]], week["orders"])
    relay, other_relay, own, carpool = week["orders"]
    assert [o["id"] for o in problem["orders"]] == [f"o{relay.pk}", f"o{other_relay.pk}"]
    assert {o["via"] for o in problem["orders"]} == {f"d{week['platform'].pk}"}
    # The platform is a depot of the problem even when no chosen vehicle starts there.
    assert f"d{week['platform'].pk}" in {d["id"] for d in problem["depots"]}
    outside = [(o["order"], o["mode"]) for o in labels["outside"]]
    assert outside == [(f"o{own.pk}", "self"), (f"o{carpool.pk}", "carpool")]


def test_a_relay_week_is_planned_in_two_echelons_and_the_sheets_and_notes_name_each_producer(
    client: Client, people: Any, territory: Any
) -> None:
    week = relay_week(territory)
    problem, labels = services.problem_for_week([week["truck"], week["van"]], week["orders"])
    run = services.run_start(problem, by=people.camille, week=WEEK, labels=labels, time_limit_s=1, background=False)
    assert run.status == RunStatus.DONE, run.error
    plan, report = run.plan or {}, run.report or {}
    assert plan["unserved"] == []
    relay, other_relay = week["orders"][:2]
    served = {s["order"] for r in plan["rounds"] for s in r["stops"] if s["order"]}
    assert served == {f"o{relay.pk}", f"o{other_relay.pk}"}  # the producer's own and the carpool are not routed
    by_vehicle = {r["vehicle"]: r for r in plan["rounds"]}
    collection, last_mile = by_vehicle[f"v{week['truck'].pk}"], by_vehicle[f"v{week['van'].pk}"]
    arrivals = [s["departure_s"] for s in collection["stops"] if s.get("transfer")]
    assert len(arrivals) == 2 and last_mile["stops"][0]["departure_s"] >= max(arrivals)
    # The producers' costs count only the routed orders, of both rounds.
    assert {p["party"] for p in report["producers"]} == {f"p{territory.cheese_farm.pk}"}
    assert report["total"]["value"] == pytest.approx(600)

    client.force_login(people.camille)
    page = client.get(f"/logistics/runs/{run.pk}/").content.decode()
    assert 'id="outside"' in page and "Miel de montagne" in page and "livré par le producteur" in page
    assert "envoyé par un trajet de covoiturage" in page
    # The collection round's unloading at the platform names the platform, not the customer.
    assert "Décharger — Plateforme Clermont-Nord" in page
    sheets = client.get(f"/logistics/runs/{run.pk}/sheets/").content.decode()
    farm = territory.cheese_farm.name.replace("'", "&#x27;")
    # The truck leaves the goods at the platform; the van loads them there, each parcel with its producer.
    assert "Plateforme Clermont-Nord" in sheets and "Zone du Brézet" in sheets
    parcels = re.findall(r'<small class="producer">\((.*?)\)</small>', sheets)
    # Unloaded at the platform, loaded there, unloaded at the customers: each line names the producer.
    assert len(parcels) == 6 and all(farm in parcel for parcel in parcels)
    notes = client.get(f"/logistics/runs/{run.pk}/notes/").content.decode()
    assert notes.count('class="sheet delivery-note"') == 2  # one per customer
    assert "Magasin Les Volcans" in notes and "Cantine Jaude" in notes and "Fourme d&#x27;Ambert" in notes
    assert notes.count(f"<strong>{farm}</strong>") == 2 and "Miel de montagne" not in notes


def test_an_order_delivered_by_its_producer_alone_leaves_nothing_to_plan(people: Any, territory: Any) -> None:
    week = relay_week(territory)
    problem, _labels = services.problem_for_week([week["truck"]], week["orders"][2:])
    assert problem["orders"] == []
    with pytest.raises(Exception, match="no order to plan"):
        services.run_start(problem, by=people.camille, background=False)
    assert not PlanningRun.objects.exists()


ORDER = {
    "week": WEEK.isoformat(), "kind": "shipment", "kg": "20", "crates": "0", "value": "200", "pickup_opens": "06:00",
    "pickup_closes": "12:00", "delivery_opens": "07:00", "delivery_closes": "12:00", "service_min": "5",
    "weekdays": ["1"], "required": "on",
}  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"delivery_mode": "relay"}, "relay", "Indiquez la plateforme relais"),
    ({"delivery_mode": "relay", "kind": "delivery", "relay": "PLATFORM"}, "delivery_mode", "Seule une marchandise"),
    ({"delivery_mode": "pooled", "relay": "PLATFORM"}, "relay", "que pour une marchandise livrée"),
])  # fmt: skip
def test_the_order_form_keeps_a_relay_platform_only_for_a_relay_order(
    client: Client, people: Any, territory: Any, changes: dict[str, str], field: str, message: str
) -> None:
    week = relay_week(territory)
    client.force_login(people.camille)
    data = ORDER | {"producer": territory.cheese_farm.pk, "customer": week["shop"].pk} | changes
    if data.get("relay") == "PLATFORM":
        data["relay"] = week["platform"].pk
    response = client.post("/logistics/orders/new/", data)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])


def test_the_order_form_says_its_limits_in_french_figures(client: Client, people: Any, territory: Any) -> None:
    week = relay_week(territory)
    client.force_login(people.camille)
    data = ORDER | {"producer": territory.cheese_farm.pk, "customer": week["shop"].pk, "kg": "120000",
                    "crates": "9" * 20, "value": "-5"}  # fmt: skip
    response = client.post("/logistics/orders/new/", data)
    errors = response.context["form"].errors
    assert response.status_code == 400 and "9223372036854775807" not in response.content.decode()
    assert errors["kg"] == ["Assurez-vous que cette valeur est inférieure ou égale à 40\xa0000."]
    assert errors["crates"] == ["Assurez-vous que cette valeur est inférieure ou égale à 2\xa0000."]
    assert errors["value"] == ["Assurez-vous que cette valeur est supérieure ou égale à 0."]


def test_the_order_form_keeps_the_producer_s_choice(client: Client, people: Any, territory: Any) -> None:
    week = relay_week(territory)
    client.force_login(people.camille)
    page = client.get("/logistics/orders/new/").content.decode()
    assert 'name="delivery_mode"' in page and "Plateforme Clermont-Nord" in page
    data = ORDER | {"producer": territory.cheese_farm.pk, "customer": week["shop"].pk, "delivery_mode": "relay",
                    "relay": week["platform"].pk}  # fmt: skip
    assert client.post("/logistics/orders/new/", data).status_code == 302
    saved = DeliveryOrder.objects.latest("pk")
    assert (saved.delivery_mode, saved.relay) == ("relay", week["platform"])
    data = ORDER | {"producer": territory.cheese_farm.pk, "customer": week["shop"].pk}  # an older form: no mode
    assert client.post("/logistics/orders/new/", data).status_code == 302
    assert DeliveryOrder.objects.latest("pk").delivery_mode == "pooled"


def test_the_import_reads_the_delivery_mode_and_the_platform_with_the_form_s_rule(
    territory: Any, tmp_path: Path
) -> None:
    week = relay_week(territory)
    carrier = Actor.objects.create(name="Autre transporteur", is_carrier=True)
    foreign = Depot.objects.create(name="Dépôt d'un autre", lat=45.7, lon=3.2, operator=carrier)
    farm, shop = territory.cheese_farm.name, week["shop"].name
    rows = [
        "producteur;client;kg;livre_par;relais",  # synthetic rows
        f"{farm};{shop};10;relais;Plateforme Clermont-Nord",
        f"{farm};{shop};10;producteur;",
        f"{farm};{shop};10;covoiturage;",
        f"{farm};{shop};10;;",
        f"{farm};{shop};10;relais;",
        f"{farm};{shop};10;tournee;Plateforme Clermont-Nord",
        f"{farm};{shop};10;relais;Dépôt d'un autre",
        f"{farm};{shop};10;en charrette;",
    ]
    path = tmp_path / "commandes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    read = orders_read(path, week=WEEK, depots=Depot.objects.exclude(pk=foreign.pk))
    assert [(line, column) for line, column, _message in read.problems] == [
        (6, "relay"),
        (7, "relay"),
        (8, "relay"),
        (9, "mode"),
    ]
    assert "Indiquez la plateforme relais" in read.problems[0][2] and "parmi vos dépôts" in read.problems[2][2]
    path.write_text("\n".join(rows[:5]) + "\n", encoding="utf-8")
    read = orders_read(path, week=WEEK, depots=Depot.objects.all())
    assert read.problems == []
    assert [(o.delivery_mode, o.relay) for o in read.orders] == [
        ("relay", week["platform"]),
        ("self", None),
        ("carpool", None),
        ("pooled", None),
    ]


def test_an_order_its_producer_delivers_costs_what_the_same_order_costs_that_producer_in_the_status_quo(
    territory: Any,
) -> None:
    """Like with like: the estimate of a self-delivered order is the status quo's model (the producer's own
    rounds from the farm with their van), so it equals what that order would cost them alone."""
    from terroir.logistics import evaluate, problems, routing
    from terroir.logistics.distances import Estimate

    week = relay_week(territory)
    own = week["orders"][2]
    problem, _labels = services.problem_for_week([week["truck"]], week["orders"])
    assert [o["id"] for o in problem["own_deliveries"]] == [f"o{own.pk}"]  # not the carpooled one
    parsed = problems.problem_from_json(problem)
    matrix_for = Estimate().matrix
    estimate = evaluate.own_deliveries(parsed, matrix_for=matrix_for)
    # The same order in the pooled rounds: its status quo is the producer's own round.
    pooled = problems.problem_from_json(problem | {"orders": problem["own_deliveries"], "own_deliveries": []})
    report = evaluate.evaluate(pooled, routing.plan(pooled, matrix_for=matrix_for, seconds=0.5),
                               matrix_for=matrix_for)  # fmt: skip
    assert report.status_quo is not None
    cost = estimate.orders[f"o{own.pk}"]
    assert cost.cost == pytest.approx(report.status_quo.cost) and cost.km == pytest.approx(report.status_quo.km)
    assert cost.km > 2 * 30  # there and back, from the farm to Clermont
    assert cost.cost == pytest.approx(0.60 * cost.km + 15 * cost.hours)  # the own van's €/km and driver's €/h
    assert cost.share == pytest.approx(cost.cost / 300)
    assert estimate.total.cost == pytest.approx(cost.cost)
    assert [p.party for p in estimate.producers] == [f"p{territory.honey_farm.pk}"]


def test_two_orders_a_producer_delivers_on_one_round_share_its_cost() -> None:
    from terroir.logistics import evaluate
    from terroir.logistics.distances import Estimate
    from terroir.logistics.routing import Job, Kind, Problem, Site

    farm, near, far = Site(45.55, 3.74), Site(45.60, 3.74), Site(45.78, 3.09)
    jobs = [Job(id=k, kind=Kind.SHIPMENT, kg=kg, value=200, pickup=farm, delivery=where, producer="p",
                customer=k, days=(1,)) for k, kg, where in (("near", 20, near), ("far", 20, far))]  # fmt: skip
    problem = Problem(depots=[], vehicles=[], orders=[], farms={"p": farm}, own_deliveries=jobs)
    estimate = evaluate.own_deliveries(problem, matrix_for=Estimate().matrix)
    assert estimate.orders["far"].cost > 0 and estimate.orders["near"].cost > 0
    assert estimate.orders["far"].cost + estimate.orders["near"].cost == pytest.approx(estimate.total.cost)
    assert estimate.total.days == 1  # one round of the producer's serves both


def test_the_run_page_shows_the_estimate_of_the_self_delivered_orders_beside_the_pooled_cost(
    client: Client, people: Any, territory: Any
) -> None:
    week = relay_week(territory)
    problem, labels = services.problem_for_week([week["truck"], week["van"]], week["orders"])
    run = services.run_start(problem, by=people.camille, week=WEEK, labels=labels, time_limit_s=1, background=False)
    own = (run.report or {})["own_deliveries"]
    estimate = own["orders"][f"o{week['orders'][2].pk}"]
    assert estimate["cost"] > 0 and own["total"]["cost"] == estimate["cost"]
    assert f"o{week['orders'][3].pk}" not in own["orders"]  # a carpool trip's price is the trip's rule
    client.force_login(people.camille)
    page = client.get(f"/logistics/runs/{run.pk}/").content.decode()
    assert 'id="own-total"' in page and "Livrées par leurs producteurs eux-mêmes" in page
    outside = page[page.index('<table id="outside"') : page.index("</table>", page.index('<table id="outside"'))]
    assert f"{estimate['km']:.0f}".replace(".", ",") in outside.replace("\u202f", "").replace("\xa0", "")
    assert "%" in outside
