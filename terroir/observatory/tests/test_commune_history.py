"""Each commune's figures over time: kept compactly with the territory's monthly snapshot, read on the
commune's page (charts and their table twin) and in the API."""

import datetime as dt

import pytest
from django.test import Client

from terroir.directory.services import place_create
from terroir.observatory import commune_history, snapshots
from terroir.observatory.models import CommuneSnapshot, SnapshotRun
from terroir.observatory.territories import territory_create


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def months(territory, *periods: dt.date) -> None:
    """A snapshot for each month (the schedule's run, dated as if it had been taken then)."""
    for period in periods:
        run = SnapshotRun.objects.create(territory=territory, period=period, scheduled=True)
        snapshots.snapshot_take(run=run)


def test_a_snapshot_keeps_every_commune_s_figures_in_one_row_a_month(trio) -> None:
    snapshots.snapshots_schedule()
    snapshots.snapshots_schedule()  # nothing due: nothing doubled
    [kept] = CommuneSnapshot.objects.filter(territory=trio)
    assert kept.columns == commune_history.COLUMNS and set(kept.values) == {"63003", "63430", "63113"}
    thiers = dict(zip(kept.columns, kept.values["63430"], strict=True))
    # Thiers: no public place in the commune, its nearest one 36 km away (the access indicator's own figure).
    access = {r["commune"]: r for r in snapshots.registry.access_of(trio)["rows"]}
    assert thiers["km_any"] == access["63430"]["nearest"]["any"]["distance_km"] > 20
    assert thiers["places"] == 0.0 and thiers["producers"] == 1.0  # the honey farm
    ambert = dict(zip(kept.columns, kept.values["63003"], strict=True))
    assert ambert["km_any"] < 5 and ambert["places"] >= 2 and ambert["canteens_organic"] is None


def test_a_second_computation_in_the_month_replaces_the_commune_figures(trio) -> None:
    months(trio, dt.date(2026, 11, 1))
    place_create(name="Marché de Thiers", kind="market", commune=trio.communes.get(code="63430"), lat=45.857, lon=3.547)
    months(trio, dt.date(2026, 11, 1))
    [kept] = CommuneSnapshot.objects.filter(territory=trio)
    thiers = dict(zip(kept.columns, kept.values["63430"], strict=True))
    assert thiers["places"] == 1.0 and thiers["km_market"] < 2


def test_the_commune_s_history_follows_the_months_with_gaps_for_unknown_values(trio) -> None:
    months(trio, dt.date(2026, 10, 1))
    place_create(name="Marché de Thiers", kind="market", commune=trio.communes.get(code="63430"), lat=45.857, lon=3.547)
    months(trio, dt.date(2026, 11, 1))
    history = commune_history.commune_history(trio, "63430")
    assert [value for _p, value in history["places"]] == [0.0, 1.0]
    assert [period for period, _v in history["places"]] == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert [value for _p, value in history["canteens_egalim"]] == [None, None]
    # A commune no snapshot knows (not in the territory then) has only gaps.
    assert all(v is None for _p, v in commune_history.commune_history(trio, "29019")["places"])


def test_the_commune_page_draws_each_figure_s_history_with_its_table_twin(trio, client) -> None:
    months(trio, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    page = client.get("/observatory/trio/communes/63430/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Thiers" in page and "Puy-de-Dôme (63)" in page
    assert 'id="history-km_any"' in page and 'id="history-places"' in page
    table = page.split('id="commune-table"')[1].split("</table>")[0]
    assert "10/2026" in table and "11/2026" in table and "Nearest market" in table
    assert "<script" not in page.split("<main")[1].split("</main>")[0]  # the charts are SVG, no script
    # The dashboard's table of communes leads to each commune's page.
    dashboard = client.get("/observatory/trio/").content.decode()
    assert 'href="/observatory/trio/communes/63430/"' in dashboard


def test_a_commune_without_snapshot_says_so_and_one_outside_the_territory_is_not_found(trio, client) -> None:
    page = client.get("/observatory/trio/communes/63003/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="commune-history-none"' in page
    assert client.get("/observatory/trio/communes/86194/").status_code == 404  # Poitiers: another territory
    assert client.get("/observatory/nowhere/communes/63003/").status_code == 404


def test_the_commune_s_history_reads_as_json(trio, client) -> None:
    months(trio, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    body = client.get("/api/v1/territories/trio/communes/63430/history", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (body["commune"], body["name"], body["department"], body["department_name"]) == (
        "63430",
        "Thiers",
        "63",
        "Puy-de-Dôme",
    )
    places = next(f for f in body["figures"] if f["key"] == "places")
    assert places["history"] == [{"period": "2026-10", "value": 0.0}, {"period": "2026-11", "value": 0.0}]
    assert places["label"] == "Places open to the public" and places["unit"] == ""
    assert client.get("/api/v1/territories/trio/communes/86194/history").status_code == 404
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/territories/{slug}/communes/{code}/history" in paths


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_a_commune_s_history_is_public_as_the_dashboard(trio, people, who) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(people.claire if who == "outsider" else people.camille)
    months(trio, dt.date(2026, 11, 1))
    assert client.get("/observatory/trio/communes/63430/").status_code == 200
    assert client.get("/api/v1/territories/trio/communes/63430/history").status_code == 200
