"""Reading complaints: the queue in the order it is worked, one complaint with its history.

A complaint the caller may not see reads as missing, whatever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..campaigns.service import CampaignService
from ..checks.schemas import canonical_uuid
from ..db import Database
from ..errors import NotFound
from ..findings.access import visible_findings
from ..i18n import gettext as _
from ..models import Complaint, ComplaintEvent, ComplaintStatus, Finding, User, utcnow
from ..settings import Settings
from .access import visible_complaints
from .queues import Urgency, urgency
from .ratings import RatingService

LIST_LIMIT = 200


@dataclass(frozen=True)
class ComplaintFilters:
    status: str | None = None
    unit_id: int | None = None
    campaign_id: int | None = None
    late: bool = False


@dataclass
class ComplaintDetail:
    complaint: Complaint
    events: list[ComplaintEvent]
    finding_visible: bool


@dataclass(eq=False)
class ComplaintReads:
    db: Database
    settings: Settings
    campaigns: CampaignService
    # The one-time rating links of closed complaints: each close opens one.
    ratings: RatingService

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.settings.timezone)

    # ---- clocks ---------------------------------------------------------------------------

    def urgency(self, complaint: Complaint, now: datetime) -> Urgency:
        return urgency(complaint, now, self.zone, self.settings.callback_days)

    # ---- reading --------------------------------------------------------------------------

    async def list(self, user: User, filters: ComplaintFilters, limit: int = LIST_LIMIT) -> list[Complaint]:
        """Late and due-today first (by how late), then the rest newest first."""
        now = utcnow()
        query = select(Complaint).where(visible_complaints(user))
        if filters.status:
            query = query.where(Complaint.status == filters.status)
        if filters.unit_id is not None:
            query = query.where(Complaint.assigned_unit_id == filters.unit_id)
        if filters.campaign_id is not None:
            query = query.where(Complaint.campaign_id == filters.campaign_id)
        if filters.late:
            callback_cut = now - timedelta(days=self.settings.callback_days)
            query = query.where(
                ((Complaint.status == ComplaintStatus.assigned.value) & (Complaint.deadline < now))
                | (
                    (Complaint.status == ComplaintStatus.investigated.value)
                    & (Complaint.investigated_at < callback_cut)
                )
            )
        async with self.db.read() as session:
            rows = list(
                (await session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc())))
                .unique()
                .all()
            )
        far = datetime.max.replace(tzinfo=now.tzinfo)
        rows.sort(key=lambda c: (self.urgency(c, now).rank, self.urgency(c, now).due or far))
        return rows[:limit]

    async def _visible(self, session: Any, user: User, uuid: str, *, lock: bool = False) -> Complaint:
        canonical = canonical_uuid(uuid)
        query = select(Complaint).where(Complaint.uuid == canonical, visible_complaints(user))
        if lock:
            query = query.with_for_update(of=Complaint)
        complaint = None if canonical is None else await session.scalar(query)
        if complaint is None:
            raise NotFound(_("There is no complaint %(uuid)s that you may see.", uuid=str(uuid)[:40]))
        return complaint

    async def detail(self, user: User, uuid: str) -> ComplaintDetail:
        async with self.db.read() as session:
            complaint = await self._visible(session, user, uuid)
            events = list(
                (
                    await session.scalars(
                        select(ComplaintEvent)
                        .where(ComplaintEvent.complaint_id == complaint.id)
                        .order_by(ComplaintEvent.id)
                    )
                )
                .unique()
                .all()
            )
            finding_visible = False
            if complaint.finding_id is not None:
                finding_visible = (
                    await session.scalar(
                        select(Finding.id).where(Finding.id == complaint.finding_id, visible_findings(user))
                    )
                ) is not None
        return ComplaintDetail(complaint, events, finding_visible)

    async def _reload(self, user: User, uuid: str) -> Complaint:
        async with self.db.read() as session:
            return await self._visible(session, user, uuid)
