"""Every role × every logistics page and plans endpoint: the status, and what it did or showed.

Two carriers share the territory: Léa plans for the Coopérative du Livradois ("own"), Marc for Transports
du Forez ("other"). Each has a depot, a vehicle, an order with its customer's phone and a planned run. Roles:
anonymous, Nina (signed in, no organisation), Claire (producer), Sophie (buyer), Pierre (asked to be a
carrier, not approved yet), Marc (the other carrier), Léa (the own carrier), Camille (coordinator).
Another carrier's order or run is a 404: its id must not even tell that it exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from terroir.accounts.models import Membership
from terroir.accounts.services import api_token_create, organisation_create
from terroir.directory.models import Actor
from terroir.logistics import services
from terroir.logistics.models import DeliveryOrder, Depot, OrderKind, PlanningRun, RunStatus, Vehicle
from terroir.logistics.routing import DAY

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)
ROLES = ("anonymous", "nobody", "producer", "buyer", "pending", "other_carrier", "own_carrier", "coordinator")
OWN_PHONE, OTHER_PHONE = "04 73 55 00 01", "04 73 99 00 02"
OWN_CUSTOMER, OTHER_CUSTOMER = "Cantine du collège de Cunlhat", "Épicerie de Marc à Noirétable"


@dataclass
class Side:
    carrier: Actor
    depot: Depot
    vehicle: Vehicle
    order: DeliveryOrder
    run: PlanningRun


@dataclass
class World:
    people: dict[str, Any]
    own: Side
    other: Side


def side(name: str, *, customer_name: str, phone: str, producer: Actor, lat: float) -> Side:
    carrier = Actor.objects.create(name=name, is_carrier=True, is_organisation=True)
    depot = Depot.objects.create(name=f"Dépôt {name}", lat=lat, lon=3.6, operator=carrier)
    vehicle = Vehicle.objects.create(name=f"Camion {name}", owner=carrier, depot=depot, capacity_kg=800,
                                     weekdays=0b10, driver="Léa Martin", driver_phone="06 11 22 33 44")  # fmt: skip
    customer = Actor.objects.create(name=customer_name, is_buyer=True, lat=lat + 0.1, lon=3.5, phone=phone)
    order = DeliveryOrder.objects.create(
        week=WEEK, owner=carrier, kind=OrderKind.SHIPMENT, producer=producer, customer=customer,
        description="Fourme", kg=20, value=200, weekdays=0b10,
    )  # fmt: skip
    problem, labels = services.problem_for_week([vehicle], [order])
    stop = {"lat": lat, "lon": 3.6, "load_kg": 20}
    plan = {
        "rounds": [{"vehicle": f"v{vehicle.pk}", "day": 1, "km": 30.0, "hours": 1.5, "trips": 1, "stops": [
            stop | {"order": None, "action": "start", "arrival_s": DAY + 6 * 3600, "departure_s": DAY + 6 * 3600},
            stop | {"order": f"o{order.pk}", "action": "load", "arrival_s": DAY + 7 * 3600,
                    "departure_s": DAY + 7 * 3600 + 300},
            stop | {"order": f"o{order.pk}", "action": "unload", "arrival_s": DAY + 8 * 3600,
                    "departure_s": DAY + 8 * 3600 + 300},
            stop | {"order": None, "action": "end", "arrival_s": DAY + 9 * 3600, "departure_s": DAY + 9 * 3600},
        ]}],
        "unserved": [],
    }  # fmt: skip
    run = PlanningRun.objects.create(week=WEEK, owner=carrier, problem=problem, labels=labels, plan=plan,
                                     report={}, status=RunStatus.DONE, stage="done", fraction=1.0)  # fmt: skip
    return Side(carrier, depot, vehicle, order, run)


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def world_build(territory: Any, people: Any) -> World:
    """The two carriers and the people of every role (test_fleet.py builds the same world)."""
    from terroir.conftest import person

    own = side("Coopérative du Livradois", customer_name=OWN_CUSTOMER, phone=OWN_PHONE,
               producer=territory.cheese_farm, lat=45.55)  # fmt: skip
    other = side("Transports du Forez", customer_name=OTHER_CUSTOMER, phone=OTHER_PHONE,
                 producer=territory.honey_farm, lat=45.85)  # fmt: skip
    lea, marc = person("lea@livradois.example.org"), person("marc@forez.example.org")
    Membership.objects.create(user=lea, actor=own.carrier, how="coordinator")
    Membership.objects.create(user=marc, actor=other.carrier, how="coordinator")
    pierre = person("pierre@self-made.example.org")
    organisation_create(user=pierre, name="Transports Pierre", role="carrier", commune=None)
    found = {
        "nobody": person("nina@example.org"), "producer": people.claire, "buyer": people.sophie,
        "pending": pierre, "other_carrier": marc, "own_carrier": lea, "coordinator": people.camille,
    }  # fmt: skip
    return World(people=found, own=own, other=other)


def client_of(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def order_data(world: World, **changes: Any) -> dict[str, Any]:
    order = world.own.order
    data = {
        "week": WEEK.isoformat(), "kind": "shipment", "producer": order.producer_id, "customer": order.customer_id,
        "kg": "20", "crates": "0", "value": "200", "pickup_opens": "06:00", "pickup_closes": "12:00",
        "delivery_opens": "07:00", "delivery_closes": "12:00", "service_min": "5", "weekdays": ["1"],
        "required": "on",
    }  # fmt: skip
    return data | changes


# Each endpoint: how to call it, and what must hold after: `done` says whether the role was let through.
Check = Callable[[World, str, Any, bool], None]


def owner_of(world: World, role: str) -> Actor | None:
    """Whom a role's new orders and runs belong to (a coordinator plans for the whole territory)."""
    return {"own_carrier": world.own.carrier, "other_carrier": world.other.carrier}.get(role)


