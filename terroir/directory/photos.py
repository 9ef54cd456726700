"""Photos of producers and places: checked with Pillow and re-encoded before anything is stored.

An upload must be a JPEG, PNG or WebP image no larger than TERROIR_PHOTO_MAX_MB (stopped while it
streams, terroir.directory.uploads) and TERROIR_PHOTO_MAX_PIXELS (read from the header, before decoding).
It is re-encoded as a JPEG of at most TERROIR_PHOTO_MAX_SIDE pixels a side, which drops its metadata (a
phone's GPS position of a farmer's house, among others) and any payload hidden after the image data.
A JPEG is decoded at the smallest scale still larger than that; all decoding happens before the
database transaction that keeps the photo, so that a big image never holds the database's write lock
(on SQLite, other people's saves would fail with "database is locked").
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS = 12


def image_clean(data: IO[bytes], *, size: int) -> tuple[bytes, int, int]:
    """The re-encoded JPEG and its size, or ValidationError saying what is wrong with the upload."""
    limit_mb = settings.TERROIR_PHOTO_MAX_MB
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(_("The image is larger than %(mb)s MB.") % {"mb": limit_mb})
    if size == 0:
        raise ValidationError(_("The file is empty."))
    max_pixels = settings.TERROIR_PHOTO_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(data) as probe:
                if probe.format not in FORMATS:
                    raise ValidationError(
                        _("%(format)s images are not accepted: send a JPEG, PNG or WebP photo.")
                        % {"format": probe.format or "?"}
                    )
                width, height = probe.size
                if width * height > max_pixels:
                    raise ValidationError(
                        _("The image has too many pixels (%(w)s × %(h)s).") % {"w": width, "h": height}
                    )
                probe.verify()
            data.seek(0)
            side = settings.TERROIR_PHOTO_MAX_SIDE
            with Image.open(data) as opened:
                opened.draft("RGB", (side, side))  # JPEG only: decoded at 1/2, 1/4 or 1/8 of its size
                opened.load()
                image: Image.Image = opened.convert("RGBA") if opened.mode in ("P", "1") else opened
                # Whole-pixel box reduction first, then resampling: fast on a big PNG.
                image.thumbnail((side, side), reducing_gap=3.0)
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    background = Image.new("RGB", image.size, "white")
                    rgba = image.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    image = background
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                return out.getvalue(), image.width, image.height
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(_("The file is not an image Terroir can read (JPEG, PNG or WebP).")) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("The image is damaged or truncated.")) from None
