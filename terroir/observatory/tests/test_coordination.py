"""The coordination pages of a territory (objectives, snapshots, isolated producers) for its coordinators
only, and the printable report for everybody (its isolated producers' page for coordinators only)."""

import pytest
from django.test import Client

from terroir.conftest import PASSWORD, person
from terroir.observatory import isolation, registry, snapshots
from terroir.observatory.models import Objective, SnapshotRun
from terroir.observatory.territories import territory_create


@pytest.fixture
def world(territory, people):
    lea, paul = person("lea@pat-livradois.example.org"), person("paul@pat-poitiers.example.org")
    trio = territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"],
                            coordinators=[lea])  # fmt: skip
    territory_create(slug="poitiers", name="Poitiers", codes=["86194"], coordinators=[paul])
    return {"trio": trio, "territory": territory, "anonymous": None, "outsider": people.claire,
            "other_coordinator": paul, "own_coordinator": lea, "staff": people.camille}  # fmt: skip


def client_of(world, who: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    if world[who] is not None:
        assert client.login(username=world[who].username, password=PASSWORD)
    return client


MATRIX = [("anonymous", 302), ("outsider", 403), ("other_coordinator", 403), ("own_coordinator", 200), ("staff", 200)]


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_only_the_territory_s_coordinators_see_its_coordination_page(world, who, status) -> None:
    response = client_of(world, who).get("/observatory/trio/coordination/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Rucher de la Durolle" in page and 'id="isolated-list"' in page
        assert 'id="objective-new"' in page and 'id="snapshot-ask"' in page


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_only_the_territory_s_coordinators_write_its_objectives_from_the_page(world, who, status) -> None:
    client = client_of(world, who)
    assert client.get("/observatory/trio/objectives/new/").status_code == status
    values = {"indicator": "canteens.organic_share", "target": "20", "year": "2027", "text": ""}
    response = client.post("/observatory/trio/objectives/new/", values)
    assert response.status_code == (302 if status == 200 else status)
    assert Objective.objects.exists() == (status == 200)
    if status == 200:
        objective = Objective.objects.get()
        assert objective.target == 20.0 and objective.year == 2027
        edit = f"/observatory/trio/objectives/{objective.pk}/"
        assert (
            client.post(edit, {"indicator": "canteens.organic_share", "target": "25,5", "year": "2028"}).status_code
            == 302
        )
        assert Objective.objects.get().target == 25.5  # a French decimal comma
        assert client.post(edit, {"action": "delete"}).status_code == 302
        assert not Objective.objects.exists()


def test_another_territory_s_objective_is_not_found_through_this_one(world) -> None:
    other = Objective.objects.create(territory=world["trio"], indicator="", year=2030, text="x")
    client = client_of(world, "other_coordinator")
    assert client.get(f"/observatory/poitiers/objectives/{other.pk}/").status_code == 404


def test_a_bad_objective_is_said_on_its_field(world) -> None:
    client = client_of(world, "own_coordinator")
    response = client.post("/observatory/trio/objectives/new/",
                           {"indicator": "canteens.organic_share", "target": "140", "year": "2027"})  # fmt: skip
    assert response.status_code == 400 and not Objective.objects.exists()
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_only_the_territory_s_coordinators_ask_for_and_follow_a_snapshot(world, who, status) -> None:
    client = client_of(world, who)
    response = client.post("/observatory/trio/snapshots/")
    assert response.status_code == (302 if status == 200 else status)
    assert SnapshotRun.objects.exists() == (status == 200)
    run = SnapshotRun.objects.first() or SnapshotRun.objects.create(
        territory=world["trio"], period=snapshots.this_period()
    )
    assert client.get(f"/observatory/trio/snapshots/{run.pk}/").status_code == status


@pytest.mark.parametrize(
    ("who", "sees_isolated"), [("anonymous", False), ("outsider", False), ("own_coordinator", True)]
)
def test_the_report_is_public_but_its_isolated_producers_are_for_coordinators(world, who, sees_isolated) -> None:
    isolation.isolation_flag(producer=world["territory"].honey_farm, reason="Plus de débouché pour le miel",
                             by=world["staff"])  # fmt: skip
    response = client_of(world, who).get("/observatory/trio/report/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "fr"
    assert "Rapport au comité de pilotage" in page  # in French whatever the reader's language
    assert 'id="report-canteens"' in page and 'id="report-access"' in page
    assert page.count('class="report-page"') == 1 + len(registry.THEMES) + sees_isolated  # summary, themes
    assert ("Plus de débouché pour le miel" in page) == sees_isolated
    assert "data-print" in page and "terroir/print.js" in page and "onclick" not in page