def sees_own_only(world: World, role: str, response: Any, done: bool) -> None:
    if not done:
        return
    page = response.content.decode()
    assert (OWN_CUSTOMER in page) == (role in ("own_carrier", "coordinator"))
    assert (OTHER_CUSTOMER in page) == (role in ("other_carrier", "coordinator"))


def added(world: World, role: str, response: Any, done: bool) -> None:
    new = DeliveryOrder.objects.exclude(pk__in=[world.own.order.pk, world.other.order.pk])
    assert [o.owner for o in new] == ([owner_of(world, role)] if done else [])


def changed(world: World, role: str, response: Any, done: bool) -> None:
    order = DeliveryOrder.objects.get(pk=world.own.order.pk)
    assert (order.kg == 33) == done
    assert order.owner == world.own.carrier  # editing never moves an order to another carrier


def deleted(world: World, role: str, response: Any, done: bool) -> None:
    assert DeliveryOrder.objects.filter(pk=world.own.order.pk).exists() != done


def planned(world: World, role: str, response: Any, done: bool) -> None:
    new = list(PlanningRun.objects.exclude(pk__in=[world.own.run.pk, world.other.run.pk]))
    assert [r.owner for r in new] == ([owner_of(world, role)] if done else [])
    if done:  # the ids of another carrier's vehicle and order were not taken into the plan
        ours = {"other_carrier": [world.other], "own_carrier": [world.own]}.get(role, [world.own, world.other])
        assert {o["id"] for o in new[0].problem["orders"]} == {f"o{s.order.pk}" for s in ours}
        assert {v["id"] for v in new[0].problem["vehicles"]} == {f"v{s.vehicle.pk}" for s in ours}


def edit_page(world: World, role: str, response: Any, done: bool) -> None:
    body = response.content.decode() if response.status_code == 200 else ""
    assert (f"/logistics/orders/{world.own.order.pk}/delete/" in body) == done
    assert OTHER_PHONE not in body and OWN_PHONE not in body


def phones(world: World, role: str, response: Any, done: bool) -> None:
    body = response.content.decode("utf-8-sig") if response.status_code == 200 else ""
    assert (OWN_PHONE in body) == done
    assert OTHER_PHONE not in body


def names(world: World, role: str, response: Any, done: bool) -> None:
    body = response.content.decode("utf-8-sig") if response.status_code == 200 else ""
    assert (OWN_CUSTOMER in body) == done
    assert OTHER_CUSTOMER not in body


def no_effect(world: World, role: str, response: Any, done: bool) -> None:
    pass


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("commandes.csv", b"producteur;type;kg\nGAEC des Monts du Forez;collecte;12\n")


def imported(world: World, role: str, response: Any, done: bool) -> None:
    new = DeliveryOrder.objects.exclude(pk__in=[world.own.order.pk, world.other.order.pk])
    assert [(o.owner, o.kind) for o in new] == ([(owner_of(world, role), "collection")] if done else [])


def run_url(world: World, tail: str) -> str:
    return f"/logistics/runs/{world.own.run.pk}/{tail}"


