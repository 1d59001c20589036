"""The office's overview: counts by campaign and status, what is overdue, undisclosed covert findings."""

from __future__ import annotations

from sqlalchemy import func, select

from ..db import Database
from ..findings.access import visible_findings
from ..findings.service import WAITING_FOR_UNIT
from ..models import Finding, User, utcnow


class OfficeService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self, user: User, limit: int = 50) -> list[Finding]:
        async with self.db.read() as session:
            return list(
                (
                    await session.scalars(
                        select(Finding).where(visible_findings(user)).order_by(Finding.id.desc()).limit(limit)
                    )
                ).all()
            )

    async def counts(self, user: User) -> dict[int, dict[str, int]]:
        async with self.db.read() as session:
            rows = await session.execute(
                select(Finding.campaign_id, Finding.status, func.count())
                .where(visible_findings(user))
                .group_by(Finding.campaign_id, Finding.status)
            )
            counts: dict[int, dict[str, int]] = {}
            for campaign_id, status, n in rows.all():
                counts.setdefault(campaign_id, {})[status] = n
            return counts

    async def overdue_by_campaign(self) -> dict[int, int]:
        async with self.db.read() as session:
            return dict(
                (
                    await session.execute(
                        select(Finding.campaign_id, func.count())
                        .where(Finding.status.in_(WAITING_FOR_UNIT), Finding.deadline < utcnow())
                        .group_by(Finding.campaign_id)
                    )
                ).all()
            )

    async def undisclosed_covert(self, limit: int = 20) -> list[Finding]:
        async with self.db.read() as session:
            return list(
                (
                    await session.scalars(
                        select(Finding)
                        .where(Finding.covert.is_(True), Finding.disclosed_at.is_(None))
                        .order_by(Finding.id.desc())
                        .limit(limit)
                    )
                ).all()
            )
