"""Planning runs on the worker (`manage.py worker`)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from terroir.directory.background import supervised, unexpected_stored, worker_label
from terroir.lib.tasks import TaskError, TaskLimitExceeded

from . import services, studies
from .models import PlanningRun, RunStatus, SitingStudy

# Beyond the search's own time limit: distances, costs, status quo and sharing.
EVALUATION_MARGIN_S = 120.0


@task()
def plan_compute(run_id: int) -> None:
    runs = PlanningRun.objects.filter(pk=run_id, status=RunStatus.QUEUED)
    run = runs.first()
    if run is None:  # already computed, failed or deleted
        return
    runs.update(worker=worker_label(), heartbeat_at=timezone.now())

    def alive() -> None:
        PlanningRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())

    try:
        supervised(services.run_execute, run_id, wall_s=run.time_limit_s + EVALUATION_MARGIN_S, tick=alive)
    except (TaskLimitExceeded, TaskError) as exc:
        PlanningRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
            status=RunStatus.FAILED, stage="failed", error=_failure(exc), finished_at=timezone.now()
        )


@task()
def study_compute(study_id: int) -> None:
    """A relay siting study (studies.study_execute) under the worker's limits."""
    studies_q = SitingStudy.objects.filter(pk=study_id, status=RunStatus.QUEUED)
    if not studies_q.exists():  # already computed, failed or deleted
        return
    studies_q.update(worker=worker_label(), heartbeat_at=timezone.now())

    def alive() -> None:
        SitingStudy.objects.filter(pk=study_id).update(heartbeat_at=timezone.now())

    try:
        supervised(studies.study_execute, study_id, wall_s=studies.STUDY_TIME_LIMIT_S + EVALUATION_MARGIN_S,
                   tick=alive)  # fmt: skip
    except (TaskLimitExceeded, TaskError) as exc:
        SitingStudy.objects.filter(pk=study_id).exclude(status=RunStatus.DONE).update(
            status=RunStatus.FAILED, stage="failed", error=_failure(exc), finished_at=timezone.now()
        )


def _failure(exc: TaskLimitExceeded | TaskError) -> str:
    """What a run keeps of why its child stopped: a limit's reason (English, said again in the reader's
    language by background.task_error_text), or the child's unexpected error as a message."""
    return str(exc)[:2000] if isinstance(exc, TaskLimitExceeded) else unexpected_stored(exc)
