"""Département names: the communes reference has codes only; the observatory says names beside them."""

from django.test import Client

from terroir.directory.models import Commune
from terroir.observatory.departments import NAMES, department_label, department_name
from terroir.observatory.territories import territory_create


def test_every_departement_of_the_communes_reference_has_its_name(db) -> None:
    codes = set(Commune.objects.values_list("department", flat=True))
    assert len(NAMES) == 101 and codes == set(NAMES)
    assert department_name("63") == "Puy-de-Dôme" and department_name("2A") == "Corse-du-Sud"
    assert department_name("976") == "Mayotte" and department_name("99") == ""


def test_a_departement_reads_as_its_name_and_code_an_unknown_one_as_its_code() -> None:
    assert department_label("63") == "Puy-de-Dôme (63)"
    assert department_label("21") == "Côte-d'Or (21)"
    assert department_label("99") in {"département 99", "department 99"}


def test_the_canteens_indicator_names_the_departement(db, client: Client) -> None:
    body = client.get("/api/v1/indicators/canteens?department=63").json()
    assert body["scope"] == {"kind": "department", "code": "63", "label": "Puy-de-Dôme (63)"}


def test_the_dashboard_compares_with_the_departement_by_its_name(territory, client: Client) -> None:
    territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    compared = page.split('id="compared-table"')[1].split("</table>")[0]
    assert "Puy-de-Dôme (63)" in compared and "département 63" not in page
