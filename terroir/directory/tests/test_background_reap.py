"""`background.dead_runs_fail`, the reaper the apps' runs share (logistics' planning runs and relay
studies, the shops' rotas): a run still "running" whose worker process is gone, or whose last sign of
life is older than the limit the app gives, is failed with WORKER_LOST; the others are left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from terroir.directory import background
from terroir.lib.tasks import WORKER_LOST
from terroir.logistics.models import PlanningRun, RunStatus

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def test_the_first_sign_of_life_set_is_the_one_compared(monkeypatch: Any) -> None:
    monkeypatch.setattr(background, "worker_alive", lambda label: True)
    hour_ago, day_ago = NOW - dt.timedelta(hours=1), NOW - dt.timedelta(days=1)
    beating = PlanningRun.objects.create(problem={}, status=RunStatus.RUNNING, heartbeat_at=hour_ago)
    beating.created_at = day_ago  # an old run still beating: alive
    beating.save()
    silent = PlanningRun.objects.create(problem={}, status=RunStatus.RUNNING, heartbeat_at=None)
    silent.created_at = day_ago  # never beat, started a day ago: dead
    silent.save()
    running = PlanningRun.objects.filter(status=RunStatus.RUNNING)
    failed = background.dead_runs_fail(running, alive_at=["heartbeat_at", "created_at"],
                                       before=NOW - dt.timedelta(hours=2), status=RunStatus.FAILED)  # fmt: skip
    assert failed == 1
    silent.refresh_from_db()
    beating.refresh_from_db()
    assert (silent.status, silent.error, silent.stage) == (RunStatus.FAILED, WORKER_LOST, "failed")
    assert silent.finished_at is not None and beating.status == RunStatus.RUNNING


def test_a_run_whose_worker_process_is_gone_fails_however_recent(monkeypatch: Any) -> None:
    monkeypatch.setattr(background, "worker_alive", lambda label: label != "host:1")
    gone = PlanningRun.objects.create(problem={}, status=RunStatus.RUNNING, worker="host:1", heartbeat_at=NOW)
    other = PlanningRun.objects.create(problem={}, status=RunStatus.RUNNING, worker="host:2", heartbeat_at=NOW)
    done = PlanningRun.objects.create(problem={}, status=RunStatus.DONE, worker="host:1", heartbeat_at=NOW)
    running = PlanningRun.objects.filter(status=RunStatus.RUNNING)
    assert background.dead_runs_fail(running, alive_at=["heartbeat_at"], before=NOW - dt.timedelta(hours=1),
                                     status=RunStatus.FAILED) == 1  # fmt: skip
    assert [PlanningRun.objects.get(pk=r.pk).status for r in (gone, other, done)] == [
        RunStatus.FAILED, RunStatus.RUNNING, RunStatus.DONE,
    ]  # fmt: skip
