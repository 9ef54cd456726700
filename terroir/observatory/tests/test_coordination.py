"""The coordination pages of a territory (objectives, snapshots, isolated producers) for its coordinators
only, and the printable report for everybody (its isolated producers' page for coordinators only)."""

import pytest
from django.test import Client
from django.utils import translation

from terroir.conftest import PASSWORD, people_build, person, shared_in_module
from terroir.directory.models import Category
from terroir.observatory import isolation, registry, snapshots
from terroir.observatory.models import Objective, SnapshotRun, Territory
from terroir.observatory.territories import territory_create


def world_build(territory, people):
    lea, paul = person("lea@pat-livradois.example.org"), person("paul@pat-poitiers.example.org")
    trio = territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"],
                            coordinators=[lea])  # fmt: skip
    territory_create(slug="poitiers", name="Poitiers", codes=["86194"], coordinators=[paul])
    return {"trio": trio, "territory": territory, "anonymous": None, "outsider": people.claire,
            "other_coordinator": paul, "own_coordinator": lea, "staff": people.camille}  # fmt: skip


@pytest.fixture
def world(territory, people):
    return world_build(territory, people)


@shared_in_module
def snapshotted(folder, territory):
    """The world with both territories' snapshots taken, as the worker's schedule takes them
    (`snapshots_schedule`, 0.8 s of processor a territory): built once for the consecutive tests that read
    a snapshot and change nothing the next one reads (each rolls its writes back)."""
    translation.deactivate()  # the site's language, as in a test (`_site_language`): the worker's
    found = world_build(territory, people_build(territory))
    snapshots.snapshots_schedule()
    return found


def client_of(world, who: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    if world[who] is not None:
        assert client.login(username=world[who].username, password=PASSWORD)
    return client


MATRIX = [("anonymous", 302), ("outsider", 403), ("other_coordinator", 403), ("own_coordinator", 200), ("staff", 200)]


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_only_the_territory_s_coordinators_see_its_coordination_page(snapshotted, who, status) -> None:
    world = snapshotted  # the rules' findings come with the snapshot
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


def test_the_coordination_page_reads_the_isolated_producers_from_the_snapshot(snapshotted, monkeypatch) -> None:
    world = snapshotted

    def forbidden(*args, **kwargs):
        raise AssertionError("the rules applied in the request")

    monkeypatch.setattr(isolation, "isolated_producers", forbidden)
    page = client_of(world, "own_coordinator").get("/observatory/trio/coordination/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Rucher de la Durolle" in text.split('id="isolated-list"')[1]
    assert "Found by the rules in the snapshot of" in text
    # Its reasons read in the reader's language, though the snapshot was taken in the worker's.
    honey = Category.objects.get(slug="honey")
    assert f"no other producer of its product within 30 km ({honey.name_en})" in text and honey.name_fr not in text


def test_a_flag_set_after_the_snapshot_shows_at_once_and_a_cleared_one_drops_its_reason(snapshotted) -> None:
    world = snapshotted
    trio_producers = {item.producer.name: item for item in snapshots.coordination_isolated(world["trio"])[0]}
    cheese = world["territory"].cheese_farm
    assert cheese.name not in trio_producers or isolation.FLAGGED not in trio_producers[cheese.name].reasons
    isolation.isolation_flag(producer=cheese, reason="La laiterie ne collecte plus", by=world["staff"])
    found, as_of = snapshots.coordination_isolated(world["trio"])
    item = next(i for i in found if i.producer == cheese)
    assert as_of is not None and item.reasons[0] == isolation.FLAGGED
    assert item.flag is not None and item.flag.reason.startswith("La laiterie")
    isolation.isolation_clear(producer=cheese, by=world["staff"])
    found, _as_of = snapshots.coordination_isolated(world["trio"])
    assert all(isolation.FLAGGED not in i.reasons for i in found if i.producer == cheese)


def test_a_snapshot_that_found_nobody_isolated_is_a_snapshot_all_the_same(snapshotted) -> None:
    found, as_of = snapshots.coordination_isolated(Territory.objects.get(slug="poitiers"))
    assert found == [] and as_of is not None  # an empty list kept, not "no snapshot yet"


def test_without_a_snapshot_the_page_lists_the_flagged_producers_and_says_the_rules_wait(world) -> None:
    isolation.isolation_flag(producer=world["territory"].cheese_farm, reason="La laiterie ne collecte plus",
                             by=world["staff"])  # fmt: skip
    page = client_of(world, "own_coordinator").get("/observatory/trio/coordination/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    listed = text.split('id="isolated-list"')[1]
    assert "La laiterie ne collecte plus" in listed and "Rucher de la Durolle" not in listed
    assert "Flagged producers only: the rules are applied by the worker" in text
