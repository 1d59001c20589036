"""Receiving a check's photos: check them cheaply, store the original, record them, answer.

The order matters for "nothing half-saved": the bytes are checked from their header and
structure (no pixel is decoded), the original is stored durably (content-addressed, so a
retry rewrites the same name), and only then does one transaction mark the photo received
and queue it. A failure anywhere before that leaves the photo still "missing", and the
client simply sends it again. The display copy and thumbnail are made afterwards, in the
background (derive.py); until then the photo's status is "processing".
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import Select, func, insert, select

from ..audit.chain import AuditLog
from ..db import Database
from ..errors import AppError, Conflict, Forbidden, Invalid, NotFound, TooLarge, Unavailable, Unsupported
from ..geo import distance_m
from ..i18n import gettext as _
from ..models import Photo, Role, User, utcnow
from ..settings import Settings
from .derive import PROCESSING, READY, UNDECODABLE, PhotoDeriver
from .limits import DecodeLimiter
from .pipeline import ACCEPTED_TYPES, PhotoFacts, PhotoRejected, SentPhoto, inspect_photo
from .presenters import photo_json
from .queue import PhotoQueue
from .receipts import Answer, OnReceived, OnReplay, ReceiptWriter, Unwritten, is_new, record_received
from .store import PhotoStore, original_key

log = logging.getLogger("xuncha")
# How long a phone should wait before sending a photo again after the store could not take it.
STORE_RETRY_AFTER = 60
# How long a request for a photo's copies waits for another worker to finish them, in steps.
COPY_WAIT_STEPS, COPY_WAIT_STEP_SECONDS, COPY_RETRY_AFTER = 25, 0.2, 5

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


class _StoreFailed(Exception):
    def __init__(self, sha256: str, error: OSError) -> None:
        super().__init__(str(error))
        self.sha256 = sha256
        self.error = error


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


@dataclass(frozen=True)
class OwnerWords:
    """What a photo's PUT answers when its owner (a check, a rectification) is not one the caller
    may see, is someone else's, or does not list the photo: messages marked with N_, translated
    when they are raised."""

    missing: str
    not_author: str
    not_listed: str


async def declared_photo(
    session: Any, user: User, owner: Any, owner_column: Any, sent: SentPhoto, words: OwnerWords
) -> Photo:
    """The photo `sent` names among those `owner` (None when the caller may not see it) declared,
    where `owner_column` is the photo's column naming its owner; only the owner's author may send it."""
    sender_owns(user, owner, words)
    photo = await session.scalar(select(Photo).where(Photo.uuid == sent.uuid, owner_column == owner.id))
    return listed_photo(photo, words)


def sender_owns(user: User, owner: Any, words: OwnerWords) -> None:
    """Refuses a photo for an owner the sender may not see (None) or did not author."""
    if owner is None:
        raise NotFound(_(words.missing))
    if owner.author_id != user.id:
        raise Forbidden(_(words.not_author))


def listed_photo(photo: Photo | None, words: OwnerWords) -> Photo:
    """The photo its owner declared, when the caller read it with its owner in one statement."""
    if photo is None:
        raise NotFound(_(words.not_listed), code="photo_not_declared")
    return photo


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
        self.queue = PhotoQueue(db, lease_seconds=settings.photo_job_lease_seconds)
        self.deriver = PhotoDeriver(db, settings, store, self.queue, self.decoding)
        self.receipts = ReceiptWriter(db)

    async def receive(
        self,
        user: User,
        photo: Photo,
        sent: SentPhoto,
        on_received: OnReceived,
        on_replay: OnReplay,
    ) -> Answer:
        """Check and store one declared photo's original, then mark it received and queue it.

        The original is written before the transaction that marks the photo received, so a
        failure anywhere leaves the photo "missing" and the client sends it again. That
        transaction is shared with the other photos arriving at the same moment (receipts.py).
        """
        with self.deriver.arriving():
            return await self._receive(user, photo, sent, on_received, on_replay)

    async def _receive(
        self, user: User, photo: Photo, sent: SentPhoto, on_received: OnReceived, on_replay: OnReplay
    ) -> Answer:
        data = sent.data
        media_type = media_type_of(sent.content_type)
        refuse_type(media_type)
        if len(data) > self.settings.max_photo_bytes:
            raise TooLarge(self._too_large(len(data)), code="too_large")
        if photo.received_at is not None:
            self._same_bytes(photo, hashlib.sha256(data).hexdigest())
            async with self.db.read() as session:
                return 200, photo_json(photo) | await on_replay(session, photo)

        facts = await self._checked_and_stored(data, media_type, sent.facts)
        answer = await self.receipts.submit(user.id, photo.id, facts, on_received, on_replay)
        if answer is Unwritten.alone:
            answer = await self._record_alone(user, photo, facts, on_received, on_replay)
        if isinstance(answer, Unwritten):
            raise self._differs()
        if is_new(answer):
            self.deriver.wake()
        return answer

    async def _record_alone(
        self,
        user: User,
        photo: Photo,
        facts: PhotoFacts,
        on_received: OnReceived,
        on_replay: OnReplay,
    ) -> Answer | Unwritten:
        """Mark the photo received in a transaction of its own (the shared one failed)."""
        async with self.db.write() as session:
            fresh = await session.get(Photo, photo.id, populate_existing=True, with_for_update={"of": Photo})
            if fresh is None:
                raise NotFound(_("There is no photo with this UUID that you may see."))
            audit = AuditLog(actor_id=user.id)
            answer = await record_received(session, fresh, user.id, facts, on_received, on_replay, audit)
            if is_new(answer):
                await self.queue.enqueue(session, fresh.id)
            await audit.write(session)
        return answer

    @staticmethod
    async def missing(session: Any, owner_clause: Any, except_id: int) -> int:
        return int(
            await session.scalar(
                select(func.count()).where(owner_clause, Photo.received_at.is_(None), Photo.id != except_id)
            )
            or 0
        )

    @classmethod
    def _same_bytes(cls, photo: Photo, sha: str) -> None:
        if photo.sha256 != sha:
            raise cls._differs()

    @staticmethod
    def _differs() -> Conflict:
        return Conflict(
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

    async def _checked_and_stored(self, data: bytes, media_type: str, facts: PhotoFacts | None) -> PhotoFacts:
        """The photo's facts (unless the caller has them) and its original stored durably, in one
        trip to a worker thread; the bytes are hashed once, by the inspection."""

        def work() -> PhotoFacts:
            checked = facts or self._inspect_sync(data, media_type)
            try:
                self.store.put(original_key(checked.sha256, checked.media_type), data)
            except OSError as exc:
                raise _StoreFailed(checked.sha256, exc) from exc
            return checked

        try:
            return await self._refused_as_app_error(work)
        except _StoreFailed as exc:
            # A full or read-only disk (or an unreachable bucket) is the server's state, not the
            # photo's fault: the phone keeps the photo and sends it again later.
            log.error("the photo store cannot write %s: %s", exc.sha256, exc.error)
            raise Unavailable(
                _("The server cannot store photos at the moment; the photo is kept and sent again later."),
                retry_after=STORE_RETRY_AFTER,
                code="storage_unavailable",
            ) from None

    def _inspect_sync(self, data: bytes, media_type: str) -> PhotoFacts:
        return inspect_photo(
            data,
            media_type,
            max_bytes=self.settings.max_photo_bytes,
            max_pixels=self.settings.max_photo_pixels,
        )

    async def inspect(self, data: bytes, media_type: str) -> PhotoFacts:
        """The photo's facts from its header and structure, refused (4xx) as decoding would refuse
        it; no pixel is decoded, so this needs no turn in the decode budget."""
        return await self._refused_as_app_error(lambda: self._inspect_sync(data, media_type))

    async def _refused_as_app_error(self, work: Callable[[], _T]) -> _T:
        try:
            return await anyio.to_thread.run_sync(work)
        except PhotoRejected as exc:
            error = _REJECTIONS.get(exc.status_code, Invalid)
            raise error(rejection_message(exc, self.settings), code=exc.code) from None

    def fill(self, photo: Photo, facts: PhotoFacts, near_lat: float, near_lon: float) -> None:
        """The photo's own facts, and its distance from the place it was meant to show."""
        photo.received_at = utcnow()
        photo.media_type = facts.media_type
        photo.size_bytes = facts.size_bytes
        photo.sha256 = facts.sha256
        photo.width, photo.height = facts.width, facts.height
        photo.status = PROCESSING
        taken_at, assumed = self._taken_at(facts.taken_at)
        if taken_at is None and photo.client_taken_at is not None:
            taken_at, assumed = photo.client_taken_at, False
        photo.taken_at, photo.taken_at_zone_assumed = taken_at, assumed
        flags = [f for f in photo.flags.split() if f != IMPLAUSIBLE_TIME] if photo.flags else []
        if self.implausible_time(taken_at, photo.received_at):
            flags.append(IMPLAUSIBLE_TIME)
        photo.flags = " ".join(flags)
        if facts.exif_lat is not None and facts.exif_lon is not None:
            photo.exif_lat, photo.exif_lon, photo.exif_source = facts.exif_lat, facts.exif_lon, "file"
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

    async def copies_ready(self, photo: Photo) -> None:
        """Return once the photo's display copy and thumbnail exist: made now when no worker holds
        its job, awaited for a few seconds when one does. Conflict (409) while they are still being
        made, or when the photo turned out undecodable."""
        status = photo.status
        if status == PROCESSING:
            await self.deriver.derive_now(photo.id)
            for _wait in range(COPY_WAIT_STEPS):
                async with self.db.read() as session:
                    status = await session.scalar(select(Photo.status).where(Photo.id == photo.id))
                if status != PROCESSING:
                    break
                await asyncio.sleep(COPY_WAIT_STEP_SECONDS)
        if status == UNDECODABLE:
            raise Conflict(
                _("The photo arrived whole but cannot be decoded into a picture; only its original is kept."),
                code="photo_undecodable",
            )
        if status != READY:
            raise Conflict(
                _("The photo's display copy is still being made; try again in a few seconds."),
                code="photo_processing",
                headers={"Retry-After": str(COPY_RETRY_AFTER)},
            )

    async def undecodable(self) -> list[Photo]:
        """The received photos no picture could be made of, newest first, for the office."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Photo).where(Photo.status == UNDECODABLE).order_by(Photo.received_at.desc()).limit(500)
            )
            return list(rows.all())

    def original_allowed(self, user: User) -> bool:
        return user.role == Role.office
