"""The observatory's pages: the public dashboard of a territory, and the canteen import for coordinators."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from terroir.conftest import PASSWORD
from terroir.observatory.canteens import canteens_import
from terroir.observatory.models import CanteenDeclaration, CanteenImport
from terroir.observatory.territories import territory_create

from .test_canteens import EXCERPT


def client_of(people, who: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    if who != "anonymous":
        assert client.login(username=getattr(people, who).username, password=PASSWORD)
    return client


@pytest.fixture
def ambert(territory):
    return territory_create(slug="ambert-livradois", name="Ambert Livradois Forez", epcis=["200070761"])


def test_the_dashboard_shows_the_canteen_figures_with_their_definitions(ambert, client) -> None:
    canteens_import(path=EXCERPT)
    page = client.get("/observatory/ambert-livradois/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="canteens-count">11<' in page
    assert 'id="organic-mean">14,9\u00a0%<' in page  # 0.148918
    assert 'id="egalim-mean">28,6\u00a0%<' in page  # 0.2855
    assert 'id="organic-meeting">4<' in page and 'id="egalim-meeting">0<' in page
    assert "Moyenne simple" in page and 'id="canteens-chart"' in page
    # Beside the département (105 canteens of the Puy-de-Dôme: 10.8 %, 28.9 %) and France (the excerpt's
    # 111: 10.9 %, 29.1 %), same year.
    comparison = page.split('id="canteens-comparison"')[1].split("</table>")[0]
    assert "<td>105</td><td>10,8\u00a0%</td><td>28,9\u00a0%</td></tr>" in comparison
    assert "<td>111</td><td>10,9\u00a0%</td><td>29,1\u00a0%</td></tr>" in comparison
    assert "Puy-de-Dôme (63)" in comparison and "France" in comparison
    assert "<script" not in page.split('id="canteens"')[1].split("</section>")[0]


def test_a_territory_without_declarations_says_no_data_not_zeros(ambert, client) -> None:
    page = client.get("/observatory/ambert-livradois/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="canteens-no-data"' in page and "inconnus, pas nuls" in page
    assert 'id="canteens-count"' not in page


def test_the_dashboard_shows_the_access_figures_in_english_too(territory, client) -> None:
    territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Access to local food" in page and "92.7\u00a0%" in page  # 150,557 of 162,404 inhabitants
    assert "Thiers (63430)" in page.split('id="beyond"')[1]
    assert 'id="reach-chart"' in page


def test_an_unknown_territory_is_a_404(db, client) -> None:
    assert client.get("/observatory/nowhere/").status_code == 404


def test_the_list_of_territories_links_each_dashboard(ambert, client) -> None:
    page = client.get("/observatory/").content.decode()
    assert 'href="/observatory/ambert-livradois/"' in page


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("claire", 403), ("sophie", 403), ("camille", 200)])
def test_only_coordinators_import_canteen_declarations(people, who, status) -> None:
    client = client_of(people, who)
    assert client.get("/observatory/canteens/import/").status_code == status
    upload = SimpleUploadedFile("campagne_td_2023.csv", EXCERPT.read_bytes(), content_type="text/csv")
    response = client.post("/observatory/canteens/import/", {"file": upload})
    assert response.status_code == (302 if who == "camille" else status)
    assert CanteenDeclaration.objects.exists() == (who == "camille")


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("claire", 403), ("camille", 200)])
def test_only_coordinators_read_a_canteen_import(people, who, status) -> None:
    run = canteens_import(path=EXCERPT)
    assert client_of(people, who).get(f"/observatory/canteens/imports/{run.pk}/").status_code == status


def test_an_import_from_the_page_runs_as_a_task_and_reports_its_rows(people, settings, tmp_path) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    client = client_of(people, "camille")
    upload = SimpleUploadedFile("campagne_td_2023.csv", EXCERPT.read_bytes(), content_type="text/csv")
    response = client.post("/observatory/canteens/import/", {"file": upload})
    run = CanteenImport.objects.get()
    assert response["Location"] == f"/observatory/canteens/imports/{run.pk}/"
    assert run.status == CanteenImport.Status.DONE and run.kept == 111 and run.by == people.camille
    page = client.get(response["Location"]).content.decode()
    assert "111 lignes lues, 111 déclarations gardées." in page
    assert "pas de code INSEE" in page and "<td>20</td>" in page
    assert not list(tmp_path.rglob("*.csv"))  # the upload is not kept after its import


def test_a_file_that_is_not_a_declarations_file_fails_its_run_with_the_reason(people, settings, tmp_path) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    client = client_of(people, "camille")
    upload = SimpleUploadedFile("autre.csv", b"nom,commune\nMarch\xc3\xa9,Ambert\n", content_type="text/csv")
    client.post("/observatory/canteens/import/", {"file": upload})
    run = CanteenImport.objects.get()
    assert run.status == CanteenImport.Status.FAILED and "canteen_id" in run.error
    assert not CanteenDeclaration.objects.exists()
    # Said in the reader's language, whatever the language of the worker that failed it.
    for language, said in (("fr", "il manque au fichier les colonnes"), ("en", "the file lacks the columns")):
        page = client.get(f"/observatory/canteens/imports/{run.pk}/", headers={"accept-language": language})
        assert said in page.content.decode(), language


def test_a_territory_without_places_or_producers_says_no_data_in_every_new_section(db, client) -> None:
    territory_create(slug="empty", name="Nowhere", codes=["63003"])
    page = client.get("/observatory/empty/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for section in ('id="compared-no-data"', 'id="producers-no-data"', 'id="local-no-data"'):
        assert section in page
    assert 'id="producers-count"' not in page and 'id="compared-table"' not in page
    assert "pas de données" in page.split('id="local-section"')[1]


def test_the_dashboard_compares_access_and_counts_producers_and_local_shares(territory, client) -> None:
    territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    compared = page.split('id="compared-table"')[1].split("</table>")[0]
    assert "Ambert, Thiers, Clermont" in compared and "Puy-de-Dôme (63)" in compared and "France" in compared
    assert "92,7\u00a0%" in compared  # 150,557 of 162,404 inhabitants within 5 km, as the access table
    assert 'id="producers-count">3<' in page
    assert "Part locale des supermarchés\u202f: 100,0\u00a0%" in page
    assert page.count('<tr><th scope="row">') >= 7 + 3  # a row per weekday, per scope…
    assert 'id="access-map-data" type="application/json"' in page
