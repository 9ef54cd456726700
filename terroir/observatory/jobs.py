"""Canteen imports started from a page: the uploaded file is kept on disk and imported by a task on the
worker (in a child process under the task limits); the run's row (CanteenImport) says where it is."""

from __future__ import annotations

import datetime
import shutil
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from terroir.directory.background import supervised, worker_alive, worker_label
from terroir.lib.tabular import SourceError
from terroir.lib.tasks import WORKER_LOST, TaskError, TaskLimitExceeded

from .canteens import CanteenFileError, canteens_import
from .models import CanteenImport


class UploadError(ValueError):
    """An uploaded file that cannot be kept (too big, no name)."""


def _folder(run: CanteenImport) -> Path:
    return Path(settings.TERROIR_IMPORT_DIR) / "canteens" / str(run.pk)


def upload_start(*, file: UploadedFile, by: Any) -> CanteenImport:
    """Keep an uploaded declarations file and queue its import; returns its run."""
    limit = settings.TERROIR_IMPORT_MAX_MB * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise UploadError(_("the file is %(size)s MB; the limit is %(limit)s MB")
                          % {"size": f"{file.size / 1e6:.0f}", "limit": settings.TERROIR_IMPORT_MAX_MB})  # fmt: skip
    name = Path(file.name or "").name.strip()
    if not name:
        raise UploadError(_("the file has no name"))
    run = CanteenImport.objects.create(file_name=name[:255], by=by if getattr(by, "pk", None) else None)
    folder = _folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "declarations.csv").open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    import_canteens.enqueue(run_id=run.pk)
    run.refresh_from_db()
    return run


def _fail(run_id: int, error: str) -> None:
    CanteenImport.objects.filter(pk=run_id).exclude(status=CanteenImport.Status.DONE).update(
        status=CanteenImport.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


@task()
def import_canteens(*, run_id: int) -> None:
    """The worker's side of upload_start."""
    run = CanteenImport.objects.get(pk=run_id)
    path = _folder(run) / "declarations.csv"
    by = get_user_model().objects.filter(pk=run.by_id).first() if run.by_id else None
    CanteenImport.objects.filter(pk=run_id).update(worker=worker_label(), status=CanteenImport.Status.RUNNING)

    def work() -> None:
        try:
            canteens_import(path=path, run=CanteenImport.objects.get(pk=run_id), by=by)
        except (CanteenFileError, SourceError) as error:
            _fail(run_id, str(error))

    try:
        supervised(work, wall_s=settings.TERROIR_IMPORT_MAX_SECONDS)
    except (TaskLimitExceeded, TaskError) as error:
        if isinstance(error, TaskError):
            traceback.print_exc()
        _fail(run_id, str(error))
    finally:
        shutil.rmtree(_folder(run), ignore_errors=True)


def runs_reap() -> int:
    """Fail the canteen imports whose worker died or that outlived their time limit."""
    late = timezone.now() - datetime.timedelta(
        seconds=settings.TERROIR_IMPORT_MAX_SECONDS + settings.TERROIR_TASK_LEASE_S
    )
    running = CanteenImport.objects.filter(status=CanteenImport.Status.RUNNING).only("pk", "worker", "started_at")
    dead = [run.pk for run in running if (run.worker and worker_alive(run.worker) is False) or run.started_at < late]
    if not dead:
        return 0
    return CanteenImport.objects.filter(pk__in=dead, status=CanteenImport.Status.RUNNING).update(
        status=CanteenImport.Status.FAILED, error=WORKER_LOST, finished_at=timezone.now()
    )
