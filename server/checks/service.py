"""Recording checks through the sync API: idempotent by the client's UUID, all or nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import raiseload, selectinload

from ..api import body_digest
from ..audit.chain import AuditLog
from ..campaigns.service import CampaignRef, CampaignService, Reference
from ..db import Database
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..models import (
    KINDS_BY_ROLE,
    Check,
    CheckStatus,
    Finding,
    Photo,
    Role,
    User,
)
from ..photos.pipeline import PhotoFacts, SentPhoto
from ..photos.service import OwnerWords, PhotoService, listed_photo, sender_owns
from ..settings import Settings
from .access import visible_checks
from .schemas import CheckIn, Errors, parse_check
from .writer import CheckWriter, NewCheck, Outcome

_MAX_ID = 2**63 - 1


def _resolve(inp: CheckIn, ref: Reference) -> tuple[CampaignRef, int | None, int | None]:
    """The codes of a check against the reference data; unknown ones are a 422."""
    errors = Errors()
    campaign = ref.campaigns.get(inp.campaign)
    if campaign is None or not campaign.active:
        errors.add("campaign", _("Unknown campaign code: %(code)s.", code=inp.campaign))
    elif inp.checklist_version is not None and campaign.at_version(inp.checklist_version) is None:
        errors.add(
            "checklist_version",
            _("This campaign's checklist has no version %(n)s.", n=inp.checklist_version),
        )
    else:
        # Read against the version the officer saw: an edit by the office since then
        # does not cost them the check, as long as the items were in that version.
        if inp.checklist_version is not None:
            campaign = campaign.at_version(inp.checklist_version)
            assert campaign is not None
        for i, answer in enumerate(inp.answers):
            item = campaign.items_by_code.get(answer.item)
            if item is None:
                errors.add(
                    f"answers[{i}].item", _("This campaign has no checklist item %(code)s.", code=answer.item)
                )
    site_id = ref.sites_by_code.get(inp.site) if inp.site else None
    if inp.site and site_id is None:
        errors.add("site", _("Unknown site code: %(code)s.", code=inp.site))
    unit_id = ref.units_by_code.get(inp.target_unit) if inp.target_unit else None
    if inp.target_unit and unit_id is None:
        errors.add("target_unit", _("Unknown unit code: %(code)s.", code=inp.target_unit))
    errors.raise_if_any(_("The check has mistakes; nothing was saved."))
    assert campaign is not None
    return campaign, site_id, unit_id


@dataclass(frozen=True)
class CheckPage:
    checks: list[Check]
    next_cursor: int | None


CHECK_PHOTO_WORDS = OwnerWords(
    missing=N_("There is no check with this UUID that you may see; send the check first."),
    not_author=N_("Only the check's author may add its photos."),
    not_listed=N_("The check does not list a photo with this UUID."),
)


class CheckService:
    def __init__(
        self, db: Database, settings: Settings, campaigns: CampaignService, photos: PhotoService
    ) -> None:
        self.db = db
        self.settings = settings
        self.campaigns = campaigns
        self.photos = photos
        self.writer = CheckWriter(db)

    async def put_check(self, user: User, check_uuid: str, body: Any) -> tuple[int, dict[str, Any]]:
        inp = parse_check(
            body,
            max_photos=self.settings.max_photos_per_check,
            clock_skew=timedelta(minutes=self.settings.clock_skew_minutes),
        )
        if inp.kind not in KINDS_BY_ROLE.get(Role(user.role), frozenset()):
            raise Forbidden(_("Your role may not record a check of this kind."), code="kind_not_allowed")
        digest = body_digest(body)
        ref = await self.campaigns.reference()
        try:
            campaign, site_id, unit_id = _resolve(inp, ref)
        except Invalid:
            # An identical replay stays a replay even if a code has since been retired.
            if await self._exists(check_uuid):
                return await self._replay(user, check_uuid, digest, ref)
            raise
        loop = asyncio.get_running_loop()
        result = await self.writer.submit(
            NewCheck(user.id, check_uuid, inp, digest, campaign, site_id, unit_id, loop.create_future())
        )
        if result is Outcome.exists:
            return await self._replay(user, check_uuid, digest, ref)
        if result is Outcome.photo_uuid_taken:
            raise Conflict(
                _("A photo UUID of this check already belongs to another record; make new ones."),
                code="photo_uuid_taken",
            )
        assert isinstance(result, dict)
        return 201, result

    async def put_photo(self, user: User, check_uuid: str, sent: SentPhoto) -> tuple[int, dict[str, Any]]:
        async with self.db.read() as session:
            # The check with the photo it declared under this UUID, in one statement; only the
            # check's own columns: its author, campaign, site and unit are not needed here.
            declared = (
                await session.execute(
                    select(Check, Photo)
                    .outerjoin(Photo, (Photo.check_id == Check.id) & (Photo.uuid == sent.uuid))
                    .where(Check.uuid == check_uuid, visible_checks(user))
                    .options(raiseload("*"))
                )
            ).first()
            check, photo = declared if declared is not None else (None, None)
            sender_owns(user, check, CHECK_PHOTO_WORDS)
            photo = listed_photo(photo, CHECK_PHOTO_WORDS)

        async def complete_check(
            session: Any, photo: Photo, facts: PhotoFacts, audit: AuditLog
        ) -> dict[str, Any]:
            # The check as it is now, with how many of its other photos are still to come: one
            # statement, in the transaction that marks this photo received.
            others_missing = (
                select(func.count())
                .where(Photo.check_id == Check.id, Photo.received_at.is_(None), Photo.id != photo.id)
                .scalar_subquery()
            )
            owner, missing = (
                await session.execute(
                    select(Check, others_missing)
                    .where(Check.id == photo.check_id)
                    .options(raiseload("*"))
                    .execution_options(populate_existing=True)
                )
            ).one()
            self.photos.fill(photo, facts, owner.lat, owner.lon)
            photo.far_from_check = (
                photo.distance_m is not None and photo.distance_m > self.settings.photo_far_m
            )
            audit.record("photo.received", "photo", photo)
            if not missing and owner.status != CheckStatus.complete:
                owner.status = CheckStatus.complete
                audit.record("check.completed", "check", owner)
            return {"check_status": owner.status}

        async def check_status(session: Any, photo: Photo) -> dict[str, Any]:
            return {
                "check_status": await session.scalar(select(Check.status).where(Check.id == photo.check_id))
            }

        return await self.photos.receive(user, photo, sent, complete_check, check_status)

    async def _exists(self, check_uuid: str) -> bool:
        async with self.db.read() as session:
            return await session.scalar(select(Check.id).where(Check.uuid == check_uuid)) is not None

    async def _replay(
        self, user: User, check_uuid: str, digest: str, ref: Reference
    ) -> tuple[int, dict[str, Any]]:
        async with self.db.read() as session:
            existing = (
                await session.execute(
                    select(Check.id, Check.author_id, Check.body_sha256).where(Check.uuid == check_uuid)
                )
            ).one()
            if existing.author_id != user.id:
                raise Conflict(
                    _("This check UUID is already used by someone else; make a new UUID."), code="uuid_taken"
                )
            if existing.body_sha256 != digest:
                raise Conflict(
                    _(
                        "A different check was already saved under this UUID; a saved check cannot be changed."
                    ),
                    code="body_differs",
                )
            return 200, await self._stored_receipt(session, existing.id, ref)

    async def _stored_receipt(self, session: Any, check_id: int, ref: Reference) -> dict[str, Any]:
        check = (
            await session.execute(
                select(Check.uuid, Check.status, Check.received_at, Check.campaign_id).where(
                    Check.id == check_id
                )
            )
        ).one()
        codes = {i.id: i.code for i in ref.campaigns_by_id[check.campaign_id].items}
        findings = (
            await session.execute(
                select(Finding.id, Finding.item_id, Finding.severity, Finding.status)
                .where(Finding.check_id == check_id)
                .order_by(Finding.id)
            )
        ).all()
        missing = (
            await session.scalars(
                select(Photo.uuid)
                .where(Photo.check_id == check_id, Photo.received_at.is_(None))
                .order_by(Photo.position)
            )
        ).all()
        return {
            "uuid": check.uuid,
            "status": check.status,
            "missing_photos": list(missing),
            "findings": [
                {"id": f.id, "item": codes.get(f.item_id), "severity": f.severity, "status": f.status}
                for f in findings
            ],
            "received_at": check.received_at.isoformat(),
        }

    async def get_check(self, user: User, check_uuid: str) -> Check:
        """The check with its answers, photos and findings, or 404 for anyone who may not see it."""
        async with self.db.read() as session:
            check = await session.scalar(
                select(Check)
                .where(Check.uuid == check_uuid, visible_checks(user))
                .options(selectinload(Check.answers), selectinload(Check.photos))
            )
            if check is None:
                raise NotFound(_("There is no check with this UUID that you may see."))
            findings = (
                await session.scalars(
                    select(Finding).where(Finding.check_id == check.id).order_by(Finding.id)
                )
            ).all()
        check.__dict__["findings"] = list(findings)
        return check

    async def list_checks(
        self,
        user: User,
        *,
        author_me: bool = False,
        since: datetime | None = None,
        campaign_id: int | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> CheckPage:
        query = select(Check).where(visible_checks(user))
        if author_me:
            query = query.where(Check.author_id == user.id)
        if since is not None:
            try:
                query = query.where(Check.received_at >= since.astimezone(UTC))
            except OverflowError:
                # A time at the very end of the calendar: past year 9999 in UTC nothing is newer;
                # before year 1 everything is.
                if since.year > 1:
                    return CheckPage([], None)
        if campaign_id is not None:
            query = query.where(Check.campaign_id == campaign_id)
        if before_id is not None and before_id <= _MAX_ID:  # ids beyond the column's range: no limit
            query = query.where(Check.id < before_id)
        query = query.order_by(Check.id.desc()).limit(limit + 1)
        async with self.db.read() as session:
            checks = list((await session.scalars(query)).unique().all())
            counts: dict[int, tuple[int, int]] = {}
            if checks:
                ids = [c.id for c in checks[:limit]]
                rows = await session.execute(
                    select(Finding.check_id, func.count())
                    .where(Finding.check_id.in_(ids))
                    .group_by(Finding.check_id)
                )
                counts = {cid: n for cid, n in rows.all()}  # type: ignore[misc]
        for c in checks:
            c.__dict__["finding_count"] = counts.get(c.id, 0)
        more = len(checks) > limit
        return CheckPage(checks[:limit], checks[limit - 1].id if more else None)


def recorded_local(check: Check) -> datetime:
    """The capture time in the phone's own offset, as it was sent."""
    return check.recorded_at.astimezone(timezone(timedelta(minutes=check.recorded_offset_min)))
