"""Uploaded photos: checked, re-encoded without metadata, size-limited; removal is a revertible change."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation
from PIL import Image, ImageFile

from terroir.contributions import revisions
from terroir.contributions.photos import photo_add
from terroir.directory.photos import image_clean
from terroir.lib.tests.bounded import memory_ceiling

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 40, 128) if mode == "RGBA" else (30, 120, 40)).save(out, fmt, **save)
    return out.getvalue()


def png_of_zeros(width: int, height: int) -> bytes:
    """A black greyscale PNG written chunk by chunk: a few dozen kilobytes, width × height bytes decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # the filter byte, then the pixels
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def clean(data: bytes) -> tuple[bytes, int, int]:
    with translation.override("en"):
        return image_clean(io.BytesIO(data), size=len(data))


def test_a_phone_photo_loses_its_gps_position_and_is_scaled_down(settings: Any) -> None:
    settings.TERROIR_PHOTO_MAX_SIDE = 800
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 33.0, 36.0), 4: (3.0, 46.0, 12.0)}  # GPSInfo: the farmer's house
    exif[0x010F] = "PhoneMaker"
    jpeg, width, height = clean(image_bytes("JPEG", (3000, 2000), exif=exif.tobytes()))
    with Image.open(io.BytesIO(jpeg)) as out:
        assert out.format == "JPEG"
        assert (out.width, out.height) == (width, height) == (800, 533)
        assert not out.getexif()
        assert "exif" not in out.info


def test_a_transparent_png_is_accepted_on_a_white_background() -> None:
    jpeg, _w, _h = clean(image_bytes("PNG", mode="RGBA"))
    with Image.open(io.BytesIO(jpeg)) as out:
        assert out.mode == "RGB"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"this is not an image at all", "not an image"),
        (image_bytes("JPEG")[:200], "damaged or truncated"),
        (image_bytes("GIF"), "GIF images are not accepted"),
        (b"", "empty"),
    ],
)
def test_what_is_not_a_usable_photo_is_refused_saying_why(data: bytes, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean(data)
    assert says in caught.value.messages[0]


def test_a_photo_too_heavy_or_with_too_many_pixels_is_refused(settings: Any) -> None:
    settings.TERROIR_PHOTO_MAX_MB = 1
    with pytest.raises(ValidationError, match="larger than 1 MB"), translation.override("en"):
        image_clean(io.BytesIO(b"x"), size=2 * 1024 * 1024)
    settings.TERROIR_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="too many pixels"):
        clean(image_bytes("PNG", (100, 100)))


def test_a_6320_pixel_square_png_is_decoded_before_the_transaction_that_keeps_it(
    territory: Any, people: Any, monkeypatch: Any, settings: Any
) -> None:
    """Decoding 40 megapixels takes a while: inside the transaction, it held SQLite's write lock and another
    person's save failed with "database is locked"."""
    data = png_of_zeros(6320, 6320)
    assert len(data) < 100_000 and settings.TERROIR_PHOTO_MAX_PIXELS >= 6320 * 6320
    depths: list[int] = []
    load = ImageFile.ImageFile.load

    def watched_load(image: ImageFile.ImageFile) -> Any:
        depths.append(len(connection.atomic_blocks))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    with memory_ceiling():
        photo = photo_add(
            entry=territory.farm_shop, data=io.BytesIO(data), size=len(data), caption="", by=people.claire
        )
    assert depths and set(depths) == {outside}
    assert (photo.width, photo.height) == (settings.TERROIR_PHOTO_MAX_SIDE, settings.TERROIR_PHOTO_MAX_SIDE)


def test_a_jpeg_is_decoded_at_a_reduced_scale(settings: Any, monkeypatch: Any) -> None:
    settings.TERROIR_PHOTO_MAX_SIDE = 400
    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def watched_load(image: ImageFile.ImageFile) -> Any:
        done = load(image)
        decoded.append(image.size)
        return done

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    _jpeg, width, height = clean(image_bytes("JPEG", (4000, 3000)))
    assert (width, height) == (400, 300)
    # Decoded at 1/4 (1000 × 750), not whole: 1/8 would leave 375 rows, fewer than 400.
    assert decoded and max(decoded) == (1000, 750)


def test_a_removed_photo_is_no_longer_served_and_a_revert_brings_it_back(territory: Any, people: Any) -> None:
    data = image_bytes("JPEG")
    photo = photo_add(
        entry=territory.farm_shop, data=io.BytesIO(data), size=len(data), caption="La cave", by=people.claire
    )
    client = Client()
    assert client.get(photo.image.url).status_code == 200
    assert photo.image.url in client.get(territory.farm_shop.get_absolute_url()).content.decode()
    removal = revisions.entry_edit(entry=territory.farm_shop, changes={"photos": []}, by=people.claire, version=None)
    assert client.get(photo.image.url).status_code == 404
    assert removal is not None
    revisions.revision_revert(revision=removal, by=people.claire)
    assert client.get(photo.image.url).status_code == 200


def test_a_forged_media_path_finds_nothing(client: Client) -> None:
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/photos/2026/11/nothing.jpg").status_code == 404
