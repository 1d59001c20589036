"""Reading findings: one finding with everything a lead needs to decide, and filtered lists."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from ..db import Database
from ..errors import NotFound
from ..geo import bounding_box, distance_m
from ..i18n import gettext as _
from ..models import (
    AuditEntry,
    Campaign,
    Check,
    Complaint,
    Finding,
    FindingEvent,
    FindingStatus,
    Photo,
    Rectification,
    Role,
    User,
    utcnow,
)
from ..settings import Settings
from .access import visible_findings
from .filters import FindingFilters

OPEN_STATUSES = (FindingStatus.new, FindingStatus.assigned, FindingStatus.submitted, FindingStatus.rework)
WAITING_FOR_UNIT = (FindingStatus.assigned.value, FindingStatus.rework.value)


@dataclass
class FindingDetail:
    finding: Finding
    check: Check
    check_photos: list[Photo]
    events: list[FindingEvent]
    rectifications: list[Rectification]
    after_photos: dict[int, list[Photo]]
    merged: list[Finding] = field(default_factory=list)
    duplicate_candidates: list[tuple[Finding, float]] = field(default_factory=list)
    can_act_as_lead: bool = False
    # The source of the public complaint the finding answers, if any (the notice's wording).
    complaint_source: str | None = None


def is_overdue(finding: Finding, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return finding.status in WAITING_FOR_UNIT and finding.deadline is not None and finding.deadline < now


def is_due_soon(finding: Finding, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        finding.status in WAITING_FOR_UNIT
        and finding.deadline is not None
        and now <= finding.deadline <= now + timedelta(days=1)
    )


def acts_as_lead(user: User, campaign: Campaign) -> bool:
    return user.role == Role.office or (user.role == Role.lead and campaign.lead_id == user.id)


def filter_clause(filters: FindingFilters, now: datetime) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.campaign_id is not None:
        clauses.append(Finding.campaign_id == filters.campaign_id)
    if filters.status:
        clauses.append(Finding.status == filters.status)
    if filters.unit_id is not None:
        clauses.append(Finding.assigned_unit_id == filters.unit_id)
    if filters.site_id is not None:
        clauses.append(Finding.site_id == filters.site_id)
    if filters.severity:
        clauses.append(Finding.severity == filters.severity)
    if filters.since is not None:
        clauses.append(Finding.created_at >= filters.since)
    if filters.until is not None:
        clauses.append(Finding.created_at < filters.until)
    if filters.overdue:
        clauses.append(and_(Finding.status.in_(WAITING_FOR_UNIT), Finding.deadline < now))
    if filters.due_soon:
        clauses.append(
            and_(
                Finding.status.in_(WAITING_FOR_UNIT),
                Finding.deadline >= now,
                Finding.deadline <= now + timedelta(days=1),
            )
        )
    return clauses


async def _of_finding(session: Any, model: Any, finding_id: int) -> list[Any]:
    """A finding's events or rectifications, oldest first."""
    return list(
        (await session.scalars(select(model).where(model.finding_id == finding_id).order_by(model.id))).all()
    )


