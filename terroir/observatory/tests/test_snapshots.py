"""Snapshots: computed on the worker (monthly by the schedule, on demand by a coordinator), one row per
indicator and month whatever the number of computations, read by the dashboard and drawn as history."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from terroir.conftest import PASSWORD, person
from terroir.directory.management.commands.worker import Command
from terroir.directory.models import PlaceKind
from terroir.directory.services import place_create
from terroir.lib import tasks
from terroir.observatory import (
    activity,
    channels,
    compared,
    indicators,
    linechart,
    local,
    producers,
    registry,
    snapshots,
)
from terroir.observatory.models import Objective, Snapshot, SnapshotRun
from terroir.observatory.territories import territory_create

MONTH = dt.date(2026, 12, 1)


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def test_the_worker_runs_the_schedule_every_minute() -> None:
    assert snapshots.snapshots_schedule in tasks._periodic


def test_the_schedule_stores_every_indicator_of_every_territory_once_a_month(trio) -> None:
    assert snapshots.snapshots_schedule() == 1
    run = SnapshotRun.objects.get()
    assert run.status == "done" and run.scheduled and run.period == snapshots.this_period()
    assert run.done == run.total == len(registry.all_indicators()) + 1
    assert Snapshot.objects.filter(territory=trio).count() == len(registry.all_indicators())
    assert Snapshot.objects.get(indicator="access.communes_beyond").value == 1.0
    # The worker looks again a minute later, and every minute of the month: nothing is due.
    assert snapshots.snapshots_schedule() == 0
    assert snapshots.snapshots_schedule() == 0
    assert SnapshotRun.objects.count() == 1
    assert Snapshot.objects.count() == len(registry.all_indicators())


def test_a_second_computation_in_the_month_replaces_its_values_never_adds_rows(trio, people) -> None:
    snapshots.snapshots_schedule()
    place_create(name="Marché de Thiers", kind="market", commune=trio.communes.get(code="63430"), lat=45.857, lon=3.547)
    snapshots.snapshot_request(territory=trio, by=people.camille)
    assert SnapshotRun.objects.filter(status="done").count() == 2
    assert Snapshot.objects.count() == len(registry.all_indicators())
    assert Snapshot.objects.get(indicator="access.communes_beyond").value == 0.0


def test_next_month_the_schedule_finds_the_territory_due_again(trio, monkeypatch) -> None:
    snapshots.snapshots_schedule()
    monkeypatch.setattr(snapshots, "this_period", lambda: dt.date(2027, 1, 1))
    assert snapshots.snapshots_schedule() == 1
    periods = set(Snapshot.objects.values_list("period", flat=True))
    assert len(periods) == 2 and dt.date(2027, 1, 1) in periods


def test_a_failed_computation_is_said_and_tried_again_later_not_every_minute(trio, monkeypatch) -> None:
    def broken(territory):
        raise RuntimeError("database gone")

    monkeypatch.setattr(registry, "canteens_of", broken)
    assert snapshots.snapshots_schedule() == 1
    run = SnapshotRun.objects.get()
    assert run.status == "failed" and "database gone" in run.error and not Snapshot.objects.exists()
    assert snapshots.snapshots_schedule() == 0
    assert snapshots.territories_due(snapshots.this_period()) == []
    SnapshotRun.objects.update(started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert snapshots.territories_due(snapshots.this_period()) == [trio]


def test_asking_twice_while_it_is_queued_finds_the_same_run(trio, people, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nothing runs
    first = snapshots.snapshot_request(territory=trio, by=people.camille)
    assert first.status == "queued"
    assert snapshots.snapshot_request(territory=trio, by=people.camille).pk == first.pk
    assert snapshots.snapshots_schedule() == 0  # the schedule meets the coordinator's request
    assert SnapshotRun.objects.count() == 1 and not Snapshot.objects.exists()


@pytest.mark.parametrize(("name", "allowed"), [("outsider", False), ("own_coordinator", True), ("staff", True)])
def test_only_coordinators_ask_for_a_snapshot(trio, people, name, allowed) -> None:
    lea = person("lea@pat-livradois.example.org")
    trio.coordinators.add(lea)
    by = {"outsider": people.claire, "own_coordinator": lea, "staff": people.camille}[name]
    if allowed:
        assert snapshots.snapshot_request(territory=trio, by=by).status == "done"
    else:
        with pytest.raises(PermissionDenied):
            snapshots.snapshot_request(territory=trio, by=by)
        assert not SnapshotRun.objects.exists()


def test_the_cron_command_queues_the_territories_due(trio) -> None:
    out = StringIO()
    call_command("observatory_snapshots", "--now", stdout=out)
    assert "1 territories queued" in out.getvalue()
    assert SnapshotRun.objects.filter(status="done").count() == 1


def test_the_dashboard_reads_the_snapshot_and_computes_nothing(trio, client, monkeypatch) -> None:
    snapshots.snapshots_schedule()

    def forbidden(*args, **kwargs):
        raise AssertionError("computed in the request")

    monkeypatch.setattr(indicators, "territory_access", forbidden)
    monkeypatch.setattr(indicators, "canteen_indicator", forbidden)
    # The geographic and producer sections too (the whole of France would be read at each request).
    monkeypatch.setattr(compared, "access_compared", forbidden)
    monkeypatch.setattr(compared, "markets_by_weekday", forbidden)
    monkeypatch.setattr(producers, "territory_producers", forbidden)
    monkeypatch.setattr(local, "territory_local", forbidden)
    monkeypatch.setattr(channels, "channels_compared", forbidden)
    monkeypatch.setattr(activity, "territory_activity", forbidden)
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="compared-table"' in page and 'id="access-map"' in page
    assert "92.7\u00a0%" in page and "Thiers (63430)" in page.split('id="beyond"')[1]
    assert "Figures of the snapshot of" in page
    # The labels are the reader's, not the worker's (the snapshot was computed in French).
    with translation.override("en"):
        market = str(PlaceKind.MARKET.label)
    assert f'<th scope="row">{market}</th>' in page.split('id="kinds-table"')[1]


def test_a_snapshot_taken_in_french_reads_in_english_where_it_says_no_data(territory, client) -> None:
    # A commune of the Finistère: no place, no producer of the personas there.
    territory_create(slug="far", name="Far away", codes=["29019"])
    with translation.override("fr"):
        snapshots.snapshots_schedule()
    page = client.get("/observatory/far/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Figures of the snapshot of" in page
    assert "No producer of the directory is in this territory&#x27;s communes: no data." in page
    assert "No place of the territory has a producer with a known farm: no data." in page
    assert "Aucun producteur" not in page


def test_without_a_snapshot_the_dashboard_computes_as_before(trio, client) -> None:
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "92.7\u00a0%" in page and "no snapshot yet" in page


def test_the_dashboard_draws_an_objective_s_history_with_its_target(trio, client) -> None:
    Objective.objects.create(territory=trio, indicator="access.communes_10km.market", target=100, year=2030,
                             text="Chaque commune à moins de 10 km d’un marché")  # fmt: skip
    for month, value in ((9, 0.0), (10, 33.3333), (11, 66.6667)):
        Snapshot.objects.create(territory=trio, indicator="access.communes_10km.market", period=dt.date(2026, month, 1),
                                value=value)  # fmt: skip
    page = client.get("/observatory/trio/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    section = page.split('id="objectives-history"')[1].split("</section>")[0]
    assert "Chaque commune à moins de 10 km d’un marché" in section
    assert "33,3\u00a0%" in section  # to go: from 66.7 % to 100 %
    chart = section.split("<svg")[1].split("</svg>")[0]
    assert 'class="target"' in chart and chart.count('class="point"') == 3
    assert "09/2026\u202f: 0,0\u00a0%" in chart
    assert "<script" not in section and "style=" not in section


def test_the_history_chart_escapes_its_texts_and_leaves_gaps() -> None:
    svg = linechart.history(
        chart_id="c", title="<b>x</b>", points=[("a", 1.0), ("b", None), ("c", 2.0), ("d", 3.0)],
        fmt=lambda v: f"{v:g}", desc="\"quoted\" & <tag>", target=5.0,
    )  # fmt: skip
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and "&lt;tag&gt;" in svg
    assert svg.count("<polyline") == 1  # a then gap then c–d: one line of two points, a alone
    assert svg.count("<circle") == 3 and 'class="target"' in svg


def test_a_coordinator_follows_the_computation_on_its_page(trio, people) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert client.login(username=people.camille.username, password=PASSWORD)
    response = client.post("/observatory/trio/snapshots/")
    run = SnapshotRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/observatory/trio/snapshots/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'id="run-progress"' in page
    assert 'http-equiv="refresh"' not in page  # done: the page stops following
    assert client.get("/observatory/trio/snapshots/").status_code == 405


def test_the_history_and_the_objectives_read_as_json(trio, client) -> None:
    Objective.objects.create(territory=trio, indicator="access.communes_beyond", target=0, year=2030)
    Snapshot.objects.create(territory=trio, indicator="access.communes_beyond", period=dt.date(2026, 11, 1), value=1.0)
    body = client.get("/api/v1/territories/trio/history", HTTP_ACCEPT_LANGUAGE="en").json()
    beyond = next(i for i in body["indicators"] if i["key"] == "access.communes_beyond")
    assert beyond["history"] == [{"period": "2026-11", "value": 1.0}] and beyond["higher_is_better"] is False
    assert beyond["label"] == "Communes beyond 20 km of any place"
    [objective] = body["objectives"]
    expected = {"indicator": "access.communes_beyond", "target": 0.0, "year": 2030, "text": "", "value": 1.0,
                "as_of": "2026-11", "gap": 1.0, "reached": False}  # fmt: skip
    assert objective | {"id": 0} == expected | {"id": 0}
    assert client.get("/api/v1/territories/nowhere/history").status_code == 404
    assert "/api/v1/territories/{slug}/history" in client.get("/api/v1/openapi.json").json()["paths"]


def test_a_periodic_duty_that_fails_keeps_neither_the_worker_nor_the_schedule_from_running(trio, monkeypatch) -> None:
    def broken() -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(tasks, "_periodic", [broken, snapshots.snapshots_schedule])
    Command()._periodic()
    assert SnapshotRun.objects.filter(status="done").count() == 1


def test_a_computation_whose_task_was_lost_does_not_hold_the_territory_forever(trio) -> None:
    lost = SnapshotRun.objects.create(territory=trio, period=snapshots.this_period())
    assert snapshots.snapshots_schedule() == 0  # queued: the worker may be busy
    SnapshotRun.objects.filter(pk=lost.pk).update(started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert snapshots.runs_reap() == 1
    assert snapshots.snapshots_schedule() == 1
    assert SnapshotRun.objects.get(pk=lost.pk).status == "failed"


def test_the_snapshot_keeps_the_page_s_tables_not_a_row_per_producer_or_place(trio) -> None:
    snapshots.snapshots_schedule()
    geo = SnapshotRun.objects.get().details["geo"]
    # Rows grow with the directory (decoding them was most of a dashboard's time at 200,000 places): the
    # CSVs compute them; the page needs one row per commune for its map only.
    assert all("rows" not in geo[section] for section in ("open_enough", "weekdays", "producers", "local"))
    assert len(geo["access"]["rows"]) == 3 and geo["producers"]["families"] and geo["local"]["kinds"]
