"""Adding a photo to an entry: the image is checked and re-encoded by terroir.directory.photos outside the
transaction, then kept with a revision (removing a photo is an edit of the entry's `photos`)."""

from __future__ import annotations

import secrets
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from terroir.accounts.permissions import can_edit
from terroir.directory.editing import Entry, User, entity_of, photos_of
from terroir.directory.models import Actor, Photo
from terroir.directory.photos import MAX_PHOTOS, image_clean

from .models import Revision


def photo_add(*, entry: Entry, data: IO[bytes], size: int, caption: str, by: User | None) -> Photo:
    """Checks and re-encodes the image, then keeps it in one transaction (the decoding stays outside)."""
    if not can_edit(by, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    _room_check(entry)
    jpeg, width, height = image_clean(data, size=size)
    return _photo_keep(entry=entry, jpeg=jpeg, width=width, height=height, caption=caption, by=by)


def _room_check(entry: Entry) -> list[int]:
    before = photos_of(entry)
    if len(before) >= MAX_PHOTOS:
        raise ValidationError(_("At most %(n)s photos: remove one first.") % {"n": MAX_PHOTOS})
    return before


@transaction.atomic
def _photo_keep(*, entry: Entry, jpeg: bytes, width: int, height: int, caption: str, by: User | None) -> Photo:
    before = _room_check(entry)  # again: another photo may have been added meanwhile
    owner: dict[str, Any] = {"actor": entry} if isinstance(entry, Actor) else {"place": entry}
    uploader: Any = by if by is not None and by.is_authenticated else None
    photo = Photo(width=width, height=height, caption=caption.strip()[:200], uploaded_by=uploader, **owner)
    photo.image.save(f"{secrets.token_hex(8)}.jpg", ContentFile(jpeg), save=False)
    photo.save()
    Revision.objects.create(
        entity=entity_of(entry), entity_id=entry.pk, by=photo.uploaded_by, origin=Revision.Origin.EDIT,
        changes={"photos": [before, sorted([*before, photo.pk])]},
    )  # fmt: skip
    return photo
