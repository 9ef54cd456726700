"""A relay siting study on the real worker (`manage.py worker`, the task in a limited child process, on
the test database), as in production: queued, taken, computed, its page then done."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from terroir.directory.tests.test_worker import start_worker, wait_for  # noqa: F401 — the fixture
from terroir.logistics import studies
from terroir.logistics.models import DeliveryOrder, RelayCandidate, RunStatus, SitingStudy
from terroir.logistics.tests.test_permissions import WEEK
from terroir.logistics.tests.test_relays import week_orders

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_study_is_computed_by_the_worker_in_its_own_process(
    start_worker: Callable[[], subprocess.Popen[bytes]],  # noqa: F811
    territory: Any,
) -> None:
    week_orders(territory)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200, cold_room=True)  # fmt: skip
    problem, labels = studies.study_problem(RelayCandidate.objects.all(), DeliveryOrder.objects.select_related(
        "producer", "customer", "delivery_place"), week=WEEK)  # fmt: skip
    study = studies.study_start(problem=problem, labels=labels, week=WEEK, by=None, owner=None)
    assert SitingStudy.objects.get(pk=study.pk).status == RunStatus.QUEUED
    worker = start_worker()

    def ended() -> bool:
        study.refresh_from_db()
        return study.status in (RunStatus.DONE, RunStatus.FAILED)

    wait_for(ended, 90, "the study")
    assert study.status == RunStatus.DONE, study.error
    assert study.worker.endswith(f":{worker.pid}")
    assert [s["platforms"] for s in (study.result or {})["scenarios"]] == [0, 1]
