"""Imports started from the web: the uploaded file is kept on disk, the import runs as a task on the
worker (in a child process with memory and time limits), and its progress is written to a small JSON
file that any server process can read (the import holds its database transaction open until it ends, so
on SQLite progress cannot go through the database)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import secrets
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from terroir.directory.background import supervised, worker_alive, worker_label
from terroir.lib.progress import Progress
from terroir.lib.tasks import WORKER_LOST, TaskError, TaskLimitExceeded

from .mapping import Mapping
from .models import ImportRun
from .services import ImportBusy, mapping_for, source_import

TOKEN_BYTES = 12


class UploadError(ValueError):
    """An uploaded file that cannot be kept (too big, no name…)."""


def _root() -> Path:
    root = Path(settings.TERROIR_IMPORT_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _checked(token: str) -> str:
    # Tokens name directories: nothing but what token_urlsafe makes.
    if not token or len(token) > 40 or not all(c.isalnum() or c in "-_" for c in token):
        raise UploadError("unknown upload")
    return token


def upload_keep(*, file: UploadedFile, mapping_text: str) -> str:
    """Keep an uploaded source file and its mapping; returns the token that names them."""
    limit = settings.TERROIR_IMPORT_MAX_MB * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise UploadError(f"the file is {file.size / 1e6:.0f} MB; the limit is {settings.TERROIR_IMPORT_MAX_MB} MB")
    name = Path(file.name or "").name.strip()
    if not name:
        raise UploadError("the file has no name")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    folder = _root() / token
    folder.mkdir()
    with (folder / name).open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    (folder / "mapping.txt").write_text(mapping_text, encoding="utf-8")
    return token


def upload_path(token: str) -> tuple[Path, str]:
    """The kept file and mapping text of an upload."""
    folder = _root() / _checked(token)
    files = [p for p in folder.glob("*") if p.name not in {"mapping.txt", "progress.json"}] if folder.is_dir() else []
    if not files:
        raise UploadError("unknown upload")
    return files[0], (folder / "mapping.txt").read_text(encoding="utf-8")


def _progress_write(token: str, state: dict[str, Any]) -> None:
    path = _root() / token / "progress.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half a file


def job_state(token: str) -> dict[str, Any] | None:
    folder = _root() / _checked(token)
    try:
        state: dict[str, Any] = json.loads((folder / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("status") in ("queued", "running"):
        ended = _task_ended(folder)
        if ended:
            state = {"status": "failed", "error": ended, "fraction": None, "message": ""}
    return state


def _task_ended(folder: Path) -> str:
    """Why the import's task ended without saying so in its progress (its worker died): empty if it did
    not end, or when the task backend keeps no results."""
    try:
        task_id = (folder / "task.txt").read_text(encoding="ascii").strip()
        result = import_file.get_result(task_id)
    except Exception:  # no task file yet, a backend without results, a result pruned
        return ""
    if result.status == TaskResultStatus.FAILED:
        return WORKER_LOST
    return ""


def import_start(
    *, token: str, mapping: Mapping, mapping_text: str, geocode: bool = True, by: Any = None
) -> None:
    """Queue the import of an upload for the worker; its progress and end are in job_state(token)."""
    upload_path(token)
    _progress_write(token, {"status": "queued", "stage": "start", "message": "", "fraction": None})
    result = import_file.enqueue(
        token=token, source=mapping.name, mapping_text=mapping_text, geocode=geocode, by_id=getattr(by, "pk", None)
    )
    (_root() / token / "task.txt").write_text(str(result.id), encoding="ascii")


@task()
def import_file(*, token: str, source: str, mapping_text: str, geocode: bool, by_id: int | None = None) -> None:
    """The worker's side of import_start: the import in a child process under the task limits."""
    path, _text = upload_path(token)
    mapping, _same = mapping_for(source=source, text=mapping_text)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    label = worker_label()
    _progress_write(token, {"status": "running", "stage": "start", "message": "", "fraction": None})

    def report(progress: Progress) -> None:
        state = dataclasses.asdict(progress) | {"status": "running", "fraction": progress.fraction}
        _progress_write(token, state)

    def work() -> None:
        try:
            run = source_import(path=path, mapping=mapping, mapping_text=mapping_text, geocode=geocode,
                                progress=report, worker=label, by=by)  # fmt: skip
            _progress_write(
                token, {"status": run.status, "run": run.pk, "error": run.error, "fraction": 1.0, "message": ""}
            )
        except ImportBusy as error:
            _progress_write(token, {"status": "failed", "error": str(error), "fraction": None, "message": ""})

    try:
        supervised(work, wall_s=settings.TERROIR_IMPORT_MAX_SECONDS)
    except (TaskLimitExceeded, TaskError) as error:
        if isinstance(error, TaskError):
            traceback.print_exc()
        # The child died with its transaction (nothing of the import was kept): free the source.
        ImportRun.objects.filter(source__name=source, status=ImportRun.Status.RUNNING, worker=label).update(
            status=ImportRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        _progress_write(token, {"status": "failed", "error": str(error), "fraction": None, "message": ""})


def runs_reap() -> int:
    """Fail the imports whose worker died (its process is gone, or the import outlived its time limit):
    their transaction went with them, and the source must not stay "being imported" forever."""
    late = timezone.now() - datetime.timedelta(
        seconds=settings.TERROIR_IMPORT_MAX_SECONDS + settings.TERROIR_TASK_LEASE_S
    )
    dead = [
        run.pk
        for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING).only("pk", "worker", "started_at")
        if (run.worker and worker_alive(run.worker) is False) or run.started_at < late
    ]
    if not dead:
        return 0
    return ImportRun.objects.filter(pk__in=dead, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.FAILED, error=WORKER_LOST, finished_at=timezone.now()
    )
