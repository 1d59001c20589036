"""A received photo's bytes (display, thumb or, for the office, the original) to whoever may see it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import File

from ..accounts.guards import logged_in
from ..api import uuid_or_404
from ..deps import PhotosDep
from ..errors import Forbidden, Invalid
from ..i18n import gettext as _
from ..models import User


class PhotoApiController(Controller):
    path = "/api/v1/photos"
    guards = [logged_in]
    tags = ["photos"]

    @get("/{photo_uuid:str}")
    async def get_photo(
        self,
        request: Request[User, Any, Any],
        photo_uuid: FromPath[str],
        photos: PhotosDep,
        size: FromQuery[str] = "display",
    ) -> File:
        photo = await photos.photo_for(request.user, uuid_or_404(photo_uuid, "The photo UUID"))
        assert photo.sha256 is not None
        if size == "original":
            if not photos.original_allowed(request.user):
                raise Forbidden(_("Only the supervision office may download original photos."))
            path = photos.store.original_path(photo.sha256, photo.media_type or "")
            media_type = photo.media_type or "application/octet-stream"
        elif size in ("display", "thumb"):
            path = photos.store.derived_path(size, photo.sha256)
            media_type = "image/jpeg"
        else:
            raise Invalid(
                _("size must be display, thumb or original."),
                errors=[{"field": "size", "message": _("Use display, thumb or original.")}],
            )
        return File(
            path=path,
            media_type=media_type,
            content_disposition_type="inline",
            filename=f"{photo.uuid}-{size}.{'jpg' if media_type == 'image/jpeg' else 'bin'}",
            headers={
                "Cache-Control": "private, max-age=31536000, immutable",
                "ETag": f'"{photo.sha256}-{size}"',
            },
        )
