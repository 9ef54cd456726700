"""Territories: built from départements, EPCIs, INSEE codes or a PAT, by the command and in the admin.

Outside a request the messages are in the site's language (French, LANGUAGE_CODE)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from terroir.conftest import person
from terroir.directory.models import Commune
from terroir.observatory.canteens import canteens_import
from terroir.observatory.models import Snapshot, SnapshotRun, Territory
from terroir.observatory.territories import TerritoryError, pats, territory_create

from .test_canteens import EXCERPT


def test_a_territory_from_a_departement_holds_all_its_communes(db) -> None:
    territory = territory_create(slug="puy-de-dome", name="Puy-de-Dôme", departments=["63"])
    assert territory.communes.count() == Commune.objects.filter(department="63").count() > 400


def test_a_territory_from_epcis_and_codes_holds_their_communes_once(db) -> None:
    territory = territory_create(slug="ambert-thiers", epcis=["200070761"], codes=["63430", "63003"])
    codes = set(territory.communes.values_list("code", flat=True))
    assert codes == set(Commune.objects.filter(epci_code="200070761").values_list("code", flat=True)) | {"63430"}


def test_paris_counts_as_one_commune_not_with_its_arrondissements(db) -> None:
    territory = territory_create(slug="paris", departments=["75"])
    assert list(territory.communes.values_list("code", flat=True)) == ["75056"]


def test_a_pat_territory_takes_the_communes_of_the_epcis_its_canteens_declare(db) -> None:
    canteens_import(path=EXCERPT)
    territory = territory_create(slug="combrailles", pat_code="1308")
    assert territory.name == pats()["1308"] == "PAiT des Combrailles"
    epcis = set(territory.communes.values_list("epci_code", flat=True))
    assert epcis == {"200072080", "200071215", "200072098"}


def test_a_pat_without_declarations_cannot_be_guessed(db) -> None:
    with pytest.raises(TerritoryError, match="importez d’abord les déclarations des cantines"):
        territory_create(slug="combrailles", pat_code="1308")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"departments": ["99"]}, "départements inconnus\u202f: 99"), ({"epcis": ["123456789"]}, "EPCI inconnus"),
     ({"codes": ["63999"]}, "codes INSEE inconnus\u202f: 63999"), ({"pat_code": "424242"}, "PAT inconnu"),
     ({}, "besoin de communes")],
)  # fmt: skip
def test_a_territory_that_cannot_be_built_says_why(db, kwargs, message) -> None:
    with pytest.raises(TerritoryError, match=message):
        territory_create(slug="x", **kwargs)
    assert not Territory.objects.exists()


def test_several_territories_live_in_one_instance_each_with_its_coordinators(db, capsys) -> None:
    camille = person("camille@pat-clermont.example.org")
    call_command("territory_create", "grand-clermont", "--epcis", "246300701,200070753", "--name", "Grand Clermont",
                 "--coordinator", "camille@pat-clermont.example.org")  # fmt: skip
    call_command("territory_create", "vienne", "--departments", "86")
    assert "Territory grand-clermont (Grand Clermont)" in capsys.readouterr().out
    assert list(Territory.objects.values_list("slug", flat=True)) == ["grand-clermont", "vienne"]
    assert list(camille.territories.values_list("slug", flat=True)) == ["grand-clermont"]
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("territory_create", "vienne", "--departments", "86")


def test_a_coordinator_creates_a_territory_in_the_admin(db, client) -> None:
    admin = person("admin@terroir.example.org", staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post("/admin/observatory/territory/add/", {
        "slug": "thiers", "name": "Pays de Thiers", "pat_code": "", "departments": "", "epcis": "200070712",
        "codes": "63003",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    territory = Territory.objects.get(slug="thiers")
    assert "63003" in set(territory.communes.values_list("code", flat=True)) and territory.communes.count() > 20
    assert territory.sources["epcis"] == ["200070712"]
    refused = client.post(
        "/admin/observatory/territory/add/", {"slug": "nowhere", "name": "Nulle part", "codes": "00000"}
    )
    assert refused.status_code == 200 and "codes INSEE inconnus\u202f: 00000" in refused.content.decode()


def test_a_new_territory_gets_its_first_snapshot_on_the_worker_once_created(
    db, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as queued:
        territory = territory_create(slug="ambert", codes=["63003"])
    assert len(queued) == 1
    run = SnapshotRun.objects.get(territory=territory)
    # Computed by the task (run at once in the tests), so the dashboard reads it instead of computing.
    assert run.status == "done" and run.scheduled and Snapshot.objects.filter(territory=territory).exists()


def test_the_command_and_the_admin_queue_the_first_snapshot_too(db, client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("territory_create", "vienne", "--communes", "86194", stdout=StringIO())
    admin = person("admin@terroir.example.org", staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/observatory/territory/add/", {"slug": "ambert", "name": "Ambert", "codes": "63003"}
        )
    assert response.status_code == 302
    done = SnapshotRun.objects.filter(status="done").values_list("territory__slug", flat=True)
    assert set(done) == {"vienne", "ambert"}
    # Changing a territory in the admin queues nothing more (the month's schedule and the button do).
    ambert = Territory.objects.get(slug="ambert")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post(f"/admin/observatory/territory/{ambert.pk}/change/", {"slug": "ambert", "name": "Ambert !"})
    assert not queued and SnapshotRun.objects.count() == 2
