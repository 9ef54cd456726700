"""Rotas are computed on the worker (`manage.py worker`)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from terroir.directory.background import supervised
from terroir.lib.tasks import TaskError, TaskLimitExceeded

from . import services
from .models import Rota, RotaStatus

# HiGHS' own limit, then what building and storing may take beyond it.
SOLVER_LIMIT_S = 60.0
MARGIN_S = 60.0


@task()
def rota_compute(rota_id: int) -> None:
    if not Rota.objects.filter(pk=rota_id, status=RotaStatus.QUEUED).exists():
        return  # already computed, failed or deleted
    try:
        supervised(services.rota_execute, rota_id, wall_s=SOLVER_LIMIT_S + MARGIN_S)
    except (TaskLimitExceeded, TaskError) as exc:
        Rota.objects.filter(pk=rota_id).exclude(status__in=[RotaStatus.OPTIMAL, RotaStatus.FEASIBLE]).update(
            status=RotaStatus.FAILED, stage="failed", error=str(exc)[:2000], finished_at=timezone.now()
        )
