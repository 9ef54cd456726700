"""Every indicator under /api/v1/indicators/…: the index of the registry, the territory's and a commune's
history, and the channels, activity and canteens below target that /territories/{slug}/… also serves —
each as JSON and CSV, public, in the OpenAPI document, with a 400 naming an unknown territory, key or
commune. The personas' territory and the canteens excerpt (see test_canteen_supply)."""

import datetime as dt

import pytest
from django.test import Client

from terroir.directory.models import Actor
from terroir.observatory import registry
from terroir.observatory.canteens import canteens_import
from terroir.observatory.models import Objective, Snapshot
from terroir.observatory.territories import territory_create

from .test_canteens import EXCERPT
from .test_commune_history import months

NEW_PATHS = [
    "/api/v1/indicators", "/api/v1/indicators/channels", "/api/v1/indicators/channels.csv",
    "/api/v1/indicators/activity", "/api/v1/indicators/activity.csv", "/api/v1/indicators/canteens-below-target",
    "/api/v1/indicators/canteens-below-target.csv", "/api/v1/indicators/history", "/api/v1/indicators/history.csv",
    "/api/v1/indicators/commune-history", "/api/v1/indicators/commune-history.csv",
]  # fmt: skip


@pytest.fixture
def trio(territory):
    canteens_import(path=EXCERPT)
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def csv_lines(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    return [line.split(";") for line in response.content.decode("utf-8-sig").splitlines()]


@pytest.mark.parametrize(
    ("name", "filename"),
    [("channels", "circuits-trio.csv"), ("activity", "activite-trio.csv"),
     ("canteens-below-target", "cantines-sous-objectif-trio.csv")],
)  # fmt: skip
def test_the_territory_s_tables_read_the_same_under_indicators_as_json_and_csv(trio, client, name, filename) -> None:
    old = client.get(f"/api/v1/territories/trio/{name}", HTTP_ACCEPT_LANGUAGE="en")
    new = client.get(f"/api/v1/indicators/{name}?territory=trio", HTTP_ACCEPT_LANGUAGE="en")
    assert new.status_code == old.status_code == 200
    assert new.json()["territory"] == "trio" and new.json() | {"date": ""} == old.json() | {"date": ""}
    csv = client.get(f"/api/v1/indicators/{name}.csv?territory=trio", HTTP_ACCEPT_LANGUAGE="en")
    assert csv["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert csv.content == client.get(f"/api/v1/territories/trio/{name}.csv", HTTP_ACCEPT_LANGUAGE="en").content
    assert len(csv_lines(csv)) > 1


def test_the_canteens_below_target_take_the_year_and_write_names_as_text_not_formulas(territory, trio, client) -> None:
    Actor.objects.filter(pk=territory.cheese_farm.pk).update(name='=HYPERLINK("http://evil")')
    body = client.get("/api/v1/indicators/canteens-below-target?territory=trio&year=2023").json()
    assert body["year"] == 2023 and body["below"] == len(body["rows"]) > 0
    lines = csv_lines(client.get("/api/v1/indicators/canteens-below-target.csv?territory=trio&year=2023"))
    cells = [cell for line in lines for cell in line]
    assert any(cell.startswith("'=HYPERLINK") or cell.startswith("\"'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith("=") or cell.startswith('"=') for cell in cells)
    bad = client.get("/api/v1/indicators/canteens-below-target?territory=trio&year=20x3")
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "year"


def test_the_history_gives_every_indicator_s_snapshots_and_one_key_with_its_target(trio, client) -> None:
    Objective.objects.create(territory=trio, indicator="access.communes_beyond", target=0, year=2030)
    for month, value in ((10, 2.0), (11, 1.0)):
        Snapshot.objects.create(territory=trio, indicator="access.communes_beyond", period=dt.date(2026, month, 1),
                                value=value)  # fmt: skip
    Snapshot.objects.create(territory=trio, indicator="canteens.declaring", period=dt.date(2026, 11, 1), value=None)
    body = client.get("/api/v1/indicators/history?territory=trio", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [i["key"] for i in body["indicators"]] == [i.key for i in registry.all_indicators()]
    assert body == client.get("/api/v1/territories/trio/history", HTTP_ACCEPT_LANGUAGE="en").json()
    one = client.get("/api/v1/indicators/history?territory=trio&key=access.communes_beyond").json()
    [beyond] = one["indicators"]
    assert beyond["history"] == [{"period": "2026-10", "value": 2.0}, {"period": "2026-11", "value": 1.0}]
    assert [o["target"] for o in one["objectives"]] == [0.0]

    response = client.get("/api/v1/indicators/history.csv?territory=trio", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"] == 'attachment; filename="historique-trio.csv"'
    lines = csv_lines(response)
    assert lines[0] == ["period", "key", "label", "value", "unit", "target", "target_year"]
    label = "Communes beyond 20 km of any place"
    assert ["2026-10", "access.communes_beyond", label, "2", "", "0", "2030"] in lines
    assert ["2026-11", "access.communes_beyond", label, "1", "", "0", "2030"] in lines
    declared = next(line for line in lines if line[1] == "canteens.declaring")
    assert declared[3] == "" and declared[5:] == ["", ""]  # no data, no target: empty cells, never 0
    one_csv = client.get("/api/v1/indicators/history.csv?territory=trio&key=access.communes_beyond")
    assert one_csv["Content-Disposition"] == 'attachment; filename="historique-trio-access.communes_beyond.csv"'
    assert len(csv_lines(one_csv)) == 3


def test_a_commune_s_history_reads_under_indicators_as_json_and_csv(trio, client) -> None:
    months(trio, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    new = client.get("/api/v1/indicators/commune-history?territory=trio&commune=63430", HTTP_ACCEPT_LANGUAGE="en")
    assert new.json() == client.get("/api/v1/territories/trio/communes/63430/history", HTTP_ACCEPT_LANGUAGE="en").json()
    response = client.get("/api/v1/indicators/commune-history.csv?territory=trio&commune=63430",
                          HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response["Content-Disposition"] == 'attachment; filename="historique-trio-63430.csv"'
    lines = csv_lines(response)
    assert lines[0] == ["period", "commune", "key", "label", "value", "unit"]
    assert ["2026-10", "63430", "places", "Places open to the public", "0", ""] in lines
    # The Thiers canteen of the excerpt: 32.08 % EGalim, written with a decimal comma.
    assert lines[-1][:3] + lines[-1][4:] == ["2026-11", "63430", "canteens_egalim", "32,08", "%"]


def test_the_index_lists_every_indicator_in_the_reader_s_language_with_urls_that_answer(trio, client) -> None:
    body = client.get("/api/v1/indicators?territory=trio", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert [i["key"] for i in body["indicators"]] == [i.key for i in registry.all_indicators()]
    beyond = next(i for i in body["indicators"] if i["key"] == "access.communes_beyond")
    assert beyond["label"] == "Communes à plus de 20 km de tout lieu" and beyond["theme"] == "access"
    assert beyond["json_url"] == "/api/v1/indicators/history?territory=trio&key=access.communes_beyond"
    assert beyond["csv_url"] == "/api/v1/indicators/history.csv?territory=trio&key=access.communes_beyond"
    assert client.get(beyond["json_url"]).json()["indicators"][0]["key"] == "access.communes_beyond"
    tables = {t["name"]: t for t in body["tables"]}
    assert tables["channels"]["csv_url"] == "/api/v1/indicators/channels.csv?territory=trio"
    for table in body["tables"]:
        query = "&commune=63430" if table["name"] == "commune-history" else ""
        assert client.get(table["json_url"] + query).status_code == 200, table["name"]
        assert client.get(table["csv_url"] + query)["Content-Type"].startswith("text/csv"), table["name"]
    anywhere = client.get("/api/v1/indicators", HTTP_ACCEPT_LANGUAGE="en").json()
    assert anywhere["territory"] is None and anywhere["indicators"][0]["json_url"].startswith(
        "/api/v1/indicators/history?key="
    )


@pytest.mark.parametrize(
    ("query", "parameter", "french"),
    [("/history?territory=nowhere", "territory", "territoire inconnu\u202f: «\u00a0nowhere\u00a0»"),
     ("/channels.csv", "territory", "donnez un territoire"),
     ("/history.csv?territory=trio&key=nope", "key", "indicateur inconnu\u202f: «\u00a0nope\u00a0»"),
     ("/commune-history?territory=trio&commune=29019", "commune", "n’est pas une commune du territoire trio"),
     ("/commune-history.csv?territory=trio", "commune", "donnez une commune"),
     ("?territory=nowhere", "territory", "territoire inconnu")],
)  # fmt: skip
def test_an_unknown_territory_key_or_commune_is_a_400_naming_it_in_french(trio, client, query, parameter, french):
    response = client.get(f"/api/v1/indicators{query}", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["parameter"]) == ("invalid_parameter", parameter)
    assert french in error["message"]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_every_indicator_route_is_public_as_the_territory_routes(trio, people, who) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(people.claire if who == "outsider" else people.camille)
    for path in NEW_PATHS:
        query = "?territory=trio&commune=63430" if "commune" in path else "?territory=trio"
        assert client.get(path + query).status_code == 200, path


def test_the_new_routes_are_in_the_openapi_document_with_csv_answers(client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(NEW_PATHS) <= set(paths)
    for path in NEW_PATHS:
        answer = paths[path]["get"]["responses"]["200"]["content"]
        assert ("text/csv" in answer) == path.endswith(".csv"), path
    parameters = {p["name"] for p in paths["/api/v1/indicators/history"]["get"]["parameters"]}
    assert parameters == {"territory", "key"}
