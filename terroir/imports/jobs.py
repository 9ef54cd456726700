"""Imports started from the web: the uploaded file is kept on disk, the import runs in a thread of the
server process, and its progress is written to a small JSON file that any server process can read
(the import holds its database transaction open until it ends, so progress cannot go through it)."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import threading
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection

from terroir.lib.progress import Progress

from .mapping import Mapping
from .services import ImportBusy, source_import

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
    path = _root() / _checked(token) / "progress.json"
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state


def import_start(
    *, token: str, mapping: Mapping, mapping_text: str, geocode: bool = True, by: Any = None
) -> threading.Thread:
    """Run the import of an upload in a thread; its progress and end are in job_state(token)."""
    path, _text = upload_path(token)
    _progress_write(token, {"status": "running", "stage": "start", "message": "", "fraction": None})

    def report(progress: Progress) -> None:
        state = dataclasses.asdict(progress) | {"status": "running", "fraction": progress.fraction}
        _progress_write(token, state)

    def work() -> None:
        try:
            run = source_import(
                path=path, mapping=mapping, mapping_text=mapping_text, geocode=geocode, progress=report, by=by
            )
            _progress_write(
                token, {"status": run.status, "run": run.pk, "error": run.error, "fraction": 1.0, "message": ""}
            )
        except ImportBusy as error:
            _progress_write(token, {"status": "failed", "error": str(error), "fraction": None, "message": ""})
        except Exception as error:  # the page must learn that the import ended, whatever ended it
            traceback.print_exc()
            _progress_write(
                token,
                {"status": "failed", "error": f"{type(error).__name__}: {error}", "fraction": None, "message": ""},
            )
        finally:
            connection.close()

    thread = threading.Thread(target=work, name=f"import-{token}", daemon=True)
    thread.start()
    return thread