# (name, method, url, data, status for the own carrier and the coordinator, is it the own carrier's data, check)
ENDPOINTS: list[tuple[str, str, Callable[[World], str], Callable[[World], Any], int, bool, Check]] = [
    ("planner", "get", lambda w: f"/logistics/?week={WEEK}", lambda w: None, 200, False, sees_own_only),
    ("plan", "post", lambda w: "/logistics/",
     lambda w: {"week": WEEK.isoformat(), "vehicles": [w.own.vehicle.pk, w.other.vehicle.pk],
                "orders": [w.own.order.pk, w.other.order.pk], "time_limit": "1"}, 302, False, planned),
    ("order_new_page", "get", lambda w: "/logistics/orders/new/", lambda w: None, 200, False, no_effect),
    ("order_new", "post", lambda w: "/logistics/orders/new/", lambda w: order_data(w), 302, False, added),
    ("order_edit_page", "get", lambda w: f"/logistics/orders/{w.own.order.pk}/", lambda w: None, 200, True,
     edit_page),
    ("order_edit", "post", lambda w: f"/logistics/orders/{w.own.order.pk}/", lambda w: order_data(w, kg="33"),
     302, True, changed),
    ("order_delete", "post", lambda w: f"/logistics/orders/{w.own.order.pk}/delete/", lambda w: {}, 302, True,
     deleted),
    ("orders_import_page", "get", lambda w: "/logistics/orders/import/", lambda w: None, 200, False, no_effect),
    ("orders_import", "post", lambda w: "/logistics/orders/import/",
     lambda w: {"week": WEEK.isoformat(), "file": upload()}, 302, False, imported),
    ("run", "get", lambda w: run_url(w, ""), lambda w: None, 200, True, names),
    ("run_state", "get", lambda w: run_url(w, "state.json"), lambda w: None, 200, True, no_effect),
    ("sheets", "get", lambda w: run_url(w, "sheets/"), lambda w: None, 200, True, phones),
    ("delivery_notes", "get", lambda w: run_url(w, "notes/"), lambda w: None, 200, True, names),
    ("rounds_csv", "get", lambda w: run_url(w, "rounds.csv"), lambda w: None, 200, True, names),
    ("rounds_geojson", "get", lambda w: run_url(w, "rounds.geojson"), lambda w: None, 200, True, names),
]  # fmt: skip


def expected(role: str, allowed: int, own_data: bool) -> int:
    if role == "anonymous":
        return 302  # to log in
    if role in ("nobody", "producer", "buyer", "pending"):
        return 403
    if role == "other_carrier" and own_data:
        return 404
    return allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "data", "allowed", "own_data", "check"), ENDPOINTS,
                         ids=[e[0] for e in ENDPOINTS])  # fmt: skip
def test_each_role_sees_and_changes_only_its_own_logistics(
    world: World, role: str, name: str, method: str, url: Any, data: Any, allowed: int, own_data: bool, check: Check
) -> None:
    client = client_of(world, role)
    body = data(world)
    response = client.get(url(world)) if method == "get" else client.post(url(world), body or {})
    status = expected(role, allowed, own_data)
    assert response.status_code == status, response.content.decode()[-800:]
    if role == "anonymous":
        assert "/account/login/" in response["Location"]
    check(world, role, response, role != "anonymous" and status == allowed)


def key_of(world: World, role: str, scope: str = "write") -> dict[str, str]:
    if role == "anonymous":
        return {}
    _token, key = api_token_create(user=world.people[role], name="planner", scope=scope)
    return {"Authorization": f"Bearer {key}"}


def api_expected(role: str, allowed: int, own_data: bool) -> int:
    if role == "anonymous":
        return 401
    if role in ("nobody", "producer", "buyer", "pending"):
        return 403
    if role == "other_carrier" and own_data:
        return 404
    return allowed


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_only_its_own_plans_through_the_api(world: World, role: str) -> None:
    client = Client()
    response = client.get(f"/api/v1/plans/{world.own.run.pk}", headers=key_of(world, role, "read"))
    assert response.status_code == api_expected(role, 200, True)
    if response.status_code == 200:
        assert response.json()["plan"]["rounds"][0]["vehicle"] == f"v{world.own.vehicle.pk}"
    else:
        assert "plan" not in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_plans_through_the_api_for_its_own_carrier_only(world: World, role: str) -> None:
    problem, _labels = services.problem_for_week([world.own.vehicle], [world.own.order])
    response = Client().post(
        "/api/v1/plans", {"problem": problem, "time_limit_s": 1}, content_type="application/json",
        headers=key_of(world, role),
    )  # fmt: skip
    assert response.status_code == api_expected(role, 202, False), response.content
    new = PlanningRun.objects.exclude(pk__in=[world.own.run.pk, world.other.run.pk])
    if response.status_code == 202:
        owners = {"own_carrier": world.own.carrier, "other_carrier": world.other.carrier, "coordinator": None}
        assert [r.owner for r in new] == [owners[role]]
    else:
        assert not new.exists()


