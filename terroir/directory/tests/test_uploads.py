"""Uploads are bounded while they stream: a request declaring more than its page accepts is refused before
its body is read, a file growing past the limit is stopped there, and nothing big reaches the disk."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
BOUNDARY = "----terroir-limits"
MB = 1024 * 1024


class StreamedUpload:
    """A multipart body of one photo of `size` bytes, made as it is read (never held whole), counting
    what the server read of it."""

    def __init__(self, size: int, name: str = "enorme.jpg"):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nLa cave\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        remaining = self.length - self.read_bytes
        n = remaining if n is None or n < 0 else min(n, remaining)
        out = bytearray()
        while len(out) < n:
            at = self.read_bytes + len(out)
            if at < len(self.head):
                out += self.head[at : at + n - len(out)]
            elif at < len(self.head) + self.size:
                out += b"\xff" * min(n - len(out), len(self.head) + self.size - at)
            else:
                start = at - len(self.head) - self.size
                out += self.tail[start : start + n - len(out)]
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit)


def post_streamed(client: Client, url: str, body: StreamedUpload, declared: int | None = None) -> Any:
    environ: dict[str, Any] = {
        "CONTENT_LENGTH": str(declared if declared is not None else body.length), "wsgi.input": body,
    }  # fmt: skip
    return client.generic("POST", url, b"-", content_type=f"multipart/form-data; boundary={BOUNDARY}", **environ)


@pytest.fixture
def claire_client(client: Client, people: Any) -> Client:
    client.force_login(people.claire)
    return client


@pytest.fixture
def temporary_files(settings: Any, tmp_path: Any) -> Any:
    """Every upload goes to a temporary file in tmp_path (none is kept in memory)."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return tmp_path


def test_a_300_mb_photo_is_refused_from_its_declared_length_before_a_byte_is_read(
    claire_client: Client, territory: Any, temporary_files: Any
) -> None:
    url = reverse("directory:photo_upload", args=["place", territory.farm_shop.pk])
    body = StreamedUpload(300 * MB)
    response = post_streamed(claire_client, url, body)
    assert response.status_code == 413
    page = response.content.decode()
    assert "300" in page and "8" in page and "TERROIR_PHOTO_MAX_MB" in page
    assert body.read_bytes == 0 and not list(temporary_files.iterdir())


def test_a_photo_growing_past_the_limit_is_stopped_there_and_nothing_is_kept(
    claire_client: Client, territory: Any, temporary_files: Any, settings: Any
) -> None:
    settings.TERROIR_PHOTO_MAX_MB = 1
    url = reverse("directory:photo_upload", args=["place", territory.farm_shop.pk])
    body = StreamedUpload(MB + 600 * 1024)  # its declared length is within the form's margin
    response = post_streamed(claire_client, url, body)
    assert response.status_code == 413
    page = response.content.decode()
    assert "enorme.jpg" in page and "TERROIR_PHOTO_MAX_MB" in page
    # Stopped within a chunk (64 KiB) of the limit: the rest was never read, nor written anywhere.
    assert body.read_bytes < MB + 200 * 1024
    assert not list(temporary_files.iterdir())
    assert not territory.farm_shop.photos.exists()


def test_a_page_without_a_limit_of_its_own_takes_the_default(client: Client, settings: Any) -> None:
    settings.TERROIR_UPLOAD_MAX_MB = 2
    body = StreamedUpload(50 * MB)
    response = post_streamed(client, reverse("account_login"), body)
    assert response.status_code == 413 and "TERROIR_UPLOAD_MAX_MB" in response.content.decode()
    assert body.read_bytes == 0


def test_a_photo_within_the_limit_is_kept(claire_client: Client, territory: Any, temporary_files: Any) -> None:
    from terroir.contributions.tests.test_photos import image_bytes

    data = image_bytes("JPEG", (640, 480))
    body = StreamedUpload(len(data), name="cave.jpg")
    body.read = _serving(body, data)  # type: ignore[method-assign]
    url = reverse("directory:photo_upload", args=["place", territory.farm_shop.pk])
    response = post_streamed(claire_client, url, body)
    assert response.status_code == 302
    assert territory.farm_shop.photos.count() == 1


def _serving(body: StreamedUpload, data: bytes) -> Any:
    whole = body.head + data + body.tail

    def read(n: int = -1) -> bytes:
        n = len(whole) - body.read_bytes if n is None or n < 0 else n
        out = whole[body.read_bytes : body.read_bytes + n]
        body.read_bytes += len(out)
        return out

    return read
