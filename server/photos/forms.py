"""Photos posted through a plain form: each checked (type, size, decodable) before anything is
saved, and named from the record, the field and the bytes, so a form sent twice names the same
photos and stays an identical replay."""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar.datastructures import UploadFile

from ..errors import Invalid
from ..i18n import gettext as _
from ..settings import Settings
from .pipeline import PhotoRejected, ProcessedPhoto, process_photo
from .service import media_type_of, refuse_type, rejection_message


@dataclass
class FormPhoto:
    uuid: str
    field: str
    media_type: str
    data: bytes
    processed: ProcessedPhoto


async def photos_from_form(
    form: Any, fields: list[str], settings: Settings, namespace: uuidlib.UUID, record_uuid: str
) -> list[FormPhoto]:
    """The photos of the given file fields, in order, each once; the first refused one refuses all."""
    photos: list[FormPhoto] = []
    for name in fields:
        for upload in form.getall(name, []):
            if not isinstance(upload, UploadFile) or not upload.filename:
                continue
            data = await upload.read()
            if not data:
                continue
            media_type = media_type_of(upload.content_type)
            refuse_type(media_type)
            try:
                processed = await anyio.to_thread.run_sync(
                    lambda d=data, m=media_type: process_photo(
                        d, m, max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels
                    )
                )
            except PhotoRejected as exc:
                reason = rejection_message(exc, settings)
                raise Invalid(
                    _("A photo was refused: %(reason)s", reason=reason),
                    errors=[{"field": name, "message": reason}],
                ) from None
            digest = hashlib.sha256(data).hexdigest()
            photo_uuid = str(uuidlib.uuid5(namespace, f"{record_uuid}/{name}/{digest}"))
            if any(p.uuid == photo_uuid for p in photos):
                continue
            photos.append(FormPhoto(photo_uuid, name, media_type, data, processed))
    return photos
