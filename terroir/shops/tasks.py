"""Rotas are computed on the worker (`manage.py worker`)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from terroir.directory.background import dead_runs_fail, supervised, unexpected_stored, worker_label
from terroir.lib.tasks import TaskError, TaskLimitExceeded

from . import services
from .models import Rota, RotaStatus

# HiGHS' own limit, then what building and storing may take beyond it.
SOLVER_LIMIT_S = 60.0
MARGIN_S = 60.0


@task()
def rota_compute(rota_id: int) -> None:
    taken = Rota.objects.filter(pk=rota_id, status=RotaStatus.QUEUED).update(
        status=RotaStatus.RUNNING, worker=worker_label(), started_at=timezone.now()
    )
    if not taken:
        return  # already computed, failed or deleted
    try:
        supervised(services.rota_execute, rota_id, wall_s=SOLVER_LIMIT_S + MARGIN_S)
    except (TaskLimitExceeded, TaskError) as exc:
        Rota.objects.filter(pk=rota_id).exclude(status__in=[RotaStatus.OPTIMAL, RotaStatus.FEASIBLE]).update(
            status=RotaStatus.FAILED,
            stage="failed",
            finished_at=timezone.now(),
            # A limit's reason in English (said again in the reader's language when read), else the error.
            error=str(exc)[:2000] if isinstance(exc, TaskLimitExceeded) else unexpected_stored(exc),
        )


def rotas_reap() -> int:
    """Fail the rotas still computing whose worker died or that outlived the time they may take (the
    worker's periodic reaper calls it): a rota must not say "computing" forever."""
    late = timezone.now() - datetime.timedelta(seconds=SOLVER_LIMIT_S + MARGIN_S + settings.TERROIR_TASK_LEASE_S)
    running = Rota.objects.filter(status=RotaStatus.RUNNING)
    return dead_runs_fail(running, alive_at=["started_at"], before=late, status=RotaStatus.FAILED)