def test_a_carrier_cannot_plan_for_another_carrier_through_the_api(world: World) -> None:
    problem, _labels = services.problem_for_week([world.own.vehicle], [world.own.order])
    for organisation in (world.own.carrier.pk, 999_999):
        response = Client().post(
            "/api/v1/plans", {"problem": problem, "organisation": organisation}, content_type="application/json",
            headers=key_of(world, "other_carrier"),
        )  # fmt: skip
        assert response.status_code == 404 and response.json()["error"]["parameter"] == "organisation"
    assert PlanningRun.objects.count() == 2


def test_a_person_of_two_carriers_chooses_which_one_they_plan_for(client: Client, world: World) -> None:
    lea = world.people["own_carrier"]
    Membership.objects.create(user=lea, actor=world.other.carrier, how="coordinator")
    client.force_login(lea)
    page = client.get(f"/logistics/?week={WEEK}&org={world.other.carrier.pk}").content.decode()
    assert OTHER_CUSTOMER in page and OWN_CUSTOMER not in page and 'id="org"' in page
    page = client.get(f"/logistics/?week={WEEK}").content.decode()  # remembered
    assert OTHER_CUSTOMER in page and OWN_CUSTOMER not in page
    client.post("/logistics/orders/new/", order_data(world))
    assert DeliveryOrder.objects.latest("pk").owner == world.other.carrier
    page = client.get(f"/logistics/?week={WEEK}&org={world.own.carrier.pk}").content.decode()
    assert OWN_CUSTOMER in page and OTHER_CUSTOMER not in page
    # Through the API, a person of two carriers says which one.
    problem, _labels = services.problem_for_week([world.own.vehicle], [world.own.order])
    headers = key_of(world, "own_carrier")
    unsaid = client.post("/api/v1/plans", {"problem": problem}, content_type="application/json", headers=headers)
    assert unsaid.status_code == 404 and unsaid.json()["error"]["parameter"] == "organisation"


def test_a_carrier_that_is_not_one_of_yours_is_not_found_on_the_planner(client: Client, world: World) -> None:
    client.force_login(world.people["other_carrier"])
    for org in (world.own.carrier.pk, 999_999, "abc"):
        assert client.get(f"/logistics/?org={org}").status_code == 404


def test_a_carrier_s_plans_do_not_take_another_carrier_s_slots(client: Client, world: World) -> None:
    problem, _labels = services.problem_for_week([world.other.vehicle], [world.other.order])
    for _ in range(services.MAX_RUNNING):
        PlanningRun.objects.create(owner=world.other.carrier, problem=problem, status=RunStatus.RUNNING)
    with pytest.raises(services.PlannerBusy):
        services.run_start(problem, by=world.people["other_carrier"], owner=world.other.carrier)
    client.force_login(world.people["own_carrier"])
    data = {"week": WEEK.isoformat(), "vehicles": [world.own.vehicle.pk], "orders": [world.own.order.pk]}
    response = client.post("/logistics/", data)
    assert response.status_code == 302 and "déjà" not in response.content.decode()
    assert PlanningRun.objects.filter(owner=world.own.carrier).count() == 2


def test_rows_without_owner_are_the_coordinators_alone(client: Client, world: World) -> None:
    DeliveryOrder.objects.filter(pk=world.own.order.pk).update(owner=None)
    PlanningRun.objects.filter(pk=world.own.run.pk).update(owner=None)
    client.force_login(world.people["own_carrier"])
    assert client.get(f"/logistics/orders/{world.own.order.pk}/").status_code == 404
    assert client.get(run_url(world, "sheets/")).status_code == 404
    assert OWN_CUSTOMER not in client.get(f"/logistics/?week={WEEK}").content.decode()
    client.force_login(world.people["coordinator"])
    assert client.get(f"/logistics/orders/{world.own.order.pk}/").status_code == 200
    assert OWN_PHONE in client.get(run_url(world, "sheets/")).content.decode()


def test_the_demo_cooperative_owns_its_depot_vehicles_and_orders(directory_demo_full: Any) -> None:
    from terroir.logistics.demo import logistics_demo_load

    assert logistics_demo_load() > 0
    cooperative = Actor.objects.get(is_carrier=True, source="demo")
    assert set(Depot.objects.values_list("operator", flat=True)) == {cooperative.pk}
    assert set(Vehicle.objects.values_list("owner", flat=True)) == {cooperative.pk}
    assert set(DeliveryOrder.objects.values_list("owner", flat=True)) == {cooperative.pk}
