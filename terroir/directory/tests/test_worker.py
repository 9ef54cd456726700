"""The background worker as it runs in production: a real `manage.py worker` process on the test
database. A planning run whose worker is killed in the middle ends failed with its reason, and the next
worker computes the next run."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from terroir.accounts.models import Membership
from terroir.imports.jobs import import_start, import_state, upload_keep
from terroir.imports.models import ImportRun
from terroir.imports.services import mapping_for
from terroir.imports.tests.files import MARKETS, mapping_text
from terroir.lib.tasks import WORKER_LOST
from terroir.logistics import services
from terroir.logistics.models import PlanningRun, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(settings: Any, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TERROIR_IMPORT_DIR = tmp_path
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = os.environ | {"DATABASE_URL": database_url(), "TERROIR_TASK_ISOLATION": "1",
                            "DATABASE_CONN_MAX_AGE": "0", "TERROIR_IMPORT_DIR": str(tmp_path)}  # fmt: skip
        worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def problem(orders: int) -> dict[str, Any]:
    """A week of deliveries from a workshop in Ambert to customers around it."""
    return {
        "depots": [{"id": "atelier", "place": {"lat": 45.5497, "lon": 3.7417}, "hours": ["05:00", "20:00"]}],
        "vehicles": [
            {"id": "camion", "depot": "atelier", "capacity_kg": 800, "count": 3, "hours": ["06:00", "16:00"],
             "days": [1, 2, 3]}
        ],
        "orders": [
            {"id": f"o{n}", "kind": "delivery", "kg": 20, "days": [1, 2, 3],
             "delivery": {"lat": 45.40 + (n % 17) * 0.02, "lon": 3.55 + (n // 17) * 0.04}}
            for n in range(orders)
        ],
    }  # fmt: skip


def status(run: PlanningRun) -> PlanningRun:
    run.refresh_from_db()
    return run


def test_a_run_whose_worker_is_killed_fails_with_its_reason_and_the_next_worker_plans_the_next(
    start_worker: Callable[[], subprocess.Popen[bytes]], client: Any, django_user_model: Any
) -> None:
    first = services.run_start(problem(60), by=None, time_limit_s=60)
    assert status(first).status == RunStatus.QUEUED

    worker = start_worker()
    wait_for(lambda: status(first).status == RunStatus.RUNNING and first.stage == "search", 60, "the search")
    assert first.worker.endswith(f":{worker.pid}")
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)

    start_worker()
    wait_for(lambda: status(first).status == RunStatus.FAILED, 30, "the killed run to be failed")
    assert first.error == WORKER_LOST
    client.force_login(django_user_model.objects.create_user("coordinatrice", password="x", is_staff=True))
    assert "relancez-le" in client.get(f"/logistics/runs/{first.pk}/state.json").json()["error"]

    second = services.run_start(problem(8), by=None, time_limit_s=1)  # the killed run holds no slot
    wait_for(lambda: status(second).status in (RunStatus.DONE, RunStatus.FAILED), 90, "the next run")
    assert second.status == RunStatus.DONE, second.error
    assert second.plan and second.plan["rounds"]


def test_an_import_and_the_cron_reminders_are_queued_and_one_worker_does_both(
    start_worker: Callable[[], subprocess.Popen[bytes]], communes_for_live_server: None, territory: Any, people: Any
) -> None:
    """Two kinds of queued work for one worker (each start is 1.5–2 s of `django.setup()`): an import, which the
    worker runs in a limited child, and the verification reminders a cron command queues."""
    rows = "id,nom,cp,commune,lat,lon\nb1,GAEC des Monts du Forez,63600,Ambert,45.5601,3.7702\nb2,,63300,Thiers,,\n"
    producers = mapping_text(MARKETS, source={"name": "bio", "label": "Réseau bio", "record": "producer"},
                             constants=None)  # fmt: skip
    mapping, text = mapping_for(source="bio", text=producers)
    token = upload_keep(file=SimpleUploadedFile("bio.csv", rows.encode()), mapping_text=text)
    task_id, refusal = import_start(token=token, mapping=mapping, mapping_text=text, geocode=False)
    assert refusal == "" and import_state(token, task_id=task_id)["status"] == "queued"
    out = io.StringIO()
    call_command("verification_remind", stdout=out)
    assert "Queued as task" in out.getvalue()
    reminded = Membership.objects.exclude(reminded_at=None)
    assert not reminded.exists()

    start_worker()
    wait_for(lambda: import_state(token, task_id=task_id)["status"] in ("done", "failed"), 60, "the import")
    state = import_state(token, task_id=task_id)
    assert state["status"] == "done", state
    run = ImportRun.objects.get(pk=state["run"])
    assert (run.rows, run.rejected, run.entries_created) == (2, 1, 1)
    assert run.worker and run.worker.split(":")[-1].isdigit()
    # Hugo's honey farm and Sophie's supermarket are overdue for a check (test_reminders.py).
    wait_for(lambda: reminded.count() == 2, 60, "the reminders")
    assert {m.user_id for m in reminded} == {people.hugo.pk, people.sophie.pk}