class FindingService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def list(
        self, user: User, filters: FindingFilters, *, before_id: int | None = None, limit: int = 50
    ) -> tuple[list[Finding], int | None]:
        query = select(Finding).where(visible_findings(user), *filter_clause(filters, utcnow()))
        if before_id is not None:
            query = query.where(Finding.id < before_id)
        query = query.order_by(Finding.id.desc()).limit(limit + 1)
        async with self.db.read() as session:
            rows = list((await session.scalars(query)).unique().all())
        more = len(rows) > limit
        return rows[:limit], rows[limit - 1].id if more else None

    async def visible(self, user: User, finding_id: int) -> Finding:
        async with self.db.read() as session:
            finding = await session.scalar(
                select(Finding).where(Finding.id == finding_id, visible_findings(user))
            )
        if finding is None:
            raise NotFound(_("There is no finding %(id)s that you may see.", id=finding_id))
        return finding

    async def detail(self, user: User, finding_id: int) -> FindingDetail:
        finding = await self.visible(user, finding_id)
        async with self.db.read() as session:
            check = await session.scalar(
                select(Check)
                .where(Check.id == finding.check_id)
                .options(selectinload(Check.photos), selectinload(Check.answers))
            )
            assert check is not None
            events = await _of_finding(session, FindingEvent, finding.id)
            # An entry that names another finding the reader may not see (a covert one the
            # office merged here before disclosing it) is left out of their history; the
            # audit trail keeps it for the office.
            related = {e.related_finding_id for e in events if e.related_finding_id is not None}
            if related:
                seen = set(
                    (
                        await session.scalars(
                            select(Finding.id).where(Finding.id.in_(related), visible_findings(user))
                        )
                    ).all()
                )
                events = [e for e in events if e.related_finding_id is None or e.related_finding_id in seen]
            rectifications = await _of_finding(session, Rectification, finding.id)
            after: dict[int, list[Photo]] = {r.id: [] for r in rectifications}
            if rectifications:
                for photo in (
                    await session.scalars(
                        select(Photo).where(Photo.rectification_id.in_(after)).order_by(Photo.position)
                    )
                ).all():
                    after[photo.rectification_id].append(photo)  # type: ignore[index]
            merged = list(
                (
                    await session.scalars(
                        select(Finding).where(Finding.duplicate_of_id == finding.id, visible_findings(user))
                    )
                ).all()
            )
            complaint_source = await session.scalar(
                select(Complaint.source).where(Complaint.finding_id == finding.id).limit(1)
            )
        # Before-photos: those of the failed item, and those of the whole scene.
        photos = [p for p in check.photos if p.item_id in (None, finding.item_id)]
        detail = FindingDetail(finding, check, photos, events, rectifications, after, merged)
        detail.complaint_source = complaint_source
        detail.can_act_as_lead = acts_as_lead(user, finding.campaign)
        if detail.can_act_as_lead and finding.status not in (FindingStatus.closed, FindingStatus.merged):
            detail.duplicate_candidates = await self.duplicate_candidates(user, finding)
        return detail

    async def duplicate_candidates(self, user: User, finding: Finding) -> list[tuple[Finding, float]]:
        """Open findings of the same item, near it, opened in the days before it: likely the same problem."""
        radius = self.settings.duplicate_radius_m
        south, north, west, east = bounding_box(finding.lat, finding.lon, radius)
        window = timedelta(days=self.settings.duplicate_days)
        query = select(Finding).where(
            visible_findings(user),
            Finding.id != finding.id,
            Finding.campaign_id == finding.campaign_id,
            Finding.item_id == finding.item_id,
            Finding.status.in_([s.value for s in OPEN_STATUSES]),
            Finding.created_at >= finding.created_at - window,
            Finding.created_at <= finding.created_at + window,
            Finding.lat.between(south, north),
            Finding.lon.between(west, east),
            or_(Finding.duplicate_of_id.is_(None), Finding.duplicate_of_id != finding.id),
        )
        async with self.db.read() as session:
            candidates = (await session.scalars(query.limit(50))).unique().all()
        near = [(f, distance_m(finding.lat, finding.lon, f.lat, f.lon)) for f in candidates]
        return sorted([pair for pair in near if pair[1] <= radius], key=lambda pair: pair[1])

    async def audit_trail(self, detail: FindingDetail) -> list[dict[str, Any]]:
        """Entries of the finding, its rectifications and every photo of both."""
        photo_ids = [p.id for p in detail.check_photos] + [
            p.id for ps in detail.after_photos.values() for p in ps
        ]
        rect_ids = [r.id for r in detail.rectifications]
        about = [and_(AuditEntry.object_type == "finding", AuditEntry.object_id == str(detail.finding.id))]
        if rect_ids:
            about.append(
                and_(AuditEntry.object_type == "rectification", AuditEntry.object_id.in_(map(str, rect_ids)))
            )
        if photo_ids:
            about.append(
                and_(AuditEntry.object_type == "photo", AuditEntry.object_id.in_(map(str, photo_ids)))
            )
        async with self.db.read() as session:
            entries = (
                await session.scalars(
                    select(AuditEntry).where(or_(*about)).order_by(AuditEntry.seq).limit(500)
                )
            ).all()
            actor_ids = {e.actor_id for e in entries if e.actor_id}
            actors = {
                u.id: u for u in (await session.scalars(select(User).where(User.id.in_(actor_ids)))).all()
            }
        trail = []
        for e in entries:
            data = json.loads(e.data)
            trail.append(
                {
                    "entry": e,
                    "actor": actors.get(e.actor_id or 0),
                    "details": data.get("details", {}),
                    "state": data.get("state", {}),
                }
            )
        return trail


def finding_json(finding: Finding, lang: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    return {
        "id": finding.id,
        "campaign": finding.campaign.code,
        "item": finding.item.code,
        "item_text": finding.item.text(lang),
        "severity": finding.severity,
        "status": finding.status,
        "location": {"lat": finding.lat, "lon": finding.lon},
        "site": {"code": finding.site.code, "name": finding.site.name(lang)} if finding.site else None,
        "found_at": finding.found_at.isoformat(),
        "created_at": finding.created_at.isoformat(),
        "unit": {"code": finding.assigned_unit.code, "name": finding.assigned_unit.name(lang)}
        if finding.assigned_unit
        else None,
        "assigned_at": finding.assigned_at.isoformat() if finding.assigned_at else None,
        "deadline": finding.deadline.isoformat() if finding.deadline else None,
        "submitted_at": finding.submitted_at.isoformat() if finding.submitted_at else None,
        "closed_at": finding.closed_at.isoformat() if finding.closed_at else None,
        "rework_count": finding.rework_count,
        "notice_number": finding.notice_number,
        "overdue": is_overdue(finding, now),
        "due_soon": is_due_soon(finding, now),
        "duplicate_of": finding.duplicate_of_id,
        "covert": finding.covert,
    }
