"""The photos of a plain (no-JavaScript) form: vetted cheaply, all of them, and none decoded.

A form can carry many parts of any size, so the cheapest checks come first: the count, the
declared types and the sizes (the parts are already spooled to disk by the multipart parser),
then every part's header and structure for its real type, pixel count and EXIF facts. As with the
sync API, the copies are made in the background once the form's record and originals are saved.
"""

from __future__ import annotations

import hashlib
import os
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import UploadFile

from ..errors import Invalid, TooLarge
from ..i18n import gettext as _
from .pipeline import PhotoFacts
from .service import PhotoService, media_type_of, refuse_type

# A plain form's whole body: enough for a dozen phone photos at once (the phone's own path sends
# them one by one), and refused before it is read when the declared length says more.
FORM_BODY_LIMIT = 64 * 1024 * 1024


@dataclass
class FormPhoto:
    field: str
    upload: UploadFile
    media_type: str
    sha256: str
    facts: PhotoFacts
    uuid: str = ""

    async def read(self) -> bytes:
        await self.upload.seek(0)
        return await self.upload.read()


def _size(upload: UploadFile) -> int:
    # The part is a spooled file: its size is where its end is, without reading it.
    file = upload.file
    here = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(here)
    return size


def _refused(field: str, reason: str) -> Invalid:
    return Invalid(
        _("A photo was refused: %(reason)s", reason=reason), errors=[{"field": field, "message": reason}]
    )


async def read_form_photos(
    parts: Iterable[tuple[str, Any]], photos: PhotoService, *, limit: int
) -> list[FormPhoto]:
    """The form's photos as (field, part) pairs, checked; the same bytes sent twice in one field
    count once. Raises Invalid (422) or Unsupported (415) naming the field."""
    settings = photos.settings
    files = [(field, part) for field, part in parts if isinstance(part, UploadFile) and part.filename]
    sized = [(field, part, _size(part)) for field, part in files]
    sized = [(field, part, size) for field, part, size in sized if size > 0]
    # Counted by part first: more parts than the limit are refused before a byte of them is read.
    if len(sized) > limit:
        raise _refused(sized[limit][0], _("At most %(limit)s photos can be sent at once.", limit=limit))
    for field, part, size in sized:
        refuse_type(media_type_of(part.content_type))
        if size > settings.max_photo_bytes:
            raise _refused(
                field,
                _(
                    "The photo is %(size).1f MB; the limit is %(limit).0f MB.",
                    size=size / 1048576,
                    limit=settings.max_photo_bytes / 1048576,
                ),
            )

    vetted: list[FormPhoto] = []
    seen: set[tuple[str, str]] = set()
    for field, part, _size_bytes in sized:
        await part.seek(0)
        data = await part.read()
        sha = hashlib.sha256(data).hexdigest()
        if (field, sha) in seen:
            continue
        seen.add((field, sha))
        media_type = media_type_of(part.content_type)
        try:
            facts = await photos.inspect(data, media_type)
        except (Invalid, TooLarge) as exc:
            raise _refused(field, exc.message) from None
        vetted.append(FormPhoto(field, part, media_type, sha, facts))
        del data
    return vetted


async def photos_from_form(
    form: Any, fields: list[str], photos: PhotoService, namespace: uuidlib.UUID, record_uuid: str
) -> list[FormPhoto]:
    """The photos of the given file fields, vetted as read_form_photos does, each named
    from the record, the field and the bytes, so a form sent twice names the same photos and stays
    an identical replay."""
    parts = [(field, part) for field in fields for part in form.getall(field, [])]
    vetted = await read_form_photos(parts, photos, limit=photos.settings.max_photos_per_check)
    for photo in vetted:
        photo.uuid = str(uuidlib.uuid5(namespace, f"{record_uuid}/{photo.field}/{photo.sha256}"))
    return vetted
