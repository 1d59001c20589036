"""A received photo's bytes (display, thumb or, for the office, the original) to whoever may see it."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from ..accounts.guards import logged_in
from ..api import uuid_or_404
from ..deps import PhotosDep
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..models import User
from .store import PhotoMissing, derived_key, original_key


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
    ) -> Response[bytes]:
        photo = await photos.photo_for(request.user, uuid_or_404(photo_uuid, "The photo UUID"))
        assert photo.sha256 is not None
        if size == "original":
            if not photos.original_allowed(request.user):
                raise Forbidden(_("Only the supervision office may download original photos."))
            key = original_key(photo.sha256, photo.media_type or "")
            media_type = photo.media_type or "application/octet-stream"
        elif size in ("display", "thumb"):
            # Made in the background after the photo was acknowledged: made now if no worker has
            # got to it yet, 409 while another is at it or when it cannot be made.
            await photos.copies_ready(photo)
            key = derived_key(size, photo.sha256)
            media_type = "image/jpeg"
        else:
            raise Invalid(
                _("size must be display, thumb or original."),
                errors=[{"field": "size", "message": _("Use display, thumb or original.")}],
            )
        try:
            data = await anyio.to_thread.run_sync(photos.store.get, key)
        except PhotoMissing:
            raise NotFound(
                _("The photo's file is missing from the photo store; tell the administrator.")
            ) from None
        filename = f"{photo.uuid}-{size}.{'jpg' if media_type == 'image/jpeg' else 'bin'}"
        return Response(
            content=data,
            media_type=media_type,
            headers={
                "Content-Disposition": f'inline; filename="{filename}"',
                "Cache-Control": "private, max-age=31536000, immutable",
                "ETag": f'"{photo.sha256}-{size}"',
            },
        )
