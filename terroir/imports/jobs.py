"""Imports started from the web: the uploaded file is kept on disk, the import runs as a task on the
worker (in a child process with memory and time limits), and its progress and outcome are on its run's
row (ImportRun), found by the upload's token."""

from __future__ import annotations

import secrets
import shutil
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from terroir.directory.background import runs_reap_started, supervised, unexpected_stored, worker_label
from terroir.directory.uploads import UploadRefused, upload_name, upload_write
from terroir.lib.tabular import SourceError, gunzip, is_gzip
from terroir.lib.tasks import WORKER_LOST, TaskError, TaskLimitExceeded

from .mapping import Mapping
from .models import ImportRun
from .read import source_error_text
from .services import ImportBusy, mapping_for, source_import

TOKEN_BYTES = 12


def _root() -> Path:
    root = Path(settings.TERROIR_IMPORT_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _checked(token: str) -> str:
    # Tokens name directories: nothing but what token_urlsafe makes.
    if not token or len(token) > 40 or not all(c.isalnum() or c in "-_" for c in token):
        raise UploadRefused("unknown upload")
    return token


def upload_keep(*, file: UploadedFile, mapping_text: str) -> str:
    """Keep an uploaded source file and its mapping; returns the token that names them."""
    name = upload_name(file, setting="TERROIR_IMPORT_MAX_MB")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    folder = _root() / token
    folder.mkdir()
    upload_write(file, folder / name)
    if is_gzip(folder / name):
        # Decompressed now, under the same limit as the upload itself: a compressed file of a few
        # kilobytes may unfold into gigabytes, refused here before any work is queued.
        try:
            gunzip(folder / name, folder, max_mb=settings.TERROIR_IMPORT_MAX_MB)
        except SourceError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadRefused(source_error_text(error)) from None
        (folder / name).unlink()
    (folder / "mapping.txt").write_text(mapping_text, encoding="utf-8")
    return token


def upload_path(token: str) -> tuple[Path, str]:
    """The kept file and mapping text of an upload."""
    folder = _root() / _checked(token)
    files = [p for p in folder.glob("*") if p.name != "mapping.txt"] if folder.is_dir() else []
    if not files:
        raise UploadRefused("unknown upload")
    return files[0], (folder / "mapping.txt").read_text(encoding="utf-8")


def upload_mapping_set(token: str, text: str) -> None:
    """Give a kept upload the mapping made for it on the column-mapping screen."""
    upload_path(token)
    (_root() / _checked(token) / "mapping.txt").write_text(text, encoding="utf-8")


def import_state(token: str, *, task_id: str = "") -> dict[str, Any]:
    """Where the import of an upload is, from its run's row: queued (no run yet), running (stage, rows
    done of total), done or failed with the run's id and error. `task_id` tells a task that ended before
    making its run (the source was busy, the worker died) from one still waiting for a worker."""
    _checked(token)
    run = ImportRun.objects.filter(upload=token).order_by("-started_at").first()
    if run is None:
        return {"status": "queued"} | _task_outcome(task_id)
    state: dict[str, Any] = {"status": run.status, "stage": run.stage, "done": run.done, "total": run.total,
                             "fraction": min(1.0, run.done / run.total) if run.total else None}  # fmt: skip
    if run.status != ImportRun.Status.RUNNING:
        state |= {"run": run.pk, "error": run.error, "fraction": 1.0 if run.status == ImportRun.Status.DONE else None}
    return state


def _task_outcome(task_id: str) -> dict[str, Any]:
    """The outcome of a task that ended without a run: its refusal, or that its worker died."""
    if not task_id:
        return {}
    try:
        result = import_file.get_result(task_id)
    except Exception:  # a backend that keeps no results, a result pruned
        return {}
    if result.status == TaskResultStatus.FAILED:
        return {"status": "failed", "error": WORKER_LOST}
    if result.status == TaskResultStatus.SUCCESSFUL and result.return_value:
        return {"status": "failed", "error": str(result.return_value)}
    return {}


def import_start(
    *, token: str, mapping: Mapping, mapping_text: str, geocode: bool = True, by: Any = None
) -> tuple[str, str]:
    """Queue the import of an upload for the worker; returns the task's id and, when the task already
    ran (a backend that runs tasks at once), its refusal if any. import_state(token) follows it."""
    upload_path(token)
    result = import_file.enqueue(
        token=token, source=mapping.name, mapping_text=mapping_text, geocode=geocode, by_id=getattr(by, "pk", None)
    )
    refusal = str(result.return_value or "") if result.is_finished else ""
    return str(result.id), refusal


@task()
def import_file(*, token: str, source: str, mapping_text: str, geocode: bool, by_id: int | None = None) -> str:
    """The worker's side of import_start: the import in a child process under the task limits. Returns
    why it did not start (the source is being imported, a `Message` as JSON), or nothing."""
    path, _text = upload_path(token)
    mapping, _same = mapping_for(source=source, text=mapping_text)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    label = worker_label()

    def work() -> str:
        try:
            source_import(path=path, mapping=mapping, mapping_text=mapping_text, geocode=geocode, worker=label,
                          by=by, upload=token)  # fmt: skip
        except ImportBusy as error:
            return error.said.json()
        return ""

    try:
        refusal: str = supervised(work, wall_s=settings.TERROIR_IMPORT_MAX_SECONDS)
    except (TaskLimitExceeded, TaskError) as error:
        if isinstance(error, TaskError):
            traceback.print_exc()
        # The child died with its transaction (nothing of the import was kept): free the source.
        ImportRun.objects.filter(source__name=source, status=ImportRun.Status.RUNNING, worker=label).update(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            # A limit's reason in English (said again in the reader's language when read), else the error.
            error=str(error)[:2000] if isinstance(error, TaskLimitExceeded) else unexpected_stored(error),
        )
        return ""
    return refusal


def runs_reap() -> int:
    """Fail the imports whose worker died (its process is gone, or the import outlived its time limit):
    their transaction went with them, and the source must not stay "being imported" forever."""
    return runs_reap_started(ImportRun, max_s=settings.TERROIR_IMPORT_MAX_SECONDS)
