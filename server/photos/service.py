"""Receiving a check's photos: process off the loop, store the files, then record them.

The order matters for "nothing half-saved": the bytes are checked and processed first,
the files are written (content-addressed, so a retry rewrites the same names), and only
then does one transaction mark the photo received. A failure anywhere before that leaves
the photo still "missing", and the client simply sends it again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import Select, func, insert, select

from ..audit.chain import AuditLog
from ..db import Database
from ..errors import AppError, Conflict, Invalid, NotFound, TooLarge, Unavailable, Unsupported
from ..geo import distance_m
from ..i18n import gettext as _
from ..models import Photo, Role, User, utcnow
from ..settings import Settings
from .limits import DecodeBusy, DecodeLimiter
from .pipeline import ACCEPTED_TYPES, PhotoHeader, PhotoRejected, ProcessedPhoto, probe_photo, process_photo
from .presenters import photo_json
from .store import PhotoStore

log = logging.getLogger("xuncha")
# How long a phone should wait before sending a photo again after the store could not take it.
STORE_RETRY_AFTER = 60

# Core table: one multi-row INSERT for a body's photos; the ORM's bulk machinery costs more.
PHOTOS = Photo.__table__
# What a declared photo is until its bytes arrive, for the audit entry of its declaration.
UNRECEIVED: dict[str, Any] = dict.fromkeys(
    (
        "received_at",
        "media_type",
        "size_bytes",
        "sha256",
        "width",
        "height",
        "taken_at",
        "exif_lat",
        "exif_lon",
    )
) | {"far_from_check": False}

_T = TypeVar("_T")
# The flag of a photo whose own capture time cannot be true (see PhotoService.implausible_time).
IMPLAUSIBLE_TIME = "implausible_time"
_REJECTIONS: dict[int, type[AppError]] = {413: TooLarge, 415: Unsupported, 422: Invalid}


async def declare_photos(
    session: Any, rows: list[dict[str, Any]], audit: AuditLog, *, by_uploader: bool
) -> None:
    """Insert the photos a check or rectification declares, not yet received, in one statement,
    and record each in the audit trail (as done by its uploader when `by_uploader`)."""
    ids = dict((await session.execute(insert(PHOTOS).returning(PHOTOS.c.uuid, PHOTOS.c.id), rows)).all())
    for row in rows:
        row.update(id=ids[row["uuid"]], **UNRECEIVED)
        if by_uploader:
            audit.record("photo.declared", "photo", row, actor=row["uploader_id"])
        else:
            audit.record("photo.declared", "photo", row)


def rejection_message(exc: PhotoRejected, settings: Settings) -> str:
    """The pipeline's refusal, said in the person's language."""
    if exc.code == "too_large":
        return _(
            "The photo is too large; the limit is %(limit).0f MB.", limit=settings.max_photo_bytes / 1048576
        )
    if exc.code == "too_many_pixels":
        return _(
            "The photo has too many pixels; the limit is %(limit)s megapixels. Take it at a lower resolution.",
            limit=settings.max_photo_pixels // 1_000_000,
        )
    if exc.code == "truncated":
        return _("The photo is incomplete or damaged (the upload may have been cut off); send it again.")
    if exc.code == "unsupported_type":
        return _("This kind of file is not accepted; send a JPEG, PNG or WebP photo.")
    return _("The file is not a readable photo.")


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def refuse_type(media_type: str) -> None:
    if media_type not in ACCEPTED_TYPES:
        raise Unsupported(
            _(
                "Send the photo as image/jpeg, image/png or image/webp (got %(type)s).",
                type=media_type or "nothing",
            ),
            code="unsupported_type",
        )


class PhotoService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        store: PhotoStore,
        visible: Callable[[User], Select[tuple[Photo]]],
    ) -> None:
        self.db = db
        self.settings = settings
        self.store = store
        self.zone = ZoneInfo(settings.timezone)
        # The photos a user may see, as a query: the domain that owns the photos knows who sees
        # them (checks and findings), so the caller who wires the app passes it in.
        self.visible = visible
        self.decoding = DecodeLimiter(
            slots=settings.photo_decode_slots,
            pixels=settings.photo_decode_pixels,
            queue=settings.photo_decode_queue,
            wait_seconds=settings.photo_decode_wait_seconds,
        )

    async def receive(
        self,
        user: User,
        photo: Photo,
        content_type: str | None,
        data: bytes,
        processed: ProcessedPhoto | None,
        on_received: Callable[[Any, Photo, ProcessedPhoto, AuditLog], Awaitable[dict[str, Any]]],
        on_replay: Callable[[Any, Photo], Awaitable[dict[str, Any]]],
    ) -> tuple[int, dict[str, Any]]:
        """Check, process and store one declared photo's bytes, then mark it received.

        The files are written before the transaction that marks the photo received, so a
        failure anywhere leaves the photo "missing" and the client sends it again.
        """
        media_type = media_type_of(content_type)
        refuse_type(media_type)
        if len(data) > self.settings.max_photo_bytes:
            raise TooLarge(self._too_large(len(data)), code="too_large")
        sha = hashlib.sha256(data).hexdigest()
        if photo.received_at is not None:
            self._same_bytes(photo, sha)
            async with self.db.read() as session:
                return 200, photo_json(photo) | await on_replay(session, photo)

        processed = processed or await self.process(data, media_type)
        await self._save(data, processed)
        async with self.db.write() as session:
            fresh = await session.get(Photo, photo.id, populate_existing=True)
            assert fresh is not None
            if fresh.received_at is not None:  # a concurrent upload won the race
                self._same_bytes(fresh, sha)
                return 200, photo_json(fresh) | await on_replay(session, fresh)
            audit = AuditLog(actor_id=user.id)
            extra = await on_received(session, fresh, processed, audit)
            await audit.write(session)
            return 201, photo_json(fresh) | extra

    @staticmethod
    async def missing(session: Any, owner_clause: Any, except_id: int) -> int:
        return int(
            await session.scalar(
                select(func.count()).where(owner_clause, Photo.received_at.is_(None), Photo.id != except_id)
            )
            or 0
        )

    @staticmethod
    def _same_bytes(photo: Photo, sha: str) -> None:
        if photo.sha256 != sha:
            raise Conflict(
                _(
                    "Other bytes were already received under this photo UUID; a received photo cannot be replaced."
                ),
                code="photo_differs",
            )

    def _too_large(self, size: int) -> str:
        return _(
            "The photo is %(size).1f MB; the limit is %(limit).0f MB.",
            size=size / 1048576,
            limit=self.settings.max_photo_bytes / 1048576,
        )

    async def _save(self, data: bytes, processed: ProcessedPhoto) -> None:
        try:
            await anyio.to_thread.run_sync(
                self.store.save,
                processed.sha256,
                processed.media_type,
                data,
                processed.display_jpeg,
                processed.thumb_jpeg,
            )
        except OSError as exc:
            # A full or read-only disk is the server's state, not the photo's fault: the phone keeps
            # the photo and sends it again later, and nothing of this attempt is left behind.
            log.error("the photo store cannot write %s: %s", processed.sha256, exc)
            raise Unavailable(
                _("The server cannot store photos at the moment; the photo is kept and sent again later."),
                retry_after=STORE_RETRY_AFTER,
                code="storage_unavailable",
            ) from None

    async def probe(self, data: bytes, media_type: str) -> PhotoHeader:
        """The photo's type and pixel count from its header, refused (4xx) when over a limit."""
        return await self._refused_as_app_error(
            lambda: probe_photo(
                data,
                media_type,
                max_bytes=self.settings.max_photo_bytes,
                max_pixels=self.settings.max_photo_pixels,
            )
        )

    async def process(
        self, data: bytes, media_type: str, header: PhotoHeader | None = None
    ) -> ProcessedPhoto:
        """Decode and make the display copies, when the decode budget has room (else 503)."""
        header = header or await self.probe(data, media_type)
        try:
            async with self.decoding.admit(header.pixels):
                return await self._refused_as_app_error(
                    lambda: process_photo(
                        data,
                        media_type,
                        max_bytes=self.settings.max_photo_bytes,
                        max_pixels=self.settings.max_photo_pixels,
                    )
                )
        except DecodeBusy as exc:
            raise Unavailable(
                _("The server is busy processing photos; the photo is kept and sent again shortly."),
                retry_after=exc.retry_after,
                code="busy",
            ) from None

    async def _refused_as_app_error(self, work: Callable[[], _T]) -> _T:
        try:
            return await anyio.to_thread.run_sync(work)
        except PhotoRejected as exc:
            error = _REJECTIONS.get(exc.status_code, Invalid)
            raise error(rejection_message(exc, self.settings), code=exc.code) from None

    def fill(self, photo: Photo, processed: ProcessedPhoto, near_lat: float, near_lon: float) -> None:
        """The photo's own facts, and its distance from the place it was meant to show."""
        photo.received_at = utcnow()
        photo.media_type = processed.media_type
        photo.size_bytes = processed.size_bytes
        photo.sha256 = processed.sha256
        photo.width, photo.height = processed.width, processed.height
        photo.phash = processed.phash
        taken_at, assumed = self._taken_at(processed.taken_at)
        if taken_at is None and photo.client_taken_at is not None:
            taken_at, assumed = photo.client_taken_at, False
        photo.taken_at, photo.taken_at_zone_assumed = taken_at, assumed
        flags = [f for f in photo.flags.split() if f != IMPLAUSIBLE_TIME] if photo.flags else []
        if self.implausible_time(taken_at, photo.received_at):
            flags.append(IMPLAUSIBLE_TIME)
        photo.flags = " ".join(flags)
        if processed.exif_lat is not None and processed.exif_lon is not None:
            photo.exif_lat, photo.exif_lon, photo.exif_source = processed.exif_lat, processed.exif_lon, "file"
        elif photo.client_lat is not None and photo.client_lon is not None:
            photo.exif_lat, photo.exif_lon, photo.exif_source = photo.client_lat, photo.client_lon, "client"
        if photo.exif_lat is not None and photo.exif_lon is not None:
            photo.distance_m = distance_m(near_lat, near_lon, photo.exif_lat, photo.exif_lon)

    def implausible_time(self, taken_at: datetime | None, received_at: datetime) -> bool:
        """A capture time after the photo arrived (beyond time-zone slips) or many years before it:
        a camera clock that was never set, or one set on purpose. It is kept, but proves nothing."""
        if taken_at is None:
            return False
        ahead = timedelta(hours=self.settings.photo_time_ahead_hours)
        oldest = timedelta(days=self.settings.photo_time_max_age_days)
        return not received_at - oldest <= taken_at <= received_at + ahead

    def _taken_at(self, value: datetime | None) -> tuple[datetime | None, bool]:
        if value is None:
            return None, False
        if value.tzinfo is None:
            # A camera clock without an offset is read as the bureau's local time.
            return value.replace(tzinfo=self.zone).astimezone(UTC), True
        return value.astimezone(UTC), False

    async def photo_for(self, user: User, photo_uuid: str) -> Photo:
        async with self.db.read() as session:
            photo = await session.scalar(self.visible(user).where(Photo.uuid == photo_uuid))
        if photo is None or photo.received_at is None or photo.sha256 is None:
            raise NotFound(_("There is no photo with this UUID that you may see."))
        return photo

    def original_allowed(self, user: User) -> bool:
        return user.role == Role.office
