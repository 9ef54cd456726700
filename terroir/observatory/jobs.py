"""Canteen imports started from a page: the uploaded file is kept on disk and imported by a task on the
worker (in a child process under the task limits); the run's row (CanteenImport) says where it is."""

from __future__ import annotations

import shutil
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_tasks import task

from terroir.directory.background import error_stored, runs_reap_started, supervised, unexpected_stored, worker_label
from terroir.directory.uploads import upload_name, upload_write
from terroir.imports.read import source_error_message
from terroir.lib.tabular import SourceError
from terroir.lib.tasks import TaskError, TaskLimitExceeded

from .canteens import CanteenFileError, canteens_import
from .models import CanteenImport


def _folder(run: CanteenImport) -> Path:
    return Path(settings.TERROIR_IMPORT_DIR) / "canteens" / str(run.pk)


def upload_start(*, file: UploadedFile, by: Any) -> CanteenImport:
    """Keep an uploaded declarations file and queue its import; returns its run."""
    name = upload_name(file, setting="TERROIR_IMPORT_MAX_MB")
    run = CanteenImport.objects.create(file_name=name[:255], by=by if getattr(by, "pk", None) else None)
    folder = _folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    upload_write(file, folder / "declarations.csv")
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
        except SourceError as error:
            # Kept as its message, said in the reader's language when read (not the worker's).
            _fail(run_id, error_stored(source_error_message(error)))
        except CanteenFileError as error:
            _fail(run_id, error_stored(error.said))

    try:
        supervised(work, wall_s=settings.TERROIR_IMPORT_MAX_SECONDS)
    except (TaskLimitExceeded, TaskError) as error:
        if isinstance(error, TaskError):
            traceback.print_exc()
        # A limit's reason in English (said again in the reader's language when read), else the error.
        _fail(run_id, str(error) if isinstance(error, TaskLimitExceeded) else unexpected_stored(error))
    finally:
        shutil.rmtree(_folder(run), ignore_errors=True)


def runs_reap() -> int:
    """Fail the canteen imports whose worker died or that outlived their time limit."""
    return runs_reap_started(CanteenImport, max_s=settings.TERROIR_IMPORT_MAX_SECONDS)
