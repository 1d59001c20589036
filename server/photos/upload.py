"""A photo's PUT by its UUID, shared by the check's and the rectification's photos: its route, its
body limit, and the dependency that reads the bytes only once the UUID and type are checked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Request, Response, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from ..api import receipt, receipt_responses, uuid_or_404
from .pipeline import SentPhoto
from .service import media_type_of, refuse_type

T = TypeVar("T")

# The body limit for photo uploads is enforced before the body is read; a little
# headroom over the pipeline's own limit lets it give the more precise message.
PHOTO_BODY_LIMIT = 21 * 1024 * 1024


async def read_photo_body(request: Request[Any, Any, Any]) -> tuple[str | None, bytes]:
    """The upload's declared type and bytes; a type no photo has is refused before a byte is read."""
    content_type = request.headers.get("content-type")
    refuse_type(media_type_of(content_type))
    return content_type, await request.body()


def photo_put(path: str, receipt: type[Any]) -> Any:
    """The route of a PUT of a photo's bytes: the photo body limit, its receipts documented, and
    the handler's `upload: PhotoUploadDep`."""
    return put(
        path,
        request_max_body_size=PHOTO_BODY_LIMIT,
        status_code=200,
        responses=receipt_responses(receipt, "photo"),
        dependencies={"upload": Provide(PhotoUpload, sync_to_thread=False)},
    )


# How a service keeps a photo: (user, the UUID of what it belongs to, its UUID, type, bytes).
PutPhoto = Callable[[Any, str, SentPhoto], Awaitable[tuple[int, Mapping[str, Any]]]]


@dataclass(frozen=True)
class PhotoUpload:
    """The photo a PUT's path names and its bytes, read only when `store` is called."""

    request: Request[Any, Any, Any]
    photo_uuid: FromPath[str]

    async def store(self, put_photo: PutPhoto, owner: str, schema: type[T]) -> Response[T]:
        """Has `put_photo` keep the photo for `owner` (a canonical UUID, checked first), once the
        photo's UUID and type are checked, and answers its receipt with its status."""
        photo_uuid = uuid_or_404(self.photo_uuid, "The photo UUID")
        content_type, data = await read_photo_body(self.request)
        sent = SentPhoto(photo_uuid, content_type, data)
        return receipt(await put_photo(self.request.user, owner, sent), schema)


PhotoUploadDep = NamedDependency[PhotoUpload]
