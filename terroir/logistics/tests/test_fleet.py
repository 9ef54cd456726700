"""A carrier's people set up their own depots and vehicles (/logistics/fleet/), as coordinators can: another
carrier's are a 404, producers and buyers are refused, and bad input is named field by field."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from terroir.logistics import services
from terroir.logistics.models import Depot, PlanningRun, Vehicle
from terroir.logistics.tests.test_permissions import WEEK, World, client_of, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def depot_data(**changes: Any) -> dict[str, Any]:
    data = {"name": "Plateforme de Cunlhat", "address": "Route d'Ambert, 63590 Cunlhat", "lat": "45.63",
            "lon": "3.56", "opens": "05:30", "closes": "19:00"}  # fmt: skip
    return data | changes


def vehicle_data(depot: Depot, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Frigo du Livradois", "depot": depot.pk, "end_depot": "", "vehicle_type": "refrigerated_van",
        "capacity_kg": "900", "capacity_crates": "", "cold_kg": "600", "per_km": "0.9", "per_hour": "19",
        "fixed_per_day": "12", "starts": "06:15", "ends": "15:45", "weekdays": ["0", "3"], "max_reloads": "1",
        "driver": "Jean Vidal", "driver_phone": "06 12 34 56 78", "active": "on",
    }  # fmt: skip
    return data | changes


def errors_of(response: Any) -> str:
    return response.content.decode()


def test_a_carrier_adds_a_depot_and_a_vehicle_then_plans_with_them(world: World) -> None:
    client = client_of(world, "own_carrier")
    page = client.get("/logistics/fleet/").content.decode()
    assert "Ajouter un dépôt" in page and "Ajouter un véhicule" in page
    assert world.own.vehicle.name in page and world.other.vehicle.name not in page
    assert "/logistics/fleet/" in client.get("/logistics/").content.decode()

    response = client.post("/logistics/depots/new/", depot_data())
    assert response.status_code == 302, errors_of(response)
    depot = Depot.objects.get(name="Plateforme de Cunlhat")
    assert depot.operator == world.own.carrier and depot.lat == 45.63
    response = client.post("/logistics/vehicles/new/", vehicle_data(depot))
    assert response.status_code == 302, errors_of(response)
    vehicle = Vehicle.objects.get(name="Frigo du Livradois")
    assert vehicle.owner == world.own.carrier and vehicle.depot == depot and vehicle.weekdays == 0b1001
    assert vehicle.starts.strftime("%H:%M") == "06:15" and vehicle.driver_phone == "+33612345678"

    fleet = client.get("/logistics/fleet/").content.decode()
    assert "Plateforme de Cunlhat" in fleet and f"/logistics/vehicles/{vehicle.pk}/" in fleet
    # Hours as a French reader says them, never "05:30–19:00" (the edit form's time input keeps "06:15").
    assert "5 h 30–19 h" in fleet and "6 h 15–15 h 45" in fleet and "05:30" not in fleet
    planner = client.get(f"/logistics/?week={WEEK}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "6 h 15–15 h 45" in planner and "06:15" not in planner
    assert 'value="06:15"' in client.get(f"/logistics/vehicles/{vehicle.pk}/").content.decode()
    planner = client.get(f"/logistics/?week={WEEK}").content.decode()
    assert f'id="vehicle-{vehicle.pk}"' in planner
    data = {"week": WEEK.isoformat(), "vehicles": [vehicle.pk], "orders": [world.own.order.pk], "time_limit": "1"}
    assert client.post("/logistics/", data).status_code == 302
    run = PlanningRun.objects.latest("pk")
    assert run.owner == world.own.carrier
    assert [v["id"] for v in run.problem["vehicles"]] == [f"v{vehicle.pk}"]
    assert [d["id"] for d in run.problem["depots"]] == [f"d{depot.pk}"]


def test_a_carrier_changes_its_own_depot_and_vehicle_but_not_their_carrier(world: World) -> None:
    client = client_of(world, "own_carrier")
    response = client.post(f"/logistics/depots/{world.own.depot.pk}/",
                           depot_data(name="Dépôt d'Ambert", operator=world.other.carrier.pk))  # fmt: skip
    assert response.status_code == 302, errors_of(response)
    depot = Depot.objects.get(pk=world.own.depot.pk)
    assert depot.name == "Dépôt d'Ambert" and depot.operator == world.own.carrier
    response = client.post(f"/logistics/vehicles/{world.own.vehicle.pk}/",
                           vehicle_data(depot, active="", owner=world.other.carrier.pk))  # fmt: skip
    assert response.status_code == 302, errors_of(response)
    vehicle = Vehicle.objects.get(pk=world.own.vehicle.pk)
    assert not vehicle.active and vehicle.owner == world.own.carrier
    assert f'id="vehicle-{vehicle.pk}"' not in client.get(f"/logistics/?week={WEEK}").content.decode()


@pytest.mark.parametrize("kind", ["depot", "vehicle"])
def test_another_carrier_s_depot_or_vehicle_is_not_found_and_stays_unchanged(world: World, kind: str) -> None:
    client = client_of(world, "other_carrier")
    own = world.own.depot if kind == "depot" else world.own.vehicle
    url = f"/logistics/{kind}s/{own.pk}/"
    assert client.get(url).status_code == 404
    data = depot_data(name="Volé") if kind == "depot" else vehicle_data(world.other.depot, name="Volé")
    assert client.post(url, data).status_code == 404
    own.refresh_from_db()
    assert own.name != "Volé" and not Depot.objects.filter(name="Volé").exists()
    assert not Vehicle.objects.filter(name="Volé").exists()
    assert world.own.depot.name not in client.get("/logistics/fleet/").content.decode()


@pytest.mark.parametrize("role", ["producer", "buyer", "nobody", "pending"])
def test_people_who_do_not_plan_rounds_are_refused_the_fleet(world: World, role: str) -> None:
    client = client_of(world, role)
    for url in ("/logistics/fleet/", "/logistics/depots/new/", f"/logistics/depots/{world.own.depot.pk}/",
                "/logistics/vehicles/new/", f"/logistics/vehicles/{world.own.vehicle.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 403
    assert client.post("/logistics/depots/new/", depot_data()).status_code == 403
    assert client.post(f"/logistics/depots/{world.own.depot.pk}/", depot_data()).status_code == 403
    assert not Depot.objects.filter(name="Plateforme de Cunlhat").exists()
    assert Client().get("/logistics/fleet/").status_code == 302  # to log in


def test_a_coordinator_sees_and_changes_every_carrier_s_fleet(world: World) -> None:
    client = client_of(world, "coordinator")
    page = client.get("/logistics/fleet/?org=").content.decode()
    assert world.own.vehicle.name in page and world.other.vehicle.name in page
    response = client.post(f"/logistics/vehicles/{world.other.vehicle.pk}/",
                           vehicle_data(world.other.depot, name="Camion renommé"))  # fmt: skip
    assert response.status_code == 302, errors_of(response)
    vehicle = Vehicle.objects.get(pk=world.other.vehicle.pk)
    assert vehicle.name == "Camion renommé" and vehicle.owner == world.other.carrier
    client.get(f"/logistics/fleet/?org={world.own.carrier.pk}")  # adds for the carrier chosen on the desk
    assert client.post("/logistics/depots/new/", depot_data(org=world.own.carrier.pk)).status_code == 302
    assert Depot.objects.get(name="Plateforme de Cunlhat").operator == world.own.carrier


def test_a_vehicle_cannot_start_or_end_at_another_carrier_s_depot(world: World) -> None:
    client = client_of(world, "own_carrier")
    for data in (vehicle_data(world.other.depot), vehicle_data(world.own.depot, end_depot=world.other.depot.pk)):
        response = client.post("/logistics/vehicles/new/", data)
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in response.content.decode()
    page = client.get("/logistics/vehicles/new/").content.decode()
    assert world.own.depot.name in page and world.other.depot.name not in page
    assert not Vehicle.objects.filter(name="Frigo du Livradois").exists()


def test_it_names_each_bad_field_in_french(world: World) -> None:
    client = client_of(world, "own_carrier")
    response = client.post("/logistics/depots/new/", depot_data(lon="", closes="05:00"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le dépôt ferme avant d’ouvrir." in page
    assert "Un dépôt a besoin de sa position sur la carte" in page
    response = client.post("/logistics/depots/new/", depot_data(lat="145", lon="abc"))
    page = response.content.decode()
    assert response.status_code == 400 and "inférieure ou égale à 90" in page and "Saisissez un nombre" in page
    response = client.post("/logistics/vehicles/new/", vehicle_data(world.own.depot, ends="05:00", weekdays=[],
                                                                    cold_kg="2000"))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "La journée de travail finit avant de commencer." in page
    assert "L’espace réfrigéré ne peut pas porter plus que le véhicule." in page
    assert "Ce champ est obligatoire." in page  # no day of work
    # Real maxima said in French figures, not SQLite's integer top; no negative cost.
    response = client.post("/logistics/vehicles/new/", vehicle_data(world.own.depot, capacity_kg="9" * 20,
                                                                    per_km="-1", max_reloads="50"))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400 and "9223372036854775807" not in page
    assert "Assurez-vous que cette valeur est inférieure ou égale à 40\xa0000." in page
    assert "supérieure ou égale à 0." in page and "inférieure ou égale à 20." in page
    assert 'name="capacity_kg" value="999' in page and 'max="40000"' in page  # what was typed, kept
    assert Depot.objects.count() == 2 and Vehicle.objects.count() == 2


def test_the_service_keeps_a_vehicle_at_its_own_carrier_s_depots(world: World) -> None:
    vehicle = Vehicle(name="Camion égaré", depot=world.other.depot, capacity_kg=500)
    with pytest.raises(ValidationError) as refused:
        services.vehicle_save(vehicle=vehicle, owner=world.own.carrier)
    assert "depot" in refused.value.message_dict
    moved = Vehicle.objects.get(pk=world.own.vehicle.pk)
    moved.end_depot = world.other.depot
    with pytest.raises(ValidationError):
        services.vehicle_save(vehicle=moved, owner=world.other.carrier)  # nor is it moved to that carrier
    assert Vehicle.objects.get(pk=world.own.vehicle.pk).end_depot is None
    assert not Vehicle.objects.filter(name="Camion égaré").exists()


def test_stored_drivers_phones_are_rewritten_e164_by_the_migration(world: World) -> None:
    Vehicle.objects.filter(pk=world.own.vehicle.pk).update(driver_phone="06 12 34 56 78")
    Vehicle.objects.filter(pk=world.other.vehicle.pk).update(driver_phone="demander à Léa")
    migration = importlib.import_module("terroir.logistics.migrations.0005_driver_phones_e164")
    done = migration._directory.phones_normalise(Vehicle, "driver_phone")
    phones = dict(Vehicle.objects.values_list("pk", "driver_phone"))
    assert phones[world.own.vehicle.pk] == "+33612345678"
    assert phones[world.other.vehicle.pk] == "demander à Léa"
    assert (done.changed, done.kept) == (1, [world.other.vehicle.pk])


def test_a_driver_s_phone_is_refused_when_it_is_not_one(world: World) -> None:
    client = client_of(world, "own_carrier")
    depot = world.own.vehicle.depot
    response = client.post("/logistics/vehicles/new/", vehicle_data(depot, driver_phone="12"))
    assert response.status_code == 400
    assert "12 n’est pas un numéro de téléphone valide" in errors_of(response)
