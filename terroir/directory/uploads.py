"""Uploads bounded while they arrive, before anything big is written to disk.

Django keeps an upload in memory up to 2.5 MB and then in a temporary file of any size; only after that
does a view see `upload.size` (a 300 MB "photo" was written whole before the 8 MB check refused it).
Here each view says its limit (`@upload_limit("TERROIR_PHOTO_MAX_MB")`, TERROIR_UPLOAD_MAX_MB for any
other), and:
- `UploadLimitMiddleware` refuses a request whose declared length (Content-Length) is already over it,
  before reading a byte of its body;
- `LimitedUploadHandler`, first in FILE_UPLOAD_HANDLERS, counts each file's bytes as they stream and
  stops the upload when one is over it: the handlers that write memory and temporary files never get
  the rest. The middleware then answers 413 with a page saying which file and which limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

DEFAULT_SETTING = "TERROIR_UPLOAD_MAX_MB"
# The form's other fields and the multipart headers, over the files themselves.
FORM_BYTES = 1024 * 1024
BODY_METHODS = {"POST", "PUT", "PATCH"}

View = TypeVar("View", bound=Callable[..., Any])


def upload_limit(setting: str) -> Callable[[View], View]:
    """Marks a view as taking files of up to `settings.<setting>` MB each (decorators made with
    functools.wraps carry the mark outwards)."""

    def mark(view: View) -> View:
        view.upload_limit_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


def limit_of(view: Callable[..., Any] | None) -> tuple[str, int]:
    """The setting that limits the view's uploads, and the limit in bytes."""
    setting = getattr(view, "upload_limit_setting", DEFAULT_SETTING)
    return setting, int(getattr(settings, setting)) * 1024 * 1024


class UploadRefused(ValueError):
    """An uploaded file that cannot be kept (too big, no name…), said in the reader's language."""


def upload_name(file: UploadedFile, *, setting: str) -> str:
    """The uploaded file's own name (no folder), once its size is within `settings.<setting>` MB: what a
    page that keeps a file on disk for the worker checks before writing it."""
    limit_mb = int(getattr(settings, setting))
    if file.size is not None and file.size > limit_mb * 1024 * 1024:
        raise UploadRefused(_("the file is %(size)s MB; the limit is %(limit)s MB")
                            % {"size": f"{file.size / 1e6:.0f}", "limit": limit_mb})  # fmt: skip
    name = Path(file.name or "").name.strip()
    if not name:
        raise UploadRefused(_("the file has no name"))
    return name


def upload_write(file: UploadedFile, path: Path) -> None:
    """Write the uploaded file at `path`, chunk by chunk (it may be larger than memory allows)."""
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)


@dataclass(frozen=True)
class UploadTooLarge:
    setting: str
    limit: int  # bytes
    size: int | None = None  # bytes, when declared
    file_name: str = ""

    def message(self) -> str:
        mb = self.limit // (1024 * 1024)
        if self.file_name:
            return _(
                "The file %(name)s is larger than %(mb)s MB, the largest this page accepts (%(setting)s). "
                "Nothing was kept."
            ) % {"name": self.file_name, "mb": mb, "setting": self.setting}
        return _(
            "The request weighs %(size)s MB; this page accepts files of %(mb)s MB at most (%(setting)s). "
            "Nothing was kept."
        ) % {"size": f"{(self.size or 0) / 1024 / 1024:.0f}", "mb": mb, "setting": self.setting}


class LimitedUploadHandler(FileUploadHandler):
    """Stops the upload as soon as one file, or all the files together, exceed the view's limit."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        marked: tuple[str, int] | None = getattr(self.request, "upload_limit", None)
        self.setting, self.limit = marked or limit_of(None)
        self.total = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.received > self.limit or self.total > self.limit + FORM_BYTES:
            refusal = UploadTooLarge(setting=self.setting, limit=self.limit, file_name=str(self.file_name or ""))
            self.request.upload_refused = refusal  # type: ignore[union-attr]
            # Without reading the rest of the body: the other handlers close and delete what they wrote.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    """Before CSRF's check, which reads the body: the declared length first, then the files as they
    stream through LimitedUploadHandler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method not in BODY_METHODS:
            return None
        setting, limit = limit_of(view)
        request.upload_limit = (setting, limit)  # type: ignore[attr-defined]
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + FORM_BYTES:
            return too_large(request, UploadTooLarge(setting=setting, limit=limit, size=declared))
        if request.content_type == "multipart/form-data":
            request.FILES  # noqa: B018 - parsed now, through LimitedUploadHandler
            refusal: UploadTooLarge | None = getattr(request, "upload_refused", None)
            if refusal is not None:
                return too_large(request, refusal)
        return None


def too_large(request: HttpRequest, refusal: UploadTooLarge) -> HttpResponse:
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    context = {"message": refusal.message(), "back": back}
    return render(request, "directory/upload_too_large.html", context, status=413)
