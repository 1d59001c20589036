"""A unit's rectification with after-photos: the same idempotent sync semantics as checks,
and the checks that catch a fake one (虚假整改).

An after-photo is flagged when its position is far from the finding, when it was taken
before the finding was assigned, or when it is the finding's own photo again (the same
bytes, or nearly the same picture). The flags are for the lead who verifies; they do not
refuse the upload, since a person must judge them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import raiseload

from ..api import body_digest, decode_body, uuid_or_404
from ..audit.chain import AuditLog
from ..checks.schemas import Errors, LocationIn, PhotoIn, location_in, note_text, photos_in, recent
from ..db import Database
from ..errors import Conflict, Forbidden
from ..geo import distance_m
from ..i18n import gettext as _
from ..labels import N_
from ..models import (
    CheckStatus,
    Finding,
    Photo,
    Rectification,
    Role,
    User,
    utcnow,
)
from ..photos.pipeline import PhotoFacts, SentPhoto, phash_distance
from ..photos.service import IMPLAUSIBLE_TIME, OwnerWords, PhotoService, declare_photos, declared_photo
from ..settings import Settings
from .access import locked_finding, visible_findings
from .schemas import RectificationBody, rectification_messages
from .service import WAITING_FOR_UNIT
from .workflow import Workflow, refused

NEAR_IDENTICAL_BITS = 6


def rectification_receipt(rect: Rectification, missing: list[str], finding: Finding) -> dict[str, Any]:
    return {
        "uuid": rect.uuid,
        "finding": finding.id,
        "status": rect.status,
        "missing_photos": missing,
        "finding_status": finding.status,
        "received_at": rect.received_at.isoformat(),
    }


RECT_PHOTO_WORDS = OwnerWords(
    missing=N_("There is no rectification with this UUID that you may see; send it first."),
    not_author=N_("Only the rectification's author may add its photos."),
    not_listed=N_("The rectification does not list a photo with this UUID."),
)


class RectificationService:
    def __init__(self, db: Database, settings: Settings, photos: PhotoService, workflow: Workflow) -> None:
        self.db = db
        self.settings = settings
        self.photos = photos
        self.workflow = workflow
        photos.deriver.hooks.append(self.flag_near_identical)

    def _parse(self, body: Any) -> tuple[str, Any, LocationIn, tuple[PhotoIn, ...]]:
        summary = _("The rectification has mistakes; nothing was saved.")
        rect = decode_body(body, RectificationBody, rectification_messages, summary=summary)
        errors = Errors()
        skew = timedelta(minutes=self.settings.clock_skew_minutes)
        recorded_at = recent(rect.recorded_at, "recorded_at", errors, max_skew=skew)
        photos = photos_in(rect.photos, errors, self.settings.max_photos_per_check, skew)
        for i, photo in enumerate(photos):
            if photo.item is not None:
                errors.add(f"photos[{i}].item", _("After-photos belong to the finding, not to an item."))
        errors.raise_if_any(summary)
        return note_text(rect.note), recorded_at, location_in(rect.location), photos

    async def put(self, user: User, finding_id: int, rect_uuid: str, body: Any) -> tuple[int, dict[str, Any]]:
        note, recorded_at, location, photos = self._parse(body)
        digest = body_digest(body)
        async with self.db.write() as session:
            finding = await locked_finding(session, user, finding_id)
            if user.role != Role.handler or finding.assigned_unit_id != user.unit_id:
                raise Forbidden(_("Only the unit the finding is assigned to may report its rectification."))
            existing = await session.scalar(select(Rectification).where(Rectification.uuid == rect_uuid))
            if existing is not None:
                if existing.author_id != user.id or existing.finding_id != finding.id:
                    raise Conflict(
                        _("This rectification UUID is already used; make a new one."), code="uuid_taken"
                    )
                if existing.body_sha256 != digest:
                    raise Conflict(
                        _("A different rectification was already saved under this UUID."), code="body_differs"
                    )
                missing = await self._missing(session, existing.id)
                return 200, rectification_receipt(existing, missing, finding)
            if finding.status not in WAITING_FOR_UNIT:
                raise refused(
                    finding,
                    _("Only an assigned finding, or one sent back for rework, takes a rectification."),
                )
            pending = await session.scalar(
                select(Rectification).where(
                    Rectification.finding_id == finding.id,
                    Rectification.status == CheckStatus.awaiting_photos,
                )
            )
            if pending is not None:
                # One report per round: a second phone's report would otherwise race the first
                # to submit the finding, and the lead would judge whichever came last.
                raise refused(
                    finding,
                    _(
                        "%(name)s already reported this rectification at %(time)s and its photos are still arriving; it will be submitted when they are in.",
                        name=pending.author.display_name if pending.author else "",
                        time=pending.received_at.astimezone(ZoneInfo(self.settings.timezone)).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    ),
                )
            taken = (
                await session.scalars(select(Photo.uuid).where(Photo.uuid.in_([p.uuid for p in photos])))
            ).all()
            if taken:
                raise Conflict(
                    _(
                        "Photo UUID %(uuid)s already belongs to another record; make a new one.",
                        uuid=taken[0],
                    ),
                    code="photo_uuid_taken",
                )
            now = utcnow()
            offset = recorded_at.utcoffset() or timedelta(0)
            rect = Rectification(
                uuid=rect_uuid,
                finding_id=finding.id,
                unit_id=user.unit_id,
                author_id=user.id,
                note=note,
                recorded_at=recorded_at,
                recorded_offset_min=int(offset.total_seconds() // 60),
                received_at=now,
                lat=location.lat,
                lon=location.lon,
                accuracy_m=location.accuracy_m,
                location_source=location.source,
                body_sha256=digest,
                status=CheckStatus.awaiting_photos,
            )
            session.add(rect)
            await session.flush()
            audit = AuditLog(actor_id=user.id)
            audit.record("rectification.recorded", "rectification", rect)
            rows = [
                {
                    "uuid": p.uuid,
                    "rectification_id": rect.id,
                    "check_id": None,
                    "item_id": None,
                    "position": pos,
                    "uploader_id": user.id,
                    "declared_at": now,
                    "client_taken_at": p.taken_at,
                    "client_lat": p.lat,
                    "client_lon": p.lon,
                    "flags": "",
                }
                for pos, p in enumerate(photos)
            ]
            await declare_photos(session, rows, audit, by_uploader=False)
            await audit.write(session)
            return 201, rectification_receipt(rect, [p.uuid for p in photos], finding)

    @staticmethod
    async def _missing(session: Any, rect_id: int) -> list[str]:
        return list(
            (
                await session.scalars(
                    select(Photo.uuid)
                    .where(Photo.rectification_id == rect_id, Photo.received_at.is_(None))
                    .order_by(Photo.position)
                )
            ).all()
        )

    async def put_photo(self, user: User, rect_uuid: str, sent: SentPhoto) -> tuple[int, dict[str, Any]]:
        async with self.db.read() as session:
            rect = await session.scalar(
                select(Rectification)
                .join(Finding, Finding.id == Rectification.finding_id)
                .where(Rectification.uuid == rect_uuid, visible_findings(user))
                .options(raiseload("*"))
            )
            photo = await declared_photo(session, user, rect, Photo.rectification_id, sent, RECT_PHOTO_WORDS)

        async def on_received(
            session: Any, photo: Photo, facts: PhotoFacts, audit: AuditLog
        ) -> dict[str, Any]:
            owner = await session.get(Rectification, photo.rectification_id, populate_existing=True)
            finding = await session.scalar(
                select(Finding).where(Finding.id == owner.finding_id).with_for_update(of=Finding)
            )
            self.photos.fill(photo, facts, finding.lat, finding.lon)
            photo.flags = " ".join(await self._flags(session, photo, owner, finding))
            audit.record("photo.received", "photo", photo)
            if not await self.photos.missing(session, Photo.rectification_id == owner.id, photo.id):
                now = utcnow()
                owner.status, owner.completed_at = CheckStatus.complete, now
                audit.record("rectification.completed", "rectification", owner)
                await self.workflow.submit(session, audit, finding, user, owner)
            return {
                "rectification_status": owner.status,
                "finding_status": finding.status,
                "flags": photo.flags.split(),
            }

        async def on_replay(session: Any, photo: Photo) -> dict[str, Any]:
            owner = await session.get(Rectification, photo.rectification_id)
            status = await session.scalar(select(Finding.status).where(Finding.id == owner.finding_id))
            return {
                "rectification_status": owner.status,
                "finding_status": status,
                "flags": photo.flags.split(),
            }

        return await self.photos.receive(user, photo, sent, on_received, on_replay)

    async def _flags(self, session: Any, photo: Photo, rect: Rectification, finding: Finding) -> list[str]:
        flags = []
        # Where the after-photo was taken: its own EXIF position, else where the phone was.
        if photo.exif_lat is not None and photo.exif_lon is not None:
            distance = photo.distance_m
        else:
            flags.append("no_position")
            distance = distance_m(finding.lat, finding.lon, rect.lat, rect.lon)
            photo.distance_m = distance
        if distance is not None and distance > self.settings.rectification_far_m:
            flags.append("far")
        taken = photo.taken_at or rect.recorded_at
        # A capture time that cannot be true (2099, 1970) cannot show the photo came after the
        # assignment either: set forward on purpose, it would otherwise pass this check.
        implausible = IMPLAUSIBLE_TIME in photo.flags.split()
        if finding.assigned_at is not None and (implausible or taken < finding.assigned_at):
            flags.append("before_assignment")
        if implausible:
            flags.append(IMPLAUSIBLE_TIME)
        before = (
            await session.execute(
                select(Photo.sha256, Photo.phash).where(
                    Photo.check_id == finding.check_id, Photo.received_at.is_not(None)
                )
            )
        ).all()
        if any(sha == photo.sha256 for sha, _phash in before):
            flags.append("identical")
        elif photo.phash and any(
            phash and phash_distance(phash, photo.phash) <= NEAR_IDENTICAL_BITS for _sha, phash in before
        ):
            flags.append("near_identical")
        return flags

    async def flag_near_identical(self, session: Any, photo: Photo, audit: AuditLog) -> None:
        """Once a photo's picture is known (in the background, after it was acknowledged), flag the
        after-photos that repeat a photo of their finding's check, whichever of the two came last."""
        if photo.phash is None:
            return
        after = select(Photo).join(Rectification, Rectification.id == Photo.rectification_id)
        after = after.join(Finding, Finding.id == Rectification.finding_id).where(Photo.phash.is_not(None))
        if photo.rectification_id is not None:
            before = select(Photo.phash).join(Finding, Finding.check_id == Photo.check_id)
            before = before.join(Rectification, Rectification.finding_id == Finding.id)
            phashes = (
                await session.scalars(
                    before.where(Rectification.id == photo.rectification_id, Photo.phash.is_not(None))
                )
            ).all()
            candidates = [(photo, phashes)]
        elif photo.check_id is not None:
            rows = (await session.scalars(after.where(Finding.check_id == photo.check_id))).all()
            candidates = [(row, [photo.phash]) for row in rows]
        else:
            return
        for target, phashes in candidates:
            flags = target.flags.split()
            if "identical" in flags or "near_identical" in flags or target.phash is None:
                continue
            if any(phash_distance(phash, target.phash) <= NEAR_IDENTICAL_BITS for phash in phashes):
                target.flags = " ".join([*flags, "near_identical"])
                audit.record("photo.flagged", "photo", target, flag="near_identical")


def rect_uuid_or_404(value: str) -> str:
    return uuid_or_404(value, "The rectification UUID", _("The rectification UUID is not a UUID."))
